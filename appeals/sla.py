"""SLA clocks: deadlines in business time that everyone sees, warnings and breaches caught once.

Each appeal has a first-response clock and a decision clock, started at submission. They pause
while the appeal waits for the freelancer and resume on the reply. Deadlines are stored
(`AppealClock.due_at` / `warn_at`) and recomputed on pause, resume, routing, and when a policy
or calendar changes; a beat task (`sweep`) records each warning and breach exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from appeals import business_time
from appeals.models import (
    Appeal,
    AppealClock,
    AppealEvent,
    Calendar,
    ClockPause,
    Queue,
    SlaPolicy,
)
from notifications.models import Notification
from notifications.services import notify

Kind = AppealClock.Kind


def default_target(kind: str) -> timedelta:
    """Targets before a queue's policy applies (and for queues without one): calendar time."""
    days = (
        settings.APPEAL_REPLY_TARGET_DAYS
        if kind == Kind.FIRST_RESPONSE
        else settings.APPEAL_DECISION_TARGET_DAYS
    )
    return timedelta(days=days)


def policy_for(appeal: Appeal) -> SlaPolicy | None:
    if appeal.queue_id is None:
        return None
    policies = list(SlaPolicy.objects.filter(queue_id=appeal.queue_id))
    exact = [p for p in policies if p.priority == appeal.priority]
    default = [p for p in policies if p.priority is None]
    return (exact or default or [None])[0]


def calendar_for(policy: SlaPolicy | None) -> business_time.Calendar:
    if policy is None or policy.time_basis == SlaPolicy.TimeBasis.CALENDAR:
        return business_time.CALENDAR_TIME
    calendar = policy.queue.calendar
    if calendar is None:
        return business_time.CALENDAR_TIME
    calendar = Calendar.objects.prefetch_related("intervals", "holidays").get(pk=calendar.pk)
    return calendar.as_business_calendar()


def _compute(clock: AppealClock, policy: SlaPolicy | None, calendar) -> None:
    """Set due_at and warn_at from the start, the target and the pauses (None while paused)."""
    target = policy.target(clock.kind) if policy else default_target(clock.kind)
    warning_share = (policy.warning_percent if policy else 25) / 100
    saved_pauses = clock.pauses.all() if clock.pk else []
    pauses = [business_time.Pause(start=p.started_at, end=p.ended_at) for p in saved_pauses]
    clock.policy = policy
    clock.due_at = business_time.deadline_with_pauses(clock.started_at, target, calendar, pauses)
    clock.warn_at = business_time.deadline_with_pauses(
        clock.started_at, target * (1 - warning_share), calendar, pauses
    )


def _event(appeal: Appeal, kind: str, reason: str, actor=None) -> None:
    AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor,
        from_status=appeal.status,
        to_status=appeal.status,
        reason=reason,
    )


def start_clocks(appeal: Appeal) -> list[AppealClock]:
    policy = policy_for(appeal)
    calendar = calendar_for(policy)
    clocks = []
    for kind in (Kind.FIRST_RESPONSE, Kind.DECISION):
        clock = AppealClock(appeal=appeal, kind=kind, started_at=appeal.submitted_at)
        _compute(clock, policy, calendar)
        clocks.append(clock)
    return AppealClock.objects.bulk_create(clocks)


def recompute_clocks(appeal: Appeal, *, reason: str, actor=None) -> int:
    """Recompute the open clocks of one appeal (after routing or a policy/calendar change)."""
    policy = policy_for(appeal)
    calendar = calendar_for(policy)
    changed = 0
    for clock in AppealClock.objects.filter(
        appeal=appeal, stopped_at__isnull=True
    ).prefetch_related("pauses"):
        before = (clock.due_at, clock.warn_at, clock.policy_id)
        _compute(clock, policy, calendar)
        if (clock.due_at, clock.warn_at, clock.policy_id) != before:
            clock.save(update_fields=["policy", "due_at", "warn_at"])
            changed += 1
    if changed:
        _event(appeal, AppealEvent.Kind.RECOMPUTED, reason, actor)
    return changed


def pause_clocks(appeal: Appeal, *, at: datetime | None = None, actor=None) -> None:
    at = at or timezone.now()
    clocks = list(AppealClock.objects.filter(appeal=appeal).running().select_for_update())
    for clock in clocks:
        ClockPause.objects.create(clock=clock, started_at=at)
    if clocks:
        AppealClock.objects.filter(pk__in=[c.pk for c in clocks]).update(
            paused_since=at, due_at=None, warn_at=None
        )
        _event(appeal, AppealEvent.Kind.CLOCK_PAUSED, "Waiting for the freelancer.", actor)


def resume_clocks(appeal: Appeal, *, at: datetime | None = None, actor=None) -> None:
    at = at or timezone.now()
    clocks = list(
        AppealClock.objects.filter(
            appeal=appeal, stopped_at__isnull=True, paused_since__isnull=False
        ).select_for_update()
    )
    if not clocks:
        return
    ClockPause.objects.filter(clock__in=clocks, ended_at__isnull=True).update(ended_at=at)
    policy = policy_for(appeal)
    calendar = calendar_for(policy)
    for clock in AppealClock.objects.filter(pk__in=[c.pk for c in clocks]).prefetch_related(
        "pauses"
    ):
        clock.paused_since = None
        _compute(clock, policy, calendar)
        clock.save(update_fields=["paused_since", "policy", "due_at", "warn_at"])
    _event(appeal, AppealEvent.Kind.CLOCK_RESUMED, "The freelancer answered.", actor)


def stop_clocks(appeal: Appeal, *kinds: str, at: datetime | None = None) -> None:
    at = at or timezone.now()
    clocks = AppealClock.objects.filter(appeal=appeal, kind__in=kinds, stopped_at__isnull=True)
    # A clock stopped while paused closes its open pause too.
    ClockPause.objects.filter(clock__in=clocks, ended_at__isnull=True).update(ended_at=at)
    clocks.update(stopped_at=at, paused_since=None)


def recompute_for_policy(policy: SlaPolicy, *, actor=None) -> int:
    """A lead changed a policy: open appeals of its queue get new deadlines (with events)."""
    appeals = Appeal.objects.open().filter(queue_id=policy.queue_id)
    if policy.priority is not None:
        appeals = appeals.filter(priority=policy.priority)
    return sum(
        bool(recompute_clocks(a, reason=f"Policy {policy} changed.", actor=actor)) for a in appeals
    )


def recompute_for_calendar(calendar: Calendar, *, actor=None) -> int:
    appeals = Appeal.objects.open().filter(queue__calendar=calendar)
    return sum(
        bool(recompute_clocks(a, reason=f"Calendar {calendar.name} changed.", actor=actor))
        for a in appeals
    )


# --- The sweep ------------------------------------------------------------------------------------


def sweep(*, now: datetime | None = None, batch_size: int = 1000) -> tuple[int, int]:
    """Record due warnings and breaches, each exactly once, notify and escalate.

    Clocks are taken with SKIP LOCKED and each record is a conditional update, so two sweeps
    running at the same moment never record the same warning or breach twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        warnings = _record(
            AppealClock.objects.warning_due(now),
            "warn_at",
            "warned_at",
            now,
            batch_size,
            _on_warning,
        )
        breaches = _record(
            AppealClock.objects.breach_due(now),
            "due_at",
            "breached_at",
            now,
            batch_size,
            _on_breach,
        )
    return warnings, breaches


def _record(due, order: str, field: str, now, batch_size: int, handle) -> int:
    clocks = list(
        due.select_for_update(skip_locked=True, of=("self",))
        .select_related("appeal__queue", "appeal__assigned_to", "policy__escalation_queue")
        .order_by(order)[:batch_size]
    )
    recorded = 0
    for clock in clocks:
        if AppealClock.objects.filter(pk=clock.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        ):
            handle(clock)
            recorded += 1
    return recorded


def _staff_to_notify(appeal: Appeal) -> list[User]:
    leads = list(
        User.objects.filter(groups__name=Role.LEAD, is_active=True, appeal_queues=appeal.queue_id)
    ) or list(User.objects.filter(groups__name=Role.LEAD, is_active=True))
    people = {u.pk: u for u in leads}
    if appeal.assigned_to_id:
        people[appeal.assigned_to_id] = appeal.assigned_to
    return list(people.values())


def _notify_staff(appeal: Appeal, kind: str, subject: str, body: str) -> None:
    for person in _staff_to_notify(appeal):
        notify(
            person,
            kind=kind,
            appeal=appeal,
            subject=subject,
            body=body,
            url=reverse("appeals:review-detail", args=[appeal.pk]),
        )


def _on_warning(clock: AppealClock) -> None:
    appeal = clock.appeal
    _event(
        appeal, AppealEvent.Kind.SLA_WARNING, f"{clock.get_kind_display()} deadline approaching."
    )
    _notify_staff(
        appeal,
        Notification.Kind.SLA_WARNING,
        subject=f"Appeal #{appeal.pk}: {clock.get_kind_display().lower()} due soon",
        body=f"The deadline is {clock.due_at:%Y-%m-%d %H:%M} UTC.",
    )


def _on_breach(clock: AppealClock) -> None:
    appeal = clock.appeal
    _event(appeal, AppealEvent.Kind.SLA_BREACHED, f"{clock.get_kind_display()} deadline missed.")
    _notify_staff(
        appeal,
        Notification.Kind.SLA_BREACH,
        subject=f"Appeal #{appeal.pk}: {clock.get_kind_display().lower()} deadline missed",
        body=f"The deadline was {clock.due_at:%Y-%m-%d %H:%M} UTC. The appeal is escalated.",
    )
    _escalate(appeal, clock.policy)


def _escalate(appeal: Appeal, policy: SlaPolicy | None) -> None:
    action = policy.escalation if policy else SlaPolicy.Escalation.RAISE_PRIORITY
    if action == SlaPolicy.Escalation.NONE:
        return
    if action == SlaPolicy.Escalation.RAISE_PRIORITY:
        Appeal.objects.filter(pk=appeal.pk).update(priority=F("priority") + 1)
        reason = "Priority raised."
    elif action == SlaPolicy.Escalation.MOVE_QUEUE:
        target: Queue = policy.escalation_queue
        Appeal.objects.filter(pk=appeal.pk).update(
            queue=target, assigned_to=None, claimed_at=None, lease_expires_at=None
        )
        reason = f"Moved to {target.name}."
    else:
        Appeal.objects.filter(pk=appeal.pk).update(
            assigned_to=None, claimed_at=None, lease_expires_at=None
        )
        reason = "Returned to the queue for reassignment."
    _event(appeal, AppealEvent.Kind.ESCALATED, reason)


def clocks_prefetch() -> Prefetch:
    return Prefetch("clocks", queryset=AppealClock.objects.order_by("kind"))
