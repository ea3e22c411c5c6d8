"""What the reviewer workspace's live poll costs (issue #17), next to the page it keeps fresh.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_live \
        python3 -m uv run python bench/live_poll.py --notes 200

Creates the database if missing, migrates, seeds the demo data, gives one open demo appeal
`--notes` internal notes (a long thread), then times in-process with Django's test client:

- `live poll idle`: the poll with the marker of the page as rendered (204): the cost of every
  open workspace tab every 5 seconds while nothing happens;
- `live poll changed`: the poll with an old marker (200, the changed parts out of band);
- `workspace page`: the full case page, for comparison.

One JSON line each: median and p95 in ms, all SQL queries of the request (session and user
included) and `appeal_queries`, those the view itself runs on the appeal tables.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import warnings  # noqa: E402

import django  # noqa: E402
from support import create_database_if_missing, emit  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals import services  # noqa: E402
from appeals.models import Appeal, Message  # noqa: E402
from demo import data as demo_data  # noqa: E402


def measure(name: str, client: Client, url: str, repeat: int, **extra) -> None:
    for _ in range(3):
        response = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    sql = [q["sql"] for q in queries]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    emit(
        name=name,
        status=response.status_code,
        bytes=len(response.content),
        median_ms=round(statistics.median(timings), 2),
        p95_ms=round(statistics.quantiles(timings, n=20)[18], 2),
        queries=len(sql),
        appeal_queries=sum('"appeals_' in s for s in sql),
        n=repeat,
        **extra,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/recourse_bench_live).")
    create_database_if_missing(url)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)

    reviewer = User.objects.get(email=demo_data.DEMO_LEAD)  # reviews, and decided no demo case
    appeal = Appeal.objects.open().order_by("id").first()
    missing = args.notes - appeal.messages.filter(kind=Message.Kind.INTERNAL_NOTE).count()
    for index in range(max(missing, 0)):
        services.post_message(
            appeal, author=reviewer, body=f"Bench note {index}: checked.", internal=True
        )
    emit(name="dataset", appeal=appeal.pk, messages=appeal.messages.count())

    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        REQUIRE_STAFF_MFA=False,  # the bench signs in without an authenticator
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        client = Client()
        client.force_login(reviewer)
        page_url = reverse("appeals:review-detail", args=[appeal.pk])
        page = client.get(page_url).content.decode()
        marker = re.search(r'\?marker=([^"]+)"', page).group(1).replace("&amp;", "&")
        live_url = reverse("appeals:review-live", args=[appeal.pk])
        measure("live poll idle", client, f"{live_url}?marker={marker}", args.repeat)
        measure("live poll changed", client, f"{live_url}?marker=stale", args.repeat // 4)
        measure("workspace page", client, page_url, args.repeat // 4)


if __name__ == "__main__":
    main()
