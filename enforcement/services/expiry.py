"""Timers of actions: restrictions that reach their end date."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from enforcement.models import (
    ActionEvent,
    EnforcementAction,
)


def expire_ended_actions(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End restrictions whose end date has passed. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(
            EnforcementAction.objects.select_for_update(skip_locked=True)
            .filter(status__in=EnforcementAction.RESTRICTING_STATUSES, ends_at__lte=now)
            .order_by("ends_at")[:batch_size]
        )
        for action in due:
            if action.change_status(
                EnforcementAction.Status.EXPIRED,
                actor=None,
                reason="The restriction reached its end date.",
                kind=ActionEvent.Kind.EXPIRED,
            ):
                expired += 1
    return expired
