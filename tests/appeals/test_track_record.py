"""The reviewer's case shows the account's track record and its whole enforcement history (every
action, appeal, outcome and strike), in a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Badge
from appeals.history import account_history
from tests.appeals.test_reviewer_pages import _busy_appeal
from tests.factories import (
    EnforcerFactory,
    FreelancerFactory,
    ReasonCodeFactory,
    give_track_record,
    in_queue,
    make_action,
    make_appeal,
    published_version,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]


def _case_url(appeal) -> str:
    return reverse("appeals:review-detail", args=[appeal.pk])


def test_the_case_shows_the_track_record_and_every_action_with_strikes(client, reviewer):
    amara = FreelancerFactory(display_name="Amara Okafor")
    give_track_record(
        amara,
        years=6,
        earnings="182450.00",
        badges=[Badge.TOP_RATED],
        contracts=214,
        score="4.93",
    )
    today = timezone.localdate()
    old = make_action(amara, strike_count=2, strikes_expire_on=today - timedelta(days=10))
    recent = make_action(amara, strike_count=1, strikes_expire_on=today + timedelta(days=300))
    # Reviewers open the appeals of their queues (`Appeal.objects.for_reviewer`).
    appeal = in_queue(
        make_appeal(make_action(amara, strike_count=0, strikes_expire_on=None)), reviewer
    )
    make_appeal(old)
    client.force_login(reviewer)

    response = client.get(_case_url(appeal))
    assert response.status_code == 200
    content = response.content.decode()

    assert "Track record of Amara Okafor" in content
    assert "(6 years)" in content
    assert "182450.00 USD" in content
    assert "Top Rated" in content
    assert "4.93 of 5" in content
    assert "Long-standing account" in content
    assert "3 actions, 2 appeals" in content
    assert "Strikes counting now: 1 (of 3 ever given)" in content
    assert f"(action #{old.pk}), no longer counting" in content
    assert f"(action #{recent.pk}), counting until" in content
    assert "(this case)" in content


def test_an_account_never_synced_says_so(client, reviewer, freelancer):
    appeal = in_queue(make_appeal(make_action(freelancer)), reviewer)
    client.force_login(reviewer)
    response = client.get(_case_url(appeal))
    assert response.status_code == 200
    content = response.content.decode()
    assert "has not synced this account's track record" in content


def test_the_history_reads_in_three_queries_however_long_it_is(django_assert_num_queries):
    freelancer = FreelancerFactory()
    give_track_record(freelancer, years=3, earnings="100")
    for _ in range(12):
        make_appeal(make_action(freelancer))
    with django_assert_num_queries(2):
        history = account_history(freelancer)
    with django_assert_num_queries(0):
        assert len(history.actions) == 12
        assert len(history.appeals) == 12
        history.strikes_now()
        history.outcome_counts()
        history.record.tenure_years()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_case_runs_the_same_queries_for_1_or_30_actions_with_a_track_record(client, reviewer):
    decider = EnforcerFactory()
    version = published_version()
    common = {
        "reviewer": reviewer,
        "decider": decider,
        "version": version,
        "reason_code": ReasonCodeFactory(rule=version.rule),
    }
    small = _busy_appeal(1, **common)
    large = _busy_appeal(30, **common)
    for appeal in (small, large):
        give_track_record(appeal.freelancer, years=7, earnings="90000", badges=[Badge.TOP_RATED])
    client.force_login(reviewer)

    assert _queries(client, _case_url(small)) == _queries(client, _case_url(large))


def test_a_freelancer_never_reaches_the_reviewers_case(client, freelancer):
    give_track_record(freelancer, years=6, earnings="1")
    appeal = make_appeal(make_action(freelancer))
    client.force_login(freelancer)
    response = client.get(_case_url(appeal))
    assert response.status_code == 403
    assert "Track record" not in response.content.decode()
    own = client.get(appeal.get_absolute_url()).content.decode()
    assert "Track record" not in own
