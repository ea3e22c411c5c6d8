"""Funds follow the action: a restriction that ends, or funds whose release date came, release
the hold with a funds event, the freelancer's notification and email, and a webhook — once."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from enforcement import services, tasks
from enforcement.models import ActionEvent, EnforcementAction
from notifications import webhooks
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.factories import make_action
from tests.notifications.mailers import CountingEmailBackend
from tests.notifications.receiver import Receiver

Status = EnforcementAction.Status
COUNTING = {"default": {"BACKEND": "tests.notifications.mailers.CountingEmailBackend"}}


def _ended_suspension(**overrides) -> EnforcementAction:
    now = timezone.now()
    return make_action(
        starts_at=now - timedelta(days=15), ends_at=now - timedelta(hours=1), **overrides
    )


def _endpoint(url: str = "http://127.0.0.1:9/hooks") -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(name="Marketplace", url=url, secret=webhooks.new_secret())


def _funds_events(action) -> int:
    return action.events.filter(kind=ActionEvent.Kind.FUNDS_RELEASED).count()


@pytest.mark.django_db
def test_an_expired_suspension_releases_its_funds_with_event_notification_and_webhook():
    _endpoint()
    action = _ended_suspension()
    assert action.funds_held_amount == Decimal("1240.50")

    assert services.expire_ended_actions() == 1

    action.refresh_from_db()
    assert action.status == Status.EXPIRED
    assert action.funds_released_amount == Decimal("1240.50")
    assert action.funds_released_at is not None
    assert _funds_events(action) == 1
    [notification] = Notification.objects.filter(
        recipient=action.account, kind=Notification.Kind.ACTION_ENDED
    )
    assert notification.subject == "Your temporary suspension ended; 1240.50 EUR released"
    assert "1240.50 EUR held from your earnings were released." in notification.body
    [event] = WebhookEvent.objects.filter(action=action, kind=WebhookEvent.Kind.ACTION_EXPIRED)
    assert event.payload["action"]["status"] == "expired"
    assert event.payload["action"]["funds"] == {
        "currency": "EUR",
        "held": "1240.50",
        "released": "1240.50",
        "still_held": "0.00",
        "released_at": event.payload["action"]["funds"]["released_at"],
        "release_on": action.funds_release_on.isoformat(),
    }
    assert event.payload["action"]["restricted_capabilities"] == ["proposals", "messaging"]
    assert event.deliveries.count() == 1

    # A second sweep changes nothing.
    assert services.expire_ended_actions() == 0
    assert _funds_events(action) == 1
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.ACTION_EXPIRED).count() == 1


@pytest.mark.django_db
def test_an_expired_restriction_without_funds_says_only_that_it_ended():
    action = _ended_suspension(funds_held_amount=Decimal("0"), funds_currency="")
    services.expire_ended_actions()
    notification = Notification.objects.get(kind=Notification.Kind.ACTION_ENDED)
    assert notification.subject == "Your temporary suspension ended"
    assert "released" not in notification.body
    assert _funds_events(action) == 0


@pytest.mark.django_db
def test_funds_are_released_on_their_release_date_while_the_restriction_runs():
    today = timezone.localdate()
    due = make_action(funds_release_on=today - timedelta(days=1))
    not_yet = make_action(funds_release_on=today + timedelta(days=1))

    assert services.release_scheduled_funds() == 1
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert (due.status, due.funds_released_amount) == (Status.ACTIVE, Decimal("1240.50"))
    assert not_yet.funds_released_amount == 0
    assert Notification.objects.filter(kind=Notification.Kind.FUNDS_RELEASED).count() == 1
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.ACTION_FUNDS_RELEASED).count() == 1

    assert services.release_scheduled_funds() == 0
    assert _funds_events(due) == 1


@pytest.mark.django_db
def test_a_release_never_exceeds_what_is_still_held(reviewer):
    action = make_action()
    with transaction.atomic():
        services.reduce_action(
            action, by=reviewer, reason="Partly released.", release_amount=Decimal("240.50")
        )
    stale = EnforcementAction.objects.get(pk=action.pk)
    stale.funds_released_amount = Decimal("0")  # a copy read before the first release
    with transaction.atomic():
        services.lift_action(stale, by=reviewer, reason="Overturned.")
    action.refresh_from_db()
    assert action.funds_released_amount == Decimal("1240.50")
    reasons = action.events.filter(kind=ActionEvent.Kind.FUNDS_RELEASED).values_list(
        "reason", flat=True
    )
    assert [r.split(" released")[0] for r in reasons] == ["240.50 EUR", "1000.00 EUR"]


# --- A real worker, two sweeps at once -------------------------------------------------------------


def _wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_on_a_real_worker_release_notify_email_and_webhook_exactly_once(
    celery_on_redis, settings
):
    from celery.contrib.testing.worker import start_worker

    settings.MAILERS = COUNTING
    CountingEmailBackend.reset()
    actions = [_ended_suspension() for _ in range(8)]
    ids = [a.pk for a in actions]
    with Receiver() as receiver:
        endpoint = _endpoint(receiver.url)
        with start_worker(
            celery_on_redis,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            shutdown_timeout=30,
        ):
            tasks.expire_ended_actions.delay()
            tasks.expire_ended_actions.delay()
            ended = Notification.objects.filter(kind=Notification.Kind.ACTION_ENDED)
            assert _wait_until(
                lambda: (
                    ended.filter(email_status=Notification.EmailStatus.SENT).count() == 8
                    and WebhookDelivery.objects.filter(
                        event__kind=WebhookEvent.Kind.ACTION_EXPIRED,
                        status=WebhookDelivery.Status.DELIVERED,
                    ).count()
                    == 8
                )
            )
            time.sleep(1)  # anything duplicated would arrive now

        expired = [r for r in receiver.requests if r.header("Recourse-Event") == "action.expired"]
        assert len(expired) == 8
        bodies = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in expired]
    assert sorted(b["action"]["id"] for b in bodies) == sorted(ids)
    assert {b["action"]["funds"]["released"] for b in bodies} == {"1240.50"}
    for action in EnforcementAction.objects.filter(pk__in=ids):
        assert action.status == Status.EXPIRED
        assert action.funds_released_amount == Decimal("1240.50")
        assert _funds_events(action) == 1
        [notification] = Notification.objects.filter(
            recipient=action.account, kind=Notification.Kind.ACTION_ENDED
        )
        assert len(CountingEmailBackend.sent_for(notification.pk)) == 1
    assert json.loads(expired[0].body)["kind"] == "action.expired"
    CountingEmailBackend.reset()
