"""A permanent termination of a long-standing account needs a lead's review before it is even
proposed to the freelancer: refused through the API, the staff form and the database itself until
a lead (another person than the proposer) recorded a review; one review allows one termination.
The lead reads the case first: the proposed termination (from the proposer's link), the
account's track record and its whole enforcement history."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from enforcement import services
from enforcement.models import EnforcementAction, EvidenceItem, LeadReview
from enforcement.services.issuing import (
    action_row,
    evidence_rows,
    termination_takes_effect_at,
)
from tests.api.support import make_world, post, row_counts, valid_body
from tests.enforcement.test_staff_issue import (
    CONFIRM_URL,
    FACTS,
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
    action_request,
    give_track_record,
    make_action,
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


# --- The lead reads the specific case before agreeing ----------------------------------------


def test_the_refused_form_links_the_lead_to_the_case_and_the_review_binds_that_termination(
    client, veteran, lena, version, reason_code
):
    # Veteran's history: an earlier suspension with a strike, which the lead must see.
    earlier = make_action(veteran, version=version, reason_code=reason_code, strike_count=2)
    sam = EnforcerFactory(display_name="Sam Okoro")
    client.force_login(sam)
    refused = client.post(URL, _termination(veteran, version, reason_code))
    assert refused.status_code == 422
    link = re.search(
        r'<a href="([^"]+)">lead review of this termination</a>', refused.content.decode()
    )
    assert link, "the refusal gives the proposer a link for the lead"
    review_url = html.unescape(link.group(1))
    assert review_url.startswith(
        reverse("enforcement:lead-review", args=[veteran.pk]) + "?proposal="
    )

    client.force_login(lena)
    page = client.get(review_url)
    content = page.content.decode()
    assert page.status_code == 200
    proposed = content[content.index('id="proposed-termination"') :]
    proposed = proposed[: proposed.index("</section>")]
    assert "Sam Okoro" in proposed and reason_code.code in proposed
    assert html.escape(FACTS) in proposed
    assert "Permanent termination" in proposed
    # The track record and the whole enforcement history beside it.
    assert "Track record of Amara Okafor" in content and "48000" in content
    assert f"#{earlier.pk}" in content and "Strikes over time" in content
    recorded = client.post(
        review_url,
        {"reason": "Six years, but the evidence is clear.", "proposal": _token(review_url)},
    )
    assert recorded.status_code == 302
    review = LeadReview.objects.get()
    assert review.proposal["facts"] == FACTS
    assert review.proposal["reason_code"] == reason_code.code
    assert review.proposal["proposed_by"] == sam.pk
    event = AuditEvent.objects.get(verb="lead_review.recorded")
    assert event.data["proposal"]["facts"] == FACTS

    # The review is of that termination: other facts are refused, the reviewed ones go through.
    client.force_login(sam)
    other = client.post(URL, _termination(veteran, version, reason_code, facts="Other facts."))
    assert other.status_code == 422
    assert "a lead must review a permanent termination" in _errors(other)
    preview = _preview(client, _termination(veteran, version, reason_code))
    assert client.post(CONFIRM_URL, {"payload": _payload(preview)}).status_code == 302
    action = EnforcementAction.objects.get(restriction_type=Type.PERMANENT_TERMINATION)
    assert LeadReview.objects.get().action == action


def test_a_tampered_proposal_link_is_not_recorded(client, veteran, lena):
    client.force_login(lena)
    url = reverse("enforcement:lead-review", args=[veteran.pk])
    page = client.get(url + "?proposal=forged")
    assert "could not be read" in page.content.decode()
    response = client.post(url, {"reason": "Fine.", "proposal": "forged"})
    assert response.status_code == 422
    assert not LeadReview.objects.exists()


def _token(url: str) -> str:
    return url.split("?proposal=", 1)[1]


# --- The database holds the rule too (writes that go around issue_action) ---------------------


def _terminate_around_the_service(account, *, proposer, reviewed_by=None) -> None:
    """A permanent termination written with the ORM, complete but for the lead's review (with
    one by `reviewed_by`, linked), then the commit's deferred checks run at once."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as at the start of a transaction
    req = action_request(account, restriction_type=Type.PERMANENT_TERMINATION, ends_at=None)
    now = timezone.now()
    row = action_row(
        req,
        version=req.cited_versions[0],
        notified_at=now,
        decided_by_id=proposer.pk,
        status=EnforcementAction.Status.PENDING,
        takes_effect_at=termination_takes_effect_at(req, now),
    )
    row.save()
    row.cited_versions.set(req.cited_versions)
    EvidenceItem.objects.bulk_create(evidence_rows(row.pk, req))
    if reviewed_by is not None:
        LeadReview.objects.create(
            account=account,
            reviewed_by=reviewed_by,
            reason="Reviewed.",
            expires_at=now + timedelta(days=1),
            action=row,
        )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_database_refuses_a_long_standing_accounts_termination_without_a_lead_review(
    veteran, lena
):
    sam = EnforcerFactory()
    with pytest.raises(IntegrityError, match="needs a lead review"), transaction.atomic():
        _terminate_around_the_service(veteran, proposer=sam)
    # A review by the proposer themselves does not count either.
    with pytest.raises(IntegrityError, match="needs a lead review"), transaction.atomic():
        _terminate_around_the_service(veteran, proposer=lena, reviewed_by=lena)
    assert not EnforcementAction.objects.filter(restriction_type=Type.PERMANENT_TERMINATION)

    with transaction.atomic():
        _terminate_around_the_service(veteran, proposer=sam, reviewed_by=lena)
    newcomer = FreelancerFactory()
    give_track_record(newcomer, years=1, earnings="900")
    with transaction.atomic():
        _terminate_around_the_service(newcomer, proposer=sam)
    assert (
        EnforcementAction.objects.filter(restriction_type=Type.PERMANENT_TERMINATION).count() == 2
    )


def test_the_database_refuses_turning_an_action_into_such_a_termination(veteran):
    suspension = make_action(veteran)
    with pytest.raises(IntegrityError, match="needs a lead review"), transaction.atomic():
        EnforcementAction.objects.filter(pk=suspension.pk).update(
            restriction_type=Type.PERMANENT_TERMINATION, ends_at=None
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_services_own_path_passes_the_database_check(veteran, lena, settings):
    services.record_lead_review(veteran, by=lena, reason="Reviewed.")
    make_action(veteran, restriction_type=Type.PERMANENT_TERMINATION, ends_at=None, in_effect=False)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Thresholds changed at run time reach the database's check through issue_action.
    settings.LONG_STANDING_MEMBER_YEARS = 10
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    make_action(veteran, restriction_type=Type.PERMANENT_TERMINATION, ends_at=None, in_effect=False)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert (
        EnforcementAction.objects.filter(restriction_type=Type.PERMANENT_TERMINATION).count() == 2
    )
