"""The reviewer's case page and what they do there: reply, note, ask, decide, claim, approve."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import staff_required
from accounts.roles import REVIEW_APPEALS
from appeals import bundle, services
from appeals.forms import (
    DecisionForm,
    MacroPickForm,
    RequestInfoForm,
    ReturnDecisionForm,
    ReviewerMessageForm,
    add_refusal_errors,
)
from appeals.history import account_history
from appeals.models import Appeal
from appeals.operations import claims
from appeals.views.case import BUNDLE_TYPES, bundle_response
from enforcement.models import EnforcementAction
from enforcement.services import ActionNotChanged


def _get_appeal_for_reviewer(request: HttpRequest, pk: int) -> Appeal:
    return get_object_or_404(
        Appeal.objects.for_reviewer(request.user)
        .with_thread(internal=True)
        .select_related("action__account", "freelancer", "assigned_to", "queue"),
        pk=pk,
    )


def reviewer_case_context(request: HttpRequest, appeal: Appeal, **forms) -> dict:
    action = (
        EnforcementAction.objects.with_statement()
        .select_related("decided_by")
        .get(pk=appeal.action_id)
    )
    other_actions = list(
        EnforcementAction.objects.for_account(appeal.freelancer)
        .exclude(pk=action.pk)
        .select_related("reason_code__rule", "appeal")
    )
    is_original_decider = appeal.took_part_in_decision(request.user.pk)
    context = {
        "appeal": appeal,
        "action": action,
        "other_actions": other_actions,
        "history": account_history(appeal.freelancer),
        "is_original_decider": is_original_decider,
        "macro_form": MacroPickForm(),
    }
    if appeal.is_open():
        context["message_form"] = forms.get("message_form") or ReviewerMessageForm()
        context["request_info_form"] = forms.get("request_info_form") or RequestInfoForm()
        if appeal.status == Appeal.Status.SECOND_REVIEW:
            context["return_form"] = forms.get("return_form") or ReturnDecisionForm()
            context["can_approve"] = not is_original_decider and (
                appeal.proposed_by_id != request.user.pk
            )
        elif not is_original_decider:
            context["decision_form"] = forms.get("decision_form") or DecisionForm(action=action)
    return context


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
    appeal = _get_appeal_for_reviewer(request, pk)
    form = ReviewerMessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.post_message(
                appeal,
                author=request.user,
                body=form.cleaned_data["body"],
                uploads=form.cleaned_data["attachments"],
                internal=form.cleaned_data["internal"],
            )
        except services.AppealRefused as exc:
            return _refused(request, pk, exc, form_name="message_form", form=form)
        else:
            note = form.cleaned_data["internal"]
            messages.success(request, "Internal note added." if note else "Message sent.")
            return _after_review_post(request, appeal)
    return _render_review(request, appeal, status=422, message_form=form)


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


@require_POST
@staff_required(REVIEW_APPEALS)
def review_release(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
    try:
        claims.release_appeal(appeal, by=request.user, reason="Released by the holder.")
    except claims.ClaimRefused as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You released this appeal; it is back in its queue.")
    return _after_review_post(request, appeal)


@require_POST
@staff_required(REVIEW_APPEALS)
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _get_appeal_for_reviewer(request, pk)
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
def macro_insert(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the message box pre-filled with a canned reply, for the reviewer to edit."""
    appeal = _get_appeal_for_reviewer(request, pk)
    picked = MacroPickForm(request.GET)
    is_fragment = request.htmx and not request.htmx.boosted
    if not picked.is_valid():
        if is_fragment:
            # The empty choice of the picker: keep the message box as the reviewer left it.
            return HttpResponse(status=204)
        context = reviewer_case_context(request, appeal) | {"macro_form": picked}
        return render(request, "appeals/review_detail.html", context, status=422)
    form = ReviewerMessageForm(initial={"body": picked.cleaned_data["macro"].body})
    context = reviewer_case_context(request, appeal, message_form=form) | {"macro_form": picked}
    template = "appeals/review_detail.html"
    if is_fragment:
        template += "#message-form"
    return render(request, template, context)


@staff_required(REVIEW_APPEALS)
@require_GET
def review_bundle(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The same case bundle the freelancer downloads (no internal notes or evidence detail)."""
    if fmt not in BUNDLE_TYPES:
        raise Http404
    appeal = get_object_or_404(Appeal.objects.for_reviewer(request.user), pk=pk)
    action, appeal = bundle.load_case(appeal.action_id)
    return bundle_response(action, appeal, fmt)
