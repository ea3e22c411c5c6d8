"""Restrictions end on their end date: once, even when sweeps overlap, and through a real worker."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from enforcement import services, tasks
from enforcement.models import ActionEvent, EnforcementAction
from tests.factories import make_action

Status = EnforcementAction.Status
Restriction = EnforcementAction.RestrictionType


def _ended_action(days_ago: int = 1, **overrides) -> EnforcementAction:
    now = timezone.now()
    return make_action(
        starts_at=now - timedelta(days=days_ago + 14),
        ends_at=now - timedelta(days=days_ago),
        **overrides,
    )


def _expired_events() -> int:
    return ActionEvent.objects.filter(kind=ActionEvent.Kind.EXPIRED).count()


@pytest.mark.django_db
def test_an_action_past_its_end_date_expires_with_an_event():
    action = _ended_action()
    assert services.expire_ended_actions() == 1

    action.refresh_from_db()
    assert action.status == Status.EXPIRED
    event = action.events.get(kind=ActionEvent.Kind.EXPIRED)
    assert (event.from_status, event.to_status, event.actor) == (
        Status.ACTIVE,
        Status.EXPIRED,
        None,
    )


@pytest.mark.django_db
def test_actions_still_running_or_indefinite_do_not_expire():
    running = make_action()
    indefinite = make_action(restriction_type=Restriction.PERMANENT_TERMINATION, ends_at=None)
    assert services.expire_ended_actions() == 0
    assert set(
        EnforcementAction.objects.filter(pk__in=[running.pk, indefinite.pk]).values_list(
            "status", flat=True
        )
    ) == {Status.ACTIVE}


@pytest.mark.django_db
def test_a_modified_action_expires_too_but_a_lifted_one_stays_lifted(reviewer):
    modified = _ended_action()
    modified.change_status(Status.MODIFIED, actor=reviewer, reason="Reduced on appeal.")
    lifted = _ended_action()
    lifted.change_status(Status.LIFTED, actor=reviewer, reason="Overturned on appeal.")

    assert services.expire_ended_actions() == 1
    modified.refresh_from_db()
    lifted.refresh_from_db()
    assert (modified.status, lifted.status) == (Status.EXPIRED, Status.LIFTED)


@pytest.mark.django_db
def test_running_the_sweep_twice_changes_nothing_the_second_time():
    actions = [_ended_action(days_ago=n) for n in (1, 2, 3)]
    assert services.expire_ended_actions() == 3
    statuses = dict(EnforcementAction.objects.values_list("pk", "updated_at"))

    assert services.expire_ended_actions() == 0
    assert dict(EnforcementAction.objects.values_list("pk", "updated_at")) == statuses
    assert _expired_events() == len(actions)


@pytest.mark.django_db
def test_the_sweep_works_in_batches_until_everything_due_is_expired():
    for n in range(5):
        _ended_action(days_ago=n + 1)
    assert services.expire_ended_actions(batch_size=2) == 2
    assert services.expire_ended_actions(batch_size=2) == 2
    assert services.expire_ended_actions(batch_size=2) == 1
    assert services.expire_ended_actions(batch_size=2) == 0
    assert _expired_events() == 5


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_sweeps_expire_each_action_exactly_once():
    actions = [_ended_action(days_ago=n + 1) for n in range(20)]
    start_together = threading.Barrier(2)
    expired_by_sweep: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            start_together.wait()
            expired_by_sweep.append(services.expire_ended_actions())
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection; the test DB is dropped later

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(expired_by_sweep) == len(actions)
    assert set(EnforcementAction.objects.values_list("status", flat=True)) == {Status.EXPIRED}
    for action in actions:
        assert action.events.filter(kind=ActionEvent.Kind.EXPIRED).count() == 1


# --- A real Celery worker on Redis ---------------------------------------------------------------


def _wait_for_status(action: EnforcementAction, status: str, *, attempts: int = 200) -> str:
    for _ in range(attempts):
        current = EnforcementAction.objects.values_list("status", flat=True).get(pk=action.pk)
        if current == status:
            return current
        time.sleep(0.05)
    return current


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_consumes_the_expiry_task(celery_on_redis):
    from celery.contrib.testing.worker import start_worker

    action = _ended_action()
    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        tasks.expire_ended_actions.delay()
        assert _wait_for_status(action, Status.EXPIRED) == Status.EXPIRED
    assert action.events.filter(kind=ActionEvent.Kind.EXPIRED).count() == 1
    assert celery_on_redis.connection_for_write().transport_cls == "redis"


@pytest.mark.django_db
def test_the_ended_notice_gives_the_end_in_the_freelancers_own_time_zone():
    from infra.dates import format_when
    from notifications.models import Notification

    action = _ended_action()
    action.account.time_zone = "Asia/Tokyo"
    action.account.save(update_fields=["time_zone"])
    assert services.expire_ended_actions() == 1

    notice = Notification.objects.get(kind=Notification.Kind.ACTION_ENDED)
    assert format_when(action.ends_at, "Asia/Tokyo") in notice.body
    assert "JST" in notice.body
