"""Issue #11 in a real browser: one client correction after an overturn, followed on the
freelancer's page through queued → delivered to the marketplace → shown to the client.

A real Celery worker on Redis delivers the signed client_notice.corrected webhook to a real HTTP
receiver on 127.0.0.1; the marketplace's acknowledgement is a real call to the API. Each state is
read on the page only once the database says it is true, and each page passes axe.
"""

import json
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from appeals import services as appeal_services
from appeals.models import Appeal
from enforcement.models import ClientCorrection, ClientNotice, EnforcementAction
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.api.support import make_world, post, valid_body
from tests.browser.conftest import assert_no_axe_violations, csp_violations, sign_in
from tests.factories import PASSWORD, FreelancerFactory, ReviewerFactory, make_appeal
from tests.notifications.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTICE_TEXT = "This freelancer's account is suspended; your contract is paused."


def _wait_until(condition: Callable[[], bool], *, seconds: float = 60) -> bool:
    """Poll until `condition` holds or the deadline passes (a bound, not an assertion on time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _strings(value) -> set[str]:
    """Every string anywhere in a decoded JSON document."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _shown_time(state) -> datetime:
    return datetime.fromisoformat(state.locator("time").get_attribute("datetime"))


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def test_a_correction_is_queued_then_delivered_then_shown_on_the_freelancers_page(
    page: Page, live_server, celery_on_redis, receiver, console_errors
):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone="Europe/Berlin")
    world = make_world(freelancer)
    endpoint = WebhookEndpoint.objects.create(
        name="Marketplace", url=receiver.url, secret=webhooks.new_secret()
    )
    body = valid_body(world)
    body["client_notices"] = [
        {
            "client_reference": "cl-77",
            "client_name": "Northwind Studio",
            "text": NOTICE_TEXT,
            "shown_at": body["starts_at"],
        }
    ]
    response = post(body, world.token)
    assert response.status_code == 201, response.content
    action = EnforcementAction.objects.get(pk=response.json()["id"])
    notice = ClientNotice.objects.get(action=action)

    # The overturn, before any worker runs: the correction is written and queued, not sent.
    reviewer = ReviewerFactory()
    appeal = make_appeal(action, claimed_by=reviewer)
    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons="The client paid through the marketplace.",
        versions=list(action.cited_versions.all()),
        decided_by=reviewer,
    )
    correction = ClientCorrection.objects.get(notice=notice)
    assert "was reviewed and lifted" in correction.text
    delivery = WebhookDelivery.objects.get(event=correction.webhook_event)
    assert delivery.status != WebhookDelivery.Status.DELIVERED

    sign_in(page, freelancer.email, PASSWORD)
    page.goto(action.get_absolute_url())
    state = page.locator(".correction-state").first
    expect(state).to_have_attribute("data-state", "queued")
    expect(state).to_contain_text("Queued: not delivered to the marketplace yet.")
    expect(page.get_by_text(correction.text).first).to_be_visible()
    assert "Delivered to the marketplace" not in page.content()
    assert "Shown to the client" not in page.content()
    assert_no_axe_violations(page)

    # A real worker delivers the signed webhook to the marketplace's receiver.
    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        assert _wait_until(
            lambda: WebhookDelivery.objects.filter(
                pk=delivery.pk, status=WebhookDelivery.Status.DELIVERED
            ).exists()
        ), "the worker did not deliver the correction"

    corrected = [
        r for r in receiver.requests if r.header("Recourse-Event") == "client_notice.corrected"
    ]
    assert len(corrected) == 1
    Webhook(endpoint.secret).verify(corrected[0].body, corrected[0].headers)
    strings = _strings(json.loads(corrected[0].body))
    assert correction.text in strings
    assert "cl-77" in strings

    page.reload()
    state = page.locator(".correction-state").first
    expect(state).to_have_attribute("data-state", "delivered")
    expect(state).to_contain_text("Delivered to the marketplace")
    delivered_at = WebhookDelivery.objects.get(pk=delivery.pk).delivered_at
    assert _shown_time(state) == delivered_at
    assert "Shown to the client" not in page.content()
    assert_no_axe_violations(page)

    # The marketplace showed it to the client and says so through the API.
    ack = Client().post(
        f"/api/v1/client-notices/{notice.pk}/acknowledge",
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.token}"},
    )
    assert ack.status_code == 200, ack.content
    correction.refresh_from_db()
    assert correction.acknowledged_at is not None

    page.reload()
    state = page.locator(".correction-state").first
    expect(state).to_have_attribute("data-state", "shown")
    expect(state).to_contain_text("Shown to the client")
    assert _shown_time(state) == correction.acknowledged_at
    assert_no_axe_violations(page)
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.CLIENT_NOTICE_CORRECTED).count() == 1
    assert csp_violations(console_errors) == []
