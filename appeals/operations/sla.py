"""SLA clocks: deadlines in business time that everyone sees, warnings and breaches caught once.

Each appeal has a first-response clock and a decision clock, started at submission. They pause
while the appeal waits for the freelancer and resume on the reply. Deadlines are stored
(`AppealClock.due_at` / `warn_at`) and recomputed on pause, resume, routing, and when a policy
or calendar changes; a beat task (`sweep`) records each warning and breach exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, ngettext_lazy, npgettext_lazy

from accounts.models import Role, User
from appeals import business_time
from appeals.models import (
    Appeal,
    AppealClock,
    AppealClockQuerySet,
    AppealEvent,
    Calendar,
    ClockPause,
    Queue,
    QueueSlaSummary,
    SlaPolicy,
)
from infra.bulk import insert_rows
from infra.dates import format_when_lazy
from infra.queueing import enqueue
from infra.words import lazy_in_sentence
from notifications.models import Notification
from notifications.services import notify_rows

Kind = AppealClock.Kind
logger = logging.getLogger(__name__)


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
    return _choose_policy(SlaPolicy.objects.filter(queue_id=appeal.queue_id), appeal.priority)


def _choose_policy(queue_policies, priority: int) -> SlaPolicy | None:
    """Of one queue's policies, the one for `priority`, else the queue's default one."""
    exact = [p for p in queue_policies if p.priority == priority]
    default = [p for p in queue_policies if p.priority is None]
    return (exact or default or [None])[0]


def calendar_for(policy: SlaPolicy | None) -> business_time.Calendar:
    if policy is None or policy.time_basis == SlaPolicy.TimeBasis.CALENDAR:
        return business_time.CALENDAR_TIME
    calendar = policy.queue.calendar
    if calendar is None:
        return business_time.CALENDAR_TIME
    calendar = Calendar.objects.prefetch_related("intervals", "holidays").get(pk=calendar.pk)
    business = calendar.as_business_calendar()
    if not business.has_working_time():
        # A calendar whose hours are not entered yet would make every deadline unreachable
        # (and routing fail): until it has some, the queue runs round the clock.
        return business_time.CALENDAR_TIME
    return business


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
    # Also the appeals whose clocks this policy set: after a change of its priority or queue
    # they fall under another policy (or the defaults).
    appeals = Appeal.objects.open().filter(
        Q(pk__in=appeals.values("pk"))
        | Q(pk__in=AppealClock.objects.filter(policy=policy).values("appeal_id"))
    )
    return sum(
        bool(recompute_clocks(a, reason=f"Policy {policy} changed.", actor=actor)) for a in appeals
    )


def recompute_escalated(appeal_ids: list[int]) -> int:
    """Escalated appeals whose queue or priority now falls under another policy get that
    policy's deadlines (with an event each). Run by a task after the sweep that escalated."""
    changed = 0
    for appeal_id in appeal_ids:
        with transaction.atomic():
            appeal = Appeal.objects.open().select_for_update().filter(pk=appeal_id).first()
            if appeal is not None:
                reason = "Deadlines set by the policy the escalation put the appeal under."
                changed += bool(recompute_clocks(appeal, reason=reason))
    return changed


def recompute_for_queue(queue: Queue, *, actor=None) -> int:
    """A lead gave a queue another calendar: its open appeals get new deadlines."""
    return sum(
        bool(recompute_clocks(a, reason=f"Calendar of {queue.name} changed.", actor=actor))
        for a in Appeal.objects.open().filter(queue=queue)
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

    Clocks are taken with SKIP LOCKED, so two sweeps running at the same moment never take the
    same clock, and each record is a conditional update on the taken clocks. The work is done
    per batch, not per clock: a fixed number of queries for up to `batch_size` clocks of each
    kind, and no model instance per clock, event or notice (the rows are read as tuples and
    written as arrays, `infra.bulk.insert_rows`), so that a sweep over a thousand due clocks
    costs milliseconds of Python. Emails are rendered and sent by a task after commit.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        warned = _take(
            AppealClock.objects.warning_due(now), "warn_at", "warned_at", now, batch_size
        )
        breached = _take(
            AppealClock.objects.breach_due(now), "due_at", "breached_at", now, batch_size
        )
        if warned or breached:
            events = [_event_row(c, AppealEvent.Kind.SLA_WARNING) for c in warned]
            events += [_event_row(c, AppealEvent.Kind.SLA_BREACHED) for c in breached]
            events += _escalate(breached)
            at = timezone.now()  # events carry the real time, as every event does
            insert_rows(AppealEvent, _EVENT_FIELDS, [(*row, at) for row in events])
            notify_rows(_notifications(warned, breached))
    return len(warned), len(breached)


@dataclass(slots=True, frozen=True)
class DueClock:
    """What the sweep reads of a due clock and its appeal: a tuple's worth, not a model."""

    pk: int
    kind: str
    appeal_id: int
    due_at: datetime | None
    policy_id: int | None
    status: str
    queue_id: int | None
    assigned_to_id: int | None
    priority: int


_DUE_FIELDS = (
    "pk",
    "kind",
    "appeal_id",
    "due_at",
    "policy_id",
    "appeal__status",
    "appeal__queue_id",
    "appeal__assigned_to_id",
    "appeal__priority",
)


def due_batch(due: AppealClockQuerySet, order: str, batch_size: int):
    """The sweep's selection: up to `batch_size` due clocks, locked with their appeals, as
    rows of `_DUE_FIELDS`.

    The appeal is locked with its clock, in one statement with SKIP LOCKED: services lock the
    appeal first and its clocks second (a decision stops them), so taking the clock and then
    waiting for the appeal would deadlock. An appeal being changed right now is left for the
    next sweep. The query joins only the appeal (an inner join), and `FOR UPDATE` without `OF`
    locks the rows of both, exactly the clock and its appeal. (bench/sla_sweep.py times and
    EXPLAINs this very query.)
    """
    return (
        due.select_for_update(skip_locked=True)
        .order_by(order)
        .values_list(*_DUE_FIELDS)[:batch_size]
    )


def _take(due, order: str, field: str, now, batch_size: int) -> list[DueClock]:
    """Lock up to `batch_size` due clocks and record `field` on them."""
    clocks = [DueClock(*row) for row in due_batch(due, order, batch_size)]
    if not clocks:
        return []
    # The rows are locked by this transaction and FOR UPDATE re-checked the condition on their
    # latest version, so the conditional update takes every one of them; were it not so, the
    # whole sweep is rolled back rather than notify for a record it did not make.
    recorded = AppealClock.objects.filter(
        pk__in=[c.pk for c in clocks], **{f"{field}__isnull": True}
    ).update(**{field: now})
    if recorded != len(clocks):
        raise RuntimeError(f"{len(clocks) - recorded} locked clock(s) changed under the sweep")
    return clocks


# An event row as the sweep writes it (`at` is added last, the same for the whole sweep).
_EVENT_FIELDS = ("appeal_id", "kind", "from_status", "to_status", "reason", "at")


def _kind_label(kind: str) -> str:
    return str(Kind(kind).label)


def _event_row(clock: DueClock, kind: str) -> tuple:
    what = _kind_label(clock.kind)
    if kind == AppealEvent.Kind.SLA_WARNING:
        reason = f"{what} deadline approaching."
    else:
        reason = f"{what} deadline missed."
    return (clock.appeal_id, kind, clock.status, clock.status, reason)


# --- Who is told, and how --------------------------------------------------------------------
#
# The assignee hears of each of their clocks. Each lead of the appeal's queue (every active lead
# when the queue has none, or before routing) gets one message per sweep and kind for all the
# appeals they were not already told of as assignee: a sweep that finds a thousand breaches
# sends a lead one digest, not a thousand emails. A clock that is warned and breached in the
# same sweep (the sweep was down) is told as a breach only.

# How many appeals a lead's digest names before "and N more".
DIGEST_NAMES = 20


def _notifications(warned: list[DueClock], breached: list[DueClock]) -> list[tuple]:
    """Rows for `notifications.services.notify_rows`."""
    breached_ids = {clock.pk for clock in breached}
    still_warned = [clock for clock in warned if clock.pk not in breached_ids]
    leads = _LeadsToTell({clock.queue_id for clock in still_warned + breached})
    # One reverse() for all the appeals: the case page's URL with the appeal's id put in.
    case_url = reverse("appeals:review-detail", args=[0]).replace("/0/", "/{}/")
    notifications = []
    for kind, clocks in (
        (Notification.Kind.SLA_WARNING, still_warned),
        (Notification.Kind.SLA_BREACH, breached),
    ):
        notifications += [
            _about_one(kind, c, c.assigned_to_id, case_url) for c in clocks if c.assigned_to_id
        ]
        notifications += _lead_digests(kind, clocks, leads, case_url)
    return notifications


class _LeadsToTell:
    """The leads to tell about an appeal: its queue's leads, or every active lead when the queue
    has none (or before routing). Read once per sweep."""

    def __init__(self, queue_ids: set[int | None]) -> None:
        leads = User.objects.filter(groups__name=Role.LEAD, is_active=True)
        self.all_leads: list[int] = list(leads.order_by("pk").values_list("pk", flat=True))
        self.by_queue: dict[int, list[int]] = {}
        memberships = Queue.members.through.objects.filter(
            queue_id__in=[q for q in queue_ids if q is not None], user_id__in=self.all_leads
        ).order_by("user_id")
        for queue_id, user_id in memberships.values_list("queue_id", "user_id"):
            self.by_queue.setdefault(queue_id, []).append(user_id)

    def for_queue(self, queue_id: int | None) -> list[int]:
        return (self.by_queue.get(queue_id) if queue_id else None) or self.all_leads

    def may_open(self, lead_id: int, clock: DueClock) -> bool:
        """Whether the lead may open the appeal's own page: it is in one of their queues, or
        not routed yet (`Appeal.objects.for_reviewer`); a lead told because its queue has no
        lead of its own is sent to the dashboard instead of a page that would answer 404."""
        return clock.queue_id is None or lead_id in self.by_queue.get(clock.queue_id, ())


def _what(clock: DueClock):
    """A clock's kind ("first response", "decision") inside a sentence, in the language the text
    is resolved in (`notify_rows` resolves each row in its recipient's)."""
    return lazy_in_sentence(Kind(clock.kind).label)


def _subject(kind: str, clock: DueClock):
    if kind == Notification.Kind.SLA_WARNING:
        text = gettext_lazy("Appeal #{number}: {what} due soon")
    else:
        text = gettext_lazy("Appeal #{number}: {what} deadline missed")
    return format_lazy(text, number=clock.appeal_id, what=_what(clock))


def _body(kind: str, clock: DueClock):
    # Written when the notice is resolved: in its reader's language and time zone.
    due = format_when_lazy(clock.due_at)
    if kind == Notification.Kind.SLA_WARNING:
        return format_lazy(gettext_lazy("The deadline is {due}."), due=due)
    return format_lazy(gettext_lazy("The deadline was {due}. The appeal is escalated."), due=due)


def _about_one(
    kind: str, clock: DueClock, person_id: int, case_url: str, *, outside: bool = False
) -> tuple:
    """About one clock, linking to the appeal; `outside`: told as a lead of every queue without
    a lead of its own, who cannot open an appeal of a queue they are not in, so to the
    dashboard, which shows that queue's deadlines."""
    if outside:
        body = format_lazy(
            gettext_lazy("{deadline} The dashboard shows the deadlines of its queue."),
            deadline=_body(kind, clock),
        )
        url = reverse("appeals:dashboard")
    else:
        body, url = _body(kind, clock), case_url.format(clock.appeal_id)
    return (person_id, kind, clock.appeal_id, _subject(kind, clock), body, url)


def _lead_digests(
    kind: str, clocks: list[DueClock], leads: _LeadsToTell, case_url: str
) -> list[tuple]:
    """One notification per lead for the clocks of `kind` they are not the assignee of; about
    one clock it reads as the assignee's does."""
    by_lead: dict[int, list[DueClock]] = {}
    for clock in clocks:
        for lead_id in leads.for_queue(clock.queue_id):
            if lead_id != clock.assigned_to_id:
                by_lead.setdefault(lead_id, []).append(clock)
    return [
        _about_one(kind, told[0], lead_id, case_url, outside=not leads.may_open(lead_id, told[0]))
        if len(told) == 1
        else _digest(kind, told, lead_id)
        for lead_id, told in by_lead.items()
    ]


def _named(clocks: list[DueClock]):
    """ "#12 (decision), #15 (first response)", in the language it is resolved in."""
    return lazy(lambda: ", ".join(f"#{c.appeal_id} ({_what(c)})" for c in clocks), str)()


def _digest(kind: str, clocks: list[DueClock], lead_id: int) -> tuple:
    count = len({clock.appeal_id for clock in clocks})
    appeals = format_lazy(
        npgettext_lazy("sla digest", "{count} appeal", "{count} appeals", count), count=count
    )
    left = len(clocks) - DIGEST_NAMES
    more = (
        format_lazy(ngettext_lazy(", and {count} more", ", and {count} more", left), count=left)
        if left > 0
        else ""
    )
    named = _named(clocks[:DIGEST_NAMES])
    if kind == Notification.Kind.SLA_WARNING:
        subject = ngettext_lazy(
            "{count} deadline approaching on {appeals}",
            "{count} deadlines approaching on {appeals}",
            len(clocks),
        )
        body = gettext_lazy("Due soon: {named}{more}.")
    else:
        subject = ngettext_lazy(
            "{count} deadline missed on {appeals}",
            "{count} deadlines missed on {appeals}",
            len(clocks),
        )
        body = gettext_lazy("Missed and escalated: {named}{more}.")
    return (
        lead_id,
        kind,
        None,
        format_lazy(subject, count=len(clocks), appeals=appeals),
        format_lazy(
            "{} {}",
            format_lazy(body, named=named, more=more),
            gettext_lazy("The dashboard shows each queue's deadlines."),
        ),
        reverse("appeals:dashboard"),
    )


def _escalate(breached: list[DueClock]) -> list[tuple]:
    """Escalate each breach as its clock's policy says (raise the priority by default), one
    update per kind of escalation, and return the events' rows. Each breach escalates once: an
    appeal whose two clocks breach in the same sweep has its priority raised twice, as in two
    sweeps."""
    events: list[tuple] = []
    raises: dict[int, int] = {}
    moves: dict[Queue, list[int]] = {}
    returns: list[int] = []
    policy_ids = {clock.policy_id for clock in breached if clock.policy_id is not None}
    policies = (
        SlaPolicy.objects.select_related("escalation_queue").in_bulk(policy_ids)
        if policy_ids
        else {}
    )
    for clock in breached:
        policy = policies.get(clock.policy_id) if clock.policy_id else None
        action = policy.escalation if policy else SlaPolicy.Escalation.RAISE_PRIORITY
        if action == SlaPolicy.Escalation.NONE:
            continue
        if action == SlaPolicy.Escalation.RAISE_PRIORITY:
            raises[clock.appeal_id] = raises.get(clock.appeal_id, 0) + 1
            reason = "Priority raised."
        elif action == SlaPolicy.Escalation.MOVE_QUEUE:
            moves.setdefault(policy.escalation_queue, []).append(clock.appeal_id)
            reason = f"Moved to {policy.escalation_queue.name}."
        else:
            returns.append(clock.appeal_id)
            reason = "Returned to the queue for reassignment."
        escalated = AppealEvent.Kind.ESCALATED
        events.append((clock.appeal_id, escalated, clock.status, clock.status, reason))
    for steps in set(raises.values()):
        Appeal.objects.filter(pk__in=[pk for pk, n in raises.items() if n == steps]).update(
            priority=F("priority") + steps
        )
    unassigned = {"assigned_to": None, "claimed_at": None, "lease_expires_at": None}
    for target, appeal_ids in moves.items():
        Appeal.objects.filter(pk__in=appeal_ids).update(queue=target, **unassigned)
    if returns:
        Appeal.objects.filter(pk__in=returns).update(**unassigned)
    _recompute_where_the_policy_changed(breached, raises, moves)
    return events


def _recompute_where_the_policy_changed(
    breached: list[DueClock], raises: dict[int, int], moves: dict[Queue, list[int]]
) -> None:
    """An escalation can put an appeal under another policy (another queue's, or the one for
    its new priority). One query finds which; their clocks are recomputed by a task after
    commit, so a sweep over many breaches stays fast."""
    moved_to = {appeal_id: queue.pk for queue, ids in moves.items() for appeal_id in ids}
    now_under: dict[int, tuple[int | None, int, int | None]] = {}
    for clock in breached:
        if clock.appeal_id in raises or clock.appeal_id in moved_to:
            queue_id = moved_to.get(clock.appeal_id, clock.queue_id)
            priority = clock.priority + raises.get(clock.appeal_id, 0)
            now_under[clock.appeal_id] = (queue_id, priority, clock.policy_id)
    if not now_under:
        return
    policies: dict[int, list[SlaPolicy]] = {}
    for policy in SlaPolicy.objects.filter(queue_id__in={q for q, _, _ in now_under.values()}):
        policies.setdefault(policy.queue_id, []).append(policy)
    changed = []
    for appeal_id, (queue_id, priority, policy_id) in now_under.items():
        policy = _choose_policy(policies.get(queue_id, []), priority)
        if (policy.pk if policy else None) != policy_id:
            changed.append(appeal_id)
    if changed:
        transaction.on_commit(lambda: _enqueue_recompute(changed))


def _enqueue_recompute(appeal_ids: list[int]) -> None:
    if not enqueue("appeals.tasks.recompute_escalated_clocks", appeal_ids):
        # Without a broker, the sweep's own process recomputes them now rather than lose them.
        recompute_escalated(appeal_ids)


def clocks_prefetch() -> Prefetch:
    return Prefetch("clocks", queryset=AppealClock.objects.order_by("kind"))


# --- The lead dashboard's deadline figures ------------------------------------------------------

SLA_WINDOWS = {"7": timedelta(days=7), "30": timedelta(days=30)}


def queue_sla_figures(now: datetime) -> dict[int, dict]:
    """Per queue id: `breaches` (open appeals' clocks breached now) and, per window of
    `SLA_WINDOWS`, `decided_<w>` and `in_time_<w>`. Two grouped queries over the clocks of open
    appeals and the decision clocks stopped in the last 30 days (see `AppealClockQuerySet`)."""
    rows: dict[int, dict] = {}
    for row in AppealClock.objects.open_breaches_by_queue(now):
        rows.setdefault(row["appeal__queue_id"], {}).update(row)
    for row in AppealClock.objects.decisions_by_queue(now, SLA_WINDOWS):
        rows.setdefault(row["appeal__queue_id"], {}).update(row)
    return rows


def refresh_queue_summaries(now: datetime | None = None) -> int:
    """Rebuild every queue's `QueueSlaSummary` as of `now` (run by beat). Returns the number of
    queues. One transaction: the dashboard never reads half of one refresh and half of another."""
    now = now or timezone.now()
    figures = queue_sla_figures(now)
    summaries = [
        QueueSlaSummary(
            queue_id=queue_id,
            open_breaches=figures.get(queue_id, {}).get("breaches", 0),
            decided_7=figures.get(queue_id, {}).get("decided_7", 0),
            in_time_7=figures.get(queue_id, {}).get("in_time_7", 0),
            decided_30=figures.get(queue_id, {}).get("decided_30", 0),
            in_time_30=figures.get(queue_id, {}).get("in_time_30", 0),
            computed_at=now,
        )
        for queue_id in Queue.objects.values_list("pk", flat=True)
    ]
    with transaction.atomic():
        QueueSlaSummary.objects.bulk_create(
            summaries,
            update_conflicts=True,
            unique_fields=["queue"],
            update_fields=[
                "open_breaches",
                "decided_7",
                "in_time_7",
                "decided_30",
                "in_time_30",
                "computed_at",
            ],
        )
    return len(summaries)
