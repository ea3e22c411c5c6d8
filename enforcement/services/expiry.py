"""Timers of actions: restrictions that reach their end date, and funds due for release.

Funds follow the action: a restriction that ends releases what it still holds in the same
transaction as its status change, with the funds event, the freelancer's notification and the
webhook. Each sweep locks its rows (SKIP LOCKED) and changes them conditionally, so two sweeps
at once do each thing exactly once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.models import ActionEvent, EnforcementAction
from enforcement.services.reversal import release_funds
from infra.dates import format_day, format_when
from infra.words import in_sentence
from notifications.models import Notification, WebhookEvent
from notifications.services import in_language_of, notify
from notifications.webhooks import action_payload, record_event


def _released_sentence(action: EnforcementAction, released: Decimal) -> str:
    if released > 0:
        return _("%(amount)s %(currency)s held from your earnings were released.") % {
            "amount": released,
            "currency": action.funds_currency,
        }
    return ""


def expire_ended_actions(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End restrictions whose end date has passed. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(
            EnforcementAction.objects.select_for_update(skip_locked=True)
            .filter(status__in=EnforcementAction.RESTRICTING_STATUSES, ends_at__lte=now)
            .select_related("account")
            .order_by("ends_at")[:batch_size]
        )
        for action in due:
            if not action.change_status(
                EnforcementAction.Status.EXPIRED,
                actor=None,
                reason="The restriction reached its end date.",
                kind=ActionEvent.Kind.EXPIRED,
            ):
                continue
            released = release_funds(action, None, by=None, reason="The restriction ended.")
            with in_language_of(action.account):
                kind = in_sentence(action.get_restriction_type_display())
                subject = _("Your %(kind)s ended") % {"kind": kind}
                if released:
                    subject += "; " + _("%(amount)s %(currency)s released") % {
                        "amount": released,
                        "currency": action.funds_currency,
                    }
                body = " ".join(
                    part
                    for part in (
                        _(
                            "The %(kind)s reached its end date on %(day)s and no longer "
                            "restricts your account."
                        )
                        % {
                            "kind": kind,
                            "day": format_when(action.ends_at, action.account.time_zone),
                        },
                        _released_sentence(action, released),
                    )
                    if part
                )
            notify(
                action.account,
                kind=Notification.Kind.ACTION_ENDED,
                subject=subject,
                body=body,
                url=action.get_absolute_url(),
            )
            record_event(WebhookEvent.Kind.ACTION_EXPIRED, action, action_payload(action))
            expired += 1
    return expired


def release_scheduled_funds(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Release held funds whose release date (`funds_release_on`) has come, whatever the state
    of the restriction. Safe to run concurrently and repeatedly."""
    today = timezone.localdate(now or timezone.now())
    released_count = 0
    with transaction.atomic():
        due = list(
            EnforcementAction.objects.select_for_update(skip_locked=True)
            .filter(
                funds_release_on__lte=today,
                funds_released_amount__lt=F("funds_held_amount"),
            )
            .exclude(status=EnforcementAction.Status.PENDING)
            .select_related("account")
            .order_by("funds_release_on", "id")[:batch_size]
        )
        for action in due:
            released = release_funds(
                action, None, by=None, reason=f"Release date {action.funds_release_on:%Y-%m-%d}."
            )
            if not released:
                continue
            with in_language_of(action.account):
                subject = _("%(amount)s %(currency)s released") % {
                    "amount": released,
                    "currency": action.funds_currency,
                }
                body = " ".join(
                    (
                        _released_sentence(action, released),
                        _("They were due for release on %(day)s.")
                        % {"day": format_day(action.funds_release_on)},
                    )
                )
            notify(
                action.account,
                kind=Notification.Kind.FUNDS_RELEASED,
                subject=subject,
                body=body,
                url=action.get_absolute_url(),
            )
            record_event(WebhookEvent.Kind.ACTION_FUNDS_RELEASED, action, action_payload(action))
            released_count += 1
    return released_count
