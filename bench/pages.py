"""Benchmark the freelancer pages at scale, and the bulk seeding that builds the scale.

    createdb -h 127.0.0.1 -U postgres recourse_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench \
        python3 -m uv run python bench/pages.py 10000

Migrates, seeds the demo data and N bulk freelancers if they are missing, adds one freelancer with
many actions, then times pages through Django's test client (in-process: no network, no
gunicorn), printing one JSON line per measurement. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import warnings  # noqa: E402

import django  # noqa: E402
from support import emit  # noqa: E402

django.setup()
# WhiteNoise warns that STATIC_ROOT was never collected; the pages under test don't need it.
warnings.filterwarnings("ignore", message="No directory at")

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from demo import data as demo_data  # noqa: E402
from enforcement.models import EnforcementAction, ReasonCode, RuleVersion  # noqa: E402
from enforcement.services import issue_action  # noqa: E402

HEAVY_EMAIL = "heavy@bench.recourse.test"


def row_count() -> int:
    """Rows in every table of our apps plus users' groups and allauth addresses."""
    tables = {model._meta.db_table for model in apps.get_models()}
    tables |= {"accounts_user_groups", "enforcement_enforcementaction_cited_versions"}
    with connection.cursor() as cursor:
        total = 0
        for table in sorted(tables):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            total += cursor.fetchone()[0]
    return total


def bulk_freelancers() -> int:
    return User.objects.filter(email__endswith="@" + demo_data.BULK_EMAIL_DOMAIN).count()


class _Rollback(Exception):
    pass


def seed(target: int, sample: int) -> None:
    """Seed up to `target` bulk freelancers and report throughput.

    When nothing is missing, measure throughput on `sample` extra freelancers inside a
    transaction that is rolled back, so repeated runs leave the data set unchanged.
    """
    before_freelancers, before_rows = bulk_freelancers(), row_count()
    started = time.perf_counter()
    call_command("seed_demo", freelancers=target, stdout=sys.stderr)
    seconds = time.perf_counter() - started
    created = bulk_freelancers() - before_freelancers
    rows = row_count() - before_rows
    rolled_back = False
    if created == 0 and sample:
        try:
            with transaction.atomic():
                started = time.perf_counter()
                call_command("seed_demo", freelancers=target + sample, stdout=StringIO())
                seconds = time.perf_counter() - started
                created = bulk_freelancers() - before_freelancers
                rows = row_count() - before_rows
                raise _Rollback
        except _Rollback:
            rolled_back = True
    emit(
        name="seed_demo --freelancers",
        vendor=connection.vendor,
        freelancers_created=created,
        rows=rows,
        seconds=round(seconds, 2),
        rows_per_second=round(rows / seconds) if seconds else None,
        freelancers_per_second=round(created / seconds) if seconds else None,
        rolled_back_sample=rolled_back,
    )


def heavy_freelancer(actions: int) -> User:
    """A freelancer with `actions` actions, all issued through `issue_action`."""
    user = User.objects.filter(email=HEAVY_EMAIL).first()
    if user and EnforcementAction.objects.for_account(user).count() >= actions:
        return user
    user = user or User.objects.create(
        email=HEAVY_EMAIL,
        display_name="Mira Halvorsen",
        marketplace_id="~03bench0000000001",
        time_zone="Europe/Oslo",
        country="NO",
    )
    user.groups.add(Group.objects.get(name=Role.FREELANCER))
    reviewer = User.objects.get(email=demo_data.DEMO_REVIEWER)
    cases = [
        case
        for case in demo_data.BULK_CASES
        if case.restriction_type != EnforcementAction.RestrictionType.PERMANENT_TERMINATION
    ]
    now = timezone.now()
    for index in range(EnforcementAction.objects.for_account(user).count(), actions):
        case = cases[index % len(cases)]
        starts_at = now - timedelta(days=30 * (actions - index))
        reason = ReasonCode.objects.get(code=case.reason_code)
        version = RuleVersion.objects.in_force_at(starts_at).get(rule=reason.rule)
        request = case.request(
            account=user, starts_at=starts_at, reason_code=reason, cited_version=version
        )
        issue_action(request, issued_by=reviewer)
    return user


def measure(name: str, client: Client, url: str, repeat: int) -> None:
    try:
        for _ in range(3):  # warm up caches, template loaders, the connection
            response = client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        # Read now: the next request's request_started signal clears the connection's log.
        query_count = len(queries)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
    except Exception as exc:  # a page that does not render yet is reported, not fatal
        emit(name=name, url=url, error=f"{type(exc).__name__}: {exc}"[:300])
        return
    emit(
        name=name,
        url=url,
        status=response.status_code,
        bytes=len(response.content),
        median_ms=round(statistics.median(timings), 2),
        p95_ms=round(statistics.quantiles(timings, n=20)[18], 2) if repeat >= 20 else None,
        queries=query_count,
        n=repeat,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("freelancers", type=int, nargs="?", default=10_000)
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page")
    parser.add_argument("--heavy-actions", type=int, default=30)
    parser.add_argument(
        "--sample",
        type=int,
        default=2_000,
        help="freelancers seeded (then rolled back) to measure throughput when none are missing",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/recourse_bench).")

    call_command("migrate", verbosity=0)
    seed(args.freelancers, args.sample)
    heavy = heavy_freelancer(args.heavy_actions)
    amara = User.objects.get(email=demo_data.DEMO_FREELANCER)
    emit(
        name="dataset",
        bulk_freelancers=bulk_freelancers(),
        actions=EnforcementAction.objects.count(),
        demo_freelancer_actions=EnforcementAction.objects.for_account(amara).count(),
        heavy_freelancer_actions=EnforcementAction.objects.for_account(heavy).count(),
    )

    suspension = EnforcementAction.objects.for_account(amara).get(
        restriction_type=EnforcementAction.RestrictionType.TEMPORARY_SUSPENSION
    )
    heavy_case = EnforcementAction.objects.for_account(heavy).order_by("-starts_at").first()
    # In-process requests: the test client's host, and plain static storage (no collectstatic).
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        for label, user, case in (("demo", amara, suspension), ("heavy", heavy, heavy_case)):
            client = Client()
            client.force_login(user)
            measure(f"standing ({label})", client, reverse("enforcement:standing"), args.repeat)
            measure(f"case ({label})", client, case.get_absolute_url(), args.repeat)
        public = Client()
        measure("rule list", public, reverse("enforcement:rule-list"), args.repeat)
        measure(
            "rule version with diff",
            public,
            reverse("enforcement:rule-version", args=["TOS-2.3", 3]),
            args.repeat,
        )


if __name__ == "__main__":
    main()
