"""Daily figures: each day's numbers rebuilt from the cases, and the beat task that keeps
them current.

`recompute_days(first, last)` deletes and rebuilds every `DailyFigure` of those days from a
fixed number of grouped queries (whatever the number of days or cases), in one transaction, so
running it twice changes nothing. `refresh_figures()` (beat) finds the days touched by anything
that changed since its last run — including a decision recorded today for an appeal filed
months ago — and recomputes exactly those days' span.

Days are calendar days in UTC. An action counts on the day it started (DSA application_date),
an appeal is "filed" on the day it was submitted, "decided" on the day of its decision, and a
response time on the day its clock stopped.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields import BooleanField
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from appeals.models import Appeal, AppealClock, AppealEvent
from enforcement.models import ActionEvent, ClientCorrection, EnforcementAction
from transparency.models import AggregationState, DailyFigure

# The detection source of an action issued by staff rather than sent by a detection system.
STAFF_SOURCE = "Staff (no automated detector)"
UNROUTED_QUEUE = "Not routed"
REVERSED = (Appeal.Outcome.OVERTURNED, Appeal.Outcome.MODIFIED)
# Times are histograms of whole hours up to two days, then of whole days (fewer buckets to sum).
HOURLY_UP_TO = 48
# Changes committed a little after their timestamp (a long transaction) are still seen.
LATE_COMMIT_MARGIN = timedelta(minutes=5)


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=UTC)


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC),
    )


def compute_days(first: date, last: date) -> dict[tuple[date, str, str], list]:
    """{(day, metric, key): [count, within_target, Counter(hours)]} for the days first..last."""
    start, end = _bounds(first, last)
    figures: dict[tuple[date, str, str], list] = defaultdict(lambda: [0, 0, Counter()])

    def add(day: date, metric: str, key: str, n: int, within: int = 0, hours=None) -> None:
        row = figures[(day, metric, key)]
        row[0] += n
        row[1] += within
        if hours is not None:
            row[2][str(hours)] += n

    # Actions, by the day they started.
    # Late notice: declared at issue (late_notice_reason), or told past the tolerance.
    tolerance = timedelta(minutes=settings.LATE_NOTICE_TOLERANCE_MINUTES)
    late = ExpressionWrapper(
        ~Q(late_notice_reason="") | Q(notified_at__gt=F("starts_at") + tolerance),
        output_field=BooleanField(),
    )
    actions = (
        EnforcementAction.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .values(
            "restriction_type",
            "automated_detection",
            "automated_decision",
            day=_day("starts_at"),
            rule=F("reason_code__rule__key"),
            reason=F("reason_code__code"),
            late=late,
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in actions:
        day, n = row["day"], row["n"]
        add(day, "actions", "", n)
        add(day, "actions.type", row["restriction_type"], n)
        add(day, "actions.rule", row["rule"], n)
        add(day, "actions.reason", row["reason"], n)
        add(day, "actions.detection", "automated" if row["automated_detection"] else "human", n)
        add(day, "actions.decision", row["automated_decision"], n)
        if row["late"]:
            add(day, "actions.late_notice", "", n)

    # Proposed terminations count on the day they were proposed (notified), whatever became of
    # them; confirmations and withdrawals on the day they happened.
    proposed = (
        EnforcementAction.objects.filter(
            restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
            notified_at__gte=start,
            notified_at__lt=end,
        )
        .values(day=_day("notified_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in proposed:
        add(row["day"], "terminations", "proposed", row["n"])
    confirmed = (
        EnforcementAction.objects.filter(confirmed_at__gte=start, confirmed_at__lt=end)
        .values(day=_day("confirmed_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in confirmed:
        add(row["day"], "terminations", "confirmed", row["n"])
    withdrawn_terminations = (
        ActionEvent.objects.filter(kind=ActionEvent.Kind.WITHDRAWN, at__gte=start, at__lt=end)
        .values(day=_day("at"))
        .annotate(n=Count("action_id", distinct=True))
        .order_by()
    )
    for row in withdrawn_terminations:
        add(row["day"], "terminations", "withdrawn", row["n"])

    corrections = (
        ClientCorrection.objects.filter(created_at__gte=start, created_at__lt=end)
        .values(day=_day("created_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in corrections:
        add(row["day"], "client_corrections", "", row["n"])

    # Appeals: filed, withdrawn, and decided with the action's rule, reason and source.
    filed = (
        Appeal.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .values(day=_day("submitted_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in filed:
        add(row["day"], "appeals.filed", "", row["n"])
    withdrawn = (
        AppealEvent.objects.filter(to_status=Appeal.Status.WITHDRAWN, at__gte=start, at__lt=end)
        .values(day=_day("at"))
        .annotate(n=Count("appeal_id", distinct=True))
        .order_by()
    )
    for row in withdrawn:
        add(row["day"], "appeals.withdrawn", "", row["n"])
    decided = (
        Appeal.objects.filter(
            status=Appeal.Status.DECIDED, decided_at__gte=start, decided_at__lt=end
        )
        .values(
            "outcome",
            day=_day("decided_at"),
            rule=F("action__reason_code__rule__key"),
            reason=F("action__reason_code__code"),
            source=F("action__intake_source__name"),
            restriction_type=F("action__restriction_type"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in decided:
        day, n, outcome = row["day"], row["n"], row["outcome"]
        source = row["source"] or STAFF_SOURCE
        add(day, "appeals.decided", outcome, n)
        for dimension, key in (
            ("rule", row["rule"]),
            ("reason", row["reason"]),
            ("source", source),
        ):
            add(day, f"decisions.{dimension}", key, n)
            if outcome in REVERSED:
                add(day, f"reversals.{dimension}", key, n)
        if (
            outcome == Appeal.Outcome.OVERTURNED
            and row["restriction_type"] == EnforcementAction.RestrictionType.PERMANENT_TERMINATION
        ):
            add(day, "terminations", "overturned", n)

    # Time to first response and to decision, per queue, by the day the clock stopped: whole
    # hours rounded up (a reply after 20 minutes counts as "within 1 hour"), whole days after
    # two days (50 hours count as 72).
    met = Q(due_at__isnull=False, stopped_at__lte=F("due_at"), breached_at__isnull=True)
    clocks = AppealClock.objects.filter(stopped_at__gte=start, stopped_at__lt=end).annotate(
        day=_day("stopped_at"),
        queue_name=Coalesce(
            F("appeal__queue__name"), Value(UNROUTED_QUEUE, output_field=CharField())
        ),
        within=Case(When(met, then=1), default=0),
    )
    for day, kind, queue, within, hours, n in _clock_hours(clocks):
        if hours > HOURLY_UP_TO:
            hours = 24 * math.ceil(hours / 24)  # beyond two days, whole days are precise enough
        add(day, f"time.{kind}", queue, n, within * n, hours)
    return figures


def _clock_hours(clocks):
    """(day, kind, queue, within, whole hours rounded up, clocks) for the clocks given.

    On PostgreSQL the database rounds and groups: a day's thousands of clocks come back as a
    few dozen rows (the time of one day's recomputation was mostly this loop in Python). Other
    databases (SQLite, for `make run`) return each clock and Python rounds.
    """
    if connection.vendor == "postgresql":
        table = AppealClock._meta.db_table
        whole_hours = RawSQL(  # noqa: S611 - no input: the table name comes from the model
            f"GREATEST(1, CEIL(EXTRACT(EPOCH FROM ({table}.stopped_at - {table}.started_at))"
            " / 3600))::integer",
            [],
            output_field=IntegerField(),
        )
        grouped = (
            clocks.annotate(hours=whole_hours)
            .values("day", "kind", "queue_name", "within", "hours")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in grouped:
            yield (
                row["day"],
                row["kind"],
                row["queue_name"],
                row["within"],
                row["hours"],
                row["n"],
            )
        return
    rows = clocks.values(
        "day", "kind", "queue_name", "within", "started_at", "stopped_at"
    ).order_by()  # not the clocks' default order: a sort of the day's clocks by appeal
    for row in rows.iterator(chunk_size=5000):
        seconds = (row["stopped_at"] - row["started_at"]).total_seconds()
        hours = max(1, math.ceil(seconds / 3600))
        yield row["day"], row["kind"], row["queue_name"], row["within"], hours, 1


@transaction.atomic
def recompute_days(first: date, last: date) -> int:
    """Rebuild every figure of the days first..last (inclusive). Returns the number of rows."""
    figures = compute_days(first, last)
    DailyFigure.objects.filter(day__gte=first, day__lte=last).delete()
    rows = [
        DailyFigure(
            day=day,
            metric=metric,
            key=key,
            count=count,
            within_target=within,
            hours=dict(sorted(hours.items(), key=lambda item: int(item[0]))),
        )
        for (day, metric, key), (count, within, hours) in figures.items()
    ]
    DailyFigure.objects.bulk_create(rows, batch_size=2000)
    AggregationState.objects.update_or_create(
        singleton=True, defaults={"figures_version": uuid.uuid4()}
    )
    return len(rows)


def changed_days(since: datetime) -> set[date]:
    """The days whose figures anything changed since `since` may have moved."""
    days: set[date] = set()

    def collect(queryset, *fields: str) -> None:
        for field in fields:
            days.update(
                d
                for d in queryset.exclude(**{f"{field}__isnull": True})
                .annotate(d=TruncDate(field, tzinfo=UTC, output_field=DateField()))
                .values_list("d", flat=True)
                .distinct()
            )

    changed_actions = EnforcementAction.objects.filter(updated_at__gte=since)
    collect(changed_actions, "starts_at", "notified_at", "confirmed_at")
    changed_appeals = Appeal.objects.filter(updated_at__gte=since)
    collect(changed_appeals, "submitted_at", "decided_at")
    collect(AppealClock.objects.filter(appeal__updated_at__gte=since), "stopped_at")
    collect(AppealClock.objects.filter(stopped_at__gte=since), "stopped_at")
    collect(AppealEvent.objects.filter(at__gte=since), "at")
    collect(ActionEvent.objects.filter(at__gte=since), "at")
    collect(ClientCorrection.objects.filter(created_at__gte=since), "created_at")
    return days


def spans(days: set[date], gap: int = 7) -> list[tuple[date, date]]:
    """Runs of days, split where more than `gap` days separate them: a decision made today on
    an appeal filed in March recomputes two short spans, not the months between."""
    result: list[tuple[date, date]] = []
    for day in sorted(days):
        if result and (day - result[-1][1]).days <= gap:
            result[-1] = (result[-1][0], day)
        else:
            result.append((day, day))
    return result


def refresh_figures(now: datetime | None = None) -> list[date]:
    """Fold everything that changed since the last refresh into the daily figures.

    The first run computes the whole history. Returns the days recomputed.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        state, _ = AggregationState.objects.select_for_update().get_or_create(singleton=True)
        if state.changes_until is None:
            first = (
                EnforcementAction.objects.order_by("starts_at")
                .values_list("starts_at", flat=True)
                .first()
            )
            today = now.astimezone(UTC).date()
            runs = [(first.astimezone(UTC).date(), today)] if first else []
        else:
            runs = spans(changed_days(state.changes_until - LATE_COMMIT_MARGIN))
        days: list[date] = []
        for first_day, last_day in runs:
            recompute_days(first_day, last_day)
            state.figures_version = uuid.uuid4()  # as recompute_days wrote; save() keeps it
            days.extend(
                first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)
            )
        state.changes_until = now
        state.refreshed_at = timezone.now()
        state.save()
    return days
