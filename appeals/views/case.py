"""The freelancer's side of an appeal: the case page (statement of reasons and appeal panel),
filing, messages, withdrawal, downloading their attachments, and the case file (the case bundle
as JSON in the request; as a PDF or ZIP prepared by a worker, its progress polled)."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.decorators import freelancer_required, signed_in
from accounts.roles import REVIEW_APPEALS
from appeals import bundle, services
from appeals.forms import (
    AppealForm,
    MessageForm,
    WithdrawForm,
    add_refusal_errors,
)
from appeals.models import (
    Appeal,
    Attachment,
    CaseFile,
    CaseFileQuerySet,
    case_fingerprint_of,
)
from appeals.services import case_files
from appeals.staff_access import scoped_appeal
from enforcement.models import EnforcementAction
from notifications.services import language_of


def _get_action_for_freelancer(request: HttpRequest, pk: int) -> EnforcementAction:
    return get_object_or_404(
        EnforcementAction.objects.for_account(request.user).with_statement(), pk=pk
    )


def _get_appeal_for_freelancer(request: HttpRequest, pk: int) -> Appeal:
    return get_object_or_404(
        Appeal.objects.for_freelancer(request.user).select_related("action"), pk=pk
    )


def case_context(request: HttpRequest, action: EnforcementAction, **forms) -> dict:
    """The case page: the statement of reasons (`action` from `with_statement()`, constant
    queries) and the freelancer's appeal panel, with any form that was refused.

    The statement is enforcement's and knows nothing of the appeal: it is given the templates
    that show the appeal panel in its #appeal section and, once there is an appeal, what its
    status panel says about it."""
    appeal = (
        Appeal.objects.for_freelancer(request.user)
        .with_thread(internal=False)
        .filter(action=action)
        .first()
    )
    context = {
        "action": action,
        "version": action.primary_version(),
        "appeal": appeal,
        "appeal_panel_template": "appeals/_case_appeal.html",
        # Read only where the page shows the section (not by the partials htmx asks for).
        "case_file_panel": SimpleLazyObject(lambda: freelancer_case_file_panel(request, action)),
    }
    if appeal is None:
        context["appeal_form"] = forms.get("appeal_form") or AppealForm()
        return context
    context["appeal_status_template"] = "appeals/_case_appeal_status.html"
    # The statement's "other ways to challenge it" then no longer suggests appealing first.
    context["appeal_closed"] = not appeal.is_open()
    if appeal.is_open():
        context["message_form"] = forms.get("message_form") or MessageForm()
        context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm()
    return context


@freelancer_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The freelancer's case: the statement of reasons of one action and their appeal."""
    action = _get_action_for_freelancer(request, pk)
    template = "appeals/case_detail.html"
    if request.htmx and not request.htmx.boosted:
        # The appeal's facts ask for themselves until routing has set the deadlines; anything
        # else refreshes the status (appeal decided, restriction lifted) in place.
        template += "#appeal-facts" if request.htmx.target == "appeal-facts" else "#status-panel"
    return render(request, template, case_context(request, action))


def _render_case(request: HttpRequest, action: EnforcementAction, *, status: int = 200, **forms):
    context = case_context(request, action, **forms)
    template = "appeals/case_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#appeal-panel"
    return render(request, template, context, status=status)


def _after_post(request: HttpRequest, action: EnforcementAction) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        return _render_case(request, action)
    return redirect(action.get_absolute_url() + "#appeal")


@require_POST
@freelancer_required
def appeal_create(request: HttpRequest, action_pk: int) -> HttpResponse:
    action = _get_action_for_freelancer(request, action_pk)
    form = AppealForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_case(request, action, status=422, appeal_form=form)
    try:
        appeal, created = services.file_appeal(
            action,
            statement=form.cleaned_data["statement"],
            requested_outcomes=form.cleaned_data["requested_outcomes"],
            uploads=form.cleaned_data["attachments"],
            filed_by=request.user,
        )
    except services.AppealRefused as exc:
        add_refusal_errors(form, exc)
        return _render_case(request, action, status=422, appeal_form=form)
    if created:
        messages.success(request, _("Your appeal was received. A person will review it."))
        return _after_post(request, action)
    new_text = form.cleaned_data["statement"].strip()
    if new_text == appeal.statement.strip() or not appeal.is_open():
        messages.info(request, _("You have already appealed this action. Here is your appeal."))
        return _after_post(request, action)
    # A second filing from a stale tab: the appeal exists, and the text typed in the stale tab
    # is not dropped. It waits in the message box, ready to be sent to the reviewer.
    messages.info(
        request,
        _(
            "You have already appealed this action, so no second appeal was filed. What you "
            "just wrote is in the message box below: send it to add it to your appeal."
        ),
    )
    return _render_case(request, action, message_form=MessageForm(initial={"body": new_text}))


@require_POST
@freelancer_required
def appeal_message(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_freelancer(request, pk)
    action = _get_action_for_freelancer(request, appeal.action_id)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_case(request, action, status=422, message_form=form)
    try:
        services.post_message(
            appeal,
            author=request.user,
            body=form.cleaned_data["body"],
            uploads=form.cleaned_data["attachments"],
        )
    except services.AppealRefused as exc:
        add_refusal_errors(form, exc)
        return _render_case(request, action, status=422, message_form=form)
    messages.success(request, _("Your message was sent."))
    return _after_post(request, action)


@require_POST
@freelancer_required
def appeal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_freelancer(request, pk)
    action = _get_action_for_freelancer(request, appeal.action_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_case(request, action, status=422, withdraw_form=form)
    try:
        services.withdraw_appeal(appeal, by=request.user, reason=form.cleaned_data["reason"])
    except services.AppealRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your appeal was withdrawn."))
    return _after_post(request, action)


@require_safe
@signed_in
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a stored file only to someone who may see it, always as a download."""
    attachment = get_object_or_404(Attachment.objects.select_related("appeal", "message"), pk=pk)
    user = request.user
    is_owner = attachment.appeal.freelancer_id == user.pk
    internal = attachment.message is not None and attachment.message.is_internal
    if not (is_owner and not internal):
        # Staff: only within the reviewer scope (404 otherwise, audit-logged for the decider).
        if not user.has_perm(REVIEW_APPEALS):
            raise Http404
        scoped_appeal(request, attachment.appeal_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.display_name,
        content_type=(
            "text/plain; charset=utf-8"
            if attachment.content_type == "text/plain"
            else attachment.content_type
        ),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


BUNDLE_TYPES = {
    "json": "application/json",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
CASE_FILE_SECTION = "#case-bundle"


def bundle_json_response(action: EnforcementAction, appeal: Appeal | None) -> HttpResponse:
    """The case bundle's JSON, built in the request (it is fast), as a download."""
    content = bundle.bundle_json(bundle.build_bundle(action, appeal))
    response = HttpResponse(content, content_type=BUNDLE_TYPES["json"])
    response["Content-Disposition"] = f'attachment; filename="case-{action.puid}.json"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def case_file_response(case_file: CaseFile) -> FileResponse:
    """A prepared case file (PDF or ZIP) streamed from the private storage, as a download."""
    response = FileResponse(
        case_file.file.open("rb"),
        as_attachment=True,
        filename=case_file.download_name,
        content_type=BUNDLE_TYPES[case_file.format],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def case_file_panel(
    request: HttpRequest,
    action: EnforcementAction,
    rows: CaseFileQuerySet | list[CaseFile],
    *,
    fingerprint: str = "",
    urls: dict[str, str],
    download_url_name: str,
) -> dict:
    """What the "Download the case file" section shows: for PDF and ZIP, the newest case file
    prepared for this reader in their language (queued, with its step while rendering, ready
    with its size, or failed), whether it still matches the case, and whether to poll.

    `rows` is a scope (read here in one query, with the case's fingerprint) or the rows the
    reviewer's case page read with the appeal (with `fingerprint`)."""
    if isinstance(rows, CaseFileQuerySet):
        rows = list(
            rows.filter(action=action, language=language_of(request.user))
            .unexpired()
            .latest_per_format()
            .with_case_fingerprint()
        )
        fingerprint = case_fingerprint_of(rows[0]) if rows else ""
    latest: dict[str, CaseFile] = {}
    for row in sorted(rows, key=lambda row: (row.created_at, row.pk), reverse=True):
        latest.setdefault(row.format, row)
    entries = []
    for fmt, label in CaseFile.Format.choices:
        row = latest.get(fmt)
        entries.append(
            {
                "format": fmt,
                "label": label,
                "row": row,
                "current": row is not None and row.fingerprint == fingerprint,
                "download_url": reverse(download_url_name, args=[row.pk])
                if row is not None and row.status == CaseFile.Status.READY
                else "",
            }
        )
    return {
        **urls,
        "entries": entries,
        "polling": any(row.is_active for row in latest.values()),
    }


def freelancer_case_file_panel(request: HttpRequest, action: EnforcementAction) -> dict:
    return case_file_panel(
        request,
        action,
        CaseFile.objects.for_freelancer(request.user),
        urls={
            "json_url": reverse("appeals:case-bundle", args=[action.pk, "json"]),
            "request_url": reverse("appeals:case-file-request", args=[action.pk]),
            "status_url": reverse("appeals:case-file-status", args=[action.pk]),
            "refresh_url": action.get_absolute_url() + CASE_FILE_SECTION,
        },
        download_url_name="appeals:case-file-download",
    )


@freelancer_required
@require_GET
def case_bundle(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The freelancer's case bundle for an out-of-court dispute settlement body: the JSON at
    once; the PDF and ZIP addresses of old lead to the case page, where a worker prepares them."""
    if fmt not in BUNDLE_TYPES:
        raise Http404
    try:
        action, appeal = bundle.load_case(pk, account=request.user)
    except EnforcementAction.DoesNotExist:
        raise Http404 from None
    if fmt != "json":
        return redirect(action.get_absolute_url() + CASE_FILE_SECTION)
    return bundle_json_response(action, appeal)


@require_POST
@freelancer_required
def case_file_request(request: HttpRequest, action_pk: int) -> HttpResponse:
    """ "Prepare PDF" / "Prepare ZIP": records the request and queues the worker (idempotent)."""
    action = _get_action_for_freelancer(request, action_pk)
    fmt = request.POST.get("format", "")
    if fmt not in CaseFile.Format.values:
        messages.error(request, _("Choose the PDF or the ZIP case file."))
        context = case_context(request, action)
        return render(request, "appeals/case_detail.html", context, status=422)
    case_file, created = case_files.request_case_file(
        action, by=request.user, audience=CaseFile.Audience.FREELANCER, fmt=fmt
    )
    if created:
        messages.success(
            request,
            _("We are preparing your case file (%(format)s). Its progress is shown below.")
            % {"format": case_file.get_format_display()},
        )
    elif case_file.status == CaseFile.Status.READY:
        messages.info(request, _("Your case file is ready: download it below."))
    else:
        messages.info(request, _("Your case file is already being prepared."))
    return redirect(action.get_absolute_url() + CASE_FILE_SECTION)


@freelancer_required
@require_GET
def case_file_status(request: HttpRequest, action_pk: int) -> HttpResponse:
    """The case file section's progress, polled by htmx every two seconds while a file is being
    prepared (without JavaScript, its "Refresh" link reloads the case page)."""
    action = get_object_or_404(EnforcementAction.objects.for_account(request.user), pk=action_pk)
    if not request.htmx:
        return redirect(action.get_absolute_url() + CASE_FILE_SECTION)
    context = {"case_file_panel": freelancer_case_file_panel(request, action)}
    return render(request, "appeals/_case_bundle_links.html#case-file-state", context)


@freelancer_required
@require_GET
def case_file_download(request: HttpRequest, pk: int) -> FileResponse:
    """A case file the freelancer asked for, once it exists (anyone else's: 404)."""
    case_file = get_object_or_404(
        CaseFile.objects.for_freelancer(request.user)
        .unexpired()
        .filter(status=CaseFile.Status.READY)
        .select_related("action"),
        pk=pk,
    )
    case_files.record_download(case_file, by=request.user)
    return case_file_response(case_file)
