"""Deciding an appeal with reasons, and the second review of an upheld termination."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import (
    Appeal,
    AppealClock,
    InvalidTransition,
    Message,
)
from appeals.operations import sla
from appeals.services.shared import (
    AppealRefused,
    eligible_approvers,
    notify_freelancer,
    notify_staff,
    require_claim,
    require_reviewer,
)
from enforcement import services as enforcement_services
from enforcement.models import EnforcementAction, RuleVersion
from notifications.models import Notification, WebhookEvent
from notifications.services import in_language_of
from notifications.webhooks import appeal_payload, record_event


def corrections_if_decided(
    appeal: Appeal,
    *,
    outcome: str,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
) -> list[tuple]:
    """The corrections each client told of the action would receive if the appeal were decided
    this way now (the decision preview): (client notice, exact text) pairs; none for an upheld
    action, which changes nothing clients were told. Nothing is written."""
    change = {Appeal.Outcome.OVERTURNED: "lifted", Appeal.Outcome.MODIFIED: "reduced"}.get(outcome)
    if change is None:
        return []
    action = EnforcementAction.objects.get(pk=appeal.action_id)
    return enforcement_services.correction_preview(
        action, change=change, restriction_type=restriction_type, ends_at=ends_at
    )


@transaction.atomic(durable=True)
def decide_appeal(
    appeal: Appeal,
    *,
    outcome: str,
    reasons: str,
    versions: list[RuleVersion],
    decided_by,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
    release_amount: Decimal = Decimal("0"),
) -> Appeal:
    """Decide with reasons. Overturn and modify change the action in this same transaction.

    Upholding a permanent termination is only proposed here; it becomes final when a second
    reviewer approves (`approve_decision`).
    """
    require_reviewer(decided_by)
    _refuse_original_decider(appeal, decided_by)
    if appeal.status == Appeal.Status.SECOND_REVIEW:
        # Only the second reviewer settles a proposed decision (approve or return), so that a
        # proposal cannot be replaced without the second review the product promises.
        raise AppealRefused(
            "A proposed decision is waiting for a second reviewer, who approves or returns it."
        )
    errors: dict[str, list[str]] = {}
    if outcome not in Appeal.Outcome.values:
        errors["outcome"] = ["Choose upheld, overturned or modified."]
    if not reasons.strip():
        errors["reasons"] = ["Write the reasons for the freelancer, in plain language."]
    if not versions:
        errors["versions"] = ["Cite the rule version(s) the decision relies on."]
    elif any(not v.is_published for v in versions):
        errors["versions"] = ["Only published rule versions can be cited."]
    if outcome == Appeal.Outcome.MODIFIED:
        # Refused before anything changes; `reduce_action` checks again under the row lock.
        errors |= enforcement_services.reduction_errors(
            EnforcementAction.objects.get(pk=appeal.action_id),
            restriction_type=restriction_type,
            ends_at=ends_at,
            release_amount=release_amount,
        )
    if errors:
        raise AppealRefused(errors)
    require_claim(appeal, decided_by)

    fields = {"outcome": outcome, "decision_reasons": reasons.strip(), "proposed_by": decided_by}
    try:
        if outcome == Appeal.Outcome.UPHELD and appeal.needs_second_review():
            appeal.transition(
                Appeal.Status.SECOND_REVIEW,
                actor=decided_by,
                # Neutral wording: the freelancer's timeline shows this before the outcome is final.
                reason="A second reviewer checks the decision before it becomes final.",
                **fields,
            )
            appeal.decided_versions.set(versions)
            sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE)
            _ask_for_second_review(appeal)
            return appeal
        appeal.transition(
            Appeal.Status.DECIDED,
            actor=decided_by,
            reason=f"Decision: {Appeal.Outcome(outcome).label}.",
            decided_by=decided_by,
            decided_at=timezone.now(),
            **fields,
        )
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    appeal.decided_versions.set(versions)
    sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE, AppealClock.Kind.DECISION)
    try:
        _apply_outcome(
            appeal,
            by=decided_by,
            restriction_type=restriction_type,
            ends_at=ends_at,
            release_amount=release_amount,
        )
    except ValidationError as exc:
        # The action changed since the check above; this transaction rolls back as a whole.
        raise AppealRefused(exc.message_dict) from exc
    _notify_decision(appeal)
    _tell_marketplace(appeal)
    return appeal


@transaction.atomic(durable=True)
def approve_decision(appeal: Appeal, *, approver) -> Appeal:
    require_reviewer(approver)
    _refuse_original_decider(appeal, approver)
    _lock_proposal(appeal)
    if approver.pk == appeal.proposed_by_id:
        raise AppealRefused(
            "You proposed this decision. A second review needs a different reviewer from the "
            "first one."
        )
    try:
        appeal.transition(
            Appeal.Status.DECIDED,
            actor=approver,
            reason="Second reviewer approved the decision.",
            approved_by=approver,
            decided_by=appeal.proposed_by,
            decided_at=timezone.now(),
        )
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE, AppealClock.Kind.DECISION)
    _notify_decision(appeal)
    _tell_marketplace(appeal)
    return appeal


@transaction.atomic(durable=True)
def return_decision(appeal: Appeal, *, approver, reason: str) -> Appeal:
    """The second reviewer disagrees: the appeal goes back to review with their reason."""
    require_reviewer(approver)
    _refuse_original_decider(appeal, approver)
    _lock_proposal(appeal)
    if approver.pk == appeal.proposed_by_id:
        raise AppealRefused("A second review needs a different reviewer from the first one.")
    if not reason.strip():
        raise AppealRefused({"reason": "Say why the proposed decision is returned."})
    try:
        appeal.transition(
            Appeal.Status.IN_REVIEW,
            actor=approver,
            reason="Returned to review by the second reviewer.",
            outcome="",
            decision_reasons="",
            proposed_by=None,
        )
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    appeal.decided_versions.clear()
    # The disagreement is deliberation: reviewers see it, the freelancer does not.
    Message.objects.create(
        appeal=appeal,
        author=approver,
        kind=Message.Kind.INTERNAL_NOTE,
        body=f"Second review returned the proposed decision: {reason.strip()}",
    )
    return appeal


def _lock_proposal(appeal: Appeal) -> None:
    """Reload the appeal under a lock and require a proposed decision waiting for approval.

    Without this, a stale copy could approve (or return) a proposal that was returned and made
    again since it was loaded, naming the wrong proposer; and `transition` alone would let an
    "approval" decide an appeal that has no proposal at all.
    """
    appeal.refresh_from_db(from_queryset=Appeal.objects.select_for_update())
    if appeal.status != Appeal.Status.SECOND_REVIEW:
        raise AppealRefused(
            "No proposed decision is waiting for a second review; this appeal is "
            f"{appeal.get_status_display().lower()}."
        )


def _refuse_original_decider(appeal: Appeal, user) -> None:
    """Refused with the true reason: the page names the original decider, so telling the
    person who confirmed a termination that they "took the original decision" would be false."""
    if user.pk == appeal.original_decider_id:
        raise AppealRefused(
            "You took the original decision on this action, so another reviewer must decide "
            "its appeal."
        )
    if user.pk == appeal.action.confirmed_by_id:
        raise AppealRefused(
            "You confirmed this termination, so you took part in the original decision on "
            "this action: another reviewer must decide its appeal."
        )


def _ask_for_second_review(appeal: Appeal) -> None:
    """Every reviewer who may approve is told that a proposal waits for them. If nobody may,
    the dashboard flags the appeal (see `Appeal.objects.without_approver()`)."""
    notify_staff(
        eligible_approvers(appeal),
        appeal,
        Notification.Kind.APPROVAL_WAITING,
        subject=f"A decision on appeal #{appeal.pk} waits for your second review",
        body=(
            "A reviewer proposes to uphold a permanent termination. It becomes final only once "
            "a second reviewer, who took no part in it, approves or returns it."
        ),
    )


def _apply_outcome(
    appeal: Appeal, *, by, restriction_type, ends_at, release_amount: Decimal
) -> None:
    action = EnforcementAction.objects.select_for_update().get(pk=appeal.action_id)
    reason = f"Appeal #{appeal.pk}: {appeal.decision_reasons}"
    if appeal.outcome == Appeal.Outcome.OVERTURNED:
        enforcement_services.lift_action(action, by=by, reason=reason)
    elif appeal.outcome == Appeal.Outcome.MODIFIED:
        enforcement_services.reduce_action(
            action,
            by=by,
            reason=reason,
            restriction_type=restriction_type,
            ends_at=ends_at,
            release_amount=release_amount,
        )


def _tell_marketplace(appeal: Appeal) -> None:
    """The appeal.decided webhook, with the action as the decision left it (it was changed
    through another instance, under its row lock)."""
    appeal.action.refresh_from_db()
    record_event(WebhookEvent.Kind.APPEAL_DECIDED, appeal.action, appeal_payload(appeal))


def _notify_decision(appeal: Appeal) -> None:
    with in_language_of(appeal.freelancer):
        outcome = str(Appeal.Outcome(appeal.outcome).label)
        subject = _("Decision on your appeal #%(number)s: %(outcome)s") % {
            "number": appeal.pk,
            "outcome": outcome.split(":")[0],
        }
        body = _("%(outcome)s.\n\nOur reasons:\n%(reasons)s") % {
            "outcome": outcome,
            "reasons": appeal.decision_reasons,
        }
    notify_freelancer(appeal, Notification.Kind.DECISION, subject=subject, body=body)
