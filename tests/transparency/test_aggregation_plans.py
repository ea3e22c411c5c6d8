"""Recomputing one day reads that day's rows: every query `compute_days` sends for one day reads
the large tables through an index on the day's column (EXPLAIN), never by a sequential scan, so
the nightly recomputation and a late event cost what the day holds, not the whole history."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals.models import Appeal, AppealClock, AppealEvent
from enforcement.models import ActionEvent
from tests.factories import ReviewerFactory, copy_actions, make_action, make_queue
from transparency.aggregation import compute_days

pytestmark = pytest.mark.django_db

LARGE_TABLES = (
    "enforcement_enforcementaction",
    "enforcement_actionevent",
    "appeals_appeal",
    "appeals_appealevent",
    "appeals_appealclock",
)
# The index each day's query reads (see the models' Meta.indexes).
DAY_INDEXES = {
    "action_starts_at",
    "action_termination_notified",
    "action_confirmed_at",
    "action_event_at",
    "appeal_submitted_at",
    "appeal_decided_at",
    "appeal_event_at",
    "clock_stopped_at",
}
START = datetime(2026, 1, 1, 9, tzinfo=UTC)
DAYS = 200
ACTIONS = 3000


@pytest.fixture
def history(db):
    """3,000 actions over 200 days, each appealed and decided the next day, with its clocks
    stopped and an event on the action and on the appeal."""
    template = make_action()
    decider = ReviewerFactory()
    queue = make_queue("Payments")
    moments = [START + timedelta(days=i % DAYS, minutes=i % 600) for i in range(ACTIONS)]
    actions = copy_actions(template, [{"starts_at": m, "notified_at": m} for m in moments])
    ActionEvent.objects.bulk_create(
        ActionEvent(action=a, kind=ActionEvent.Kind.ISSUED, at=a.starts_at, to_status="active")
        for a in actions
    )
    appeals = Appeal.objects.bulk_create(
        Appeal(
            action=a,
            freelancer_id=a.account_id,
            original_decider_id=a.decided_by_id,
            statement="It was a mistake.",
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            submitted_at=a.starts_at + timedelta(hours=2),
            queue=queue,
            routed_at=a.starts_at + timedelta(hours=2),
            status=Appeal.Status.DECIDED,
            outcome=Appeal.Outcome.UPHELD,
            decision_reasons="Reasons.",
            decided_by=decider,
            decided_at=a.starts_at + timedelta(days=1),
        )
        for a in actions
    )
    AppealEvent.objects.bulk_create(
        AppealEvent(appeal=a, at=a.decided_at, from_status="in_review", to_status="decided")
        for a in appeals
    )
    AppealClock.objects.bulk_create(
        AppealClock(
            appeal=a,
            kind=kind,
            started_at=a.submitted_at,
            stopped_at=a.decided_at,
            due_at=a.submitted_at + timedelta(days=3),
        )
        for a in appeals
        for kind in (AppealClock.Kind.FIRST_RESPONSE, AppealClock.Kind.DECISION)
    )
    with connection.cursor() as cursor:
        for table in LARGE_TABLES:
            cursor.execute(f"ANALYZE {table}")


def _scans_without_a_bound(plan: str) -> list[str]:
    """The plan's scans of the large tables that read them whole: a sequential scan, or an
    index scan without an index condition (each node's detail lines follow it, indented)."""
    lines = plan.splitlines()
    unbounded = []
    for number, line in enumerate(lines):
        scan = re.search(r"(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan) .*on (\w+)", line)
        if not scan or scan[2] not in LARGE_TABLES:
            continue
        indent = len(line) - len(line.lstrip(" ->"))
        details = []
        for detail in lines[number + 1 :]:
            if "->" in detail or len(detail) - len(detail.lstrip()) <= indent - 2:
                break
            details.append(detail)
        if not any("Index Cond:" in d or "Recheck Cond:" in d for d in details):
            unbounded.append(line.strip())
    return unbounded


def test_recomputing_one_day_reads_only_that_days_rows_through_indexes(history):
    day = date(2026, 2, 20)
    with CaptureQueriesContext(connection) as queries:
        figures = compute_days(day, day)
    assert figures[(day, "actions", "")][0] == ACTIONS // DAYS  # the day's own actions

    plans = []
    with connection.cursor() as cursor:
        # At 3,000 rows a sequential scan costs the planner less than any index (at a million
        # it is the other way round): take the scans and hash joins off the menu, so that the
        # plan shows whether an index bounded to the day exists for every read, which is what
        # this test is about. A read with no such index still shows as a scan without a bound.
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for query in queries.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    for plan in plans:
        assert _scans_without_a_bound(plan) == [], plan
    # "Index Scan using <index> on <table>" or "Bitmap Index Scan on <index>".
    used = {
        index
        for index in DAY_INDEXES
        if any(re.search(rf"(using|Scan on) {index}\b", plan) for plan in plans)
    }
    assert used == DAY_INDEXES
