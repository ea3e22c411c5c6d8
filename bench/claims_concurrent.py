"""Concurrent claim-next: N reviewers clicking "claim next" at once on a `seed_scale.py` database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/claims_concurrent.py --reviewers 16 --claims 50

Each reviewer (`reviewer001@` .. of the seed, each a member of two queues) runs in its own thread
with its own database connection and calls `claims.claim_next` (the use case behind the button:
lock the profile, check capacity, one SKIP LOCKED probe, the update and its event) `--claims`
times. Prints one JSON line: claims per second over the whole burst, the median and 95th
percentile of one claim, and `double_claims`, appeals claimed more than once in the burst (must
be 0). Then it puts the claimed appeals back (a plain UPDATE), so runs repeat on the same backlog.
"""

from __future__ import annotations

import argparse
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

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals.models import Appeal, AppealEvent  # noqa: E402
from appeals.operations import claims  # noqa: E402

DOMAIN = "scale.bench.recourse.test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=16)
    parser.add_argument("--claims", type=int, default=50, help="claims per reviewer")
    args = parser.parse_args()

    reviewers = list(
        User.objects.filter(email__startswith="reviewer", email__endswith=f"@{DOMAIN}").order_by(
            "email"
        )[: args.reviewers]
    )
    started_at = timezone.now()
    timings: list[float] = []
    claimed: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(reviewers))

    def work(reviewer: User) -> None:
        mine, ids = [], []
        try:
            barrier.wait()
            for _ in range(args.claims):
                began = time.perf_counter()
                appeal = claims.claim_next(reviewer)
                mine.append((time.perf_counter() - began) * 1000)
                if appeal is None:
                    break
                ids.append(appeal.pk)
        except Exception as exc:  # reported, the other threads go on
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            connection.close()
        with lock:
            timings.extend(mine)
            claimed.extend(ids)

    threads = [threading.Thread(target=work, args=(r,)) for r in reviewers]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    double = (
        AppealEvent.objects.filter(
            kind=AppealEvent.Kind.CLAIMED, at__gte=started_at, actor__in=reviewers
        )
        .values("appeal")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    Appeal.objects.filter(pk__in=claimed).update(
        assigned_to=None, claimed_at=None, lease_expires_at=None
    )
    emit(
        name="claims_concurrent",
        reviewers=len(reviewers),
        claims=len(claimed),
        distinct_appeals=len(set(claimed)),
        double_claims=double,
        seconds=round(elapsed, 2),
        claims_per_second=round(len(claimed) / elapsed, 1),
        median_ms=round(statistics.median(timings), 2) if timings else None,
        p95_ms=round(percentile(timings, 0.95), 2) if timings else None,
        errors=errors[:5],
        load_average=round(os.getloadavg()[0], 2),
    )


if __name__ == "__main__":
    main()
