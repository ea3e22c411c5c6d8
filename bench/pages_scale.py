"""Time the reviewer, lead and freelancer pages on a database seeded by `seed_scale.py`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/pages_scale.py --out bench/out/1m    # --repeat 30

In-process, through Django's test client with DEBUG off (no network, no gunicorn), as the
personas `seed_scale.py` made: `one@` (a member of one queue), `all@` (a member of all 20), the
lead, and the freelancer of an open appeal. Each page gets 3 warm-up requests, `--repeat` timed
requests (median and 95th percentile), then 5 more with every query captured: the query count,
the median SQL time per request, and the heaviest query, whose `EXPLAIN (ANALYZE, BUFFERS)` is
written to `<out>/explain/<page>.txt`. One JSON line per page on stdout and in `<out>/pages.jsonl`.

Claim-next is timed as the button is used (a POST that claims and redirects); after each
request the claim is undone with a plain UPDATE, so every request sees the same backlog (the
CLAIMED events it wrote stay, as they would).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DEBUG"] = "false"

import django  # noqa: E402
from support import emit, percentile  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals.models import Appeal, QueueSlaSummary  # noqa: E402
from appeals.operations import sla  # noqa: E402

DOMAIN = "scale.bench.recourse.test"
CURSOR_LINK = re.compile(r"[?&;]cursor=([0-9.\-]+)")


def explain(name: str, query_sql: str, out: Path) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one captured query, saved as `<out>/explain/<name>.txt`."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    path = out / "explain" / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"-- {name}\n{query_sql}\n\n{plan}\n")
    return str(path.relative_to(out))


class QueryRecorder:
    """Every query of a request with its SQL (parameters bound) and its time in ms."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        result = execute(sql, params, many, context)
        elapsed = (time.perf_counter() - started) * 1000
        bound = connection.ops.last_executed_query(context["cursor"], sql, params)
        self.queries.append((bound, elapsed))
        return result


def measure(name, send, *, repeat: int, out: Path, after=None) -> dict:
    """Time `send()` (one request, returning the response); `after()` undoes what it did."""
    for _ in range(3):
        send()
        if after:
            after()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = send()
        timings.append((time.perf_counter() - started) * 1000)
        if after:
            after()
    captured = []
    for _ in range(5):
        recorder = QueryRecorder()
        with connection.execute_wrapper(recorder):
            send()
        captured.append(recorder.queries)
        if after:
            after()
    sql_ms = statistics.median(sum(ms for _, ms in run) for run in captured)
    selects = [(q, ms) for q, ms in captured[-1] if q.lstrip().upper().startswith("SELECT")]
    heaviest = max(selects, key=lambda item: item[1], default=None)
    row = {
        "name": name,
        "status": response.status_code,
        "bytes": len(response.content),
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "queries": len(captured[-1]),
        "sql_ms": round(sql_ms, 2),
        "n": repeat,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if heaviest is not None:
        row["heaviest_query_ms"] = round(heaviest[1], 2)
        row["explain"] = explain(name, heaviest[0], out)
    emit(**row)
    with (out / "pages.jsonl").open("a") as lines:
        lines.write(json.dumps(row) + "\n")
    return row


DROP_SUMMARIES = "(drop the queue SLA summaries)"
REFRESH_SUMMARIES = "(refresh the queue SLA summaries)"


def time_summary_refresh(out: Path, rounds: int = 5) -> None:
    """Time beat's `refresh_queue_summaries` (the two grouped clock queries and the upsert of a
    row per queue), leaving the summaries fresh for the dashboard measured next."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        queues = sla.refresh_queue_summaries()
        timings.append((time.perf_counter() - started) * 1000)
    row = {
        "name": "queue SLA summaries refresh (beat, every minute)",
        "queues": queues,
        "median_ms": round(statistics.median(timings), 2),
        "max_ms": round(max(timings), 2),
        "n": rounds,
        "load_average": round(os.getloadavg()[0], 2),
    }
    emit(**row)
    with (out / "pages.jsonl").open("a") as lines:
        lines.write(json.dumps(row) + "\n")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def undo_claims(reviewer: User):
    """Put back every appeal `reviewer` claimed during the run (a plain UPDATE, no event)."""

    def undo() -> None:
        Appeal.objects.filter(assigned_to=reviewer).update(
            assigned_to=None, claimed_at=None, lease_expires_at=None
        )

    return undo


def next_page_url(client: Client, url: str) -> str | None:
    match = CURSOR_LINK.search(client.get(url).content.decode())
    return f"{url}?cursor={match.group(1)}" if match else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scale")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pages.jsonl").unlink(missing_ok=True)

    people = personas()
    counts = {
        "appeals": Appeal.objects.count(),
        "open_appeals": Appeal.objects.open().count(),
        "waiting_appeals": Appeal.objects.waiting().count(),
    }
    counts["load_average"] = round(os.getloadavg()[0], 2)
    emit(name="dataset", **counts)
    with (args.out / "pages.jsonl").open("a") as lines:
        lines.write(json.dumps({"name": "dataset", **counts}) + "\n")

    with in_process():
        measure_pages(args, **people)


def personas() -> dict:
    """The seed's bench reviewers of 1 and of 20 queues, its lead, and the newest held appeal
    (its case page; its freelancer's pages), with claims left by an earlier run undone."""
    one = User.objects.get(email=f"one@{DOMAIN}")
    every = User.objects.get(email=f"all@{DOMAIN}")
    lead = User.objects.get(email=f"lead@{DOMAIN}")
    for reviewer in (one, every):
        undo_claims(reviewer)()
    held = Appeal.objects.open().filter(assigned_to__isnull=False).order_by("-submitted_at").first()
    return {"one": one, "every": every, "lead": lead, "held": held}


def in_process():
    """In-process requests: the test client's host, and plain static storage (no
    collectstatic). The personas have no TOTP device: the MFA gate is lifted, as in the tests."""
    return override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        REQUIRE_STAFF_MFA=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )


def build_pages(*, one: User, every: User, lead: User, held: Appeal) -> list[tuple]:
    """(name, send, after) per page, in the order measured (`bench/profile_scale.py` profiles
    the same requests). `send` is None for the two steps on the dashboard's summaries."""
    freelancer = held.freelancer
    queue_url = reverse("appeals:queue")
    pages = []
    as_one, as_all, as_lead = client_for(one), client_for(every), client_for(lead)
    as_freelancer = client_for(freelancer)
    pages.append(("queue page, 1 queue", lambda: as_one.get(queue_url), None))
    next_one = next_page_url(as_one, queue_url)
    if next_one:
        pages.append(("queue page, 1 queue, next page", lambda: as_one.get(next_one), None))
    pages.append(("queue page, 20 queues", lambda: as_all.get(queue_url), None))
    next_all = next_page_url(as_all, queue_url)
    if next_all:
        pages.append(("queue page, 20 queues, next page", lambda: as_all.get(next_all), None))
    claim_url = reverse("appeals:claim-next")
    pages.append(("claim next, 1 queue", lambda: as_one.post(claim_url), undo_claims(one)))
    pages.append(("claim next, 20 queues", lambda: as_all.post(claim_url), undo_claims(every)))
    review_list = reverse("appeals:review-list")
    pages.append(("reviewer appeal list", lambda: as_one.get(review_list), None))
    case_url = reverse("appeals:review-detail", args=[held.pk])
    pages.append(("reviewer case page", lambda: as_one.get(case_url), None))
    dashboard = reverse("appeals:dashboard")
    # Without the per-queue summaries (beat not run) the dashboard computes its deadline
    # figures per request; with them (as beat keeps them) it reads one row per queue.
    pages.append((DROP_SUMMARIES, None, None))
    pages.append(
        ("lead dashboard, deadline figures computed", lambda: as_lead.get(dashboard), None)
    )
    pages.append((REFRESH_SUMMARIES, None, None))
    pages.append(("lead dashboard", lambda: as_lead.get(dashboard), None))
    standing = reverse("enforcement:standing")
    pages.append(("freelancer standing", lambda: as_freelancer.get(standing), None))
    case = reverse("appeals:case-detail", args=[held.action_id])
    pages.append(("freelancer case page", lambda: as_freelancer.get(case), None))
    # Pages of issues being built in parallel: measured once their URL exists.
    for name, url_name, query in (
        ("audit page", "accounts:audit-log", ""),
        # A word of the seeded statements (as bench/search_scale.py's "rare word" searches).
        ("search", "appeals:search", "?q=chargeback"),
        ("transparency report", "transparency:report", ""),
    ):
        try:
            url = reverse(url_name) + query
        except NoReverseMatch:
            emit(name=name, skipped=f"no URL named {url_name} yet")
            continue
        pages.append((name, lambda url=url: as_lead.get(url), None))
    # The home page: signed in, it only redirects to the person's start page.
    home = reverse("home")
    pages.append(("floor: trivial authenticated view", lambda: as_one.get(home), None))
    return pages


def measure_pages(args, *, one: User, every: User, lead: User, held: Appeal) -> None:
    pages = build_pages(one=one, every=every, lead=lead, held=held)
    for name, send, after in pages:
        if name == DROP_SUMMARIES:
            QueueSlaSummary.objects.all().delete()
            continue
        if name == REFRESH_SUMMARIES:
            time_summary_refresh(args.out)
            continue
        try:
            measure(name, send, repeat=args.repeat, out=args.out, after=after)
        except Exception as exc:  # one page failing must not hide the others' figures
            emit(name=name, error=f"{type(exc).__name__}: {exc}"[:300])


if __name__ == "__main__":
    main()
