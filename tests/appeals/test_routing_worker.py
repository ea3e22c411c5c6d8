"""Routing through a real Celery worker on Redis and PostgreSQL, as in production."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from appeals import tasks
from appeals.models import Appeal, AppealEvent
from appeals.operations import claims, routing
from config.celery import app as celery_app
from tests.celery_brokers import REDIS_BROKER_URL, use_broker
from tests.factories import (
    FreelancerFactory,
    bulk_queued_appeals,
    make_action,
    make_appeal,
    make_reviewer,
)

Kind = AppealEvent.Kind
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _worker():
    return start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30)


def _wait_until(condition: Callable[[], bool], *, attempts: int = 300) -> bool:
    """Poll the database for up to about 15 seconds."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _assigned(appeal_id: int) -> Callable[[], bool]:
    return Appeal.objects.filter(pk=appeal_id, assigned_to__isnull=False).exists


def _moves(appeal: Appeal) -> list[str]:
    return list(appeal.events.exclude(kind=Kind.STATUS).values_list("kind", flat=True))


@pytest.fixture
def on_duty(db):
    # The fallback queue, created again if a transactional test flushed it.
    return make_reviewer(queues=[routing.fallback_queue()], display_name="Riley Chen")


@pytest.mark.django_db(transaction=True)
def test_an_appeal_submitted_through_the_web_form_is_routed_and_assigned_by_the_worker(
    client, celery_on_redis, on_duty
):
    freelancer = FreelancerFactory()
    action = make_action(freelancer)
    client.force_login(freelancer)

    with _worker():
        response = client.post(
            reverse("appeals:appeal-create", args=[action.pk]),
            {"statement": "I was paid through the marketplace.", "requested_outcomes": ["lift"]},
        )
        assert response.status_code == 302
        appeal = Appeal.objects.get(action=action)
        assert _wait_until(_assigned(appeal.pk))
        row = Appeal.objects.values().get(pk=appeal.pk)

        # Run it again, then route a second appeal behind it: the one worker thread takes them
        # in order, so once the second is routed the repeat has run.
        tasks.route_appeal.delay(appeal.pk)
        marker = bulk_queued_appeals(1, queue=None)[0]
        tasks.route_appeal.delay(marker.pk)
        assert _wait_until(Appeal.objects.filter(pk=marker.pk, routed_at__isnull=False).exists)

    assert row["assigned_to_id"] == on_duty.pk
    assert row["queue_id"] == routing.fallback_queue().pk
    assert Appeal.objects.values().get(pk=appeal.pk) == row
    assert _moves(appeal) == [Kind.ROUTED, Kind.ASSIGNED]


@pytest.mark.django_db(transaction=True)
def test_an_appeal_whose_routing_message_never_reached_the_broker_is_re_driven(
    celery_on_redis, on_duty, monkeypatch, caplog
):
    use_broker(monkeypatch, UNREACHABLE_BROKER)
    with caplog.at_level(logging.ERROR, logger="infra.queueing"):
        appeal = make_appeal(account=FreelancerFactory())
    assert f"Could not enqueue appeals.tasks.route_appeal({appeal.pk})" in caplog.text
    # Filed and committed all the same; a minute later it is still waiting for routing.
    Appeal.objects.filter(pk=appeal.pk).update(submitted_at=timezone.now() - timedelta(minutes=2))
    assert routing.unrouted_appeal_ids() == [appeal.pk]

    use_broker(monkeypatch, REDIS_BROKER_URL)
    with _worker():
        tasks.redrive_unrouted_appeals.delay()
        assert _wait_until(_assigned(appeal.pk))

    appeal.refresh_from_db()
    assert (appeal.queue, appeal.assigned_to) == (routing.fallback_queue(), on_duty)
    assert _moves(appeal) == [Kind.ROUTED, Kind.ASSIGNED]


@pytest.mark.django_db(transaction=True)
def test_the_worker_returns_a_stale_claim_to_the_queue(celery_on_redis, on_duty):
    appeal = bulk_queued_appeals(1, queue=routing.fallback_queue())[0]
    claims.claim_appeal(appeal, on_duty)
    Appeal.objects.filter(pk=appeal.pk).update(lease_expires_at=timezone.now() - timedelta(1))

    with _worker():
        tasks.expire_appeal_leases.delay()
        assert _wait_until(Appeal.objects.filter(pk=appeal.pk, assigned_to__isnull=True).exists)

    assert _moves(appeal) == [Kind.CLAIMED, Kind.LEASE_EXPIRED]


def test_celery_is_configured_for_at_least_once_delivery_of_json_messages():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.task_serializer == "json"
    assert celery_app.conf.accept_content == ["json"]
    assert tasks.route_appeal.acks_late is True


def test_beat_re_drives_unrouted_appeals_and_expires_leases_at_least_every_minute():
    every = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert every["appeals.tasks.redrive_unrouted_appeals"] <= timedelta(minutes=1)
    assert every["appeals.tasks.expire_appeal_leases"] <= timedelta(minutes=1)
