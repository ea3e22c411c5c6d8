"""The SLA sweep over 100,000 running clocks of which 1,000 are due.

    python3 -m uv run python bench/sla_sweep.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_sla \
        python3 -m uv run python bench/sla_sweep.py --clocks 100000 --due 1000 --rounds 7

1. Creates the database if missing and migrates. Makes (once, then reuses) one queue with two
   leads and `--clocks / 2` appeals in it, each with its two running clocks (first response and
   decision) due over the next 30 days: actions and appeals are copied from one action issued
   through the service, with INSERT ... SELECT, so 100,000 clocks take seconds.
2. For each scenario and round: makes `--due` clocks due (their warning and deadline in the
   past; in the "breach" scenario already warned), times the selection query alone (rolled
   back), then times `sla.sweep()` as the beat task runs it: selection with SKIP LOCKED, the
   conditional updates, events, notifications (and their emails queued after commit), and
   escalation. Then those clocks are made running again, so every round sees the same data.
3. Prints one JSON line per measurement, and the EXPLAIN (ANALYZE, BUFFERS) of the sweep's
   selection queries.

Emails are queued on the broker that CELERY_BROKER_URL names; by default the in-memory one
(nothing is sent), so the figure is the database work plus Celery's publishing overhead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recourse_bench_sla")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from support import create_database_if_missing, emit, percentile  # noqa: E402

if not create_database_if_missing(os.environ["DATABASE_URL"]):
    raise SystemExit("bench/sla_sweep.py measures PostgreSQL: set a postgres:// DATABASE_URL.")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from appeals.models import Appeal, AppealClock, Queue  # noqa: E402
from appeals.operations import sla  # noqa: E402
from enforcement.models import EnforcementAction, EvidenceItem  # noqa: E402

QUEUE_NAME = "SLA sweep bench"
PUID_PREFIX = "bench-sla-"
TEMPLATE_PUID = "benchsla-template"
LEADS = ["lead1@sla.bench.recourse.test", "lead2@sla.bench.recourse.test"]
# Each appeal is held by one of these reviewers, who is told of its clocks one by one.
REVIEWERS = [f"reviewer{n}@sla.bench.recourse.test" for n in range(1, 51)]


class Rollback(Exception):
    """Raised to leave a transaction without committing what it did."""


# --- The data set ---------------------------------------------------------------------------


def bench_queue() -> Queue:
    queue, _ = Queue.objects.get_or_create(name=QUEUE_NAME)
    for email in LEADS:
        lead = User.objects.filter(email=email).first()
        if lead is None:
            lead = User.objects.create_user(email=email, password=None, display_name="Bench Lead")
            lead.groups.add(Group.objects.get(name=Role.LEAD))
        queue.members.add(lead)
    return queue


def ensure_assignees(queue: Queue) -> None:
    """Every appeal in the queue held by one of the bench reviewers, as on a busy day."""
    reviewer_ids = []
    for email in REVIEWERS:
        reviewer = User.objects.filter(email=email).first()
        if reviewer is None:
            reviewer = User.objects.create_user(email=email, password=None, display_name="Bench")
            reviewer.groups.add(Group.objects.get(name=Role.REVIEWER))
        reviewer_ids.append(reviewer.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE appeals_appeal SET assigned_to_id = (%s::bigint[])[1 + id %% %s],
                claimed_at = now(), lease_expires_at = now() + interval '30 days'
            WHERE queue_id = %s AND assigned_to_id IS NULL
            """,
            [reviewer_ids, len(reviewer_ids), queue.pk],
        )


def template_action() -> EnforcementAction:
    """One complete action issued through the service; the copies share its statement."""
    from tests.factories import make_action

    action = EnforcementAction.objects.filter(puid=TEMPLATE_PUID).first()
    if action is None:
        action = make_action()
        EnforcementAction.objects.filter(pk=action.pk).update(puid=TEMPLATE_PUID)
    return action


def ensure_clocks(queue: Queue, clocks: int) -> float:
    """`clocks` running clocks in `queue` (two per appeal); returns the seconds spent adding."""
    appeals_wanted = clocks // 2
    have = Appeal.objects.filter(queue=queue).count()
    if have >= appeals_wanted:
        return 0.0
    started = time.perf_counter()
    template = template_action()
    missing = appeals_wanted - have
    fields = [f for f in EnforcementAction._meta.concrete_fields if not f.primary_key]
    columns = [connection.ops.quote_name(f.column) for f in fields]
    values = [
        "%s || g" if f.name == "puid" else connection.ops.quote_name(f.column) for f in fields
    ]
    action_table = connection.ops.quote_name(EnforcementAction._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        first_new = EnforcementAction.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
        # As seed_scale.py and transparency.py (and pg_restore): the bulk load skips the
        # triggers, whose per-row checks at commit (an action needs evidence and a cited
        # version) the copies below satisfy by construction.
        cursor.execute("SET LOCAL session_replication_role = replica")
        # Copies of the template action, then one appeal per copy, then two clocks per appeal.
        cursor.execute(
            f"INSERT INTO {action_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {action_table} t, generate_series(1, %s) g "
            "WHERE t.id = %s",
            [f"{PUID_PREFIX}{have}-", missing, template.pk],
        )
        # Each copy gets the template's evidence and cited versions, as issue_action wrote them.
        for model, link in (
            (EvidenceItem, "action_id"),
            (EnforcementAction.cited_versions.through, "enforcementaction_id"),
        ):
            copied = [
                f.column
                for f in model._meta.concrete_fields
                if not f.primary_key and f.column != link
            ]
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({link}, {', '.join(copied)}) "  # noqa: S608
                f"SELECT a.id, {', '.join('e.' + c for c in copied)} "
                f"FROM {action_table} a JOIN {model._meta.db_table} e ON e.{link} = %s "
                "WHERE a.id >= %s AND a.puid LIKE %s",
                [template.pk, first_new, PUID_PREFIX + "%"],
            )
        cursor.execute(
            """
            INSERT INTO appeals_appeal (action_id, freelancer_id, original_decider_id, statement,
                requested_outcomes, status, submitted_at, updated_at, outcome, decision_reasons,
                language, region, queue_id, priority, routed_at)
            SELECT a.id, a.account_id, a.decided_by_id, 'The client paid through the marketplace.',
                '["lift"]', 'in_review', now() - interval '1 day', now(), '', '', 'en', '', %s, 0,
                now() - interval '1 day'
            FROM enforcement_enforcementaction a
            WHERE a.puid LIKE %s
              AND NOT EXISTS (SELECT 1 FROM appeals_appeal x WHERE x.action_id = a.id)
            """,
            [queue.pk, PUID_PREFIX + "%"],
        )
        cursor.execute(
            """
            INSERT INTO appeals_appealclock (appeal_id, kind, started_at, due_at, warn_at)
            SELECT ap.id, k.kind, now() - interval '1 day', due.at, due.at - interval '12 hours'
            FROM appeals_appeal ap
            CROSS JOIN (VALUES ('first_response', 0), ('decision', 1)) AS k(kind, n)
            CROSS JOIN LATERAL (
                SELECT now() + interval '1 day' + ((ap.id * 2 + k.n) %% 43200) * interval '1 minute'
            ) AS due(at)
            WHERE ap.queue_id = %s
              AND NOT EXISTS (SELECT 1 FROM appeals_appealclock c WHERE c.appeal_id = ap.id)
            """,
            [queue.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE appeals_appealclock")
        cursor.execute("VACUUM ANALYZE appeals_appeal")
    return time.perf_counter() - started


def reset_clocks(queue: Queue) -> None:
    """Clocks an interrupted run left due or recorded run again, far from their deadline."""
    left = AppealClock.objects.filter(appeal__queue=queue).filter(
        Q(warned_at__isnull=False) | Q(breached_at__isnull=False) | Q(warn_at__lte=timezone.now())
    )
    make_running_again(list(left.values_list("pk", flat=True)))


def vacuum() -> None:
    """What autovacuum does in a steady state: each round's updates leave dead index entries
    (a due clock's old version stays in the partial index until then)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE appeals_appealclock")


def running_clocks(queue: Queue) -> int:
    return AppealClock.objects.filter(appeal__queue=queue).running().count()


def make_due(queue: Queue, count: int, *, warned: bool) -> list[int]:
    """Put `count` random running clocks past their warning and their deadline."""
    ids = list(
        AppealClock.objects.filter(appeal__queue=queue, warned_at__isnull=True)
        .running()
        .order_by("?")
        .values_list("pk", flat=True)[:count]
    )
    now = timezone.now()
    AppealClock.objects.filter(pk__in=ids).update(
        warn_at=now - timedelta(hours=1),
        due_at=now - timedelta(minutes=1),
        warned_at=now - timedelta(hours=1) if warned else None,
    )
    return ids


def make_running_again(ids: list[int]) -> None:
    now = timezone.now()
    AppealClock.objects.filter(pk__in=ids).update(
        warn_at=now + timedelta(days=3),
        due_at=now + timedelta(days=3, hours=12),
        warned_at=None,
        breached_at=None,
    )


# --- Measurements ---------------------------------------------------------------------------


def selections(now):
    """The sweep's two selection queries, built by the function the sweep itself uses."""
    return {
        "warning_due": sla.due_batch(AppealClock.objects.warning_due(now), "warn_at", 1000),
        "breach_due": sla.due_batch(AppealClock.objects.breach_due(now), "due_at", 1000),
    }


def time_selection(now, name: str) -> tuple[float, int]:
    """Milliseconds to run one selection query and fetch its rows; its locks are rolled back."""
    try:
        with transaction.atomic():
            started = time.perf_counter()
            rows = len(list(selections(now)[name]))
            elapsed = (time.perf_counter() - started) * 1000
            raise Rollback
    except Rollback:
        pass
    return elapsed, rows


def explain(now, name: str) -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Compiled inside the transaction: Django refuses FOR UPDATE outside one.
            query, params = selections(now)[name].query.sql_with_params()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            raise Rollback
    except Rollback:
        pass
    return plan


def measure(queue: Queue, *, clocks: int, due: int, rounds: int, scenario: str) -> None:
    warned = scenario == "breach"
    selection = "breach_due" if warned else "warning_due"
    sweep_ms, cpu_ms, select_ms, counts = [], [], [], []
    for _ in range(rounds):
        vacuum()
        ids = make_due(queue, due, warned=warned)
        now = timezone.now()
        elapsed, selected = time_selection(now, selection)
        select_ms.append(elapsed)
        started, cpu_started = time.perf_counter(), time.process_time()
        counts.append(sla.sweep(now=now))
        sweep_ms.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - cpu_started) * 1000)
        print(f"{scenario}: {sweep_ms[-1]:.0f} ms {counts[-1]}", file=sys.stderr)
        assert selected == due, (selected, due)
        make_running_again(ids)

    # One more round with the queries counted (counting slows them a little: not timed).
    vacuum()
    ids = make_due(queue, due, warned=warned)
    now = timezone.now()
    plan = explain(now, selection)
    with CaptureQueriesContext(connection) as queries:
        sla.sweep(now=now)
    make_running_again(ids)

    warnings, breaches = counts[0]
    emit(
        name="sla_sweep",
        scenario=scenario,
        clocks=clocks,
        due=due,
        warnings=warnings,
        breaches=breaches,
        rounds=rounds,
        median_ms=round(statistics.median(sweep_ms), 1),
        p95_ms=round(percentile(sweep_ms, 0.95), 1),
        min_ms=round(min(sweep_ms), 1),
        # This process's CPU time in the sweep (the ORM's side; PostgreSQL's is not counted).
        cpu_median_ms=round(statistics.median(cpu_ms), 1),
        load_average=round(os.getloadavg()[0], 1),
        queries=len(queries),
        queries_per_due_clock=round(len(queries) / due, 1),
        broker=os.environ["CELERY_BROKER_URL"].split("://")[0],
    )
    emit(
        name="sla_sweep_selection",
        scenario=scenario,
        query=selection,
        clocks=clocks,
        due=due,
        rows=due,
        median_ms=round(statistics.median(select_ms), 2),
        p95_ms=round(percentile(select_ms, 0.95), 2),
        queries=1,
    )
    index = "clock_breach_due" if selection == "breach_due" else "clock_warning_due"
    emit(
        name="sla_sweep_explain",
        scenario=scenario,
        query=selection,
        index=index,
        index_used=index in plan,
        plan=plan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clocks", type=int, default=100_000, help="running clocks (even)")
    parser.add_argument("--due", type=int, default=1_000, help="clocks due in each round")
    parser.add_argument("--rounds", type=int, default=7, help="timed sweeps per scenario")
    args = parser.parse_args()
    if args.due > 1000:
        raise SystemExit("--due is at most 1000: the sweep takes 1,000 of each kind at a time.")

    call_command("migrate", verbosity=0)
    queue = bench_queue()
    seconds = ensure_clocks(queue, args.clocks)
    ensure_assignees(queue)
    reset_clocks(queue)
    clocks = running_clocks(queue)
    emit(name="sla_sweep_data", clocks=clocks, seconds_to_add=round(seconds, 1))

    # "warning_and_breach": each due clock gets its warning and its breach in the same sweep
    # (a sweep that was down for a while). "breach": already warned, only the breach is due.
    for scenario in ("warning_and_breach", "breach"):
        measure(queue, clocks=clocks, due=args.due, rounds=args.rounds, scenario=scenario)


if __name__ == "__main__":
    main()
