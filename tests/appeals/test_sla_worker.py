"""The SLA sweep as in production: Celery beat schedules it, a real worker runs it, on Redis."""

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from celery import signals
from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from appeals import tasks
from appeals.models import AppealClock, AppealEvent, RoutingRule
from appeals.operations import routing
from notifications.models import Notification
from tests.factories import LeadFactory, make_appeal, make_queue

SWEEP_INTERVAL = timedelta(seconds=1)


@pytest.fixture
def beat_on_redis(celery_on_redis, monkeypatch, settings):
    """The shared Redis fixture, with only the sweep in beat's schedule, every second."""
    monkeypatch.setitem(
        celery_on_redis.conf,
        "beat_schedule",
        {
            "sweep-sla-clocks": {
                "task": "appeals.tasks.sweep_sla_clocks",
                "schedule": SWEEP_INTERVAL,
            }
        },
    )
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return celery_on_redis


class SweepLog:
    """Each sweep the worker runs: when it started and what it recorded (warnings, breaches)."""

    def __init__(self) -> None:
        self.started: dict[str, object] = {}
        self.runs: list[tuple[object, tuple[int, int]]] = []

    def on_prerun(self, task_id=None, task=None, **kwargs) -> None:
        if task.name == tasks.sweep_sla_clocks.name:
            self.started[task_id] = timezone.now()

    def on_postrun(self, task_id=None, task=None, retval=None, **kwargs) -> None:
        if task.name == tasks.sweep_sla_clocks.name:
            self.runs.append((self.started[task_id], tuple(retval)))


@pytest.fixture
def sweep_log():
    log = SweepLog()
    signals.task_prerun.connect(log.on_prerun, weak=False)
    signals.task_postrun.connect(log.on_postrun, weak=False)
    yield log
    signals.task_prerun.disconnect(log.on_prerun)
    signals.task_postrun.disconnect(log.on_postrun)


def _wait_until(condition: Callable[[], bool], *, attempts: int = 600) -> bool:
    """Poll for up to about 30 seconds."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_beat_and_a_real_worker_mark_a_passed_deadline_breached_and_notify_the_lead(
    beat_on_redis, sweep_log
):
    lead = LeadFactory(email="lena@example.test")
    queue = make_queue("Payments", members=[lead])
    RoutingRule.objects.create(position=1, name="Everything", queue=queue)
    appeal = make_appeal()
    routing.route_appeal(appeal.pk)
    decision = AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.DECISION)

    beat = EmbeddedService(beat_on_redis, thread=True, scheduler_cls="celery.beat:Scheduler")
    with start_worker(beat_on_redis, perform_ping_check=False, shutdown_timeout=30):
        beat.start()
        try:
            # Beat is ticking and the worker sweeping; now the deadline comes close.
            assert _wait_until(lambda: len(sweep_log.runs) >= 1)
            due_at = timezone.now() + 2 * SWEEP_INTERVAL
            AppealClock.objects.filter(pk=decision.pk).update(
                warn_at=due_at - SWEEP_INTERVAL, due_at=due_at
            )
            assert _wait_until(
                lambda: AppealClock.objects.filter(
                    pk=decision.pk, breached_at__isnull=False
                ).exists()
            )
            told = Notification.objects.filter(recipient=lead, kind=Notification.Kind.SLA_BREACH)
            assert _wait_until(
                lambda: told.filter(email_status=Notification.EmailStatus.SENT).exists()
            )
        finally:
            beat.stop()
            beat.join(timeout=30)

    breached = AppealClock.objects.get(pk=decision.pk)
    assert breached.breached_at >= due_at
    # Caught by the first sweep that started after the deadline (or the one running across it).
    recorded_by = next(i for i, (_, (_, breaches)) in enumerate(sweep_log.runs) if breaches)
    first_after_deadline = next(
        (i for i, (started, _) in enumerate(sweep_log.runs) if started >= due_at),
        len(sweep_log.runs),
    )
    assert recorded_by <= first_after_deadline
    assert sum(breaches for _, (_, breaches) in sweep_log.runs) == 1
    assert appeal.events.filter(kind=AppealEvent.Kind.SLA_BREACHED).count() == 1
    assert appeal.events.filter(kind=AppealEvent.Kind.SLA_WARNING).count() == 1
    [notice] = told
    assert notice.url == reverse("appeals:review-detail", args=[appeal.pk])
    [email] = [
        m for m in mail.outbox if m.extra_headers["X-Recourse-Notification"] == str(notice.pk)
    ]
    assert email.to == [lead.email]
    assert email.subject == f"[Recourse] Appeal #{appeal.pk}: decision deadline missed"
    assert beat_on_redis.connection_for_write().transport_cls == "redis"
