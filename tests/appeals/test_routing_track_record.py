"""Routing rules on the freelancer's track record (tenure, earnings, badges): matching, shadowing,
and a real Celery worker sending long-standing accounts to the senior queue."""

import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import Badge
from appeals.models import Appeal, RoutingRule
from appeals.operations import routing
from config.celery import app as celery_app
from tests.factories import (
    FreelancerFactory,
    give_track_record,
    make_appeal,
    make_queue,
    make_reviewer,
)


def _facts(**track) -> routing.RoutingFacts:
    return routing.RoutingFacts(
        reason_code_id=1,
        rule_id=1,
        restriction_type="warning",
        automated_decision="AUTOMATED_DECISION_NOT_AUTOMATED",
        language="en",
        region="",
        funds_held=Decimal("0"),
        **track,
    )


def _rule(**conditions) -> RoutingRule:
    return RoutingRule(position=1, name="r", is_active=True, **conditions)


def test_tenure_earnings_and_badge_conditions_match_only_a_record_that_meets_them():
    veteran = _facts(tenure_years=6, earnings=Decimal("182450.00"), badges=("top_rated",))
    newcomer = _facts(tenure_years=0, earnings=Decimal("120.00"), badges=())
    never_synced = _facts()

    five_years = _rule(min_tenure_years=5)
    rich = _rule(min_earnings=Decimal("100000"))
    top_rated = _rule(badge=Badge.TOP_RATED)

    assert [routing.rule_matches(r, veteran) for r in (five_years, rich, top_rated)] == [True] * 3
    assert [routing.rule_matches(r, newcomer) for r in (five_years, rich, top_rated)] == [False] * 3
    assert [routing.rule_matches(r, never_synced) for r in (five_years, rich, top_rated)] == [
        False
    ] * 3
    assert routing.rule_matches(_rule(min_tenure_years=6), veteran)
    assert not routing.rule_matches(_rule(min_tenure_years=7), veteran)


@pytest.mark.django_db
def test_the_facts_read_the_track_record_of_the_appeals_account():
    freelancer = FreelancerFactory()
    give_track_record(freelancer, years=6, earnings="182450", badges=[Badge.TOP_RATED])
    appeal = make_appeal(account=freelancer)

    facts = routing.RoutingFacts.of(appeal)

    assert (facts.tenure_years, facts.earnings, facts.badges) == (
        6,
        Decimal("182450.00"),
        ("top_rated",),
    )


@pytest.mark.django_db
def test_a_looser_tenure_rule_shadows_a_stricter_one_but_not_the_reverse():
    senior = make_queue("Senior")
    RoutingRule.objects.create(position=10, name="5 years", min_tenure_years=5, queue=senior)
    stricter = RoutingRule.objects.create(
        position=20, name="10 years", min_tenure_years=10, queue=senior
    )
    looser = RoutingRule.objects.create(
        position=30, name="2 years", min_tenure_years=2, queue=senior
    )
    rich = RoutingRule.objects.create(
        position=40, name="rich", min_earnings=Decimal("100000"), queue=senior
    )

    assert routing.shadowing_rule(stricter).name == "5 years"
    assert routing.shadowing_rule(looser) is None
    assert routing.shadowing_rule(rich) is None


def _wait_until(condition, *, attempts: int = 300) -> bool:
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_the_worker_routes_long_standing_accounts_to_the_senior_queue_with_its_priority(
    celery_on_redis,
):
    general = routing.fallback_queue()
    senior = make_queue("Senior reviews", priority=5)
    make_reviewer(queues=[general, senior], display_name="Riley Chen")
    RoutingRule.objects.create(
        position=10, name="Members for 5 years or more", min_tenure_years=5, queue=senior
    )
    RoutingRule.objects.create(
        position=20,
        name="Earnings of 100,000 or more",
        min_earnings=Decimal("100000"),
        queue=senior,
    )
    veteran, high_earner, newcomer, unknown = (FreelancerFactory() for _ in range(4))
    give_track_record(veteran, years=6, earnings="48000", badges=[Badge.TOP_RATED])
    give_track_record(high_earner, years=2, earnings="150000")
    give_track_record(newcomer, years=0, earnings="120")

    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        appeals = [make_appeal(account=who) for who in (veteran, high_earner, newcomer, unknown)]
        ids = [a.pk for a in appeals]
        assert _wait_until(
            lambda: Appeal.objects.filter(pk__in=ids, routed_at__isnull=False).count() == 4
        )

    routed = {a.pk: a for a in Appeal.objects.filter(pk__in=ids).select_related("queue")}
    assert [(routed[i].queue.name, routed[i].priority) for i in ids] == [
        ("Senior reviews", 5),
        ("Senior reviews", 5),
        (general.name, general.priority),
        (general.name, general.priority),
    ]
    reasons = [
        routed[i].events.filter(kind="routed").values_list("reason", flat=True).get() for i in ids
    ]
    assert "Members for 5 years or more" in reasons[0]
    assert "Earnings of 100,000 or more" in reasons[1]
    assert "(fallback)" in reasons[2]
