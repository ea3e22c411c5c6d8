"""A permanent termination of a long-standing account needs a lead's review before it is even
proposed to the freelancer: refused through the API and the staff form until a lead (another
person than the proposer) recorded a review; one review allows one termination."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from enforcement import services
from enforcement.models import EnforcementAction, LeadReview
from tests.api.support import make_world, post, row_counts, valid_body
from tests.enforcement.test_staff_issue import (
    CONFIRM_URL,
    URL,
    _errors,
    _payload,
    _preview,
    _termination,
)
from tests.factories import (
    EnforcerFactory,
    FreelancerFactory,
    LeadFactory,
    ReasonCodeFactory,
    give_track_record,
    published_version,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

Type = EnforcementAction.RestrictionType


@pytest.fixture
def veteran(db):
    """Amara: six years on the marketplace, Top Rated."""
    person = FreelancerFactory(display_name="Amara Okafor")
    give_track_record(person, years=6, earnings="48000", badges=["top_rated"])
    return person


@pytest.fixture
def lena(db):
    return LeadFactory(email="lena@example.test", display_name="Lena Park")


def _termination_body(world, **overrides) -> dict:
    return valid_body(
        world,
        restriction_type="permanent_termination",
        ends_at=None,
        decision_account="DECISION_ACCOUNT_TERMINATED",
        **overrides,
    )


def _path_errors(response) -> list[list]:
    return [error["loc"] for error in response.json()["detail"]]


# --- Through the API -------------------------------------------------------------------------


def test_the_api_refuses_terminating_a_long_standing_account_without_a_lead_review(veteran):
    world = make_world(veteran)
    before = row_counts()

    response = post(_termination_body(world), world.token)

    assert response.status_code == 422, response.content
    assert ["body", "restriction_type"] in _path_errors(response)
    assert "lead must review" in response.content.decode()
    assert row_counts() == before


def test_after_a_lead_review_the_api_proposes_it_once(veteran, lena):
    world = make_world(veteran)
    review = services.record_lead_review(veteran, by=lena, reason="Read the whole history.")

    body = _termination_body(world)
    first = post(body, world.token)
    second = post({**body, "external_id": "pay-det-000124"}, world.token)

    assert first.status_code == 201, first.content
    action = EnforcementAction.objects.get(pk=first.json()["id"])
    assert action.status == EnforcementAction.Status.PENDING
    review.refresh_from_db()
    assert review.action == action
    # The review was used: a second termination needs another.
    assert second.status_code == 422
    assert ["body", "restriction_type"] in _path_errors(second)
    # A retry of the first is still the first, not a refusal.
    assert post(body, world.token).status_code == 200


def test_other_actions_and_accounts_that_are_not_long_standing_need_no_review(veteran):
    world = make_world(veteran)
    assert post(valid_body(world), world.token).status_code == 201  # a suspension

    newcomer = FreelancerFactory()
    give_track_record(newcomer, years=1, earnings="900")
    body = _termination_body(world, account=newcomer.marketplace_id, external_id="new-1")
    assert post(body, world.token).status_code == 201


def test_earnings_alone_make_an_account_long_standing_and_the_thresholds_are_settings(settings):
    high_earner = FreelancerFactory()
    give_track_record(high_earner, years=1, earnings="75000")
    world = make_world(high_earner)
    settings.LONG_STANDING_EARNINGS = 50000
    assert post(_termination_body(world), world.token).status_code == 422

    settings.LONG_STANDING_EARNINGS = 100000
    assert post(_termination_body(world), world.token).status_code == 201


def test_an_expired_review_does_not_count(veteran, lena):
    world = make_world(veteran)
    review = services.record_lead_review(veteran, by=lena, reason="Reviewed.")
    LeadReview.objects.filter(pk=review.pk).update(expires_at=review.created_at)

    assert post(_termination_body(world), world.token).status_code == 422


def test_only_a_lead_records_a_review_with_a_reason(veteran, lena):
    with pytest.raises(services.ConfirmationRefused):
        services.record_lead_review(veteran, by=EnforcerFactory(), reason="Fine by me.")
    with pytest.raises(services.ConfirmationRefused):
        services.record_lead_review(veteran, by=lena, reason="  ")
    assert not LeadReview.objects.exists()
    review = services.record_lead_review(veteran, by=lena, reason="Reviewed.")
    event = AuditEvent.objects.get(verb="lead_review.recorded")
    assert (event.actor, event.object_id) == (lena, str(review.pk))


# --- Through the staff form ------------------------------------------------------------------


@pytest.fixture
def version(db):
    return published_version(text="Pay and get paid for marketplace work only through it.")


@pytest.fixture
def reason_code(version):
    return ReasonCodeFactory(rule=version.rule, code="off-platform-payment", title="Off-platform")


def test_the_staff_form_refuses_it_beside_the_restriction_type_and_writes_nothing(
    client, veteran, version, reason_code
):
    client.force_login(EnforcerFactory())
    before = row_counts()

    response = client.post(URL, _termination(veteran, version, reason_code))

    assert response.status_code == 422
    assert "a lead must review a permanent termination" in _errors(response)
    content = response.content.decode()
    # The form keeps what was typed.
    assert '<option value="permanent_termination" selected>' in content
    assert row_counts() == before


def test_a_lead_records_a_review_on_the_accounts_page_then_the_form_proposes_it(
    client, veteran, lena, version, reason_code
):
    review_url = reverse("enforcement:lead-review", args=[veteran.pk])
    client.force_login(lena)
    page = client.get(review_url)
    assert page.status_code == 200
    assert "Long-standing" in page.content.decode()
    empty = client.post(review_url, {"reason": ""})
    assert empty.status_code == 422
    assert not LeadReview.objects.exists()
    recorded = client.post(review_url, {"reason": "Six years, but the evidence is clear."})
    assert recorded.status_code == 302

    # Lena reviewed it, so someone else proposes it.
    sam = EnforcerFactory(display_name="Sam Okoro")
    client.force_login(sam)
    preview = _preview(client, _termination(veteran, version, reason_code))
    assert LeadReview.objects.get().action is None  # the preview used nothing
    response = client.post(CONFIRM_URL, {"payload": _payload(preview)})

    assert response.status_code == 302
    action = EnforcementAction.objects.get()
    assert (action.restriction_type, action.decided_by) == (Type.PERMANENT_TERMINATION, sam)
    assert LeadReview.objects.get().action == action


def test_the_reviewing_lead_cannot_propose_it_themselves(
    client, veteran, lena, version, reason_code
):
    services.record_lead_review(veteran, by=lena, reason="Reviewed.")
    client.force_login(lena)

    response = client.post(URL, _termination(veteran, version, reason_code))

    assert response.status_code == 422
    assert not EnforcementAction.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "freelancer"])
def test_only_leads_open_the_review_page(client, veteran, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("enforcement:lead-review", args=[veteran.pk]))
    assert response.status_code in (403, 404)
    client.force_login(EnforcerFactory())
    assert client.get(reverse("enforcement:lead-review", args=[veteran.pk])).status_code == 403
