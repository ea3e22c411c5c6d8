"""Benchmark the intake API: creating actions, replaying them, and reading them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_api \
        python3 -m uv run python bench/intake_api.py --requests 200

Creates the database if missing, migrates, seeds the demo catalogue and people (idempotent),
makes one intake source and `--requests` freelancers to act on, then sends requests through
Django's test client (in-process: the whole Django stack with authentication, validation, the
service and the database, but no network or gunicorn). Each request is timed and its queries
counted; one JSON line per kind of request. Webhook deliveries and emails are queued on the
in-memory broker.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import warnings  # noqa: E402

from support import create_database_if_missing, emit, percentile  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recourse_bench_api")
create_database_if_missing(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from demo import data as demo_data  # noqa: E402
from enforcement.models import IntakeSource, ReasonCode, RuleVersion  # noqa: E402

SOURCE_NAME = "bench-detector"


def token_for_bench() -> str:
    """A fresh token for the bench source (created once; its token replaced each run)."""
    source = IntakeSource.objects.filter(name=SOURCE_NAME).first() or IntakeSource(name=SOURCE_NAME)
    token = source.set_new_token()
    source.revoked_at = None
    source.save()
    return token


def freelancers(count: int) -> list[User]:
    group = Group.objects.get(name=Role.FREELANCER)
    run = uuid.uuid4().hex[:8]
    people = User.objects.bulk_create(
        User(
            email=f"api-{run}-{n}@bench.recourse.test",
            display_name=f"API bench {n}",
            marketplace_id=f"~api{run}{n:06d}",
        )
        for n in range(count)
    )
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=p.pk, group_id=group.pk) for p in people
    )
    return people


def body(account: User, code: ReasonCode, version: RuleVersion, decider: User) -> dict:
    now = timezone.now()
    return {
        "external_id": f"bench-{uuid.uuid4().hex}",
        "account": account.marketplace_id,
        "restriction_type": "temporary_suspension",
        "restricted_capabilities": ["proposals", "messaging"],
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "rules": [{"rule": version.rule.key, "version": version.number}],
        "reason_code": code.code,
        "facts": "On 3 May a client reported a request to pay outside the marketplace.",
        "evidence": [
            {"signal_category": "messages", "summary": "A message asked for a bank transfer."},
            {
                "signal_category": "client_report",
                "summary": "A client reported the request.",
                "redaction": "partial",
                "redaction_reason": "The client's identity is protected.",
            },
        ],
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": True,
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "decided_by": decider.email,
        "content_type": ["CONTENT_TYPE_TEXT"],
        "funds_held": {
            "amount": "120.00",
            "currency": "EUR",
            "release_condition": "Released when the suspension ends.",
        },
        "client_notices": [
            {
                "client_name": "Client 1 Ltd",
                "text": "This freelancer's account is temporarily suspended.",
                "shown_at": (now - timedelta(hours=1)).isoformat(),
            }
        ],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=14)).isoformat(),
    }


def timed(client: Client, method: str, url: str, token: str, payload: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    # The log keeps 9,000 queries at most; a full one would make every count 0.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if method == "post":
            response = client.post(
                url, data=json.dumps(payload), content_type="application/json", headers=headers
            )
        else:
            response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
    return response, elapsed, len(queries)


def report(name: str, timings: list[float], queries: list[int], statuses: set[int]) -> None:
    emit(
        name=name,
        requests=len(timings),
        median_ms=round(statistics.median(timings), 2),
        p95_ms=round(percentile(timings, 0.95), 2),
        queries_min=min(queries),
        queries_max=max(queries),
        queries_median=statistics.median(queries),
        statuses=sorted(statuses),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="actions to create")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=StringIO())
    token = token_for_bench()
    code = ReasonCode.objects.select_related("rule").get(code="off-platform-payment")
    version = RuleVersion.objects.in_force_at(timezone.now()).get(rule=code.rule)
    decider = User.objects.get(email=demo_data.DEMO_ENFORCER)
    people = freelancers(args.requests)
    client = Client(HTTP_HOST="127.0.0.1")

    bodies = [body(person, code, version, decider) for person in people]
    # One warm-up request (URL resolver, schema, first connection) is not counted.
    timed(client, "post", "/api/v1/actions", token, body(people[0], code, version, decider))

    results: dict[str, tuple[list[float], list[int], set[int]]] = {}

    def record(name: str, response, elapsed: float, queries: int) -> dict:
        timings, counts, statuses = results.setdefault(name, ([], [], set()))
        timings.append(elapsed)
        counts.append(queries)
        statuses.add(response.status_code)
        return response.json()

    created_ids = []
    for payload in bodies:
        created_ids.append(
            record("api_create", *timed(client, "post", "/api/v1/actions", token, payload))["id"]
        )
    for payload in bodies:
        record("api_replay", *timed(client, "post", "/api/v1/actions", token, payload))
    for action_id in created_ids:
        record("api_get", *timed(client, "get", f"/api/v1/actions/{action_id}", token))
    invalid = {
        **bodies[0],
        "external_id": "bench-invalid",
        "rules": [{"rule": "NOPE-1", "version": 1}],
    }
    for _ in range(args.requests):
        record("api_refused_422", *timed(client, "post", "/api/v1/actions", token, invalid))

    for name, (timings, counts, statuses) in results.items():
        report(name, timings, counts, statuses)


if __name__ == "__main__":
    main()
