"""Signed webhooks to the marketplace, delivered to a real HTTP server on 127.0.0.1.

The services are driven directly here, with the schedule's clock (`now`) moved forward instead of
waiting; tests/notifications/test_webhooks_worker.py runs them through real Celery workers.
"""

import json
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as StandardWebhook
from standardwebhooks.webhooks import WebhookVerificationError

from accounts.models import AuditEvent
from notifications import webhooks
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.webhooks import (
    LOST_WORKER_ERROR,
    action_payload,
    appeal_payload,
    deliver,
    record_event,
    redeliver,
    redrive,
    sign,
    verify,
)
from tests.celery_brokers import forget_broker_connections, use_broker
from tests.factories import FreelancerFactory, make_action, make_appeal
from tests.notifications.receiver import Receiver

Kind = WebhookEvent.Kind
Status = WebhookDelivery.Status
BASE, CAP, MAX = 10, 25, 4


@pytest.fixture(autouse=True)
def webhook_policy(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = BASE
    settings.WEBHOOK_BACKOFF_CAP_SECONDS = CAP
    settings.WEBHOOK_MAX_ATTEMPTS = MAX
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    settings.WEBHOOK_LEASE_SECONDS = 30


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def action(db):
    # Issued before any endpoint exists: its own action.created event goes nowhere.
    return make_action(FreelancerFactory(marketplace_id="mp-4711"))


def _endpoint(url: str, name: str = "Marketplace", **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        name=name, url=url, secret=webhooks.new_secret(), **fields
    )


def _record(action, kind: str = Kind.ACTION_CREATED) -> WebhookEvent:
    with transaction.atomic():
        return record_event(kind, action, action_payload(action))


def _delivery(event: WebhookEvent, endpoint: WebhookEndpoint | None = None) -> WebhookDelivery:
    deliveries = WebhookDelivery.objects.filter(event=event)
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    return deliveries.get()


def _attempts(delivery: WebhookDelivery) -> list[tuple[int, int | None]]:
    return list(delivery.log.order_by("number").values_list("number", "status_code"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The signature ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_post_follows_standard_webhooks_and_verifies_with_the_library(action, receiver):
    endpoint = _endpoint(receiver.url)
    event = _record(action)

    assert deliver(_delivery(event).pk) == Status.DELIVERED

    [request] = receiver.requests
    assert request.path == "/hooks/recourse"
    assert request.header("Content-Type") == "application/json"
    assert request.header("Recourse-Event") == "action.created"
    assert request.header("webhook-id") == str(event.idempotency_key)
    assert abs(int(request.header("webhook-timestamp")) - time.time()) < 60
    assert request.header("webhook-signature").startswith("v1,")
    # The maintained library, as the marketplace uses it, verifies and parses the body.
    assert StandardWebhook(endpoint.secret).verify(request.body, request.headers) == event.payload
    assert json.loads(request.body) == event.payload
    assert endpoint.secret.startswith("whsec_")


def _signed_headers(secret: str, body: bytes, at: datetime, msg_id: str = "evt-1") -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(secret, msg_id, body, at),
    }


def test_the_library_refuses_another_secret_a_tampered_body_or_an_old_timestamp():
    secret, other = webhooks.new_secret(), webhooks.new_secret()
    body = b'{"kind":"action.lifted","action":{"id":7}}'
    now = datetime.now(UTC)
    headers = _signed_headers(secret, body, now)

    assert StandardWebhook(secret).verify(body, headers)
    assert verify(secret, body, headers)
    for wrong_secret, wrong_body, wrong_headers in [
        (other, body, headers),
        (secret, body.replace(b"7", b"8"), headers),
        (secret, body + b" ", headers),
        (secret, body, _signed_headers(secret, body, now - timedelta(minutes=6))),
        (secret, body, _signed_headers(secret, body, now + timedelta(minutes=6))),
        # The timestamp and the id are signed too: moving either breaks the signature.
        (secret, body, {**headers, "webhook-timestamp": str(int(now.timestamp()) - 1)}),
        (secret, body, {**headers, "webhook-id": "evt-2"}),
        (secret, body, {k: v for k, v in headers.items() if k != "webhook-signature"}),
    ]:
        with pytest.raises(WebhookVerificationError):
            StandardWebhook(wrong_secret).verify(wrong_body, wrong_headers)
        assert not verify(wrong_secret, wrong_body, wrong_headers)


@pytest.mark.django_db
def test_the_receiver_recipe_in_the_readme_verifies_a_real_delivery(action, receiver):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    recipe = re.search(r"## Webhooks.*?```python\n(.*?)```", readme, re.S).group(1)
    namespace: dict = {}
    exec(recipe, namespace)  # our own README's example
    readme_receive = namespace["receive"]
    endpoint = _endpoint(receiver.url)
    deliver(_delivery(_record(action)).pk)

    [request] = receiver.requests
    assert readme_receive(endpoint.secret, request.body, request.headers)["kind"] == (
        "action.created"
    )
    with pytest.raises(WebhookVerificationError):
        readme_receive(webhooks.new_secret(), request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        readme_receive(endpoint.secret, request.body + b" ", request.headers)


# --- Events and who receives them -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_payload_is_a_small_stable_json_body(action):
    event = _record(action, Kind.ACTION_MODIFIED)

    assert event.payload == {
        "kind": "action.modified",
        "idempotency_key": str(event.idempotency_key),
        "occurred_at": event.created_at.astimezone(UTC).isoformat(),
        "action": {
            "id": action.pk,
            "puid": action.puid,
            "account": {"marketplace_id": "mp-4711"},
            "restriction_type": "temporary_suspension",
            "status": action.status,
            "starts_at": action.starts_at.astimezone(UTC).isoformat(),
            "ends_at": action.ends_at.astimezone(UTC).isoformat(),
            "takes_effect_at": None,
            "external_id": None,
            "restricted_capabilities": ["proposals", "messaging"],
            "funds": {
                "currency": "EUR",
                "held": "1240.50",
                "released": "0.00",
                "still_held": "1240.50",
                "released_at": None,
                "release_on": action.funds_release_on.isoformat(),
            },
            "corrections": [],
        },
    }
    assert datetime.fromisoformat(event.payload["occurred_at"]) == event.created_at


@pytest.mark.django_db
def test_the_appeal_decided_payload_names_the_appeal_and_its_outcome(action):
    appeal = make_appeal(action)
    appeal.outcome, appeal.decided_at = "upheld", timezone.now()

    payload = appeal_payload(appeal)

    assert payload["action"]["id"] == action.pk
    assert payload["appeal"] == {
        "id": appeal.pk,
        "outcome": "upheld",
        "decided_at": appeal.decided_at.astimezone(UTC).isoformat(),
    }


@pytest.mark.django_db
def test_only_active_endpoints_that_want_the_kind_get_a_delivery(
    action, django_capture_on_commit_callbacks
):
    everything = _endpoint("http://127.0.0.1:9/all", "All events")
    decisions = _endpoint("http://127.0.0.1:9/d", "Decisions", event_kinds=["appeal.decided"])
    _endpoint("http://127.0.0.1:9/off", "Switched off", is_active=False)
    _endpoint("http://127.0.0.1:9/l", "Lifts", event_kinds=["action.lifted"])

    with django_capture_on_commit_callbacks() as callbacks:
        created = _record(action, Kind.ACTION_CREATED)
        lifted = _record(action, Kind.ACTION_LIFTED)

    assert [d.endpoint for d in created.deliveries.all()] == [everything]
    assert sorted(d.endpoint.name for d in lifted.deliveries.all()) == ["All events", "Lifts"]
    assert not WebhookDelivery.objects.filter(endpoint=decisions).exists()
    # One enqueue per event, after commit; nothing is sent before.
    assert len(callbacks) == 2
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(Status.PENDING, 0)}


@pytest.mark.django_db
def test_without_endpoints_the_event_is_still_recorded(action, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        event = _record(action, Kind.ACTION_LIFTED)

    assert WebhookEvent.objects.filter(pk=event.pk, kind="action.lifted").exists()
    assert not WebhookDelivery.objects.exists()
    assert callbacks == []


@pytest.mark.django_db
def test_issuing_an_action_records_action_created_for_the_endpoints(receiver):
    endpoint = _endpoint(receiver.url)

    action = make_action()

    event = WebhookEvent.objects.get(action=action)
    assert event.kind == Kind.ACTION_CREATED
    assert _delivery(event).endpoint == endpoint


def test_an_event_outside_a_transaction_or_of_an_unknown_kind_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(Kind.ACTION_CREATED, None, {})
    with pytest.raises(ValueError, match="action.deleted"):
        record_event("action.deleted", None, {})


@pytest.mark.django_db
def test_a_broker_down_at_commit_loses_nothing_the_redrive_enqueues_it(
    action, receiver, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    _endpoint(receiver.url)
    use_broker(monkeypatch, "redis://127.0.0.1:1/0")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = _record(action)
    finally:
        forget_broker_connections()

    assert "Could not enqueue notifications.tasks.deliver_webhook(" in caplog.text
    delivery = _delivery(event)
    assert delivery.status == Status.PENDING
    assert redrive(now=timezone.now()) == 1


# --- Retries, backoff, giving up --------------------------------------------------------------


@pytest.mark.django_db
def test_a_receiver_failing_twice_then_answering_gets_it_on_the_third_attempt(action, receiver):
    endpoint = _endpoint(receiver.url)
    receiver.answer(500, 500)
    event = _record(action)
    delivery = _delivery(event)
    t0 = timezone.now()

    assert deliver(delivery.pk, now=t0) == Status.PENDING
    first = WebhookDelivery.objects.get(pk=delivery.pk)
    assert first.attempts == 1 and first.last_status_code == 500
    assert "HTTP 500" in first.last_error and "receiver says no" in first.last_error
    assert t0 + timedelta(seconds=BASE) <= first.next_attempt_at
    assert first.next_attempt_at <= t0 + timedelta(seconds=BASE * 1.1 + 1)
    # Not due yet: neither the task nor the re-drive sends it again.
    assert deliver(delivery.pk, now=t0 + timedelta(seconds=BASE - 1)) is None
    assert redrive(now=t0 + timedelta(seconds=BASE - 1)) == 0
    assert len(receiver.requests) == 1

    t1 = first.next_attempt_at
    assert redrive(now=t1) == 1
    assert deliver(delivery.pk, now=t1) == Status.PENDING
    second = WebhookDelivery.objects.get(pk=delivery.pk)
    assert t1 + timedelta(seconds=2 * BASE) <= second.next_attempt_at
    assert second.next_attempt_at <= t1 + timedelta(seconds=2 * BASE * 1.1 + 1)

    assert deliver(delivery.pk, now=second.next_attempt_at) == Status.DELIVERED

    done = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == (
        Status.DELIVERED,
        3,
        200,
        "",
    )
    assert done.delivered_at >= second.next_attempt_at and done.claimed_until is None
    assert _attempts(done) == [(1, 500), (2, 500), (3, 200)]
    assert [r.header("Recourse-Attempt") for r in receiver.requests] == ["1", "2", "3"]
    assert {r.header("webhook-id") for r in receiver.requests} == {str(event.idempotency_key)}
    assert all(verify(endpoint.secret, r.body, r.headers) for r in receiver.requests)
    # Delivered: nothing more to do for anyone.
    assert deliver(delivery.pk, now=t1 + timedelta(days=1)) is None
    assert redrive(now=t1 + timedelta(days=1)) == 0


def test_the_backoff_doubles_from_the_base_up_to_the_cap():
    for attempts, seconds in [(1, BASE), (2, 2 * BASE), (3, CAP), (9, CAP)]:
        wait = webhooks.backoff(attempts).total_seconds()
        assert seconds <= wait <= seconds * 1.1, (attempts, wait)


@pytest.mark.django_db
def test_after_the_last_attempt_it_fails_and_a_manual_redeliver_delivers_it(
    action, receiver, admin_user, django_capture_on_commit_callbacks
):
    _endpoint(receiver.url)
    receiver.answer(*[503] * MAX)
    delivery = _delivery(_record(action))
    now = timezone.now()
    for _ in range(MAX):
        deliver(delivery.pk, now=now)
        now = WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at

    failed = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (failed.status, failed.attempts, failed.last_status_code) == (Status.FAILED, MAX, 503)
    assert deliver(delivery.pk, now=now + timedelta(days=30)) is None
    assert redrive(now=now + timedelta(days=30)) == 0
    assert len(receiver.requests) == MAX

    with django_capture_on_commit_callbacks() as callbacks:
        again = redeliver(failed, by=admin_user)

    assert (again.status, again.claimed_until) == (Status.PENDING, None)
    assert len(callbacks) == 1
    [audit] = AuditEvent.objects.filter(verb="webhook_delivery.redelivered")
    assert audit.actor == admin_user
    assert (audit.object_type, audit.object_id) == ("notifications.webhookdelivery", str(failed.pk))
    assert audit.data == {"from_status": "failed", "attempts": MAX}

    assert deliver(delivery.pk) == Status.DELIVERED
    assert _attempts(failed)[-2:] == [(MAX, 503), (MAX + 1, 200)]


@pytest.mark.django_db
def test_a_network_error_is_a_logged_attempt_never_an_exception(action):
    _endpoint(f"http://127.0.0.1:{_closed_port()}/hooks")
    delivery = _delivery(_record(action))

    assert deliver(delivery.pk) == Status.PENDING

    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert row.last_status_code is None and "ConnectError" in row.last_error
    [attempt] = row.log.all()
    assert attempt.status_code is None and "ConnectError" in attempt.error


@pytest.mark.django_db
def test_a_redirect_is_not_followed_it_is_a_failed_attempt(action, receiver):
    _endpoint(receiver.url)
    receiver.answer(302)
    delivery = _delivery(_record(action))

    assert deliver(delivery.pk) == Status.PENDING

    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert row.last_status_code == 302 and "not followed" in row.last_error
    assert len(receiver.requests) == 1


# --- Claims, leases and the re-drive ------------------------------------------------------------


@pytest.mark.django_db
def test_inactive_endpoints_and_endpoints_not_wanting_the_kind_get_no_request(action, receiver):
    _endpoint(receiver.url, "Off", is_active=False)
    _endpoint(receiver.url, "Decisions only", event_kinds=["appeal.decided"])

    _record(action)

    assert redrive(now=timezone.now() + timedelta(hours=1)) == 0
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_delivery_to_an_endpoint_switched_off_since_is_given_up_without_a_request(
    action, receiver
):
    endpoint = _endpoint(receiver.url)
    delivery = _delivery(_record(action))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    assert deliver(delivery.pk) == Status.FAILED

    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.last_error == "The endpoint is switched off; nothing was sent."
    assert _attempts(delivery) == [(1, None)]


@pytest.mark.django_db
def test_a_duplicate_deliver_task_sends_once(action, receiver):
    _endpoint(receiver.url)
    delivery = _delivery(_record(action))

    assert deliver(delivery.pk) == Status.DELIVERED
    assert deliver(delivery.pk) is None

    assert len(receiver.requests) == 1
    assert _attempts(delivery) == [(1, 200)]


@pytest.mark.django_db
def test_a_delivery_whose_worker_died_is_taken_back_once_its_lease_lapsed(action, receiver):
    _endpoint(receiver.url)
    delivery = _delivery(_record(action))
    t0 = timezone.now()
    # A worker claimed it (attempt 1) and died before writing anything.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, attempts=1, claimed_until=t0 + timedelta(seconds=30)
    )

    assert deliver(delivery.pk, now=t0) is None
    assert redrive(now=t0 + timedelta(seconds=29)) == 0
    assert redrive(now=t0 + timedelta(seconds=30)) == 1

    taken_back = WebhookDelivery.objects.get(pk=delivery.pk)
    assert taken_back.status == Status.PENDING and taken_back.last_error == LOST_WORKER_ERROR
    [lost] = taken_back.log.all()
    assert (lost.number, lost.status_code, lost.error) == (1, None, LOST_WORKER_ERROR)
    # Enqueued once per lease: the next beats leave it to the message just sent.
    assert redrive(now=t0 + timedelta(seconds=31)) == 0
    assert redrive(now=t0 + timedelta(seconds=61)) == 1

    assert deliver(delivery.pk, now=t0 + timedelta(seconds=61)) == Status.DELIVERED
    assert _attempts(delivery) == [(1, None), (2, 200)]
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_task_arriving_after_the_lease_lapsed_takes_the_delivery_back_itself(action, receiver):
    _endpoint(receiver.url)
    delivery = _delivery(_record(action))
    t0 = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, attempts=1, claimed_until=t0
    )

    assert deliver(delivery.pk, now=t0) == Status.DELIVERED

    assert _attempts(delivery) == [(1, None), (2, 200)]


@pytest.mark.django_db
def test_the_last_allowed_attempt_lost_with_its_worker_fails_the_delivery(action, receiver):
    _endpoint(receiver.url)
    delivery = _delivery(_record(action))
    t0 = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, attempts=MAX, claimed_until=t0
    )

    assert redrive(now=t0) == 0

    assert WebhookDelivery.objects.get(pk=delivery.pk).status == Status.FAILED
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_delivery_being_sent_cannot_be_redelivered(action, admin_user):
    _endpoint("http://127.0.0.1:9/hooks")
    delivery = _delivery(_record(action))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, attempts=1, claimed_until=timezone.now() + timedelta(seconds=30)
    )

    with pytest.raises(ValidationError, match="being sent right now"):
        redeliver(delivery, by=admin_user)

    assert WebhookDelivery.objects.get(pk=delivery.pk).status == Status.SENDING
    assert not AuditEvent.objects.filter(verb="webhook_delivery.redelivered").exists()


@pytest.mark.django_db(transaction=True)
def test_two_deliver_tasks_at_once_send_once(receiver, celery_in_memory):
    _endpoint(receiver.url)
    delivery = _delivery(_record(make_action()))
    receiver.hold_first()
    results: dict[str, str | None] = {}

    def run(name: str) -> None:
        try:
            results[name] = deliver(delivery.pk)
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    try:
        assert receiver.holding.wait(timeout=15)
        # The first is in flight, holding the claim: the duplicate finds nothing to do.
        run("second")
    finally:
        receiver.release()
        first.join(timeout=15)

    assert results == {"first": Status.DELIVERED, "second": None}
    assert len(receiver.requests) == 1
    assert _attempts(delivery) == [(1, 200)]


# --- The admin --------------------------------------------------------------------------------


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _secret_in(response) -> str:
    [secret] = [
        found.group(0)
        for message in response.context["messages"]
        if (found := re.search(r"whsec_[A-Za-z0-9+/=]+", str(message)))
    ]
    return secret


@pytest.mark.django_db
def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(as_admin, admin_user):
    response = as_admin.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {
            "name": "Marketplace",
            "url": "https://marketplace.example/hooks/recourse",
            "event_kinds": ["action.created", "appeal.decided"],
            "is_active": "on",
        },
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_kinds == ["action.created", "appeal.decided"]
    secret = _secret_in(response)
    assert secret == endpoint.secret and len(secret) > 40
    assert AuditEvent.objects.filter(
        verb="webhook_endpoint.created", object_id=str(endpoint.pk), actor=admin_user
    ).exists()
    for url in [
        reverse("admin:notifications_webhookendpoint_changelist"),
        reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
    ]:
        page = as_admin.get(url).content.decode()
        assert secret not in page
        assert webhooks.mask_secret(secret) in page

    as_admin.post(
        reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
        {"name": "Marketplace", "url": "https://marketplace.example/v2/hooks", "is_active": "on"},
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_kinds, endpoint.secret) == (
        "https://marketplace.example/v2/hooks",
        [],
        secret,
    )
    [changed] = AuditEvent.objects.filter(verb="webhook_endpoint.changed")
    assert changed.data == {"url": "https://marketplace.example/v2/hooks", "event_kinds": []}


@pytest.mark.django_db
def test_an_endpoint_url_must_be_http(as_admin):
    response = as_admin.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"name": "Marketplace", "url": "ftp://marketplace.example/hooks", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "Use an https:// (or http://) URL." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(verb="webhook_endpoint.created").exists()


@pytest.mark.django_db
def test_an_admin_rotates_an_endpoint_secret(as_admin, admin_user):
    endpoint = _endpoint("https://marketplace.example/hooks")
    old = endpoint.secret

    response = as_admin.post(
        reverse("admin:notifications_webhookendpoint_changelist"),
        {"action": "rotate_secrets", "_selected_action": [endpoint.pk]},
        follow=True,
    )

    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert _secret_in(response) == endpoint.secret
    assert AuditEvent.objects.filter(verb="webhook_endpoint.secret_rotated").count() == 1


@pytest.mark.django_db
def test_the_delivery_log_shows_attempts_and_redelivers_selected(
    as_admin, admin_user, action, receiver, django_capture_on_commit_callbacks
):
    _endpoint(receiver.url)
    receiver.answer(500)
    event = _record(action)
    delivery = _delivery(event)
    deliver(delivery.pk)

    listing = as_admin.get(
        reverse("admin:notifications_webhookdelivery_changelist"), {"status__exact": "pending"}
    )
    assert listing.status_code == 200
    assert "HTTP 500" in listing.content.decode()
    page = as_admin.get(reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert "receiver says no" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    events = as_admin.get(reverse("admin:notifications_webhookevent_changelist"))
    assert str(event.idempotency_key) in events.content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = as_admin.post(
            reverse("admin:notifications_webhookdelivery_changelist"),
            {"action": "redeliver_selected", "_selected_action": [delivery.pk]},
            follow=True,
        )

    assert "1 delivery(ies) queued" in response.content.decode()
    assert len(callbacks) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at <= timezone.now()
    assert AuditEvent.objects.filter(verb="webhook_delivery.redelivered", actor=admin_user).exists()
    assert deliver(delivery.pk) == Status.DELIVERED


@pytest.mark.django_db
def test_webhook_logs_cannot_be_added_edited_or_deleted_in_the_admin(as_admin, action):
    endpoint = _endpoint("https://marketplace.example/hooks")
    event = _record(action)
    delivery = _delivery(event)

    assert as_admin.get(reverse("admin:notifications_webhookevent_add")).status_code == 403
    assert as_admin.get(reverse("admin:notifications_webhookdelivery_add")).status_code == 403
    for name, pk in [
        ("webhookevent", event.pk),
        ("webhookdelivery", delivery.pk),
        ("webhookendpoint", endpoint.pk),
    ]:
        url = reverse(f"admin:notifications_{name}_delete", args=[pk])
        assert as_admin.post(url, {"post": "yes"}).status_code == 403
    page = as_admin.get(reverse("admin:notifications_webhookevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert WebhookAttempt.objects.count() == 0
