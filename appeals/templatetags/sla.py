"""How an SLA clock reads for staff: a state badge, the deadline and a countdown.

Everything is computed on the server at render time against one `now` per request, so the page
needs no script and every row of a list agrees on what "now" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.utils import timezone

from appeals.models import AppealClock

register = template.Library()

# The badge text: the state in words, never colour alone.
STATE_LABELS = {
    "on_track": "On track",
    "approaching": "Approaching",
    "breached": "Breached",
    "paused": "Paused",
    "met": "Met",
    "pending": "No deadline yet",
}


def duration_text(delta: timedelta) -> str:
    """The two largest units, rounded down: "1 day 2 h", "3 h 20 min", "45 min"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        day_text = f"{days} day{'s' if days != 1 else ''}"
        return f"{day_text} {hours} h" if hours else day_text
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return "less than a minute"


@dataclass(frozen=True)
class ClockView:
    """One clock as staff read it: `deadline` is the moment to show beside the badge."""

    state: str
    label: str
    countdown: str
    deadline: datetime | None

    @classmethod
    def of(cls, clock: AppealClock, now: datetime) -> ClockView:
        state = clock.state(now)
        return cls(
            state=state,
            label=STATE_LABELS[state],
            countdown=_countdown(clock, state, now),
            deadline=clock.due_at,
        )


def _countdown(clock: AppealClock, state: str, now: datetime) -> str:
    due, stopped = clock.due_at, clock.stopped_at
    if stopped is not None:
        if due is None:
            return "late" if state == "breached" else "in time"
        if stopped > due:
            return f"late by {duration_text(stopped - due)}"
        return "late" if state == "breached" else f"with {duration_text(due - stopped)} to spare"
    if state == "paused":
        return f"paused for {duration_text(now - clock.paused_since)}"
    if due is None:
        return "set when the appeal is routed"
    if now >= due:
        return f"overdue by {duration_text(now - due)}"
    return f"due in {duration_text(due - now)}"


@register.simple_tag
def sla_view(clock: AppealClock | None, now: datetime | None = None) -> ClockView | None:
    """`{% sla_view clock now as sla %}`; without a `now` in the context, the current time."""
    if clock is None or clock == "":
        return None
    return ClockView.of(clock, now or timezone.now())


@dataclass(frozen=True)
class PauseSummary:
    count: int
    total: str
    paused_since: datetime | None


@register.simple_tag
def clock_pauses(clock: AppealClock, now: datetime | None = None) -> PauseSummary:
    """How often and how long the clock waited for the freelancer (the open pause counts to now).

    Reads `clock.pauses` (prefetched by `Appeal.with_thread`; one query per clock otherwise).
    """
    now = now or timezone.now()
    pauses = list(clock.pauses.all())
    paused = sum(((p.ended_at or now) - p.started_at for p in pauses), timedelta())
    return PauseSummary(
        count=len(pauses),
        total=duration_text(paused) if pauses else "",
        paused_since=clock.paused_since,
    )
