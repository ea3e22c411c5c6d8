"""The reviewer pages read open appeals only: their SQL goes through the partial indexes that
hold open appeals, never through the decided ones (issue #13).

Each test seeds a database where decided appeals far outnumber open ones, as on a marketplace
that has run for years, takes the SQL a page really sends, and asks PostgreSQL for its plan.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals.models import HELD_STATUS_VALUES, OPEN_STATUS_VALUES, Appeal
from appeals.operations import claims
from tests.factories import (
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_queue,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

# The partial indexes of open appeals (see `Appeal.Meta.indexes`), and the primary key: reading
# a known appeal by its id touches nothing else.
OPEN_APPEAL_INDEXES = {
    "appeal_queue_waiting",
    "appeal_waiting_urgent",
    "appeal_open_held",
    "appeal_open_queue",
    "appeal_open_age",
    "appeal_held_lease",
}
# The primary key (reading a known appeal by its id touches nothing else), and a range of the
# (status, submitted_at) index bounded to open statuses (the planner's pick on some statistics).
BY_ID = {"appeals_appeal_pkey", "open status range"}
# Indexes whose first column is the status: a range of them bounded to open statuses holds no
# decided or withdrawn appeal (`appeal_status_newest` came with the staff search, issue #17).
STATUS_LED_INDEXES = {"appeal_status_age", "appeal_status_newest"}
CLOSED = 3000


@pytest.fixture
def queue(db):
    return make_queue("Payments")


@pytest.fixture
def worker(queue):
    return make_reviewer(queues=[queue], capacity=50, display_name="Wren Worker")


@pytest.fixture
def history(queue, worker):
    """Years of decided appeals in the queue, all once held by the worker (decided appeals keep
    their last holder and lease), and a small open backlog: some waiting, some held."""
    template = make_action()
    decider = ReviewerFactory()
    bulk_queued_appeals(
        CLOSED,
        queue=queue,
        template=template,
        status=Appeal.Status.DECIDED,
        outcome=Appeal.Outcome.UPHELD,
        decision_reasons="The evidence supports the action.",
        decided_by=decider,
        assigned_to=worker,
        lease_expires_at=timezone.now(),
    )
    bulk_queued_appeals(40, queue=queue, template=template)
    bulk_queued_appeals(
        5, queue=queue, template=template, status=Appeal.Status.IN_REVIEW, assigned_to=worker
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_appeal")


def _appeal_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'appeals_appeal'")
        return {name for (name,) in cursor.fetchall()}


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _appeal_reads(sql: str) -> list[tuple[str, str | None]]:
    """How the plan of `sql` reads the appeals table: (node type, index name) per read.

    A read of an index led by the status — `appeal_status_age` (status, submitted_at), or the
    search's `appeal_status_newest` (status, -id) — whose index condition names open statuses
    only also reads open appeals only: it is reported as `open status range`."""
    appeal_indexes = _appeal_indexes()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        [[document]] = cursor.fetchall()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    reads = []
    for node in _plan_nodes(plan):
        index = node.get("Index Name")
        if index in STATUS_LED_INDEXES and _names_open_statuses_only(node.get("Index Cond")):
            reads.append((node["Node Type"], "open status range"))
        elif index in appeal_indexes:
            reads.append((node["Node Type"], index))
        elif node.get("Relation Name") == "appeals_appeal" and node["Node Type"] == "Seq Scan":
            reads.append(("Seq Scan", None))
    return reads


def _names_open_statuses_only(condition: str | None) -> bool:
    if not condition or "status" not in condition:
        return False
    return "submitted" in condition and not any(
        closed in condition for closed in ("decided", "withdrawn")
    )


def _reads_of_appeals(queries) -> list[tuple[str, str | None]]:
    reads = []
    for query in queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT") and '"appeals_appeal"' in sql:
            reads.extend(_appeal_reads(sql))
    return reads


@pytest.mark.parametrize("index", sorted(STATUS_LED_INDEXES))
def test_a_range_of_a_status_index_counts_as_open_only_when_bounded_to_open_statuses(index):
    """The planner's pick depends on statistics; force a read of each status-led index and check
    the classification both ways: open statuses only pass, a closed status does not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'appeals_appeal' "
            "AND indexname <> %s AND indexname <> 'appeals_appeal_pkey' "
            "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
            [index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')  # rolled back with the test's transaction
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    open_only = ", ".join(f"'{status}'" for status in OPEN_STATUS_VALUES)
    sql = "SELECT id FROM appeals_appeal WHERE status IN ({}) ORDER BY status"
    assert [name for _, name in _appeal_reads(sql.format(open_only))] == ["open status range"]
    closed = _appeal_reads(sql.format(f"{open_only}, 'decided'"))
    assert [name for _, name in closed] == [index]


def test_the_index_conditions_name_the_open_and_held_statuses():
    assert [str(status) for status in Appeal.OPEN_STATUSES] == OPEN_STATUS_VALUES
    assert [str(status) for status in Appeal.HELD_STATUSES] == HELD_STATUS_VALUES


def test_the_partial_indexes_hold_no_decided_or_withdrawn_appeal(history):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'appeals_appeal'"
        )
        definitions = dict(cursor.fetchall())

    for name in OPEN_APPEAL_INDEXES:
        condition = definitions[name].split(" WHERE ", 1)[1]
        assert "submitted" in condition
        assert "decided" not in condition
        assert "withdrawn" not in condition


def test_the_queue_page_reads_appeals_only_through_the_indexes_of_open_appeals(
    client, worker, history
):
    client.force_login(worker)
    client.get(reverse("appeals:queue"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("appeals:queue"))
    assert response.status_code == 200

    reads = _reads_of_appeals(queries.captured_queries)

    assert reads, "the queue page reads appeals"
    assert ("Seq Scan", None) not in reads
    assert {index for _, index in reads} <= OPEN_APPEAL_INDEXES | BY_ID
    # The held list and count come from the index of held appeals or, on some statistics (seen
    # in full-suite runs), from the open appeals by queue or a range of the status index
    # bounded to open statuses; the waiting list and counts from one of the two indexes of
    # waiting appeals (the planner picks). Each holds open appeals only (asserted above).
    used = {index for _, index in reads}
    assert used & {"appeal_open_held", "appeal_open_queue", "open status range"}
    assert used & {"appeal_queue_waiting", "appeal_waiting_urgent"}


def test_the_next_page_of_the_queue_also_reads_only_open_appeals(client, worker, history):
    client.force_login(worker)
    first = client.get(reverse("appeals:queue"), {"size": 10})
    cursor = first.context["waiting"].next_cursor
    assert cursor
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("appeals:queue"), {"size": 10, "cursor": cursor})

    reads = _reads_of_appeals(queries.captured_queries)

    assert ("Seq Scan", None) not in reads
    assert {index for _, index in reads} <= OPEN_APPEAL_INDEXES | BY_ID


def test_claim_next_finds_its_appeal_in_one_probe_of_the_waiting_index(worker, history):
    with CaptureQueriesContext(connection) as queries:
        claimed = claims.claim_next(worker)
    assert claimed is not None

    [pick] = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    reads = _appeal_reads(pick)

    assert len(reads) == 1
    assert reads[0][1] in {"appeal_queue_waiting", "appeal_waiting_urgent"}


def test_the_reviewer_appeal_list_reads_open_appeals_oldest_first_from_their_index(
    client, worker, history
):
    client.force_login(worker)
    client.get(reverse("appeals:review-list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("appeals:review-list"))

    reads = _reads_of_appeals(queries.captured_queries)

    assert len(reads) == 1
    assert reads[0][1] in {"appeal_open_age", "open status range"}
