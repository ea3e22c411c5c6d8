"""Proposed permanent terminations: confirmation by a second person, withdrawal, taking effect."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from accounts.models import record_audit
from accounts.roles import MANAGE_QUEUES
from enforcement.models import (
    ActionEvent,
    EnforcementAction,
    LeadReview,
)
from enforcement.services.reversal import correct_client_notices, release_funds
from infra.dates import format_day_lazy
from notifications.models import Notification, WebhookEvent
from notifications.services import notify
from notifications.webhooks import action_payload, record_event


def record_lead_review(account, *, by, reason: str, proposal: dict | None = None) -> LeadReview:
    """A lead reviewed the case for terminating a long-standing account: one permanent
    termination of it may now be proposed, by someone else, within `LEAD_REVIEW_VALID_DAYS`.
    With `proposal` (the proposed termination the lead read: proposer, reason code, facts...),
    only a termination with that reason code and those facts."""
    if not by.has_perm(MANAGE_QUEUES):
        raise ConfirmationRefused("Only a lead can review the termination of an account.")
    if not reason.strip():
        raise ConfirmationRefused({"reason": ["Say what you reviewed and why it may go ahead."]})
    if account.pk == by.pk:
        raise ConfirmationRefused("You cannot review the termination of your own account.")
    with transaction.atomic(durable=True):
        review = LeadReview.objects.create(
            account=account,
            reviewed_by=by,
            reason=reason.strip(),
            expires_at=timezone.now() + timedelta(days=settings.LEAD_REVIEW_VALID_DAYS),
            proposal=proposal or {},
        )
        record_audit(
            actor=by,
            verb="lead_review.recorded",
            obj=review,
            summary=f"Lead review: a permanent termination of {account} may be proposed.",
            data={"account": account.pk, "reason": review.reason, "proposal": review.proposal},
        )
    return review


class ConfirmationRefused(ValidationError):
    """The termination cannot be confirmed or withdrawn by this person, or not any more."""


def confirm_termination(action: EnforcementAction, *, by) -> EnforcementAction:
    """A second person confirms a proposed termination; it takes effect now if its notice period
    is over (or an exception applies), else when the period ends (`take_effect_due`)."""
    if action.decided_by_id is not None and action.decided_by_id == by.pk:
        raise ConfirmationRefused(
            "A termination must be confirmed by someone other than its issuer."
        )
    appeal = action.open_appeal()
    if appeal is not None and appeal.assigned_to_id == by.pk:
        raise ConfirmationRefused(
            "You hold the freelancer's appeal against this termination, so someone else must "
            "confirm it."
        )
    now = timezone.now()
    with transaction.atomic():
        confirmed = EnforcementAction.objects.filter(
            pk=action.pk, status=EnforcementAction.Status.PENDING, confirmed_at__isnull=True
        ).update(confirmed_by=by, confirmed_at=now, updated_at=now)
        if not confirmed:
            raise ConfirmationRefused("This termination is no longer waiting for confirmation.")
        action.confirmed_by, action.confirmed_at = by, now
        ActionEvent.objects.create(
            action=action,
            kind=ActionEvent.Kind.CONFIRMED,
            actor=by,
            from_status=action.status,
            to_status=action.status,
            # The freelancer reads the timeline: staff names stay in the audit log.
            reason="Confirmed by a second member of staff.",
        )
        record_audit(
            actor=by, verb="action.confirmed", obj=action, summary="Termination confirmed."
        )
        if action.takes_effect_at <= now:
            _take_effect(action)
    return action


def withdraw_termination(action: EnforcementAction, *, by, reason: str) -> EnforcementAction:
    """Drop a proposed termination before it takes effect (its proposer, or the person asked to
    confirm it, decided against it)."""
    if not reason.strip():
        raise ConfirmationRefused({"reason": ["Say why the termination is withdrawn."]})
    if action.open_appeal() is not None:
        raise ConfirmationRefused(
            "The freelancer has appealed this termination: the reviewer of the appeal decides "
            "it (overturning it lifts the termination)."
        )
    with transaction.atomic(durable=True):
        if action.status != EnforcementAction.Status.PENDING or not action.change_status(
            EnforcementAction.Status.WITHDRAWN,
            actor=by,
            reason=reason,
            kind=ActionEvent.Kind.WITHDRAWN,
        ):
            raise ConfirmationRefused("This termination is no longer proposed.")
        release_funds(action, None, by=by, reason="The action was withdrawn.")
        correct_client_notices(action, change="withdrawn", by=by)
        record_audit(actor=by, verb="action.withdrawn", obj=action, summary=reason)
        notify(
            action.account,
            kind=Notification.Kind.ACTION_WITHDRAWN,
            subject=gettext_lazy("We withdrew the proposed termination of your account"),
            body=format_lazy(
                gettext_lazy(
                    "It never took effect and does not restrict your account. Our reason: {reason}"
                ),
                reason=reason,
            ),
            url=action.get_absolute_url(),
        )
        record_event(WebhookEvent.Kind.ACTION_WITHDRAWN, action, action_payload(action))
    return action


def _take_effect(action: EnforcementAction) -> bool:
    if not action.change_status(
        EnforcementAction.Status.ACTIVE,
        actor=None,
        reason="The notice period is over and the termination was confirmed."
        if not action.termination_exception
        else f"Took effect under the exception: {action.get_termination_exception_display()}.",
        kind=ActionEvent.Kind.TOOK_EFFECT,
    ):
        return False
    record_event(WebhookEvent.Kind.ACTION_TOOK_EFFECT, action, action_payload(action))
    notify(
        action.account,
        kind=Notification.Kind.ACTION_TOOK_EFFECT,
        subject=gettext_lazy("Your account termination has taken effect"),
        body=format_lazy(
            gettext_lazy(
                "The termination we proposed has now taken effect. You can still appeal it "
                "until {day}."
            ),
            day=format_day_lazy(action.appeal_deadline, action.account.time_zone),
        ),
        url=action.get_absolute_url(),
    )
    return True


def take_effect_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Confirmed terminations whose notice period has ended take effect. Safe to run
    concurrently and repeatedly (SKIP LOCKED, conditional status change)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        due = list(
            EnforcementAction.objects.select_for_update(skip_locked=True)
            .filter(
                status=EnforcementAction.Status.PENDING,
                confirmed_at__isnull=False,
                takes_effect_at__lte=now,
            )
            .select_related("account")
            .order_by("takes_effect_at")[:batch_size]
        )
        return sum(_take_effect(action) for action in due)
