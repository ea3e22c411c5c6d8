"""The account standing page: a freelancer's own actions, nobody else's, in constant queries."""

from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enforcement.models import EnforcementAction
from tests.factories import ReasonCodeFactory, ReviewerFactory, make_action, published_version

pytestmark = pytest.mark.django_db

URL = reverse("enforcement:standing")


def _issue_many(account, count: int) -> list[EnforcementAction]:
    # One rule, reason and decider for all of them: the page is what we measure, not the setup.
    version = published_version()
    reason_code = ReasonCodeFactory(rule=version.rule)
    decided_by = ReviewerFactory()
    return [
        make_action(
            account, version=version, reason_code=reason_code, decided_by=decided_by, evidence=1
        )
        for _ in range(count)
    ]


def _query_count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_an_account_without_actions_sees_that_it_is_in_good_standing(client, freelancer):
    client.force_login(freelancer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.templates[0].name == "enforcement/standing.html"
    assert b"Your account is in good standing" in response.content
    assert b"There has never been an enforcement action on your account" in response.content
    assert response.context["actions"] == []


def test_a_freelancer_sees_their_actions_with_status_dates_funds_and_strikes(client, freelancer):
    action = make_action(freelancer)
    client.force_login(freelancer)
    response = client.get(URL)
    content = response.content.decode()
    assert "Your account is currently restricted" in content
    assert "Temporary suspension" in content
    assert "In effect" in content
    assert action.get_absolute_url() in content
    assert "1,240.50 EUR" in content
    assert "Sending proposals, Messaging clients" in content
    assert "Strikes that still count: <strong>1</strong>" in content
    assert f"counting until {action.strikes_expire_on:%-d %B %Y}" in content


def test_dates_are_shown_in_the_freelancers_time_zone(client, freelancer):
    freelancer.time_zone = "America/New_York"
    freelancer.save()
    action = make_action(freelancer)
    client.force_login(freelancer)
    response = client.get(URL)
    content = response.content.decode()
    assert "America/New_York" in content
    new_york = timezone.localtime(action.starts_at, timezone=ZoneInfo("America/New_York"))
    assert f"{new_york:%-d %B %Y, %H:%M}" in content


def test_an_action_with_no_end_date_says_so(client, freelancer):
    make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    client.force_login(freelancer)
    response = client.get(URL)
    assert b"No end date: this is permanent" in response.content


def test_a_freelancer_sees_only_their_own_actions(client, freelancer, other_freelancer):
    own = make_action(freelancer)
    other = make_action(other_freelancer)
    client.force_login(freelancer)
    response = client.get(URL)
    content = response.content.decode()
    assert response.context["actions"] == [own]
    assert own.get_absolute_url() in content
    assert other.get_absolute_url() not in content


def test_a_lifted_action_no_longer_counts_as_restricting(client, freelancer):
    action = make_action(freelancer)
    action.change_status(EnforcementAction.Status.LIFTED, actor=None, reason="Appeal upheld.")
    client.force_login(freelancer)
    response = client.get(URL)
    assert b"No restriction is in effect" in response.content
    assert b"Lifted" in response.content


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


def test_staff_cannot_open_the_freelancer_standing_page(client, reviewer):
    client.force_login(reviewer)
    response = client.get(URL)
    assert response.status_code == 403
    assert b"You cannot open this page" in response.content


def test_post_is_not_allowed(client, freelancer):
    client.force_login(freelancer)
    assert client.post(URL).status_code == 405


def test_the_page_runs_the_same_number_of_queries_for_1_and_for_30_actions(client, freelancer):
    client.force_login(freelancer)
    _issue_many(freelancer, 1)
    client.get(URL)  # warm up per-process caches (content types, sessions)
    with_one = _query_count(client)
    _issue_many(freelancer, 29)
    with_thirty = _query_count(client)
    assert EnforcementAction.objects.for_account(freelancer).count() == 30
    assert with_thirty == with_one


def test_a_warning_in_effect_does_not_count_as_a_restriction(client, freelancer):
    make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.WARNING,
        ends_at=None,
        restricted_capabilities=[],
    )
    client.force_login(freelancer)
    response = client.get(URL)
    assert response.context["restricting"] == []
    assert b"No restriction is in effect" in response.content
    assert b"1 warning is in effect." in response.content
