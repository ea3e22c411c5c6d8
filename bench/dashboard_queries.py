"""EXPLAIN ANALYZE of the lead dashboard's heaviest queries (and the queue page's per-queue counts)
on a `seed_scale.py` database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/dashboard_queries.py

The two grouped clock queries the dashboard ran per request before the per-queue SLA summaries
(and that beat's refresh still runs once a minute), the read of the summaries that replaced them,
the "second review without an eligible approver" list, and the queue page's per-queue counts of
the bench reviewers `one@` (1 queue) and `all@` (20 queues), which decide whether maintained
per-queue counters are needed. Five EXPLAIN ANALYZE runs each with
JIT off (PostgreSQL's own execution time, no Python); one JSON line per query with the median,
the minimum (the closest to an idle machine) and the load average.
"""

import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals.models import Appeal, AppealClock, Queue, QueueSlaSummary  # noqa: E402
from appeals.operations.sla import SLA_WINDOWS  # noqa: E402


def main() -> None:
    now = timezone.now()
    queries = {
        "open_breaches_by_queue": AppealClock.objects.open_breaches_by_queue(now),
        "decisions_by_queue": AppealClock.objects.decisions_by_queue(now, SLA_WINDOWS),
        "summaries": QueueSlaSummary.objects.filter(computed_at__gte=now),
        "without_approver": Appeal.objects.without_approver()
        .select_related("proposed_by", "original_decider", "action__confirmed_by")
        .order_by("submitted_at", "id")[:50],
    }
    for persona in ("one", "all"):
        member = User.objects.get(email=f"{persona}@scale.bench.recourse.test")
        queries[f"queue_counts_{persona}"] = (
            Queue.objects.for_member(member).with_counts(member).order_by("-priority", "name")
        )
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        for name, queryset in queries.items():
            sql, params = queryset.query.sql_with_params()
            times = []
            for _ in range(5):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                times.append(cursor.fetchone()[0][0]["Execution Time"])
            row = {
                "name": "dashboard query (EXPLAIN ANALYZE, jit off)",
                "query": name,
                "median_ms": round(statistics.median(times), 2),
                "min_ms": round(min(times), 2),
                "load_average": round(os.getloadavg()[0], 2),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
