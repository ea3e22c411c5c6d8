"""How an SLA clock reads for staff: a state badge, the deadline and a countdown.

Everything is computed on the server at render time against one `now` per request, so the page
needs no script and every row of a list agrees on what "now" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timezone import template_localtime

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


@register.simple_tag(takes_context=True)
def sla_badge(context, clock: AppealClock | None, label: str = "", hide_deadline: bool = False):
    """`{% sla_badge clock "Decision" %}`: one SLA clock for staff, as `appeals/_sla_badge.html`
    shows it (that template is this tag): state badge (words, not colour alone), countdown and
    deadline; `hide_deadline` leaves the date out (when the page shows it in full). Uses `now`
    from the context when present.

    Python rather than template markup because lists show it twice a row: as an included
    template it cost more than everything else in a row of the queue page."""
    now = context.get("now")
    view = sla_view(clock, now)
    prefix = format_html('<span class="sla-label">{}:</span> ', label) if label else ""
    if view is None:
        return format_html('<span class="sla">{}<span class="muted">no clock</span></span>', prefix)
    when, since = view.deadline, None
    if hide_deadline:
        when = None
    elif when is None and clock.paused_since:
        since = clock.paused_since
    deadline = ""
    if when is not None or since is not None:
        moment = template_localtime(when or since, context.use_tz)
        deadline = format_html(
            ' <small class="sla-deadline">({}<time datetime="{}" title="{}">{}</time>)</small>',
            "since " if since is not None else "",
            date_filter(moment, "c"),
            date_filter(moment, "l j F Y, H:i T"),
            date_filter(moment, "j M, H:i"),
        )
    return format_html(
        '<span class="sla sla-{}">{}<span class="badge badge-sla-{}">{}</span> '
        '<span class="sla-countdown">{}</span>{}</span>',
        view.state,
        prefix,
        view.state,
        view.label,
        view.countdown,
        deadline,
    )
