"""Undoing actions: lifting, reducing, releasing funds and correcting what clients were told."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from enforcement.models import (
    ActionEvent,
    ClientCorrection,
    ClientNotice,
    EnforcementAction,
)
from infra.dates import format_day
from notifications.models import WebhookEvent
from notifications.webhooks import action_payload, correction_payload, record_event


class ActionNotChanged(Exception):
    """The action is no longer in a state this change applies to (someone else changed it)."""


def release_funds(action: EnforcementAction, amount: Decimal | None, *, by, reason: str) -> Decimal:
    """Release `amount` of the funds still held (None: all of them) and write the funds event.

    Reads the amounts under a row lock, so two releases at once (an expiry sweep and an appeal
    decision) never release more than was held. Returns the amount released.
    """
    held, already = (
        EnforcementAction.objects.select_for_update()
        .values_list("funds_held_amount", "funds_released_amount")
        .get(pk=action.pk)
    )
    remaining = held - already
    amount = remaining if amount is None else min(amount, remaining)
    if amount <= 0:
        return Decimal("0")
    now = timezone.now()
    released = already + amount
    EnforcementAction.objects.filter(pk=action.pk).update(
        funds_released_amount=released, funds_released_at=now, updated_at=now
    )
    action.funds_released_amount, action.funds_released_at = released, now
    ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.FUNDS_RELEASED,
        actor=by,
        reason=f"{amount} {action.funds_currency} released. {reason}".strip(),
    )
    return amount


def _restrictions_still_in_force(action: EnforcementAction) -> list[EnforcementAction]:
    return list(
        EnforcementAction.objects.for_account(action.account_id)
        .restricting()
        .exclude(pk=action.pk)
        .exclude(restriction_type=EnforcementAction.RestrictionType.WARNING)
        .order_by("starts_at", "id")
    )


def correction_text(action: EnforcementAction, *, change: str, shown_at: datetime) -> str:
    """What a client who was told of `action` is told now: what changed, and what still applies
    to the freelancer's account (never "in good standing" while another restriction is in force).

    `change` is "lifted", "reduced" or "withdrawn"; `action` is as it stands after the change.
    """
    # Clients are not our users: their time zone is unknown, so dates are UTC calendar days.
    told = format_day(shown_at, "UTC")
    subject = "restriction"
    if change == "withdrawn":
        subject = action.get_restriction_type_display().lower()
        what = "was withdrawn before it took effect"
    elif change == "lifted":
        what = "was reviewed and lifted"
    else:
        until = f" until {format_day(action.ends_at, 'UTC')}" if action.ends_at else ""
        what = (
            "was reviewed and reduced: it is now a "
            f"{action.get_restriction_type_display().lower()}{until}"
        )
        if action.restricted_capabilities:
            what += f" (restricted: {', '.join(action.capability_labels()).lower()})"
    parts = [
        f"Correction: the {subject} on this freelancer's account that we told you about on "
        f"{told} {what}."
    ]
    others = _restrictions_still_in_force(action)
    if others:
        labels = ", ".join(sorted({o.get_restriction_type_display().lower() for o in others}))
        parts.append(f"Another restriction still applies to their account ({labels}).")
    elif change != "reduced":
        parts.append("No other restriction applies to their account.")
    return " ".join(parts)


def reduced_shape(
    action: EnforcementAction, *, restriction_type: str | None, ends_at: datetime | None
) -> tuple[str, datetime | None]:
    """The restriction type and end an action has after a reduction (`reduce_action`)."""
    new_type = restriction_type or action.restriction_type
    new_ends_at = ends_at if ends_at is not None else action.ends_at
    if new_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION:
        new_ends_at = None
    return new_type, new_ends_at


def correction_preview(
    action: EnforcementAction,
    *,
    change: str,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
) -> list[tuple[ClientNotice, str]]:
    """What each client told of `action` (and not corrected yet) would be sent if the action were
    lifted or reduced now: `correction_text` itself, on an unsaved copy of the action as it would
    stand afterwards. Nothing is written."""
    after = copy.copy(action)
    if change == "reduced":
        after.restriction_type, after.ends_at = reduced_shape(
            action, restriction_type=restriction_type, ends_at=ends_at
        )
    notices = ClientNotice.objects.filter(action=action, correction__isnull=True).order_by("id")
    return [
        (notice, correction_text(after, change=change, shown_at=notice.shown_at))
        for notice in notices
    ]


def _correct(notice: ClientNotice, *, action: EnforcementAction, change: str, by):
    text = correction_text(action, change=change, shown_at=notice.shown_at)
    event = record_event(
        WebhookEvent.Kind.CLIENT_NOTICE_CORRECTED,
        action,
        correction_payload(action, notice, text),
    )
    return ClientCorrection.objects.create(
        notice=notice, text=text, created_by=by, webhook_event=event
    )


def correct_client_notices(action: EnforcementAction, *, change: str, by) -> list[ClientCorrection]:
    """One correction per client told of `action` and not corrected yet, each an outbox event
    (client_notice.corrected) that the webhook machinery delivers to the marketplace."""
    notices = ClientNotice.objects.filter(action=action, correction__isnull=True).order_by("id")
    corrections = [_correct(notice, action=action, change=change, by=by) for notice in notices]
    if corrections:
        ActionEvent.objects.create(
            action=action,
            kind=ActionEvent.Kind.CLIENTS_CORRECTED,
            actor=by,
            reason=f"{len(corrections)} client correction(s) queued for the marketplace.",
        )
    return corrections


def lift_action(action: EnforcementAction, *, by, reason: str) -> EnforcementAction:
    """Undo an action completely: restriction lifted, all held funds released, clients corrected.

    Called inside the caller's transaction (an appeal decision) so that all of it happens or none.
    """
    if action.status in (EnforcementAction.Status.LIFTED, EnforcementAction.Status.WITHDRAWN):
        raise ActionNotChanged(f"Action #{action.pk} is {action.get_status_display().lower()}.")
    if not action.change_status(
        EnforcementAction.Status.LIFTED, actor=by, reason=reason, kind=ActionEvent.Kind.LIFTED
    ):
        raise ActionNotChanged(f"Action #{action.pk} changed meanwhile; nothing was lifted.")
    release_funds(action, None, by=by, reason="The action was lifted.")
    correct_client_notices(action, change="lifted", by=by)
    record_event(WebhookEvent.Kind.ACTION_LIFTED, action, action_payload(action))
    return action


def reduction_errors(
    action: EnforcementAction,
    *,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
    release_amount: Decimal = Decimal("0"),
) -> dict[str, list[str]]:
    """Why this change of `action` is not a pure reduction (empty when it is one).

    Separate from `reduce_action` so that an appeal decision can be refused before it changes
    anything.
    """
    types = EnforcementAction.RestrictionType
    errors: dict[str, list[str]] = {}
    if action.is_pending():
        # Reducing a proposal would put a restriction in effect before its notice period ends.
        return {
            "restriction_type": [
                "This termination is only proposed and restricts nothing yet: overturn it "
                "(it is then lifted) or uphold it."
            ]
        }
    new_type = restriction_type or action.restriction_type
    severity = [
        types.WARNING,
        types.FEATURE_RESTRICTION,
        types.PAYOUT_HOLD,
        types.TEMPORARY_SUSPENSION,
        types.PERMANENT_TERMINATION,
    ]
    if new_type not in severity:
        errors["restriction_type"] = ["Unknown restriction type."]
    elif severity.index(new_type) > severity.index(action.restriction_type):
        errors["restriction_type"] = ["A modification can only reduce the restriction."]
    if new_type == types.TEMPORARY_SUSPENSION and (ends_at or action.ends_at) is None:
        errors["ends_at"] = ["A temporary suspension needs an end date."]
    if new_type == types.PERMANENT_TERMINATION and ends_at is not None:
        # Otherwise the end date is dropped and an unchanged termination is called "reduced".
        errors["ends_at"] = [
            "A permanent termination has no end date; reduce it to a temporary suspension."
        ]
    elif ends_at is not None:
        if ends_at <= action.starts_at:
            errors["ends_at"] = ["The end must come after the start."]
        elif action.ends_at is not None and ends_at > action.ends_at:
            errors["ends_at"] = ["A modification cannot extend the restriction."]
    if release_amount < 0 or release_amount > action.funds_still_held():
        errors["release_amount"] = [
            f"Release between 0 and {action.funds_still_held()} {action.funds_currency}."
        ]
    changes_anything = (
        new_type != action.restriction_type
        or (ends_at is not None and ends_at != action.ends_at)
        or release_amount > 0
    )
    if not errors and not changes_anything:
        errors["restriction_type"] = [
            "A modification must reduce the restriction or release funds."
        ]
    return errors


def reduce_action(
    action: EnforcementAction,
    *,
    by,
    reason: str,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
    release_amount: Decimal = Decimal("0"),
) -> EnforcementAction:
    """Reduce an action (e.g. permanent → temporary with an end, or release part of the funds)."""
    errors = reduction_errors(
        action, restriction_type=restriction_type, ends_at=ends_at, release_amount=release_amount
    )
    if errors:
        raise ValidationError(errors)
    types = EnforcementAction.RestrictionType

    def describe(kind: str, end: datetime | None) -> str:
        label = types(kind).label
        return f"{label} until {end:%Y-%m-%d}" if end else label

    new_type, new_ends_at = reduced_shape(
        action, restriction_type=restriction_type, ends_at=ends_at
    )
    change = (
        f"{describe(action.restriction_type, action.ends_at)} → {describe(new_type, new_ends_at)}"
    )
    if not action.change_status(
        EnforcementAction.Status.MODIFIED,
        actor=by,
        reason=f"{reason} ({change})",
        kind=ActionEvent.Kind.MODIFIED,
    ):
        raise ActionNotChanged(f"Action #{action.pk} changed meanwhile; nothing was modified.")
    action.restriction_type, action.ends_at = new_type, new_ends_at
    EnforcementAction.objects.filter(pk=action.pk).update(
        restriction_type=new_type, ends_at=new_ends_at
    )
    release_funds(action, release_amount, by=by, reason="Part of the held funds released.")
    correct_client_notices(action, change="reduced", by=by)
    record_event(WebhookEvent.Kind.ACTION_MODIFIED, action, action_payload(action))
    return action
