"""Webhooks through real Celery workers on Redis, to a real HTTP server on 127.0.0.1.

The second test starts `celery -A config worker` processes on the test database, kills one with
SIGKILL while its POST is in flight, and checks that the re-drive and another worker still
deliver the event.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction

from config.celery import app as celery_app
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.webhooks import LOST_WORKER_ERROR, action_payload, record_event, verify
from tests.celery_brokers import REDIS_BROKER_URL
from tests.factories import make_action
from tests.notifications.receiver import Receiver

Kind = WebhookEvent.Kind
Status = WebhookDelivery.Status
ROOT = Path(__file__).resolve().parents[2]
# Short, so that the killed worker's lease lapses soon; the timeout stays below the lease.
LEASE_SECONDS, TIMEOUT_SECONDS = 4, 3


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def _endpoint(url: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="Marketplace", url=url, secret=webhooks.new_secret())


def _wait_until(condition: Callable[[], bool], *, seconds: float = 30) -> bool:
    """Poll until `condition` holds or the deadline passes (a bound, not an assertion on time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _record_lift(action) -> WebhookDelivery:
    with transaction.atomic():
        event = record_event(Kind.ACTION_LIFTED, action, action_payload(action))
    return WebhookDelivery.objects.select_related("event").get(event=event)


def _delivered(delivery_id: int) -> Callable[[], bool]:
    return WebhookDelivery.objects.filter(pk=delivery_id, status=Status.DELIVERED).exists


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_an_event_recorded_in_a_transaction(celery_on_redis, receiver):
    action = make_action()
    endpoint = _endpoint(receiver.url)

    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        delivery = _record_lift(action)
        assert _wait_until(_delivered(delivery.pk))

    [request] = receiver.requests
    assert verify(endpoint.secret, request.body, request.headers)
    assert request.header("webhook-id") == str(delivery.event.idempotency_key)
    assert request.header("Recourse-Event") == "action.lifted"
    assert json.loads(request.body)["action"]["id"] == action.pk
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.attempts, row.last_status_code) == (1, 200)


# --- A worker killed mid-delivery -------------------------------------------------------------


class WorkerProcess:
    """`celery -A config worker` in its own process group, on the test database and broker."""

    def __init__(self, name: str, log_dir: Path) -> None:
        self.log_path = log_dir / f"worker-{name}.log"
        db = connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = quote(db["HOST"] or "127.0.0.1", safe="")
        env = {
            **os.environ,
            # pytest-django's test database (its NAME by now), not the developer's.
            "DATABASE_URL": f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_BROKER_URL,
            "WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
            "WEBHOOK_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "RECOURSE_DATA_DIR": str(log_dir),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--hostname=webhooks-{name}@%h",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self) -> int:
        """SIGKILL the whole worker (main process and pool child) at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def _drop_unacked_messages() -> None:
    """The killed worker's message stays unacknowledged in Redis until the visibility timeout
    (an hour) puts it back in the queue: drop it, so that no later test's worker gets it."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.client.delete("unacked", "unacked_index")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_still_delivers_and_no_event_is_lost(
    celery_on_redis, receiver, settings, tmp_path
):
    settings.WEBHOOK_LEASE_SECONDS = LEASE_SECONDS
    settings.WEBHOOK_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    action = make_action()
    endpoint = _endpoint(receiver.url)
    receiver.hold_first()
    first = WorkerProcess("first", tmp_path)
    second = None
    try:
        delivery = _record_lift(action)
        # The first worker took the task and its POST is in flight, held by the receiver.
        assert receiver.holding.wait(timeout=30), first.log()
        in_flight = WebhookDelivery.objects.get(pk=delivery.pk)
        assert (in_flight.status, in_flight.attempts) == (Status.SENDING, 1)

        assert first.kill() == -signal.SIGKILL
        receiver.release()
        assert WebhookDelivery.objects.get(pk=delivery.pk).status == Status.SENDING
        second = WorkerProcess("second", tmp_path)

        # Beat's part: re-drive until the dead worker's lease lapsed and the delivery is taken
        # back and enqueued; the second worker then sends it.
        def redriven_and_delivered() -> bool:
            webhooks.redrive()
            return _delivered(delivery.pk)()

        assert _wait_until(redriven_and_delivered), second.log()
    finally:
        receiver.release()
        first.stop()
        if second is not None:
            second.stop()
        _drop_unacked_messages()

    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.attempts, row.last_status_code) == (Status.DELIVERED, 2, 200)
    assert list(row.log.order_by("number").values_list("number", "status_code", "error")) == [
        (1, None, LOST_WORKER_ERROR),
        (2, 200, ""),
    ]
    # The receiver got it (the first, unanswered, copy too): one event, one idempotency key.
    assert len(receiver.requests) == 2
    assert {r.header("webhook-id") for r in receiver.requests} == {
        str(delivery.event.idempotency_key)
    }
    assert all(verify(endpoint.secret, r.body, r.headers) for r in receiver.requests)
    assert not WebhookDelivery.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists()
    assert WebhookEvent.objects.filter(pk=delivery.event_id).exists()
