"""The transparency report at scale: 1,000,000 appeals over a year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_transparency \
        python3 -m uv run python bench/transparency.py --appeals 1000000

1. Creates the database if missing, migrates, seeds the demo (catalogue, queues, detection
   sources, a year of demo history). Then (once, reused by later runs) copies one action issued
   through the service `--appeals` times with INSERT ... SELECT, spread over the last 365 days
   across every reason code and the demo's detection sources, with one appeal per copy (about
   93 % decided, outcomes varying by detection source) and its two stopped clocks. The copies
   cite no rule version (the report never reads citations; it groups by the reason code's rule).
2. Times the aggregation: the whole year from scratch (`refresh_figures` on an empty state),
   then one day recomputed (the nightly case: yesterday, or a late decision), each `--rounds`
   times.
3. Times the public page `/transparency/` (last 12 months, and one quarter) and the JSON API
   in-process with Django's test client: 3 warm-up requests, one with queries counted, then
   `--repeat` timed requests.

One JSON line per measurement on stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recourse_bench_transparency"
)
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

from support import create_database_if_missing, emit, percentile  # noqa: E402

if not create_database_if_missing(os.environ["DATABASE_URL"]):
    raise SystemExit("bench/transparency.py measures PostgreSQL: set a postgres:// DATABASE_URL.")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals.models import Appeal, Queue  # noqa: E402
from enforcement.models import (  # noqa: E402
    EnforcementAction,
    EvidenceItem,
    IntakeSource,
    ReasonCode,
)
from transparency.aggregation import compute_days, recompute_days, refresh_figures  # noqa: E402
from transparency.models import AggregationState  # noqa: E402

PUID_PREFIX = "bench-tr-"
TEMPLATE_PUID = "benchtr-template"


def template_action() -> EnforcementAction:
    from tests.factories import UserFactory, make_action

    action = EnforcementAction.objects.filter(puid=TEMPLATE_PUID).first()
    if action is None:
        # Under a demo rule: the factories' own rule keys would clash with the demo catalogue.
        UserFactory.reset_sequence(User.objects.count() + 1000)  # after any earlier attempt
        reason = ReasonCode.objects.select_related("rule").order_by("code").first()
        version = reason.rule.versions.in_force_at(timezone.now()).first()
        action = make_action(version=version, reason_code=reason)
        EnforcementAction.objects.filter(pk=action.pk).update(puid=TEMPLATE_PUID)
    return action


def ensure_appeals(count: int) -> float:
    have = Appeal.objects.filter(action__puid__startswith=PUID_PREFIX).count()
    if have >= count:
        return 0.0
    started = time.perf_counter()
    template = template_action()
    missing = count - have
    reasons = list(ReasonCode.objects.values_list("pk", flat=True))
    sources = list(IntakeSource.objects.values_list("pk", flat=True)) + [None]
    queues = list(Queue.objects.values_list("pk", flat=True))
    start = "now() - ((g %% 365) + 1) * interval '1 day' - (g %% 1440) * interval '1 minute'"
    overrides = {
        "puid": "%s || g",
        "starts_at": start,
        "notified_at": start,
        "reason_code_id": "(%s::bigint[])[1 + g %% %s]",
        "intake_source_id": "(%s::bigint[])[1 + g %% %s]",
        "external_id": "'bench-' || g",
        "restriction_type": "(ARRAY['warning','feature_restriction','temporary_suspension',"
        "'payout_hold'])[1 + g %% 4]",
        "status": "'active'",
    }
    fields = [f for f in EnforcementAction._meta.concrete_fields if not f.primary_key]
    columns = [connection.ops.quote_name(f.column) for f in fields]
    values, params = [], []
    for f in fields:
        expression = overrides.get(f.attname, overrides.get(f.name))
        values.append(expression or connection.ops.quote_name(f.column))
        if f.name == "puid":
            params.append(f"{PUID_PREFIX}{have}-")
        elif f.attname == "reason_code_id":
            params += [reasons, len(reasons)]
        elif f.attname == "intake_source_id":
            params += [sources, len(sources)]
    table = connection.ops.quote_name(EnforcementAction._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        first_new = EnforcementAction.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
        # As seed_scale.py (and pg_restore): the bulk load skips the triggers, whose per-row
        # checks at commit (an action needs evidence and a cited version) the copies below
        # satisfy by construction.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {table} t, generate_series(1, %s) g WHERE t.id = %s",
            [*params, missing, template.pk],
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
                f"FROM {table} a JOIN {model._meta.db_table} e ON e.{link} = %s "
                "WHERE a.id >= %s AND a.puid LIKE %s",
                [template.pk, first_new, PUID_PREFIX + "%"],
            )
        # Reversal odds by source: (action id % 100) against a per-source threshold.
        cursor.execute(
            """
            INSERT INTO appeals_appeal (action_id, freelancer_id, original_decider_id, statement,
                requested_outcomes, status, submitted_at, updated_at, outcome, decision_reasons,
                decided_by_id, decided_at, language, region, queue_id, priority, routed_at)
            SELECT a.id, a.account_id, a.decided_by_id, 'Please look again.', '["lift"]',
                CASE WHEN a.id %% 15 = 0 THEN 'in_review' ELSE 'decided' END,
                a.notified_at + interval '1 day', now(),
                CASE WHEN a.id %% 15 = 0 THEN ''
                     WHEN a.id %% 100 < 10 + 30 * (COALESCE(a.intake_source_id, 0) %% 2)
                         THEN 'overturned'
                     WHEN a.id %% 100 < 15 + 30 * (COALESCE(a.intake_source_id, 0) %% 2)
                         THEN 'modified'
                     ELSE 'upheld' END,
                CASE WHEN a.id %% 15 = 0 THEN '' ELSE 'Reasons.' END,
                CASE WHEN a.id %% 15 = 0 THEN NULL ELSE %s END,
                CASE WHEN a.id %% 15 = 0 THEN NULL
                     ELSE a.notified_at + interval '1 day' + (a.id %% 300) * interval '1 hour' END,
                'en', '', (%s::bigint[])[1 + a.id %% %s], 0, a.notified_at + interval '1 day'
            FROM enforcement_enforcementaction a
            WHERE a.puid LIKE %s
              AND NOT EXISTS (SELECT 1 FROM appeals_appeal x WHERE x.action_id = a.id)
            """,
            [reviewer_id(), queues, len(queues), PUID_PREFIX + "%"],
        )
        cursor.execute(
            """
            INSERT INTO appeals_appealclock (appeal_id, kind, started_at, stopped_at, due_at)
            SELECT ap.id, k.kind, ap.submitted_at,
                CASE WHEN k.kind = 'first_response'
                     THEN ap.submitted_at + (ap.id %% 90) * interval '1 hour'
                     ELSE ap.decided_at END,
                ap.submitted_at + CASE WHEN k.kind = 'first_response'
                     THEN interval '3 days' ELSE interval '14 days' END
            FROM appeals_appeal ap
            JOIN enforcement_enforcementaction a ON a.id = ap.action_id
            CROSS JOIN (VALUES ('first_response'), ('decision')) AS k(kind)
            WHERE a.puid LIKE %s
              AND NOT EXISTS (SELECT 1 FROM appeals_appealclock c WHERE c.appeal_id = ap.id)
            """,
            [PUID_PREFIX + "%"],
        )
    with connection.cursor() as cursor:
        for table_name in (
            "enforcement_enforcementaction",
            "appeals_appeal",
            "appeals_appealclock",
        ):
            cursor.execute(f"VACUUM ANALYZE {table_name}")
    return time.perf_counter() - started


def reviewer_id() -> int:
    from accounts.models import User
    from demo import data as demo_data

    return User.objects.get(email=demo_data.DEMO_REVIEWER).pk


def time_page(client: Client, name: str, url: str, repeat: int, language: str = "en") -> None:
    headers = {"accept-language": language}
    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url, headers=headers).status_code
    # Read now: the next request's request_started signal clears the connection's log.
    query_count = len(queries)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    emit(
        name=name,
        url=url,
        language=language,
        status=status,
        queries=query_count,
        median_ms=round(statistics.median(times), 2),
        p95_ms=round(percentile(times, 0.95), 2),
        n=repeat,
        load_average=round(os.getloadavg()[0], 2),
    )


def time_first_request(client: Client, name: str, url: str, repeat: int) -> None:
    """The first request after the daily figures were rebuilt: the period's sums are not cached
    yet (a new `figures_version`, as every rebuild sets), so it reads the daily rows."""
    times, query_counts = [], []
    for _ in range(repeat):
        AggregationState.objects.update(figures_version=uuid.uuid4())
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
        query_counts.append(len(queries))
    emit(
        name=name,
        url=url,
        queries=max(query_counts),
        median_ms=round(statistics.median(times), 2),
        p95_ms=round(percentile(times, 0.95), 2),
        n=repeat,
        load_average=round(os.getloadavg()[0], 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--skip-full",
        action="store_true",
        help="keep the daily figures and time only the one-day recomputation (the whole "
        "history takes minutes per round); refreshes once if there are none",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    seconds = ensure_appeals(args.appeals)
    emit(
        name="data set",
        appeals=Appeal.objects.count(),
        actions=EnforcementAction.objects.count(),
        seconds_to_add=round(seconds, 1),
    )

    full, day = [], []
    yesterday = timezone.now().date() - timedelta(days=1)
    for _ in range(args.rounds):
        if not args.skip_full or not AggregationState.objects.exists():
            AggregationState.objects.all().delete()
            started = time.perf_counter()
            days = refresh_figures()
            full.append(time.perf_counter() - started)
        started = time.perf_counter()
        rows = recompute_days(yesterday, yesterday)
        day.append(time.perf_counter() - started)
    if full:
        emit(
            name="aggregation: whole history from scratch",
            days=len(days),
            median_s=round(statistics.median(full), 2),
            runs=[round(s, 2) for s in full],
            load_average=round(os.getloadavg()[0], 2),
        )
    emit(
        name="aggregation: one day (nightly / a late event)",
        rows=rows,
        median_ms=round(statistics.median(day) * 1000, 1),
        runs_ms=[round(s * 1000, 1) for s in day],
        load_average=round(os.getloadavg()[0], 2),
    )
    # Where one day's time goes: each query of compute_days, slowest first.
    with CaptureQueriesContext(connection) as queries:
        compute_days(yesterday, yesterday)
    emit(
        name="aggregation: one day, its queries",
        queries=len(queries),
        slowest=[
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:160]}
            for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
        ],
    )

    with override_settings(
        STORAGES={
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
    ):
        client = Client()
        quarter = f"{yesterday.year}-Q{(yesterday.month - 1) // 3 + 1}"
        time_first_request(
            client,
            "report page (last 12 months), first request after a rebuild",
            "/transparency/",
            min(args.repeat, 10),
        )
        time_page(client, "report page (last 12 months)", "/transparency/", args.repeat)
        time_page(
            client, "report page (last 12 months)", "/transparency/", args.repeat, language="ru"
        )
        time_page(
            client, f"report page ({quarter})", f"/transparency/?period={quarter}", args.repeat
        )
        time_page(client, "API (last 12 months)", "/api/v1/transparency", args.repeat)
        time_page(client, "CSV download", "/transparency/report.csv", args.repeat)


if __name__ == "__main__":
    main()
