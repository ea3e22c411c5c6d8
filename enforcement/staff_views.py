"""Staff pages that issue actions and confirm or withdraw proposed terminations.

Issuing goes form → preview → confirm. The preview runs `issue_action` for real inside a
transaction that is then rolled back, and renders the created action with the freelancer's own
statement template: staff see exactly what the freelancer will see, and nothing is written (no
row, no notification, no webhook event; on_commit hooks of a rolled-back transaction never run).
The preview signs the submitted data; "Confirm and issue" posts that signed copy back, so what is
issued is what was previewed, and a one-time submission id in it makes a double submit harmless.
"""

from __future__ import annotations

import json
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import staff_required
from accounts.models import Role, User
from accounts.roles import ISSUE_ACTIONS, MANAGE_QUEUES, USE_STAFF_PAGES
from enforcement import services
from enforcement.forms import (
    DECISION_DEFAULTS,
    ConfirmForm,
    IssueActionForms,
    LeadReviewForm,
    WithdrawTerminationForm,
)
from enforcement.history import account_history
from enforcement.models import EnforcementAction, LeadReview
from infra.dates import format_when

# A preview can be confirmed for this long; after that, preview again (rules may have changed).
PREVIEW_MAX_AGE = services.PREVIEW_MAX_AGE
_SIGNING_SALT = "enforcement.staff.issue-action"


# --- The statement as the freelancer sees it ---------------------------------------------------


@staff_required(USE_STAFF_PAGES)
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    recent = EnforcementAction.objects.with_summary().select_related("account")[:25]
    return render(request, "enforcement/staff/home.html", {"recent_actions": recent})


def statement_html(request: HttpRequest, action: EnforcementAction) -> str:
    """The freelancer's statement of reasons for `action`, in their time zone.

    `action` must come from `with_statement()`. Rendered with the case page's own template
    (enforcement/_statement.html) as the freelancer reads it, never with `staff` (the internal
    evidence detail and staff names stay out); `preview` says how to appeal and that the form
    is there, without the appeal panel of the case page.
    """
    with timezone.override(ZoneInfo(action.account.time_zone)):
        return render_to_string(
            "enforcement/_statement.html",
            {"action": action, "version": action.primary_version(), "preview": True},
            request=request,
        )


def _statement_action(pk: int) -> EnforcementAction:
    return (
        EnforcementAction.objects.with_statement()
        .select_related("account", "decided_by", "confirmed_by")
        .get(pk=pk)
    )


# --- Issuing -----------------------------------------------------------------------------------


def _render_form(
    request: HttpRequest,
    forms: IssueActionForms,
    *,
    status: int = 200,
    lead_review_link: str | None = None,
):
    return render(
        request,
        "enforcement/staff/issue_action.html",
        {
            "forms": forms,
            "form": forms.form,
            "evidence_formset": forms.evidence,
            "notices_formset": forms.notices,
            "decision_defaults_json": json.dumps(DECISION_DEFAULTS),
            "notice_days": settings.TERMINATION_NOTICE_DAYS,
            "lead_review_link": lead_review_link,
        },
        status=status,
    )


def _with_one_more_row(data: QueryDict, prefix: str) -> QueryDict:
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "0"))
    except ValueError:
        total = 0
    data[key] = str(min(max(total, 0) + 1, 30))
    return data


def _submitted(data: QueryDict) -> list[tuple[str, str]]:
    """The form's own fields, in order (no CSRF token, no button)."""
    return [
        (key, value)
        for key, values in data.lists()
        if key not in ("csrfmiddlewaretoken", "intent", "payload")
        for value in values
    ]


def _sign(request: HttpRequest, data: QueryDict) -> str:
    payload = {"by": request.user.pk, "submission": uuid.uuid4().hex, "data": _submitted(data)}
    return signing.dumps(payload, salt=_SIGNING_SALT, compress=True)


class PreviewExpired(Exception):
    pass


def _unsign(request: HttpRequest, token: str) -> tuple[QueryDict, str]:
    try:
        payload = signing.loads(token, salt=_SIGNING_SALT, max_age=PREVIEW_MAX_AGE.total_seconds())
    except signing.SignatureExpired as exc:
        raise PreviewExpired("This preview is more than two hours old; preview again.") from exc
    except signing.BadSignature as exc:
        raise PreviewExpired("This preview could not be read; fill in the form again.") from exc
    if payload.get("by") != request.user.pk:
        raise PreviewExpired("This preview was made by someone else; preview again.")
    data = QueryDict(mutable=True)
    for key, value in payload["data"]:
        data.appendlist(key, value)
    return data, payload["submission"]


def _preview(request: HttpRequest, forms: IssueActionForms) -> HttpResponse:
    req = forms.to_request()
    try:
        with transaction.atomic():
            action = services.issue_action(req, issued_by=request.user)
            action = _statement_action(action.pk)
            html = statement_html(request, action)
            pending = action.is_pending()
            # Nothing of it is kept: the rows, the notification and the webhook event go, and
            # the on_commit hooks (emails, deliveries) are dropped with the transaction.
            transaction.set_rollback(True)
    except services.ActionRefused as exc:
        forms.apply_refusal(exc)
        return _render_form(
            request, forms, status=422, lead_review_link=lead_review_link(request, req)
        )
    return render(
        request,
        "enforcement/staff/preview.html",
        {
            "action": action,
            "statement": html,
            "pending": pending,
            "payload": _sign(request, request.POST),
            "account": req.account,
        },
    )


@staff_required(ISSUE_ACTIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def issue_action(request: HttpRequest) -> HttpResponse:
    """The issuing form. POST intents: preview (the default), add a row, change (back from the
    preview with its data)."""
    if request.method != "POST":
        return _render_form(request, IssueActionForms())
    intent = request.POST.get("intent", "preview")
    if intent == "change":
        try:
            data, _submission = _unsign(request, request.POST.get("payload", ""))
        except PreviewExpired as exc:
            messages.error(request, str(exc))
            return redirect("enforcement:issue-action")
        forms = IssueActionForms(data)
        forms.is_valid()
        forms.hide_errors()
        return _render_form(request, forms)
    if intent in ("add-evidence", "add-notice"):
        prefix = "evidence" if intent == "add-evidence" else "notices"
        forms = IssueActionForms(_with_one_more_row(request.POST, prefix))
        forms.is_valid()
        forms.hide_errors()
        return _render_form(request, forms)
    forms = IssueActionForms(request.POST)
    if not forms.is_valid():
        return _render_form(request, forms, status=422)
    return _preview(request, forms)


@staff_required(ISSUE_ACTIONS)
@require_POST
def issue_action_confirm(request: HttpRequest) -> HttpResponse:
    """Issue what the preview showed (its signed data), once."""
    try:
        data, submission = _unsign(request, request.POST.get("payload", ""))
    except PreviewExpired as exc:
        messages.error(request, str(exc))
        return redirect("enforcement:issue-action")
    forms = IssueActionForms(data)
    if not forms.is_valid():
        # Something changed since the preview (a reason code retired, an account closed).
        return _render_form(request, forms, status=422)
    try:
        action, created = services.issue_once(
            forms.to_request(), submission=submission, issued_by=request.user
        )
    except services.ActionRefused as exc:
        forms.apply_refusal(exc)
        return _render_form(request, forms, status=422)
    if not created:
        messages.info(
            request,
            "This action was already issued from this preview (it was confirmed twice); "
            "nothing more was created.",
        )
    elif action.is_pending():
        messages.success(
            request,
            f"Termination #{action.pk} proposed. It takes effect only once another member of "
            "the team confirms it here.",
        )
    else:
        messages.success(request, f"Action #{action.pk} issued. The freelancer was notified.")
    if action.is_pending():
        return redirect(reverse("enforcement:pending-terminations") + f"#termination-{action.pk}")
    return redirect("enforcement:staff-action", pk=action.pk)


@staff_required(ISSUE_ACTIONS)
@require_safe
def staff_action(request: HttpRequest, pk: int) -> HttpResponse:
    """An action as staff see it: who issued it, its internal evidence, and the freelancer's
    statement exactly as they read it."""
    action = get_object_or_404(
        EnforcementAction.objects.with_statement().select_related(
            "account", "decided_by", "confirmed_by", "intake_source", "appeal"
        ),
        pk=pk,
    )
    return render(
        request,
        "enforcement/staff/action_detail.html",
        {"action": action, "statement": statement_html(request, action)},
    )


# --- Proposed terminations ---------------------------------------------------------------------


def _pending_terminations():
    return (
        EnforcementAction.objects.filter(
            status=EnforcementAction.Status.PENDING,
            restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        )
        .select_related("account", "decided_by", "confirmed_by", "reason_code__rule")
        .order_by("takes_effect_at", "id")
    )


def _render_pending(request: HttpRequest, *, status: int = 200, failed=None) -> HttpResponse:
    """The list; `failed` is (action pk, "withdraw_form" or "confirm_form", the bound form) to
    show that form's errors beside it."""
    terminations = list(_pending_terminations())
    for action in terminations:
        action.withdraw_form = WithdrawTerminationForm(auto_id=f"id_withdraw_{action.pk}_%s")
        action.confirm_form = _confirm_form(action)
        if failed is not None and failed[0] == action.pk:
            setattr(action, failed[1], failed[2])
        action.proposed_by_me = action.decided_by_id == request.user.pk
    return render(
        request,
        "enforcement/staff/pending_terminations.html",
        {"terminations": terminations, "now": timezone.now()},
        status=status,
    )


@staff_required(ISSUE_ACTIONS)
@require_safe
def pending_terminations(request: HttpRequest) -> HttpResponse:
    return _render_pending(request)


def _confirm_form(action: EnforcementAction, data=None) -> ConfirmForm:
    return ConfirmForm(
        data,
        auto_id=f"id_confirm_{action.pk}_%s",
        label=f"I have read the statement of reasons and confirm termination #{action.pk}.",
    )


def _get_termination(pk: int) -> EnforcementAction:
    return get_object_or_404(
        EnforcementAction.objects.select_related("account"),
        pk=pk,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
    )


def _back_to_list(action: EnforcementAction | None = None) -> HttpResponse:
    url = reverse("enforcement:pending-terminations")
    return redirect(url + (f"#termination-{action.pk}" if action is not None else ""))


@staff_required(ISSUE_ACTIONS)
@require_POST
def confirm_termination(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_termination(pk)
    form = _confirm_form(action, request.POST)
    if not form.is_valid():
        return _render_pending(request, status=422, failed=(action.pk, "confirm_form", form))
    try:
        services.confirm_termination(action, by=request.user)
    except services.ConfirmationRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_list(action)
    action.refresh_from_db()
    if action.is_restricting():
        messages.success(request, f"Termination #{action.pk} confirmed. It is now in effect.")
        return redirect("enforcement:staff-action", pk=action.pk)
    messages.success(
        request,
        f"Termination #{action.pk} confirmed. It takes effect on "
        f"{format_when(action.takes_effect_at)} "
        "unless it is withdrawn before.",
    )
    return _back_to_list(action)


@staff_required(ISSUE_ACTIONS)
@require_POST
def withdraw_termination(request: HttpRequest, pk: int) -> HttpResponse:
    action = _get_termination(pk)
    form = WithdrawTerminationForm(request.POST, auto_id=f"id_withdraw_{action.pk}_%s")
    if not form.is_valid():
        return _render_pending(request, status=422, failed=(action.pk, "withdraw_form", form))
    try:
        services.withdraw_termination(action, by=request.user, reason=form.cleaned_data["reason"])
    except services.ConfirmationRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_list()
    messages.success(
        request, f"Termination #{action.pk} withdrawn. The freelancer sees that it was withdrawn."
    )
    return _back_to_list()


# --- Lead review of terminating a long-standing account -----------------------------------------


_PROPOSAL_SALT = "enforcement.lead-review-proposal"


def lead_review_link(request: HttpRequest, req) -> str | None:
    """For a termination refused until a lead reviews it: the link the proposer sends the lead,
    carrying the proposal (signed, so the lead reads exactly what was proposed)."""
    if not services.needs_lead_review(req):
        return None
    if services.usable_lead_review(req.account, issued_by=request.user, req=req) is not None:
        return None
    proposal = {"by": request.user.pk, "data": _submitted(request.POST)}
    token = signing.dumps(proposal, salt=_PROPOSAL_SALT, compress=True)
    return reverse("enforcement:lead-review", args=[req.account.pk]) + "?proposal=" + token


def _proposal(token: str, account: User) -> tuple[dict | None, str]:
    """The proposed termination a signed link carries, as the facts the lead reads and the review
    records; or None with why it cannot be read."""
    if not token:
        return None, ""
    try:
        payload = signing.loads(
            token, salt=_PROPOSAL_SALT, max_age=settings.LEAD_REVIEW_VALID_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return None, "The link to the proposed termination could not be read or is too old."
    data = QueryDict(mutable=True)
    for key, value in payload["data"]:
        data.appendlist(key, value)
    forms = IssueActionForms(data)
    if not forms.is_valid():
        return None, "The proposed termination is no longer valid: ask for it to be proposed again."
    req = forms.to_request()
    if req.account.pk != account.pk or not services.needs_lead_review(req):
        return None, "The link is not about a termination of this account."
    proposer = User.objects.filter(pk=payload["by"]).first()
    return {
        "proposed_by": payload["by"],
        "proposed_by_name": str(proposer) if proposer else "",
        "restriction_type": req.restriction_type,
        "rule": f"{req.reason_code.rule.key} {req.reason_code.rule.title}",
        "reason_code": req.reason_code.code,
        "facts": req.facts,
        "evidence": [item.summary for item in req.evidence],
        "starts_at": req.starts_at.isoformat(),
        "termination_exception": req.termination_exception,
        "termination_exception_reason": req.termination_exception_reason,
    }, ""


@staff_required(MANAGE_QUEUES)
@require_http_methods(["GET", "HEAD", "POST"])
def lead_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead reviews the case for terminating this long-standing account: its track record
    and whole enforcement history, and the proposed termination's facts (from the proposer's
    link). Their review lets one such termination be proposed by someone else (the issue form and
    the API refuse it until then)."""
    account = get_object_or_404(
        User.objects.select_related("track_record").filter(groups__name=Role.FREELANCER), pk=pk
    )
    token = request.POST.get("proposal") or request.GET.get("proposal", "")
    proposal, proposal_error = _proposal(token, account)
    form = LeadReviewForm(request.POST or None)
    if request.method == "POST" and token and proposal is None:
        form.add_error(None, proposal_error)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_lead_review(
                account, by=request.user, reason=form.cleaned_data["reason"], proposal=proposal
            )
        except services.ConfirmationRefused as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Review recorded: one permanent termination of {account} may now be proposed "
                f"by another member of staff within {settings.LEAD_REVIEW_VALID_DAYS} days"
                + (" (the one you read)." if proposal else "."),
            )
            return redirect("enforcement:lead-review", pk=account.pk)
    reviews = LeadReview.objects.filter(account=account).select_related("reviewed_by", "action")
    record = getattr(account, "track_record", None)
    return render(
        request,
        "enforcement/staff/lead_review.html",
        {
            "account": account,
            "record": record,
            "history": account_history(account, record=record),
            "proposal": proposal,
            "proposal_error": proposal_error,
            "proposal_token": token if proposal else "",
            "form": form,
            "reviews": reviews,
            "now": timezone.now(),
            "member_years": settings.LONG_STANDING_MEMBER_YEARS,
            "earnings_threshold": settings.LONG_STANDING_EARNINGS,
            "proposal_restriction": (
                EnforcementAction.RestrictionType(proposal["restriction_type"]).label
                if proposal
                else ""
            ),
        },
        status=422 if form.errors else 200,
    )
