"""Crash test of routing: `kill -9` a real Celery worker in the middle of a burst of 100 appeals.

    python3 -m uv run python bench/crash_routing.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_crash \
        REDIS_URL=redis://127.0.0.1:6379/12 python3 -m uv run python bench/crash_routing.py

1. Migrates (creating the database if needed), seeds the demo catalogue, and makes this run's
   people: a freelancer, the decider of their actions, and 5 reviewers of capacity 20 who are the
   only members of the fallback queue.
2. Files 100 appeals through `file_appeal` while no worker runs: each one commits, then enqueues
   its `route_appeal` message, so 100 messages wait in Redis.
3. Starts `celery -A config worker` (prefork, concurrency 2, prefetch 1) in its own process group,
   polls the database, and SIGKILLs the whole group as soon as `--kill-after` appeals are routed.
   The tasks it was running die mid-transaction; their messages stay unacknowledged in Redis.
4. Starts a second worker, waits until the queue is drained, then (once the stragglers are more
   than a minute old, as the periodic beat would) runs `redrive_unrouted_appeals` and waits.
5. Prints one JSON line and stops the worker.

Nothing here is a test hook: the workers run the production code and settings.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recourse_crash")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
# The script and its workers share one broker: the one REDIS_URL names.
os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Filing sends "appeal received" emails through the same workers; nobody reads them here.
os.environ.setdefault("MAIL_URL", "dummy:")

from support import create_database_if_missing, emit  # noqa: E402

create_database_if_missing(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import ReviewerProfile, Role, User  # noqa: E402
from appeals import tasks  # noqa: E402
from appeals.models import Appeal, AppealEvent  # noqa: E402
from appeals.operations import routing  # noqa: E402
from appeals.services import file_appeal  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from demo import data as demo_data  # noqa: E402
from enforcement.models import EnforcementAction, ReasonCode, RuleVersion  # noqa: E402
from enforcement.services import issue_action  # noqa: E402

REVIEWERS = 5
CAPACITY = 20
REDRIVE_AGE = timedelta(minutes=1, seconds=2)  # a little over the re-drive's one minute


def person(email: str, role: str, **fields) -> User:
    user = User.objects.create_user(email=email, password=None, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def prepare(run: str, count: int) -> tuple[list[int], list[User]]:
    """This run's people and `count` filed appeals (their routing messages wait in Redis)."""
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # Appeals an interrupted earlier run left unrouted go to the queue unassigned, so that they
    # neither use this run's reviewers' capacity nor count in this run.
    queue = routing.fallback_queue()
    queue.members.clear()
    for appeal_id in Appeal.objects.filter(routed_at__isnull=True).values_list("pk", flat=True):
        routing.route_appeal(appeal_id)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)

    domain = f"crash-{run}.bench.recourse.test"
    freelancer = person(f"freelancer@{domain}", Role.FREELANCER, display_name="Crash Freelancer")
    decider = person(f"decider@{domain}", Role.REVIEWER, display_name="Crash Decider")
    reviewers = []
    for i in range(REVIEWERS):
        reviewer = person(f"reviewer{i}@{domain}", Role.REVIEWER, display_name=f"Reviewer {i}")
        ReviewerProfile.objects.create(user=reviewer, languages=["en"], capacity=CAPACITY)
        reviewers.append(reviewer)
    queue.members.add(*reviewers)

    case = next(
        case
        for case in demo_data.BULK_CASES
        if case.restriction_type != EnforcementAction.RestrictionType.PERMANENT_TERMINATION
    )
    reason = ReasonCode.objects.get(code=case.reason_code)
    starts_at = timezone.now() - timedelta(days=1)
    version = RuleVersion.objects.in_force_at(starts_at).get(rule=reason.rule)
    actions = [
        issue_action(
            case.request(
                account=freelancer, starts_at=starts_at, reason_code=reason, cited_version=version
            ),
            issued_by=decider,
        )
        for _ in range(count)
    ]
    appeal_ids = []
    for action in actions:
        # One transaction per appeal (file_appeal's own, durable), as in the web request:
        # routing is enqueued on commit.
        appeal, _ = file_appeal(
            action,
            statement="The client paid through the marketplace.",
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            uploads=[],
            filed_by=freelancer,
        )
        appeal_ids.append(appeal.pk)
    return appeal_ids, reviewers


def start_worker(log: Path, concurrency: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--prefetch-multiplier=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes the pool children too
    )


def stop_worker(worker: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(worker.pid, sig)
    except ProcessLookupError:
        return
    worker.wait(timeout=60)


def routed(appeal_ids: list[int]) -> int:
    return Appeal.objects.filter(pk__in=appeal_ids, routed_at__isnull=False).count()


def queue_length() -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(celery_app.conf.task_default_queue)


def wait_until_settled(appeal_ids: list[int], *, timeout: float) -> int:
    """Until everything is routed, or the queue is empty and nothing moved for 3 seconds."""
    deadline = time.monotonic() + timeout
    last, last_change = routed(appeal_ids), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now_routed = routed(appeal_ids)
        if now_routed == len(appeal_ids):
            return now_routed
        if now_routed != last:
            last, last_change = now_routed, time.monotonic()
        elif queue_length() == 0 and time.monotonic() - last_change > 3:
            return now_routed
    return routed(appeal_ids)


def count_per_appeal(appeal_ids: list[int], *kinds: str) -> int:
    """Appeals with more than one event of these kinds."""
    return (
        AppealEvent.objects.filter(appeal_id__in=appeal_ids, kind__in=kinds)
        .values("appeal_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=100)
    parser.add_argument("--kill-after", type=int, default=10, help="routed appeals before kill")
    args = parser.parse_args()

    run = uuid.uuid4().hex[:8]
    appeal_ids, reviewers = prepare(run, args.appeals)
    log = Path(tempfile.gettempdir()) / f"crash_routing-{run}.log"
    started = time.perf_counter()

    worker = start_worker(log)
    try:
        while routed(appeal_ids) < args.kill_after and worker.poll() is None:
            time.sleep(0.01)
    finally:
        stop_worker(worker, signal.SIGKILL)
    killed_after = routed(appeal_ids)

    worker = start_worker(log)
    try:
        before_redrive = wait_until_settled(appeal_ids, timeout=120)
        redriven = 0
        if before_redrive < len(appeal_ids):
            # Lost messages are re-driven once their appeal has waited a minute unrouted.
            oldest = Appeal.objects.filter(pk__in=appeal_ids, routed_at__isnull=True).earliest(
                "submitted_at"
            )
            time.sleep(
                max(0.0, (oldest.submitted_at + REDRIVE_AGE - timezone.now()).total_seconds())
            )
            tasks.redrive_unrouted_appeals.delay()
            redriven = wait_until_settled(appeal_ids, timeout=120) - before_redrive
    finally:
        stop_worker(worker, signal.SIGTERM)

    load = dict(
        Appeal.objects.filter(assigned_to__in=reviewers)
        .values_list("assigned_to")
        .annotate(n=Count("id"))
    )
    emit(
        name="crash_routing",
        appeals=len(appeal_ids),
        routed=routed(appeal_ids),
        assigned=Appeal.objects.filter(pk__in=appeal_ids, assigned_to__isnull=False).count(),
        assigned_twice=count_per_appeal(
            appeal_ids, AppealEvent.Kind.ASSIGNED, AppealEvent.Kind.CLAIMED
        ),
        routed_twice=count_per_appeal(appeal_ids, AppealEvent.Kind.ROUTED),
        over_capacity=sum(1 for n in load.values() if n > CAPACITY),
        killed_after_routed=killed_after,
        routed_before_redrive=before_redrive,
        redriven=redriven,
        seconds=round(time.perf_counter() - started, 1),
        worker_log=str(log),
    )


if __name__ == "__main__":
    main()
