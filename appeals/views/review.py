"""The reviewer's case page and what they do there: reply, note, ask, decide, claim, approve."""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import staff_required
from accounts.models import User
from accounts.roles import MANAGE_QUEUES, REVIEW_APPEALS
from appeals import bundle, live, presence, services
from appeals.forms import (
    DecisionForm,
    MacroApplyForm,
    MacroPickForm,
    RequestInfoForm,
    ReturnDecisionForm,
    ReviewerMessageForm,
    ReviewerNoteForm,
    add_refusal_errors,
)
from appeals.history import account_history
from appeals.macros import render_macro
from appeals.models import Appeal, Attachment, CaseFile, Macro, case_fingerprint_of
from appeals.operations import claims
from appeals.previews import first_page_png
from appeals.queue_forms import ReassignForm
from appeals.services import case_files
from appeals.staff_access import scoped_appeal
from appeals.views.case import (
    BUNDLE_TYPES,
    CASE_FILE_SECTION,
    bundle_json_response,
    case_file_panel,
    case_file_response,
)
from appeals.views.confirm import confirm_step, is_confirmed
from enforcement.forms import ConfirmForm
from enforcement.models import EnforcementAction
from enforcement.services import ActionNotChanged
from notifications.services import language_of


def _get_appeal_for_reviewer(request: HttpRequest, pk: int) -> Appeal:
    rows = Appeal.objects.for_case_page().with_case_files(language_of(request.user))
    appeal = scoped_appeal(request, pk, rows)
    appeal.load_case_page()
    return appeal


def reviewer_case_context(request: HttpRequest, appeal: Appeal, **forms) -> dict:
    action = appeal.action  # with its statement: `Appeal.load_case_page`
    # One read of the account's actions serves the other-actions list and the history panel.
    account_actions = list(
        EnforcementAction.objects.for_account(appeal.freelancer)
        .select_related("reason_code__rule", "appeal")
        .order_by("-starts_at", "-id")
    )
    other_actions = [other for other in account_actions if other.pk != action.pk]
    is_original_decider = appeal.took_part_in_decision(request.user.pk)
    appeal.action = action  # the macros' placeholders read the rule from the statement
    others_here = presence.touch(appeal.pk, request.user)
    holds_appeal = appeal.assigned_to_id is not None and appeal.assigned_to_id == request.user.pk
    context = {
        "holds_appeal": holds_appeal,
        "appeal": appeal,
        "action": action,
        "other_actions": other_actions,
        "history": account_history(
            appeal.freelancer,
            actions=account_actions,
            # Loaded with the appeal (`for_case_page`), None when never synced.
            record=getattr(appeal.freelancer, "track_record", None),
        ),
        "is_original_decider": is_original_decider,
        "others_here": others_here,
        "live_marker": live.marker_with_presence(live.appeal_marker(appeal), others_here),
        "poll_seconds": presence.POLL_SECONDS,
        "note_form": forms.get("note_form") or ReviewerNoteForm(),
        # Read only where the page shows the section (not by the live poll or the partials).
        "case_file_panel": SimpleLazyObject(lambda: staff_case_file_panel(request, appeal)),
    }
    if appeal.is_open():
        macros = Macro.objects.for_appeal(appeal)
        if not holds_appeal:
            # Only the holder writes to the freelancer or asks: others are offered the notes.
            macros = macros.filter(effect=Macro.Effect.INTERNAL_NOTE)
        context["macro_form"] = forms.get("macro_form") or MacroPickForm(macros=macros)
        context["macro_apply_form"] = forms.get("macro_apply_form")
        context["message_form"] = forms.get("message_form") or ReviewerMessageForm()
        if request.user.has_perm(MANAGE_QUEUES):
            context["reassign_form"] = forms.get("reassign_form") or ReassignForm(
                reviewers=User.objects.active()
                .with_role_permission(REVIEW_APPEALS)
                .exclude(pk=appeal.assigned_to_id or 0)
            )
        context["request_info_form"] = forms.get("request_info_form") or RequestInfoForm()
        if appeal.status == Appeal.Status.SECOND_REVIEW:
            context["return_form"] = forms.get("return_form") or ReturnDecisionForm()
            context["approve_form"] = forms.get("approve_form") or approve_form()
            context["can_approve"] = not is_original_decider and (
                appeal.proposed_by_id != request.user.pk
            )
        elif not is_original_decider:
            context["decision_form"] = forms.get("decision_form") or DecisionForm(action=action)
    return context


def approve_form(data=None) -> ConfirmForm:
    return ConfirmForm(
        data,
        prefix="approve",
        label="I have read the proposed decision and approve it. It becomes final at once.",
    )


def _render_review(
    request: HttpRequest, appeal: Appeal, *, status: int = 200, refusal: str = "", **forms
):
    template = "appeals/review_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#review-panel"
    if forms and not appeal.is_open():
        # A form posted to a closed appeal is no longer on the page: say why, in its place.
        refusal = _closed_refusal(appeal)
    context = reviewer_case_context(request, appeal, **forms) | {"refusal": refusal}
    return render(request, template, context, status=status)


def staff_case_file_panel(request: HttpRequest, appeal: Appeal) -> dict:
    """The case file section of the reviewer's case (the freelancer's view of the case): from
    what the case page read with the appeal (`Appeal.objects.with_case_files`), else one query."""
    rows = appeal.case_files_from_rows()
    return case_file_panel(
        request,
        appeal.action,
        CaseFile.objects.for_staff() if rows is None else rows,
        fingerprint="" if rows is None else case_fingerprint_of(appeal),
        urls={
            "json_url": reverse("appeals:review-bundle", args=[appeal.pk, "json"]),
            "request_url": reverse("appeals:review-case-file-request", args=[appeal.pk]),
            "status_url": reverse("appeals:review-case-file-status", args=[appeal.pk]),
            "refresh_url": reverse("appeals:review-detail", args=[appeal.pk]) + CASE_FILE_SECTION,
        },
        download_url_name="appeals:review-case-file-download",
    )


def _closed_refusal(appeal: Appeal) -> str:
    if appeal.status == Appeal.Status.WITHDRAWN:
        return "The freelancer withdrew this appeal, so nothing was recorded."
    return (
        "This appeal was already decided, so nothing was recorded. "
        "The decision on record is shown below."
    )


def _refused(
    request: HttpRequest, pk: int, exc: ValidationError, *, form_name: str, form
) -> HttpResponse:
    """Re-render the case as it is now, with why the request was refused.

    Field errors go on the form. A refusal of the request as a whole (another reviewer decided
    meanwhile, the original decider may not decide) is shown above the panel: the form it came
    from may no longer be on the page, and its message must not get lost with it.
    """
    refusal = ""
    if hasattr(exc, "error_dict"):
        add_refusal_errors(form, exc)
    else:
        refusal = " ".join(exc.messages)
        # Also beside the form, above the text the reviewer typed (kept in the bound form):
        # a refusal only at the top of a long page reads as if the text was lost.
        form.add_error(None, f"Not recorded: {refusal} Your text is kept below.")
    appeal = _get_appeal_for_reviewer(request, pk)
    return _render_review(request, appeal, status=422, refusal=refusal, **{form_name: form})


def _after_review_post(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    url = appeal_review_url(appeal)
    if request.htmx and not request.htmx.boosted:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def appeal_review_url(appeal: Appeal) -> str:
    return reverse("appeals:review-detail", args=[appeal.pk])


@require_GET
@staff_required(REVIEW_APPEALS)
def review_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    appeals = Appeal.objects.for_reviewer(request.user).select_related(
        "action__reason_code__rule", "freelancer"
    )
    if status == "open":
        appeals = appeals.open()
    elif status in Appeal.Status.values:
        appeals = appeals.filter(status=status)
    else:
        status = "all"
    appeals = appeals.order_by("submitted_at", "id")[:100]
    return render(
        request,
        "appeals/review_list.html",
        {"appeals": appeals, "status": status, "statuses": Appeal.Status.choices},
    )


@require_GET
@staff_required(REVIEW_APPEALS)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_review(request, _get_appeal_for_reviewer(request, pk))


@require_POST
@staff_required(REVIEW_APPEALS)
def review_message(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply to the freelancer (only the claim holder may send it)."""
    appeal = _get_appeal_for_reviewer(request, pk)
    form = ReviewerMessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.post_message(
                appeal,
                author=request.user,
                body=form.cleaned_data["body"],
                uploads=form.cleaned_data["attachments"],
            )
        except services.AppealRefused as exc:
            return _refused(request, pk, exc, form_name="message_form", form=form)
        else:
            messages.success(request, "Message sent to the freelancer.")
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, message_form=form)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_note(request: HttpRequest, pk: int) -> HttpResponse:
    """An internal note: any reviewer may add one; the freelancer never sees it."""
    appeal = _get_appeal_for_reviewer(request, pk)
    form = ReviewerNoteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.post_message(
                appeal,
                author=request.user,
                body=form.cleaned_data["body"],
                uploads=form.cleaned_data["attachments"],
                internal=True,
            )
        except services.AppealRefused as exc:
            return _refused(request, pk, exc, form_name="note_form", form=form)
        else:
            messages.success(request, "Internal note added.")
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, note_form=form)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_request_info(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    form = RequestInfoForm(request.POST)
    if form.is_valid():
        try:
            services.request_information(
                appeal, reviewer=request.user, question=form.cleaned_data["question"]
            )
        except services.AppealRefused as exc:
            return _refused(request, pk, exc, form_name="request_info_form", form=form)
        else:
            messages.success(request, "Question sent. The clock pauses until they answer.")
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, request_info_form=form)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    if "preview" in request.POST:
        return _decision_preview(request, appeal)
    form = DecisionForm(request.POST, action=appeal.action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decide_appeal(
                appeal,
                outcome=data["outcome"],
                reasons=data["reasons"],
                versions=list(data["versions"]),
                decided_by=request.user,
                restriction_type=data["restriction_type"] or None,
                ends_at=data["ends_at"],
                release_amount=data["release_amount"] or 0,
            )
        except ValidationError as exc:  # AppealRefused, or reduce_action's field errors
            return _refused(request, pk, exc, form_name="decision_form", form=form)
        except ActionNotChanged as exc:
            form.add_error(None, str(exc))
        else:
            appeal.refresh_from_db()
            if appeal.status == Appeal.Status.SECOND_REVIEW:
                messages.success(request, "Decision proposed. A second reviewer must approve it.")
            else:
                messages.success(request, "Decision recorded and the freelancer notified.")
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, decision_form=form)


def _decision_preview(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    """The decision form again, with what the decision would do: the exact correction each client
    would be sent (generated by the same code as the real one). Nothing is recorded."""
    form = DecisionForm(request.POST, action=appeal.action, preview=True)
    if not form.is_valid():
        return _render_review(request, appeal, status=422, decision_form=form)
    data = form.cleaned_data
    corrections = services.corrections_if_decided(
        appeal,
        outcome=data["outcome"],
        restriction_type=data["restriction_type"] or None,
        ends_at=data["ends_at"],
    )
    form = DecisionForm(request.POST, action=appeal.action)  # the real form, unticked
    form.errors.clear()  # shown as typed, without "tick the box" before anyone asked
    context = reviewer_case_context(request, appeal, decision_form=form) | {
        "decision_preview": {
            "outcome": Appeal.Outcome(data["outcome"]).label,
            "upheld": data["outcome"] == Appeal.Outcome.UPHELD,
            "corrections": corrections,
        },
        "refusal": "",
    }
    template = "appeals/review_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#review-panel"
    return render(request, template, context)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_claim(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    try:
        claims.claim_appeal(appeal, request.user)
    except claims.ClaimRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You hold this appeal now. Activity keeps your claim.")
    return _after_review_post(request, appeal)


def _confirm_step(request: HttpRequest, appeal: Appeal, **kwargs) -> HttpResponse:
    return confirm_step(
        request,
        back_url=appeal_review_url(appeal),
        back_label="No, back to the case",
        **kwargs,
    )


@require_POST
@staff_required(REVIEW_APPEALS)
def review_release(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    if not is_confirmed(request):
        return _confirm_step(
            request,
            appeal,
            title=f"Release appeal #{appeal.pk} to its queue?",
            explanation=(
                "You stop holding it: anyone in its queue can claim it, and routing may give it "
                "to someone else at once. Your messages and notes stay."
            ),
            url=reverse("appeals:review-release", args=[appeal.pk]),
            confirm_label="Release it to the queue",
        )
    try:
        claims.release_appeal(appeal, by=request.user, reason="Released by the holder.")
    except claims.ClaimRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You released this appeal; it is back in its queue.")
    return _after_review_post(request, appeal)


@require_POST
@staff_required(MANAGE_QUEUES)
def review_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead moves the case to another reviewer, after a confirm step."""
    appeal = _get_appeal_for_reviewer(request, pk)
    reviewers = User.objects.active().with_role_permission(REVIEW_APPEALS)
    form = ReassignForm(request.POST, reviewers=reviewers)
    if not form.is_valid():
        return _render_review(request, appeal, status=422, reassign_form=form)
    to = form.cleaned_data["to"]
    if not is_confirmed(request):
        holder = f"from {appeal.assigned_to} " if appeal.assigned_to_id else ""
        return _confirm_step(
            request,
            appeal,
            title=f"Reassign appeal #{appeal.pk} to {to}?",
            explanation=(
                f"It moves {holder}to {to}, who then holds it and is told. "
                "Whatever the current holder is writing and has not sent is lost."
            ),
            url=reverse("appeals:review-reassign", args=[appeal.pk]),
            confirm_label=f"Reassign it to {to}",
            to=to.pk,
        )
    try:
        claims.reassign_appeal(
            appeal, to=to, by=request.user, reason=f"Reassigned by {request.user}."
        )
    except claims.ClaimRefused as exc:
        messages.error(request, f"Not reassigned: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Appeal #{appeal.pk} is now assigned to {to}.")
    return _after_review_post(request, appeal)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    form = approve_form(request.POST)
    if not form.is_valid():
        return _render_review(request, appeal, status=422, approve_form=form)
    try:
        services.approve_decision(appeal, approver=request.user)
    except services.AppealRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Decision approved; it is final.")
    return _after_review_post(request, appeal)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    form = ReturnDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.return_decision(
                appeal, approver=request.user, reason=form.cleaned_data["reason"]
            )
        except services.AppealRefused as exc:
            return _refused(request, pk, exc, form_name="return_form", form=form)
        else:
            messages.success(request, "Decision returned to review.")
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, return_form=form)


@require_GET
@staff_required(REVIEW_APPEALS)
def macro_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The picked canned reply filled in for this appeal, to read, edit and apply (htmx: only
    the preview; without JavaScript: the whole case with it)."""
    appeal = _get_appeal_for_reviewer(request, pk)
    picked = MacroPickForm(request.GET, macros=Macro.objects.for_appeal(appeal))
    is_fragment = request.htmx and not request.htmx.boosted
    if not picked.is_valid():
        if is_fragment:
            # The picker's empty choice: leave the preview as it is.
            return HttpResponse(status=204)
        return _render_review(request, appeal, status=422, macro_form=picked)
    macro = picked.cleaned_data["macro"]
    apply_form = MacroApplyForm(
        initial={"macro": macro.pk, "body": render_macro(macro, appeal, reviewer=request.user)},
        macro=macro,
    )
    return _render_macro(request, appeal, picked, apply_form, macro, is_fragment=is_fragment)


def _render_macro(request, appeal, picked, apply_form, macro, *, is_fragment, status=200):
    template = "appeals/review_detail.html"
    if is_fragment:
        template += "#macro-preview"
    context = reviewer_case_context(request, appeal, macro_form=picked) | {
        "macro_apply_form": apply_form
    }
    return render(request, template, context, status=status)


@require_POST
@staff_required(REVIEW_APPEALS)
def macro_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Do the macro's effect with the previewed text: send, ask (the clock pauses) or note."""
    appeal = _get_appeal_for_reviewer(request, pk)
    form = MacroApplyForm(request.POST)
    macro = None
    if form.is_valid():
        macro = form.cleaned_data["macro"]
        try:
            services.apply_macro(
                appeal, macro, reviewer=request.user, body=form.cleaned_data["body"]
            )
        except services.AppealRefused as exc:
            return _refused(request, pk, exc, form_name="macro_apply_form", form=form)
        else:
            messages.success(request, MACRO_DONE[macro.effect])
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, macro_apply_form=form)


MACRO_DONE = {
    Macro.Effect.MESSAGE: "Message sent to the freelancer.",
    Macro.Effect.INFO_REQUEST: "Question sent. The clock pauses until they answer.",
    Macro.Effect.INTERNAL_NOTE: "Internal note added.",
}


@require_GET
@staff_required(REVIEW_APPEALS)
def review_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live case's poll: 204 while nothing changed (one query, and the presence lease
    renewed in the cache); otherwise the changed parts, swapped out of band."""
    marker = live.case_marker(Appeal.objects.for_reviewer(request.user), pk)
    if marker is None:
        raise Http404
    others = presence.touch(pk, request.user)
    seen = request.GET.get("marker", "")
    if live.marker_with_presence(marker, others) == seen:
        return HttpResponse(status=204)
    appeal = _get_appeal_for_reviewer(request, pk)
    # Say "the case changed" only when it did, not when someone merely opened or left it.
    changed = seen.split("|", 1)[0] != marker
    replace = live.slots_to_replace(seen, appeal, request.user.pk)
    context = reviewer_case_context(request, appeal)
    context |= {
        "live_update": changed,
        "replace": replace,
        # A decision form left in place stays as typed: only its "not answered yet" line
        # follows the status.
        "update_decide_waiting": "decide" not in replace
        and context["holds_appeal"]
        and "decision_form" in context,
    }
    return render(request, "appeals/review_live.html", context)


@staff_required(REVIEW_APPEALS)
@require_GET
def review_bundle(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The same case bundle the freelancer downloads (no internal notes or evidence detail):
    the JSON at once; the PDF and ZIP addresses of old lead to the case's case file section."""
    if fmt not in BUNDLE_TYPES:
        raise Http404
    appeal = scoped_appeal(request, pk)
    if fmt != "json":
        return redirect(reverse("appeals:review-detail", args=[appeal.pk]) + CASE_FILE_SECTION)
    action, appeal = bundle.load_case(appeal.action_id)
    return bundle_json_response(action, appeal)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_case_file_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Prepare the case file (PDF or ZIP) of an appeal in the reviewer's scope (idempotent)."""
    appeal = scoped_appeal(request, pk, Appeal.objects.select_related("action"))
    fmt = request.POST.get("format", "")
    if fmt not in CaseFile.Format.values:
        messages.error(request, "Choose the PDF or the ZIP case file.")
        return _render_review(request, _get_appeal_for_reviewer(request, pk), status=422)
    case_file, created = case_files.request_case_file(
        appeal.action, by=request.user, audience=CaseFile.Audience.STAFF, fmt=fmt
    )
    if created:
        messages.success(request, f"Preparing the case file ({fmt.upper()}); see its progress.")
    elif case_file.status == CaseFile.Status.READY:
        messages.info(request, "The case file is ready to download.")
    else:
        messages.info(request, "The case file is already being prepared.")
    return redirect(reverse("appeals:review-detail", args=[appeal.pk]) + CASE_FILE_SECTION)


@require_GET
@staff_required(REVIEW_APPEALS)
def review_case_file_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The case file section's progress, polled while a file is being prepared."""
    appeal = scoped_appeal(request, pk, Appeal.objects.select_related("action"))
    if not request.htmx:
        return redirect(reverse("appeals:review-detail", args=[appeal.pk]) + CASE_FILE_SECTION)
    context = {"case_file_panel": staff_case_file_panel(request, appeal)}
    return render(request, "appeals/_case_bundle_links.html#case-file-state", context)


@require_GET
@staff_required(REVIEW_APPEALS)
def review_case_file_download(request: HttpRequest, pk: int) -> FileResponse:
    """A case file prepared for staff, only within the reviewer's scope of its appeal."""
    case_file = get_object_or_404(
        CaseFile.objects.for_staff()
        .unexpired()
        .filter(status=CaseFile.Status.READY, action__appeal__isnull=False)
        .select_related("action__appeal"),
        pk=pk,
    )
    scoped_appeal(request, case_file.action.appeal.pk)
    case_files.record_download(case_file, by=request.user)
    return case_file_response(case_file)


PREVIEW_WIDTH_PX = 640


@require_GET
@staff_required(REVIEW_APPEALS)
def attachment_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A PDF attachment's first page as a PNG, drawn on the server (no PDF viewer, no script in
    the page) and cached by the file's hash: attachments never change."""
    attachment = get_object_or_404(
        Attachment.objects.filter(
            appeal__in=Appeal.objects.for_reviewer(request.user),
            content_type="application/pdf",
        ),
        pk=pk,
    )
    key = f"pdf-first-page:{attachment.sha256}:{PREVIEW_WIDTH_PX}"
    png = cache.get(key)
    if png is None:
        with attachment.file.open("rb") as stored:
            png = first_page_png(stored.read(), width=PREVIEW_WIDTH_PX)
        if png is None:
            raise Http404
        cache.set(key, png, timeout=7 * 24 * 3600)
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
