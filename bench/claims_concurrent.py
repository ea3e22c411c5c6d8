"""Concurrent claim-next: N reviewers clicking "claim next" at once on a `seed_scale.py` database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/claims_concurrent.py --reviewers 16 --claims 50
    ... bench/claims_concurrent.py --reviewers 16 --processes 16    # one process per reviewer

Each reviewer (`reviewer001@` .. of the seed, each a member of two queues) runs in its own thread
with its own database connection and calls `claims.claim_next` (the use case behind the button:
lock the profile, check capacity, one SKIP LOCKED probe, the update and its event) `--claims`
times. Python threads share one interpreter lock, so `--processes N` spreads the reviewers over N
processes (forked after Django is set up, each with its own connections; N = the number of
reviewers gives each reviewer its own process, as N gunicorn workers would).

Prints one JSON line: claims per second over the whole burst (from the first start to the last
finish), the median and 95th percentile of one claim, `double_claims` (appeals claimed more than
once in the burst; must be 0), and what one claim costs in CPU: `python_cpu_ms_per_claim` (the
bench processes' own CPU time during the burst, over the claims) and `postgres_cpu_ms_per_claim`
(the CPU time of the PostgreSQL backends serving their connections, read from /proc when the
server runs on this machine), with `cpu_bound_claims_per_second`, the rate at which those two
would saturate every core of this machine (`os.cpu_count()`). Then it puts the claimed appeals
back (a plain UPDATE), so runs repeat on the same backlog.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402
from support import emit, percentile  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals.models import Appeal, AppealEvent  # noqa: E402
from appeals.operations import claims  # noqa: E402

DOMAIN = "scale.bench.recourse.test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a PostgreSQL backend process, or None if it is not on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run_reviewers(reviewer_ids: list[int], claims_each: int, barrier) -> dict:
    """Claim with each reviewer in its own thread (own connection); what this process saw."""
    reviewers = list(User.objects.filter(pk__in=reviewer_ids))
    for reviewer in reviewers:
        reviewer.has_perm("accounts.review_appeals")  # the permission cache, as a request has
    connection.close()
    timings: list[float] = []
    claimed: list[int] = []
    errors: list[str] = []
    backends: list[int] = []
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()
    # Every thread connected / go / every thread done / connections may close: the backends'
    # CPU is read before their connections close (a backend's /proc entry goes with it).
    connected, go, done, close = (threading.Barrier(len(reviewers) + 1) for _ in range(4))

    def work(reviewer: User) -> None:
        mine, ids = [], []
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with lock:
            backends.append(pid)
        connected.wait()
        go.wait()
        began = time.time()
        try:
            for _ in range(claims_each):
                started = time.perf_counter()
                appeal = claims.claim_next(reviewer)
                mine.append((time.perf_counter() - started) * 1000)
                if appeal is None:
                    break
                ids.append(appeal.pk)
        except Exception as exc:  # reported, the other threads go on
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        ended = time.time()
        with lock:
            timings.extend(mine)
            claimed.extend(ids)
            spans.append((began, ended))
        done.wait()
        close.wait()
        connection.close()

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    connected.wait()
    backend_before = {pid: backend_cpu_seconds(pid) for pid in backends}
    if barrier is not None:
        barrier.wait()  # every process connected
    cpu_before = time.process_time()
    go.wait()
    done.wait()
    cpu = time.process_time() - cpu_before
    backend_after = {pid: backend_cpu_seconds(pid) for pid in backends}
    close.wait()
    for thread in threads:
        thread.join()
    return {
        "timings": timings,
        "claimed": claimed,
        "errors": errors,
        "spans": spans,
        "python_cpu": cpu,
        "backend_before": backend_before,
        "backend_after": backend_after,
    }


def _process_main(reviewer_ids, claims_each, barrier, results) -> None:
    results.put(run_reviewers(reviewer_ids, claims_each, barrier))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=16)
    parser.add_argument("--claims", type=int, default=50, help="claims per reviewer")
    parser.add_argument(
        "--processes", type=int, default=1, help="processes the reviewers are spread over"
    )
    args = parser.parse_args()

    reviewers = list(
        User.objects.filter(email__startswith="reviewer", email__endswith=f"@{DOMAIN}")
        .order_by("email")
        .values_list("pk", flat=True)[: args.reviewers]
    )
    processes = max(1, min(args.processes, len(reviewers)))
    groups = [reviewers[i::processes] for i in range(processes)]
    started_at = timezone.now()
    connections.close_all()  # never share a connection with a forked child
    if processes == 1:
        outcomes = [run_reviewers(groups[0], args.claims, None)]
    else:
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(processes)
        results = context.Queue()
        children = [
            context.Process(target=_process_main, args=(group, args.claims, barrier, results))
            for group in groups
        ]
        for child in children:
            child.start()
        outcomes = [results.get() for _ in children]
        for child in children:
            child.join()

    timings = [t for o in outcomes for t in o["timings"]]
    claimed = [c for o in outcomes for c in o["claimed"]]
    errors = [e for o in outcomes for e in o["errors"]]
    spans = [s for o in outcomes for s in o["spans"]]
    elapsed = max(end for _, end in spans) - min(begin for begin, _ in spans)
    python_cpu = sum(o["python_cpu"] for o in outcomes)
    backend_cpu = 0.0
    backend_known = True
    for o in outcomes:
        for pid, before in o["backend_before"].items():
            after = o["backend_after"].get(pid)
            if before is None or after is None:
                backend_known = False
            else:
                backend_cpu += after - before

    double = (
        AppealEvent.objects.filter(
            kind=AppealEvent.Kind.CLAIMED, at__gte=started_at, actor_id__in=reviewers
        )
        .values("appeal")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    Appeal.objects.filter(pk__in=claimed).update(
        assigned_to=None, claimed_at=None, lease_expires_at=None
    )
    n = len(claimed) or 1
    python_ms = python_cpu / n * 1000
    postgres_ms = backend_cpu / n * 1000 if backend_known else None
    emit(
        name="claims_concurrent",
        reviewers=len(reviewers),
        processes=processes,
        claims=len(claimed),
        distinct_appeals=len(set(claimed)),
        double_claims=double,
        seconds=round(elapsed, 2),
        claims_per_second=round(len(claimed) / elapsed, 1) if elapsed else None,
        median_ms=round(statistics.median(timings), 2) if timings else None,
        p95_ms=round(percentile(timings, 0.95), 2) if timings else None,
        python_cpu_ms_per_claim=round(python_ms, 2),
        postgres_cpu_ms_per_claim=round(postgres_ms, 2) if postgres_ms is not None else None,
        cpu_bound_claims_per_second=(
            round(os.cpu_count() * 1000 / (python_ms + postgres_ms))
            if postgres_ms is not None and python_ms + postgres_ms
            else None
        ),
        cpus=os.cpu_count(),
        errors=errors[:5],
        load_average=round(os.getloadavg()[0], 2),
    )


if __name__ == "__main__":
    main()
