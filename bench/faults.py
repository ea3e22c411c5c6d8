"""Fault injection: a burst of appeals, messages, decisions, webhooks, emails and SLA breaches
while workers are SIGKILLed, Redis and PostgreSQL restart and beat is killed; then the
database, the SMTP sink and the webhook receiver are checked for lost and duplicated effects.

    python3 -m uv run python bench/faults.py                 # the long run (README figures)
    python3 -m uv run python bench/faults.py --short         # what tests/test_faults.py runs

Everything the harness breaks it owns: a PostgreSQL cluster it creates with `initdb` in a
temporary directory and runs with `pg_ctl` on a free port, a `redis-server` on a free port, an
SMTP sink and a webhook receiver (tests/notifications/receiver.py) on 127.0.0.1, and the
`celery -A config worker` and `celery -A config beat` processes, each in its own process group.
The shared servers on 5432/6379 are never touched. The workers and beat run the production code
and settings; only timings are shortened through the environment (re-drive ages, SLA sweep and
webhook re-drive periods, webhook lease), as an operator could.

The harness process plays the web: it issues actions, files appeals, posts reviewer messages,
decides appeals (overturned: the action is lifted, webhooks and emails follow) and makes SLA
clocks of other appeals due, through the same services the views call. Faults come at random
moments spread over the burst. When a fault takes PostgreSQL down under one of its own
operations, that operation is simply abandoned (whatever committed is what counts: every check
reads the database).

After the burst the processes keep running, fault-free, until nothing is pending (or
`--drain-seconds` pass), then a few more seconds to catch late duplicates. Checks:

- every appeal filed is routed exactly once (one ROUTED event) and its freelancer told once;
- every notification created during the run is `sent`, and the SMTP sink received exactly one
  message for it (`X-Recourse-Notification`);
- every webhook delivery is `delivered`, the receiver got at least one signed request carrying
  its event's idempotency key, and no request carries any other key;
- every clock made due has its breach recorded, with exactly one breach event per clock;
- nothing is left unrouted, pending or sending.

Output: one JSON line (faults injected of each kind, operations, effects, lost, duplicated).
Exit status 1 if anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import json
import os
import random
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


# --- The servers the harness owns -------------------------------------------------------------


class Postgres:
    """A throwaway PostgreSQL cluster: initdb into `base`, pg_ctl on a free port."""

    def __init__(self, base: Path) -> None:
        self.data = base / "pgdata"
        self.socket_dir = base / "pgsock"
        self.log = self.socket_dir / "postgres.log"
        self.port = free_port()
        for directory in (self.data, self.socket_dir):
            directory.mkdir(mode=0o700)
            if os.geteuid() == 0:
                shutil.chown(directory, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def _as_postgres(self, *command: str) -> None:
        if os.geteuid() == 0:  # initdb and postgres refuse root
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)}: {done.stderr.decode(errors='replace')}")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/recourse_faults"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=100"
        )
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"
        )

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE recourse_faults")


class Redis:
    """A throwaway redis-server without persistence: a restart loses every queued message."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.base),
            ],
            stdout=(self.base / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take Django's messages; counts them per notification."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.lock = threading.Lock()
        # notification id -> Message-ID -> copies received
        self.by_notification: dict[int, Counter[str]] = {}
        self.messages = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def received(self, raw: bytes) -> None:
        message = email.message_from_bytes(raw)
        with self.lock:
            self.messages += 1
            notification = message.get("X-Recourse-Notification")
            if notification:
                ids = self.by_notification.setdefault(int(notification), Counter())
                ids[message.get("Message-ID", "")] += 1


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        try:
            self.reply("220 sink ESMTP")
            while line := self.rfile.readline():
                verb = line.decode(errors="replace").strip().split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 sink")
                elif verb == "DATA":
                    self.reply("354 end with <CRLF>.<CRLF>")
                    chunks = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                        chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    if chunk == b"":
                        return  # the sender died mid-message: nothing was accepted
                    self.server.received(b"".join(chunks))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    self.reply("250 ok")
        except OSError:
            return


# --- The Celery processes ---------------------------------------------------------------------


class CeleryProcess:
    def __init__(self, kind: str, name: str, env: dict, base: Path) -> None:
        self.kind, self.name, self.env, self.base = kind, name, env, base
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        common = [sys.executable, "-m", "celery", "-A", "config", self.kind, "--loglevel=WARNING"]
        if self.kind == "beat":
            return [*common, f"--schedule={self.base / 'celerybeat-schedule'}"]
        return [
            *common,
            "--pool=prefork",
            "--concurrency=2",
            "--prefetch-multiplier=1",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={self.name}@%h",
        ]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=(self.base / f"{self.name}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL takes the pool children
        )

    def kill(self) -> None:
        """SIGKILL the whole process group, wherever it is in its work."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


# --- The run ----------------------------------------------------------------------------------


PROFILES = {
    # seconds of burst, then faults of each kind spread over it at random moments
    "long": {
        "seconds": 600,
        "worker_kills": 60,
        "redis_restarts": 12,
        "postgres_restarts": 6,
        "beat_kills": 4,
        "drain_seconds": 480,
    },
    "short": {
        "seconds": 80,
        "worker_kills": 6,
        "redis_restarts": 2,
        "postgres_restarts": 2,
        "beat_kills": 2,
        "drain_seconds": 300,
    },
}


def child_env(pg: Postgres, redis: Redis, smtp_port: int, base: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_URL", "MAIL_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=pg.url,
        # Persistent connections with health checks, as a production worker would run.
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=redis.url,
        CELERY_BROKER_URL=redis.url,
        MAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        RECOURSE_DATA_DIR=str(base / "data"),
        SECRET_KEY="faults-harness-" + "x" * 40,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONWARNINGS="ignore",
        # Shorter timings (the defaults are minutes): all are settings an operator can change.
        SLA_SWEEP_SECONDS="2",
        WEBHOOK_REDRIVE_SECONDS="2",
        WEBHOOK_TIMEOUT_SECONDS="5",
        WEBHOOK_LEASE_SECONDS="10",
        WEBHOOK_BACKOFF_BASE_SECONDS="1",
        WEBHOOK_BACKOFF_CAP_SECONDS="5",
        WEBHOOK_MAX_ATTEMPTS="50",
        REDRIVE_AFTER_SECONDS="20",
        EMAIL_CLAIM_STALE_SECONDS="30",
        APPEAL_REDRIVE_SECONDS="3",
        EMAIL_REDRIVE_SECONDS="3",
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="the test suite's short run")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    for key, value in PROFILES["long"].items():
        parser.add_argument(
            "--" + key.replace("_", "-"),
            type=int,
            default=None,
            help=f"default {value} (short: {PROFILES['short'][key]})",
        )
    args = parser.parse_args()
    profile = dict(PROFILES["short" if args.short else "long"])
    for key in profile:
        if getattr(args, key) is not None:
            profile[key] = getattr(args, key)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)

    base = Path(tempfile.mkdtemp(prefix="recourse-faults-"))
    base.chmod(0o755)  # the postgres user runs the cluster inside it
    (base / "data").mkdir()
    pg = Postgres(base)
    redis = Redis(base)
    processes: list[CeleryProcess] = []
    try:
        pg.start()
        pg.create_database()
        redis.start()
        from tests.notifications.receiver import Receiver

        with Receiver() as receiver:
            smtp = SmtpSink()
            try:
                env = child_env(pg, redis, smtp.port, base)
                os.environ.update(env)
                report = Run(
                    profile, seed, pg, redis, smtp, receiver, env, base, args.workers, processes
                ).run()
            finally:
                for process in processes:
                    process.stop()
                smtp.shutdown()
                smtp.server_close()
        report["seed"] = seed
        report["log_dir"] = str(base) if args.keep else None
        print(json.dumps(report), flush=True)
        return 1 if report["lost"]["total"] or report["duplicated"]["total"] else 0
    finally:
        for process in processes:
            process.kill()
        redis.kill()
        with contextlib.suppress(RuntimeError):
            pg.stop("immediate")
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


class Run:
    def __init__(self, profile, seed, pg, redis, smtp, receiver, env, base, workers, processes):
        self.profile, self.rng = profile, random.Random(seed)
        self.pg, self.redis, self.smtp, self.receiver = pg, redis, smtp, receiver
        self.env, self.base = env, base
        self.workers = [CeleryProcess("worker", f"worker{i}", env, base) for i in range(workers)]
        self.beat = CeleryProcess("beat", "beat", env, base)
        processes.extend([*self.workers, self.beat])
        self.faults = Counter(worker_kills=0, redis_restarts=0, postgres_restarts=0, beat_kills=0)
        self.attempts = Counter()
        self.abandoned = Counter()
        self.breach_clocks: set[int] = set()
        self.breach_appeals: set[int] = set()
        self.decided: set[int] = set()

    # -- setup, in this process (the web's role) --

    def setup(self) -> None:
        import django

        django.setup()
        from django.contrib.auth.models import Group
        from django.core.management import call_command

        from accounts.models import ReviewerProfile, Role, User
        from appeals.models import RoutingRule
        from appeals.operations import routing
        from demo import data as demo_data
        from demo.seeding import seed_catalogue, seed_people
        from enforcement.models import EnforcementAction, ReasonCode
        from notifications import webhooks
        from notifications.models import WebhookEndpoint

        call_command("migrate", verbosity=0)
        people, _ = seed_people()
        seed_catalogue(published_by=people[demo_data.DEMO_ADMIN])
        # Every appeal goes to the fallback queue, whose members are this run's reviewers.
        RoutingRule.objects.update(is_active=False)
        queue = routing.fallback_queue()
        queue.members.clear()

        def person(email_address: str, role: str, name: str) -> User:
            user = User.objects.create_user(email=email_address, password=None, display_name=name)
            user.groups.add(Group.objects.get(name=role))
            return user

        domain = "faults.bench.recourse.test"
        self.freelancers = [
            person(f"freelancer{i}@{domain}", Role.FREELANCER, f"Freelancer {i}") for i in range(8)
        ]
        self.decider = person(f"decider@{domain}", Role.REVIEWER, "Decider")
        self.reviewers = []
        for i in range(4):
            reviewer = person(f"reviewer{i}@{domain}", Role.REVIEWER, f"Reviewer {i}")
            ReviewerProfile.objects.create(user=reviewer, languages=["en"], capacity=10_000)
            self.reviewers.append(reviewer)
        queue.members.add(*self.reviewers)
        WebhookEndpoint.objects.create(
            name="Marketplace", url=self.receiver.url, secret=webhooks.new_secret()
        )
        self.case = next(
            case
            for case in demo_data.BULK_CASES
            if case.restriction_type != EnforcementAction.RestrictionType.PERMANENT_TERMINATION
        )
        self.reason = ReasonCode.objects.get(code=self.case.reason_code)

    # -- operations --

    def issue_and_file(self) -> None:
        from django.utils import timezone

        from appeals.models import Appeal
        from appeals.services import file_appeal
        from enforcement.models import RuleVersion
        from enforcement.services import issue_action

        freelancer = self.rng.choice(self.freelancers)
        starts_at = timezone.now() - timedelta(hours=1)
        version = RuleVersion.objects.in_force_at(starts_at).get(rule=self.reason.rule)
        action = issue_action(
            self.case.request(
                account=freelancer,
                starts_at=starts_at,
                reason_code=self.reason,
                cited_version=version,
            ),
            issued_by=self.decider,
        )
        file_appeal(  # its own durable transaction, as in the web request
            action,
            statement="The client paid through the marketplace.",
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            uploads=[],
            filed_by=freelancer,
        )

    def _held_appeal(self):
        from appeals.models import Appeal

        candidates = list(
            Appeal.objects.open()
            .filter(routed_at__isnull=False, assigned_to__in=self.reviewers)
            .exclude(pk__in=self.breach_appeals | self.decided)
            .select_related("assigned_to", "action")
            .order_by("?")[:1]
        )
        return candidates[0] if candidates else None

    def message(self) -> bool:
        from appeals.services import post_message

        appeal = self._held_appeal()
        if appeal is None:
            return False
        post_message(appeal, author=appeal.assigned_to, body="We are looking at your appeal.")
        return True

    def decide(self) -> bool:
        from appeals.models import Appeal
        from appeals.services import decide_appeal

        appeal = self._held_appeal()
        if appeal is None:
            return False
        self.decided.add(appeal.pk)
        decide_appeal(
            appeal,
            outcome=Appeal.Outcome.OVERTURNED,
            reasons="The payment went through the marketplace after all.",
            versions=list(appeal.action.cited_versions.all()),
            decided_by=appeal.assigned_to,
        )
        return True

    def make_breach_due(self) -> bool:
        from django.db import transaction
        from django.utils import timezone

        from appeals.models import Appeal, AppealClock

        appeal = (
            Appeal.objects.open()
            .filter(routed_at__isnull=False, freelancer__in=self.freelancers)
            .exclude(pk__in=self.breach_appeals | self.decided)
            .order_by("?")
            .first()
        )
        if appeal is None:
            return False
        self.breach_appeals.add(appeal.pk)
        now = timezone.now()
        with transaction.atomic():
            clocks = AppealClock.objects.select_for_update().filter(
                appeal=appeal,
                stopped_at__isnull=True,
                paused_since__isnull=True,
                breached_at__isnull=True,
            )
            ids = list(clocks.values_list("pk", flat=True))
            AppealClock.objects.filter(pk__in=ids).update(
                due_at=now - timedelta(seconds=1), warn_at=now - timedelta(seconds=2)
            )
        self.breach_clocks.update(ids)
        return True

    def operate(self) -> None:
        from django.db import DatabaseError, connection

        from appeals.services import AppealRefused

        name = self.rng.choices(
            ["issue_and_file", "message", "decide", "make_breach_due"], weights=[4, 2, 2, 1]
        )[0]
        self.attempts[name] += 1
        try:
            getattr(self, name)()
        except DatabaseError:
            # PostgreSQL went away under this operation (a fault): whatever committed counts.
            self.abandoned[name] += 1
            connection.close()
        except AppealRefused:
            self.abandoned[name] += 1

    def wait_for_routed(self, count: int, *, timeout: float) -> None:
        from appeals.models import Appeal

        deadline = time.monotonic() + timeout
        routed = Appeal.objects.filter(freelancer__in=self.freelancers, routed_at__isnull=False)
        while routed.count() < count and time.monotonic() < deadline:
            time.sleep(0.5)

    # -- faults --

    def inject(self, kind: str) -> None:
        from django.db import connection

        if kind == "worker_kills":
            worker = self.rng.choice(self.workers)
            worker.kill()
            worker.start()
        elif kind == "redis_restarts":
            self.redis.kill()
            time.sleep(self.rng.uniform(0.2, 2.0))
            self.redis.start()
        elif kind == "postgres_restarts":
            self.pg.stop(self.rng.choice(["fast", "immediate"]))
            time.sleep(self.rng.uniform(0.2, 2.0))
            self.pg.start()
            connection.close()
        elif kind == "beat_kills":
            self.beat.kill()
            time.sleep(self.rng.uniform(0.5, 3.0))
            self.beat.start()
        self.faults[kind] += 1

    # -- settling and checks --

    def pending(self) -> dict[str, int]:
        from appeals.models import Appeal, AppealClock
        from notifications.models import Notification, WebhookDelivery

        return {
            "unrouted_appeals": Appeal.objects.filter(routed_at__isnull=True).count(),
            "unsent_emails": Notification.objects.exclude(
                email_status=Notification.EmailStatus.SENT
            ).count(),
            "undelivered_webhooks": WebhookDelivery.objects.exclude(
                status=WebhookDelivery.Status.DELIVERED
            ).count(),
            "unrecorded_breaches": AppealClock.objects.filter(
                pk__in=self.breach_clocks, breached_at__isnull=True
            ).count(),
        }

    def drain(self, seconds: float) -> tuple[float, dict[str, int]]:
        from django.db import DatabaseError, connection

        started = time.monotonic()
        while True:
            try:
                left = self.pending()
            except DatabaseError:
                connection.close()
                left = {"database": 1}
            if not any(left.values()) or time.monotonic() - started > seconds:
                return time.monotonic() - started, left
            time.sleep(1)

    def check(self) -> dict:
        from django.db.models import Count

        from appeals.models import Appeal, AppealEvent
        from notifications.models import Notification, WebhookDelivery
        from notifications.webhooks import sign

        def signed(secret: str, request) -> bool:
            """The signature a receiver checks (`verify` also refuses a timestamp more than five
            minutes old: the checks run long after the first requests arrived)."""
            moment = datetime.fromtimestamp(int(request.header("webhook-timestamp")), tz=UTC)
            expected = sign(secret, request.header("webhook-id"), request.body, moment)
            return expected in request.header("webhook-signature").split(" ")

        lost, duplicated = Counter(), Counter()
        appeals = Appeal.objects.filter(freelancer__in=self.freelancers)
        routed_events = dict(
            AppealEvent.objects.filter(appeal__in=appeals, kind=AppealEvent.Kind.ROUTED)
            .values_list("appeal")
            .annotate(n=Count("id"))
        )
        received = dict(
            Notification.objects.filter(appeal__in=appeals, kind=Notification.Kind.APPEAL_RECEIVED)
            .values_list("appeal")
            .annotate(n=Count("id"))
        )
        appeal_ids = list(appeals.values_list("pk", flat=True))
        for appeal_id in appeal_ids:
            for counts, key in ((routed_events, "routing"), (received, "received_notices")):
                n = counts.get(appeal_id, 0)
                lost[key] += n == 0
                duplicated[key] += max(0, n - 1)

        notifications = list(Notification.objects.values_list("pk", "email_status"))
        emails_resent_same_id = 0
        for pk, status in notifications:
            ids = self.smtp.by_notification.get(pk, Counter())
            copies = sum(ids.values())
            lost["emails"] += status != Notification.EmailStatus.SENT or copies == 0
            # Two different Message-IDs for one notification are two emails. A second copy
            # with the one Message-ID is the at-least-once resend after a worker died between
            # the SMTP server's "250" and the "sent" record: mail systems recognise it as the
            # same message (like a webhook redelivered with its idempotency key).
            duplicated["emails"] += max(0, len(ids) - 1)
            emails_resent_same_id += copies - len(ids)

        deliveries = list(WebhookDelivery.objects.select_related("event", "endpoint"))
        keys = {str(d.event.idempotency_key): d for d in deliveries}
        by_key = Counter()
        bad_signatures = 0
        for request in self.receiver.requests:
            key = request.header("webhook-id")
            by_key[key] += 1
            delivery = keys.get(key)
            if delivery is None:
                duplicated["webhooks_with_unknown_key"] += 1
            elif not signed(delivery.endpoint.secret, request):
                bad_signatures += 1
        for key, delivery in keys.items():
            lost["webhooks"] += (
                delivery.status != WebhookDelivery.Status.DELIVERED or by_key[key] == 0
            )
        lost["webhooks_badly_signed"] += bad_signatures

        breach_events = dict(
            AppealEvent.objects.filter(
                appeal__in=self.breach_appeals, kind=AppealEvent.Kind.SLA_BREACHED
            )
            .values_list("appeal")
            .annotate(n=Count("id"))
        )
        from appeals.models import AppealClock

        breached_clocks = Counter(
            AppealClock.objects.filter(
                pk__in=self.breach_clocks, breached_at__isnull=False
            ).values_list("appeal", flat=True)
        )
        lost["breaches"] += len(self.breach_clocks) - sum(breached_clocks.values())
        for appeal_id in self.breach_appeals:
            duplicated["breaches"] += max(
                0, breach_events.get(appeal_id, 0) - breached_clocks.get(appeal_id, 0)
            )
            lost["breach_events"] += max(
                0, breached_clocks.get(appeal_id, 0) - breach_events.get(appeal_id, 0)
            )

        return {
            "operations": {
                "actions_issued_and_appealed": len(appeal_ids),
                "messages": self._count_messages(),
                "decisions": appeals.filter(status=Appeal.Status.DECIDED).count(),
                "clocks_made_due": len(self.breach_clocks),
                "attempted": dict(self.attempts),
                "abandoned_by_a_fault_or_refused": dict(self.abandoned),
            },
            "effects": {
                "appeals_routed": sum(1 for a in appeal_ids if routed_events.get(a)),
                "emails": len(notifications),
                "smtp_messages": self.smtp.messages,
                "email_resends_same_message_id": emails_resent_same_id,
                "webhook_deliveries": len(deliveries),
                "webhook_requests": len(self.receiver.requests),
                "webhook_redeliveries_same_key": len(self.receiver.requests) - len(by_key),
                "breaches_recorded": sum(breached_clocks.values()),
            },
            "lost": {**{k: v for k, v in lost.items() if v}, "total": sum(lost.values())},
            "duplicated": {
                **{k: v for k, v in duplicated.items() if v},
                "total": sum(duplicated.values()),
            },
        }

    def _count_messages(self) -> int:
        from appeals.models import Message

        return Message.objects.filter(author__in=self.reviewers).count()

    def run(self) -> dict:
        started = time.monotonic()
        self.setup()
        for process in [*self.workers, self.beat]:
            process.start()
        # Appeals in reviewers' hands before the first fault, so that messages, decisions and
        # breaches have something to act on from the start of the burst.
        for _ in range(20):
            self.issue_and_file()
        self.wait_for_routed(10, timeout=180)
        seconds = self.profile["seconds"]
        schedule = sorted(
            (self.rng.uniform(1, seconds), kind)
            for kind in ("worker_kills", "redis_restarts", "postgres_restarts", "beat_kills")
            for _ in range(self.profile[kind])
        )
        burst_started = time.monotonic()
        while (elapsed := time.monotonic() - burst_started) < seconds:
            while schedule and schedule[0][0] <= elapsed:
                self.inject(schedule.pop(0)[1])
            self.operate()
            time.sleep(0.05)
        for _, kind in schedule:  # any the burst ran out of time for
            self.inject(kind)
        drained_in, left = self.drain(self.profile["drain_seconds"])
        time.sleep(5)  # late duplicates, if any, arrive now
        pending_at_drain_end, left = left, self.drain(0)[1]
        report = {"name": "faults", "faults": dict(self.faults)}
        report |= self.check()
        report["left_pending"] = left
        report["pending_when_the_drain_ended"] = pending_at_drain_end
        report["burst_seconds"] = seconds
        report["drained_in_seconds"] = round(drained_in, 1)
        report["seconds"] = round(time.monotonic() - started, 1)
        report["load_average"] = [round(x, 2) for x in os.getloadavg()]
        return report


if __name__ == "__main__":
    sys.exit(main())
