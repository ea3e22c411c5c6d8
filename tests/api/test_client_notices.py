"""Client notices and corrections as a delivered ledger: the marketplace records notices at any
time, each correction reaches it as a signed client_notice.corrected webhook, it acknowledges
that the client saw it, and the freelancer sees each state only once it is true."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from enforcement import services
from enforcement.models import ClientNotice, EnforcementAction
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.api.support import iso, make_world, new_source, post, valid_body
from tests.factories import ReviewerFactory, make_action
from tests.notifications.receiver import Receiver

pytestmark = pytest.mark.django_db
CORRECTED = WebhookEvent.Kind.CLIENT_NOTICE_CORRECTED


@pytest.fixture
def world(freelancer):
    return make_world(freelancer)


@pytest.fixture
def action(world) -> EnforcementAction:
    response = post(valid_body(world, client_notices=[]), world.token)
    assert response.status_code == 201, response.content
    return EnforcementAction.objects.get(pk=response.json()["id"])


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def _notice_body(reference: str, days_ago: int = 1, **overrides) -> dict:
    return {
        "client_reference": reference,
        "client_name": f"Client {reference}",
        "text": "This freelancer's account is suspended; your contract is paused.",
        "shown_at": iso(timezone.now() - timedelta(days=days_ago)),
        **overrides,
    }


def _record(action_id: int, body: dict, token: str):
    return Client().post(
        f"/api/v1/actions/{action_id}/client-notices",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _acknowledge(notice_id: int, token: str):
    return Client().post(
        f"/api/v1/client-notices/{notice_id}/acknowledge",
        headers={"Authorization": f"Bearer {token}"},
    )


def _states(client: Client, action: EnforcementAction) -> list[str]:
    page = client.get(action.get_absolute_url()).content.decode()
    return [
        state
        for state in ("queued", "delivered", "failing", "shown")
        for _ in range(page.count(f'data-state="{state}"'))
    ]


def _deliver_all() -> None:
    for delivery in WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING):
        webhooks.deliver(delivery.pk)


def test_the_marketplace_records_a_notice_after_the_issue_once(world, action):
    body = _notice_body("cl-77")
    first = _record(action.pk, body, world.token)
    assert first.status_code == 201, first.content
    notice = first.json()
    assert (notice["client_reference"], notice["action_id"], notice["correction"]) == (
        "cl-77",
        action.pk,
        None,
    )
    again = _record(action.pk, body, world.token)
    assert (again.status_code, again.json()["id"]) == (200, notice["id"])
    changed = _record(action.pk, {**body, "text": "Something else."}, world.token)
    assert changed.status_code == 409
    assert ClientNotice.objects.filter(action=action).count() == 1


def test_a_notice_needs_the_clients_reference_and_a_past_time(world, action):
    missing = _record(action.pk, _notice_body(""), world.token)
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "client_reference"]
    future = _record(action.pk, _notice_body("cl-1", days_ago=-2), world.token)
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"] == ["body", "shown_at"]
    assert not ClientNotice.objects.filter(action=action).exists()


def test_another_source_gets_404_for_notices_and_acknowledgements(world, action):
    notice = _record(action.pk, _notice_body("cl-1"), world.token).json()
    other = new_source("another-detector")
    assert _record(action.pk, _notice_body("cl-2"), other.token).status_code == 404
    assert _acknowledge(notice["id"], other.token).status_code == 404
    assert _record(action.pk, _notice_body("cl-2"), "rcs_wrong").status_code == 401


def test_a_notice_without_a_correction_cannot_be_acknowledged(world, action):
    notice = _record(action.pk, _notice_body("cl-1"), world.token).json()
    assert _acknowledge(notice["id"], world.token).status_code == 409


def test_an_overturn_reaches_each_client_queued_delivered_then_shown(
    world, action, receiver, freelancer
):
    endpoint = WebhookEndpoint.objects.create(
        name="Marketplace", url=receiver.url, secret=webhooks.new_secret()
    )
    notices = [
        _record(action.pk, _notice_body(ref, days_ago=n + 1), world.token).json()
        for n, ref in enumerate(["cl-1", "cl-2"])
    ]
    page = Client()
    page.force_login(freelancer)
    assert _states(page, action) == []

    with transaction.atomic():
        services.lift_action(action, by=ReviewerFactory(), reason="Overturned on appeal.")
    # Written, not delivered: the page says queued, never "sent".
    assert _states(page, action) == ["queued", "queued"]
    assert b"Correction sent" not in page.get(action.get_absolute_url()).content

    _deliver_all()
    corrected = [r for r in receiver.requests if r.header("Recourse-Event") == CORRECTED]
    assert len(corrected) == 2
    bodies = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in corrected]
    assert sorted(b["client_notice"]["client_reference"] for b in bodies) == ["cl-1", "cl-2"]
    for body in bodies:
        assert body["action"]["id"] == action.pk
        assert body["action"]["status"] == "lifted"
        assert body["action"]["funds"]["still_held"] == "0.00"
        assert "was reviewed and lifted" in body["correction"]["text"]
        assert "No other restriction applies to their account." in body["correction"]["text"]
    assert _states(page, action) == ["delivered", "delivered"]

    shown = _acknowledge(notices[0]["id"], world.token)
    assert shown.status_code == 200
    acknowledged_at = shown.json()["correction"]["acknowledged_at"]
    assert shown.json()["correction"]["state"] == "shown"
    assert sorted(_states(page, action)) == ["delivered", "shown"]
    # Acknowledging again keeps the first time.
    again = _acknowledge(notices[0]["id"], world.token).json()
    assert again["correction"]["acknowledged_at"] == acknowledged_at

    read = Client().get(
        f"/api/v1/actions/{action.pk}", headers={"Authorization": f"Bearer {world.token}"}
    )
    states = [n["correction"]["state"] for n in read.json()["client_notices"]]
    assert sorted(states) == ["delivered", "shown"]


def test_a_failing_delivery_is_shown_as_failing_and_retrying(world, action, receiver, freelancer):
    WebhookEndpoint.objects.create(
        name="Marketplace", url=receiver.url, secret=webhooks.new_secret()
    )
    _record(action.pk, _notice_body("cl-1"), world.token)
    with transaction.atomic():
        services.lift_action(action, by=ReviewerFactory(), reason="Overturned on appeal.")
    receiver.answer(503, 503)  # the correction and the action.lifted event
    _deliver_all()
    page = Client()
    page.force_login(freelancer)
    assert _states(page, action) == ["failing"]
    assert b"Delivery failing, retrying" in page.get(action.get_absolute_url()).content


def test_a_partial_reduction_corrects_each_client_with_what_still_applies(world, action, receiver):
    endpoint = WebhookEndpoint.objects.create(
        name="Marketplace", url=receiver.url, secret=webhooks.new_secret()
    )
    for n, ref in enumerate(["cl-1", "cl-2"]):
        _record(action.pk, _notice_body(ref, days_ago=n + 1), world.token)
    with transaction.atomic():
        services.reduce_action(
            action,
            by=ReviewerFactory(),
            reason="Shorter.",
            ends_at=action.ends_at - timedelta(days=3),
            release_amount=Decimal("100.00"),
        )
    _deliver_all()
    corrected = [r for r in receiver.requests if r.header("Recourse-Event") == CORRECTED]
    assert len(corrected) == 2
    for request in corrected:
        body = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert (
            "was reviewed and reduced: it is now a temporary suspension until"
            in (body["correction"]["text"])
        )
        assert "(restricted: sending proposals, messaging clients)" in body["correction"]["text"]
        assert "good standing" not in body["correction"]["text"]


def test_a_correction_never_says_good_standing_while_another_restriction_is_in_force(freelancer):
    lifted = make_action(freelancer)
    make_action(freelancer, restriction_type=EnforcementAction.RestrictionType.PAYOUT_HOLD)
    with transaction.atomic():
        services.lift_action(lifted, by=ReviewerFactory(), reason="Overturned.")
    [notice] = lifted.client_notices.select_related("correction")
    assert "Another restriction still applies to their account (payout hold)." in (
        notice.correction.text
    )
    assert "good standing" not in notice.correction.text
    assert "No other restriction" not in notice.correction.text


def test_a_notice_recorded_after_the_overturn_is_corrected_at_once(world, action):
    with transaction.atomic():
        services.lift_action(action, by=ReviewerFactory(), reason="Overturned on appeal.")
    late = _record(action.pk, _notice_body("cl-9"), world.token)
    assert late.status_code == 201
    assert late.json()["correction"]["state"] == "queued"
    assert WebhookEvent.objects.filter(action=action, kind=CORRECTED).count() == 1
