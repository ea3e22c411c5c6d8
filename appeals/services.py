"""Use cases of appeals: file, converse, request information, withdraw, decide, approve."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import routing, sla
from appeals.models import (
    Appeal,
    AppealClock,
    AppealEvent,
    Attachment,
    InvalidTransition,
    Message,
)
from appeals.uploads import CleanUpload
from enforcement import services as enforcement_services
from enforcement.models import EnforcementAction, RuleVersion
from notifications.models import Notification, WebhookEvent
from notifications.services import notify
from notifications.webhooks import appeal_payload, record_event

logger = logging.getLogger(__name__)

REVIEW_PERMISSION = "accounts.review_appeals"


class AppealRefused(ValidationError):
    """The request cannot be carried out; the message says why, in plain words."""


# --- Freelancer ---------------------------------------------------------------------------------


def file_appeal(
    action: EnforcementAction,
    *,
    statement: str,
    requested_outcome: str,
    uploads: list[CleanUpload],
    filed_by,
) -> tuple[Appeal, bool]:
    """File the one appeal of an action. A repeat (double click, second tab, retried request)
    returns the existing appeal with created=False, never an error and never a second appeal."""
    if action.account_id != filed_by.pk:
        raise AppealRefused("Only the account holder can appeal this action.")
    existing = Appeal.objects.filter(action=action).first()
    if existing is not None:
        return existing, False
    if action.status == EnforcementAction.Status.WITHDRAWN:
        raise AppealRefused("This proposed termination was withdrawn: there is nothing to appeal.")
    if not action.appeal_window_open():
        raise AppealRefused(
            f"The appeal window closed on {timezone.localtime(action.appeal_deadline):%d %B %Y}, "
            "six months after you were notified."
        )
    statement = statement.strip()
    if not statement:
        raise AppealRefused({"statement": "Tell us why the decision is wrong."})
    if len(statement) > 10_000:
        raise AppealRefused({"statement": "Your statement is limited to 10,000 characters."})
    if requested_outcome not in Appeal.RequestedOutcome.values:
        raise AppealRefused({"requested_outcome": "Choose the outcome you ask for."})

    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                action=action,
                freelancer=filed_by,
                original_decider_id=action.decided_by_id,
                statement=statement,
                requested_outcome=requested_outcome,
                language=filed_by.preferred_language,
                region=filed_by.country,
            )
            stored = _store_attachments(appeal, uploads, uploaded_by=filed_by)
            sla.start_clocks(appeal)
            AppealEvent.objects.create(
                appeal=appeal,
                actor=filed_by,
                to_status=appeal.status,
                reason="Appeal filed.",
            )
            _notify_freelancer(
                appeal,
                Notification.Kind.APPEAL_RECEIVED,
                subject=f"We received your appeal against action #{action.pk}",
                # Its email waits for routing, which may set other deadlines and then
                # rewrites this body (sla.refresh_received_notice).
                body=sla.received_notice_body(appeal),
            )
    except IntegrityError:
        # Another request filed the appeal between our check and our insert.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        return Appeal.objects.get(action=action), False
    # Routing happens in a worker once the appeal is committed; if the broker is down, the
    # empty `routed_at` is the durable marker the periodic re-drive picks up.
    transaction.on_commit(lambda: _enqueue_routing(appeal.pk))
    return appeal, True


def _enqueue_routing(appeal_id: int) -> None:
    from appeals.tasks import route_appeal

    try:
        route_appeal.delay(appeal_id)
    except Exception:
        logger.exception("Could not enqueue routing of appeal %s; the re-drive will.", appeal_id)


@transaction.atomic
def withdraw_appeal(appeal: Appeal, *, by, reason: str = "") -> Appeal:
    if by.pk != appeal.freelancer_id:
        raise AppealRefused("Only the person who appealed can withdraw the appeal.")
    try:
        appeal.transition(Appeal.Status.WITHDRAWN, actor=by, reason=reason or "Withdrawn.")
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE, AppealClock.Kind.DECISION)
    return appeal


@transaction.atomic
def post_message(
    appeal: Appeal, *, author, body: str, uploads: list[CleanUpload] = (), internal: bool = False
) -> Message:
    """Add to the conversation. A freelancer's answer to a request moves the appeal back to
    review; a reviewer's first message starts the review; internal notes change nothing."""
    body = body.strip()
    if not body:
        raise AppealRefused({"body": "Write a message first."})
    if len(body) > 10_000:
        raise AppealRefused({"body": "Messages are limited to 10,000 characters."})
    # The status decides whether the message is accepted and what kind it is, so read it under
    # a lock: a decision or withdrawal committed since `appeal` was loaded must win.
    appeal.status = (
        Appeal.objects.select_for_update().values_list("status", flat=True).get(pk=appeal.pk)
    )
    if not appeal.is_open():
        raise AppealRefused(f"This appeal is {appeal.get_status_display().lower()}.")

    is_freelancer = author.pk == appeal.freelancer_id
    if is_freelancer:
        if internal:
            raise AppealRefused("Only reviewers can write internal notes.")
        kind = Message.Kind.REPLY if appeal.awaits_freelancer() else Message.Kind.MESSAGE
    else:
        _require_reviewer(author)
        kind = Message.Kind.INTERNAL_NOTE if internal else Message.Kind.MESSAGE
        if not internal:
            # Only the claim holder speaks to the freelancer; any reviewer may add a note.
            _require_claim(appeal, author)

    message = Message.objects.create(appeal=appeal, author=author, kind=kind, body=body)
    _store_attachments(appeal, uploads, uploaded_by=author, message=message)

    if kind == Message.Kind.REPLY:
        appeal.transition(
            Appeal.Status.IN_REVIEW, actor=author, reason="The freelancer answered the request."
        )
        sla.resume_clocks(appeal, actor=author)
        routing.renew_lease_after_reply(appeal)
    elif kind == Message.Kind.MESSAGE and not is_freelancer:
        sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE)
        if appeal.status == Appeal.Status.SUBMITTED:
            appeal.transition(Appeal.Status.IN_REVIEW, actor=author, reason="Review started.")
        _notify_freelancer(
            appeal,
            Notification.Kind.NEW_MESSAGE,
            subject=f"New message about your appeal #{appeal.pk}",
            body=message.body,
        )
    return message


# --- Reviewer ------------------------------------------------------------------------------------


@transaction.atomic
def request_information(appeal: Appeal, *, reviewer, question: str) -> Message:
    _require_reviewer(reviewer)
    question = question.strip()
    if not question:
        raise AppealRefused({"question": "Write the question for the freelancer."})
    _require_claim(appeal, reviewer)
    try:
        appeal.transition(
            Appeal.Status.AWAITING_FREELANCER, actor=reviewer, reason="Information requested."
        )
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    # The question is the first response; the decision clock waits for the answer.
    sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE)
    sla.pause_clocks(appeal, actor=reviewer)
    message = Message.objects.create(
        appeal=appeal, author=reviewer, kind=Message.Kind.INFO_REQUEST, body=question
    )
    _notify_freelancer(
        appeal,
        Notification.Kind.INFO_REQUESTED,
        subject=f"We need information for your appeal #{appeal.pk}",
        body=question,
    )
    return message


@transaction.atomic
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
    _require_reviewer(decided_by)
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
    _require_claim(appeal, decided_by)

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


@transaction.atomic
def approve_decision(appeal: Appeal, *, approver) -> Appeal:
    _require_reviewer(approver)
    _refuse_original_decider(appeal, approver)
    _lock_proposal(appeal)
    if approver.pk == appeal.proposed_by_id:
        raise AppealRefused("A second review needs a different reviewer from the first one.")
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


@transaction.atomic
def return_decision(appeal: Appeal, *, approver, reason: str) -> Appeal:
    """The second reviewer disagrees: the appeal goes back to review with their reason."""
    _require_reviewer(approver)
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


# --- Helpers --------------------------------------------------------------------------------------


def _require_claim(appeal: Appeal, reviewer) -> None:
    """Only the reviewer holding the claim works the appeal (and their activity renews it).

    A claim that lapsed (no activity for APPEAL_LEASE_MINUTES) or was released or reassigned
    is gone: the former holder's action is refused until they claim the appeal again.
    """
    holder_id = (
        Appeal.objects.select_for_update().values_list("assigned_to", flat=True).get(pk=appeal.pk)
    )
    if holder_id == reviewer.pk:
        routing.renew_lease(appeal, reviewer)
        return
    if holder_id is None:
        raise AppealRefused(
            "You do not hold this appeal: claim it first. If you held it, your claim ended "
            "(released, reassigned, or no activity for "
            f"{settings.APPEAL_LEASE_MINUTES} minutes), so nothing was recorded."
        )
    raise AppealRefused("Another reviewer holds this appeal, so nothing was recorded.")


def _require_reviewer(user) -> None:
    if not user.has_perm(REVIEW_PERMISSION):
        raise AppealRefused("Only Trust & Safety reviewers can do this.")


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
    if appeal.took_part_in_decision(user.pk):
        raise AppealRefused(
            "You took the original decision on this action, so another reviewer must decide "
            "its appeal."
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


def _store_attachments(
    appeal: Appeal, uploads, *, uploaded_by, message: Message | None = None
) -> list[Attachment]:
    stored = []
    for upload in uploads:
        attachment = Attachment(
            appeal=appeal,
            message=message,
            uploaded_by=uploaded_by,
            display_name=upload.display_name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
        )
        attachment.file.save("upload", ContentFile(upload.data), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _notify_freelancer(appeal: Appeal, kind: str, *, subject: str, body: str) -> None:
    notify(
        appeal.freelancer,
        kind=kind,
        appeal=appeal,
        subject=subject,
        body=body,
        url=appeal.get_absolute_url(),
    )


def _tell_marketplace(appeal: Appeal) -> None:
    """The appeal.decided webhook, with the action as the decision left it (it was changed
    through another instance, under its row lock)."""
    appeal.action.refresh_from_db()
    record_event(WebhookEvent.Kind.APPEAL_DECIDED, appeal.action, appeal_payload(appeal))


def _notify_decision(appeal: Appeal) -> None:
    outcome = Appeal.Outcome(appeal.outcome).label
    _notify_freelancer(
        appeal,
        Notification.Kind.DECISION,
        subject=f"Decision on your appeal #{appeal.pk}: {outcome.split(':')[0]}",
        body=f"{outcome}.\n\nOur reasons:\n{appeal.decision_reasons}",
    )
