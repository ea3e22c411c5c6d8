"""Routing: the first matching rule picks the queue, the fairest eligible reviewer gets the appeal."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from appeals import services as appeal_services
from appeals.models import Appeal, AppealEvent, Queue, RoutingRule
from appeals.operations import claims, routing
from appeals.operations.routing import RoutingFacts, rule_matches, shadowing_rule
from appeals.services import AppealRefused
from enforcement import services as enforcement_services
from enforcement.choices import AutomatedDecision, DecisionAccount
from enforcement.models import EnforcementAction
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReasonCodeFactory,
    ReviewerFactory,
    RuleFactory,
    UserFactory,
    bulk_queued_appeals,
    make_action,
    make_appeal,
    make_queue,
    make_reviewer,
    published_version,
)

Restriction = EnforcementAction.RestrictionType
Kind = AppealEvent.Kind

FACTS = RoutingFacts(
    reason_code_id=1,
    rule_id=10,
    restriction_type=Restriction.TEMPORARY_SUSPENSION,
    automated_decision=AutomatedDecision.PARTIALLY,
    language="de",
    region="DE",
    funds_held=Decimal("250.00"),
)


def _filed_appeal(*, language: str = "en", region: str = "", **action_fields) -> Appeal:
    """An appeal filed through the service by a freelancer of that language and region.

    Not routed yet: outside a transactional test the commit hook that enqueues routing never runs.
    """
    freelancer = FreelancerFactory(preferred_language=language, country=region)
    return make_appeal(account=freelancer, **action_fields)


def _kinds(appeal: Appeal) -> list[str]:
    return list(appeal.events.exclude(kind=Kind.STATUS).values_list("kind", flat=True))


# --- Rule matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "matching", "mismatching"),
    [
        ("reason_code_id", 1, 2),
        ("rule_id", 10, 11),
        ("restriction_type", Restriction.TEMPORARY_SUSPENSION, Restriction.PERMANENT_TERMINATION),
        ("automated_decision", AutomatedDecision.PARTIALLY, AutomatedDecision.FULLY),
        ("language", "de", "fr"),
        ("region", "DE", "FR"),
        ("min_funds_held", Decimal("250.00"), Decimal("250.01")),
        ("max_funds_held", Decimal("250.00"), Decimal("249.99")),
    ],
)
def test_each_condition_matches_its_value_and_refuses_another(condition, matching, mismatching):
    assert rule_matches(RoutingRule(**{condition: matching}), FACTS)
    assert not rule_matches(RoutingRule(**{condition: mismatching}), FACTS)


def test_a_rule_without_conditions_matches_anything():
    assert rule_matches(RoutingRule(), FACTS)
    assert rule_matches(RoutingRule(), RoutingFacts(2, 20, "", "", "", "", Decimal("0")))


def test_every_set_condition_must_match():
    rule = RoutingRule(language="de", region="FR")
    assert not rule_matches(rule, FACTS)


@pytest.mark.django_db
def test_routing_reads_the_facts_from_the_appeal_and_its_action():
    rule = RuleFactory()
    published_version(rule)
    reason_code = ReasonCodeFactory(rule=rule)
    appeal = _filed_appeal(
        language="pl",
        region="PL",
        reason_code=reason_code,
        restriction_type=Restriction.PAYOUT_HOLD,
        automated_decision=AutomatedDecision.FULLY,
        funds_held_amount=Decimal("900.00"),
    )
    action = appeal.action
    action.funds_released_amount = Decimal("100.00")
    action.save(update_fields=["funds_released_amount"])

    assert RoutingFacts.of(Appeal.objects.get(pk=appeal.pk)) == RoutingFacts(
        reason_code_id=reason_code.pk,
        rule_id=rule.pk,
        restriction_type=Restriction.PAYOUT_HOLD,
        automated_decision=AutomatedDecision.FULLY,
        language="pl",
        region="PL",
        funds_held=Decimal("800.00"),
    )


@pytest.mark.django_db
def test_the_first_matching_rule_by_position_wins_whatever_the_order_of_creation():
    later, earlier = make_queue("Later"), make_queue("Earlier")
    RoutingRule.objects.create(position=20, name="Germany", region="DE", queue=later)
    RoutingRule.objects.create(position=10, name="German", language="de", queue=earlier)
    appeal = _filed_appeal(language="de", region="DE")

    routed = routing.route_appeal(appeal.pk)

    assert routed.queue == earlier
    assert appeal.events.get(kind=Kind.ROUTED).reason == "Queue Earlier by rule 10 (German)."


@pytest.mark.django_db
def test_a_rule_that_does_not_match_is_passed_over():
    french, anything = make_queue("French"), make_queue("Anything")
    RoutingRule.objects.create(position=1, name="French", language="fr", queue=french)
    RoutingRule.objects.create(position=2, name="Rest", queue=anything)

    assert routing.route_appeal(_filed_appeal(language="de").pk).queue == anything


@pytest.mark.django_db
def test_an_inactive_rule_is_skipped():
    switched_off, active = make_queue("Switched off"), make_queue("Active")
    RoutingRule.objects.create(position=1, name="Off", queue=switched_off, is_active=False)
    RoutingRule.objects.create(position=2, name="On", queue=active)

    assert routing.route_appeal(_filed_appeal().pk).queue == active


@pytest.mark.django_db
def test_an_appeal_no_rule_matches_goes_to_the_fallback_queue():
    RoutingRule.objects.create(position=1, name="French", language="fr", queue=make_queue())
    appeal = _filed_appeal(language="de")

    routed = routing.route_appeal(appeal.pk)

    assert routed.queue == routing.fallback_queue()
    assert routed.queue.is_fallback
    assert appeal.events.get(kind=Kind.ROUTED).reason == f"Queue {routed.queue.name} (fallback)."


@pytest.mark.django_db
def test_the_fallback_queue_comes_back_when_it_was_flushed():
    # Transactional tests flush the table that the data migration filled.
    Queue.objects.filter(is_fallback=True).delete()

    appeal = routing.route_appeal(_filed_appeal().pk)

    assert appeal.queue.is_fallback
    assert Queue.objects.filter(is_fallback=True).count() == 1
    assert routing.fallback_queue() == appeal.queue


@pytest.mark.django_db
def test_the_database_refuses_a_second_fallback_queue():
    routing.fallback_queue()
    with pytest.raises(IntegrityError), transaction.atomic():
        Queue.objects.create(name="Another fallback", is_fallback=True)


@pytest.mark.django_db
def test_the_appeal_takes_the_priority_of_its_queue():
    urgent = make_queue("Urgent", priority=5)
    RoutingRule.objects.create(
        position=1,
        name="Terminations",
        restriction_type=Restriction.PERMANENT_TERMINATION,
        queue=urgent,
    )
    appeal = _filed_appeal(restriction_type=Restriction.PERMANENT_TERMINATION, ends_at=None)

    routing.route_appeal(appeal.pk)

    appeal.refresh_from_db()
    assert (appeal.queue, appeal.priority) == (urgent, 5)
    assert appeal.routed_at is not None


# --- Shadowed rules -------------------------------------------------------------------------------


@pytest.fixture
def tos_4_1(db):
    return RuleFactory(key="TOS-4.1")


@pytest.fixture
def off_platform_payment(tos_4_1):
    return ReasonCodeFactory(code="off-platform-payment", rule=tos_4_1)


def _rule(position: int, **conditions) -> RoutingRule:
    queue = conditions.pop("queue", None) or make_queue()
    return RoutingRule.objects.create(
        position=position, name=f"Rule {position}", queue=queue, **conditions
    )


@pytest.mark.django_db
def test_a_rule_covered_by_an_earlier_rule_of_its_reason_codes_rule_is_shadowed(
    tos_4_1, off_platform_payment
):
    earlier = _rule(1, rule=tos_4_1)
    later = _rule(
        2, reason_code=off_platform_payment, restriction_type=Restriction.PERMANENT_TERMINATION
    )
    assert shadowing_rule(later) == earlier


@pytest.mark.django_db
def test_an_open_ended_funds_range_shadows_a_range_inside_it():
    earlier = _rule(1, min_funds_held=Decimal("0"))
    later = _rule(2, min_funds_held=Decimal("100"), max_funds_held=Decimal("500"))
    assert shadowing_rule(later) == earlier


@pytest.mark.django_db
def test_a_rule_without_conditions_shadows_everything_after_it():
    catch_all = _rule(1)
    assert shadowing_rule(_rule(2, language="de", region="AT")) == catch_all


@pytest.mark.django_db
def test_the_first_of_several_covering_rules_is_reported():
    first = _rule(1, language="de")
    _rule(2)
    assert shadowing_rule(_rule(3, language="de", region="DE")) == first


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (
            {"min_funds_held": Decimal("0"), "max_funds_held": Decimal("200")},
            {"min_funds_held": Decimal("100"), "max_funds_held": Decimal("500")},
        ),
        ({"min_funds_held": Decimal("100")}, {"max_funds_held": Decimal("500")}),
        ({"max_funds_held": Decimal("500")}, {"min_funds_held": Decimal("100")}),
        ({"language": "de"}, {"region": "DE"}),
        ({"language": "de", "region": "DE"}, {"language": "de"}),
        (
            {"restriction_type": Restriction.PAYOUT_HOLD},
            {"automated_decision": AutomatedDecision.FULLY},
        ),
    ],
    ids=[
        "overlapping funds ranges",
        "funds from 100 vs up to 500",
        "funds up to 500 vs from 100",
        "language vs region",
        "narrower earlier rule",
        "different conditions",
    ],
)
def test_a_partly_overlapping_earlier_rule_does_not_shadow(earlier, later):
    _rule(1, **earlier)
    assert shadowing_rule(_rule(2, **later)) is None


@pytest.mark.django_db
def test_an_earlier_rule_of_another_rule_does_not_shadow_a_reason_code(off_platform_payment):
    _rule(1, rule=RuleFactory(key="TOS-5.2"))
    assert shadowing_rule(_rule(2, reason_code=off_platform_payment)) is None


@pytest.mark.django_db
def test_a_rule_on_a_reason_code_does_not_shadow_a_rule_on_the_whole_rule(
    tos_4_1, off_platform_payment
):
    _rule(1, reason_code=off_platform_payment)
    assert shadowing_rule(_rule(2, rule=tos_4_1)) is None


@pytest.mark.django_db
def test_an_inactive_earlier_rule_does_not_shadow():
    _rule(1, is_active=False)
    assert shadowing_rule(_rule(2, language="de")) is None


@pytest.mark.django_db
def test_a_covering_rule_placed_after_does_not_shadow():
    specific = _rule(1, language="de")
    _rule(2)
    assert shadowing_rule(specific) is None


# --- Assignment -----------------------------------------------------------------------------------


@pytest.fixture
def queue(db):
    queue = make_queue("Payments")
    RoutingRule.objects.create(position=1, name="Everything", queue=queue)
    return queue


@pytest.mark.django_db
def test_routing_assigns_the_eligible_reviewer_with_the_most_spare_capacity(queue):
    busy = make_reviewer(capacity=5, queues=[queue])  # 3 held: 2 spare
    roomy = make_reviewer(capacity=10, queues=[queue])  # 1 held: 9 spare
    idle_but_small = make_reviewer(capacity=4, queues=[queue])  # 0 held: 4 spare
    bulk_queued_appeals(3, queue=queue, assigned_to=busy)
    bulk_queued_appeals(1, queue=queue, assigned_to=roomy)
    appeal = _filed_appeal()

    routed = routing.route_appeal(appeal.pk)

    assert routed.assigned_to == roomy
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == roomy
    assert idle_but_small.assigned_appeals.count() == 0
    assert routed.claimed_at == routed.routed_at
    assert routed.lease_expires_at == routed.claimed_at + claims.lease_duration()


@pytest.mark.django_db
def test_closed_appeals_do_not_count_against_capacity(queue):
    reviewer = make_reviewer(capacity=2, queues=[queue])
    bulk_queued_appeals(5, queue=queue, assigned_to=reviewer, status=Appeal.Status.WITHDRAWN)
    bulk_queued_appeals(1, queue=queue, assigned_to=reviewer)

    assert routing.route_appeal(_filed_appeal().pk).assigned_to == reviewer


@pytest.mark.django_db
def test_routing_writes_a_routed_and_an_assigned_event(queue):
    reviewer = make_reviewer(queues=[queue], display_name="Riley Chen")
    appeal = _filed_appeal()

    routing.route_appeal(appeal.pk)

    assert _kinds(appeal) == [Kind.ROUTED, Kind.ASSIGNED]
    assigned = appeal.events.get(kind=Kind.ASSIGNED)
    assert assigned.reason == "Assigned to Riley Chen."
    assert (assigned.from_status, assigned.to_status) == (Appeal.Status.SUBMITTED,) * 2
    assert reviewer.assigned_appeals.get() == appeal


def _away(user, queue):
    user.reviewer_profile.is_available = False
    user.reviewer_profile.save()


def _speaks_other_languages(user, queue):
    user.reviewer_profile.languages = ["fr", "de"]
    user.reviewer_profile.save()


def _not_a_member(user, queue):
    queue.members.remove(user)


def _deactivated(user, queue):
    user.is_active = False
    user.save()


def _full(user, queue):
    bulk_queued_appeals(user.reviewer_profile.capacity, queue=queue, assigned_to=user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_ineligible",
    [_away, _speaks_other_languages, _not_a_member, _deactivated, _full],
    ids=["away", "speaks other languages", "not a member", "deactivated", "at capacity"],
)
def test_an_appeal_nobody_may_take_stays_unassigned_in_its_queue(queue, make_ineligible):
    only_member = make_reviewer(capacity=3, queues=[queue])
    make_ineligible(only_member, queue)
    appeal = _filed_appeal()

    routed = routing.route_appeal(appeal.pk)

    assert routed.queue == queue
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None
    assert _kinds(appeal) == [Kind.ROUTED]


@pytest.mark.django_db
def test_a_queue_member_without_the_review_permission_is_never_assigned(queue):
    make_reviewer(queues=[queue], factory=UserFactory)  # no role at all
    make_reviewer(queues=[queue], factory=FreelancerFactory)

    assert routing.route_appeal(_filed_appeal().pk).assigned_to is None


@pytest.mark.django_db
def test_a_lead_in_the_queue_can_be_assigned(queue):
    from tests.factories import LeadFactory

    lead = make_reviewer(queues=[queue], factory=LeadFactory)
    assert routing.route_appeal(_filed_appeal().pk).assigned_to == lead


@pytest.mark.django_db
def test_an_appeal_without_a_language_goes_to_any_reviewer(queue):
    polyglot = make_reviewer(languages=["hi"], queues=[queue])
    assert routing.route_appeal(_filed_appeal(language="").pk).assigned_to == polyglot


@pytest.mark.django_db
def test_the_original_decider_is_never_assigned_even_as_the_only_member_with_room(queue):
    original_decider = make_reviewer(capacity=50, queues=[queue])
    full_colleague = make_reviewer(capacity=1, queues=[queue])
    bulk_queued_appeals(1, queue=queue, assigned_to=full_colleague)
    appeal = _filed_appeal(decided_by=original_decider)

    routed = routing.route_appeal(appeal.pk)

    assert routed.assigned_to is None
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None
    assert _kinds(appeal) == [Kind.ROUTED]


@pytest.mark.django_db
def test_the_original_decider_is_passed_over_for_a_colleague_with_less_room(queue):
    original_decider = make_reviewer(capacity=50, queues=[queue])
    colleague = make_reviewer(capacity=2, queues=[queue])

    assert (
        routing.route_appeal(_filed_appeal(decided_by=original_decider).pk).assigned_to == colleague
    )


@pytest.mark.django_db
def test_the_person_who_confirmed_a_termination_is_passed_over_like_its_issuer(queue):
    confirmer = make_reviewer(capacity=50, queues=[queue], factory=LeadFactory)
    colleague = make_reviewer(capacity=2, queues=[queue])
    action = make_action(
        FreelancerFactory(preferred_language="en"),
        restriction_type=Restriction.PERMANENT_TERMINATION,
        ends_at=None,
        decision_account=DecisionAccount.TERMINATED,
        in_effect=False,
    )
    enforcement_services.confirm_termination(action, by=confirmer)
    appeal = make_appeal(action)

    assert routing.route_appeal(appeal.pk).assigned_to == colleague
    with pytest.raises(AppealRefused, match="original decision"):
        appeal_services.decide_appeal(
            appeal,
            outcome=Appeal.Outcome.OVERTURNED,
            reasons="The chargebacks were the bank's error.",
            versions=list(action.cited_versions.all()),
            decided_by=confirmer,
        )


@pytest.mark.django_db
def test_the_database_refuses_to_assign_the_original_decider(queue):
    original_decider = make_reviewer(queues=[queue])
    appeal = _filed_appeal(decided_by=original_decider)

    with (
        pytest.raises(IntegrityError, match="appeal_never_assigned_to_original_decider"),
        transaction.atomic(),
    ):
        Appeal.objects.filter(pk=appeal.pk).update(assigned_to=original_decider)


@pytest.mark.django_db
def test_routing_twice_changes_nothing_the_second_time(queue):
    reviewer = make_reviewer(queues=[queue])
    make_reviewer(queues=[queue])
    appeal = _filed_appeal()
    first = routing.route_appeal(appeal.pk)
    row = Appeal.objects.values().get(pk=appeal.pk)
    events = list(appeal.events.values_list("pk", flat=True))

    second = routing.route_appeal(appeal.pk)

    assert second.assigned_to_id == first.assigned_to_id == reviewer.pk
    assert Appeal.objects.values().get(pk=appeal.pk) == row
    assert list(appeal.events.values_list("pk", flat=True)) == events


@pytest.mark.django_db
def test_routing_an_appeal_that_does_not_exist_does_nothing():
    assert routing.route_appeal(987654321) is None


@pytest.mark.django_db
def test_an_appeal_claimed_before_it_was_routed_keeps_its_holder(queue):
    # A reviewer may open an appeal from its page while its routing message is still on its way.
    early = make_reviewer(queues=[queue])
    make_reviewer(capacity=50, queues=[queue])
    appeal = _filed_appeal()
    claims.claim_appeal(appeal, early)

    routed = routing.route_appeal(appeal.pk)

    assert routed.queue == queue
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == early
    assert _kinds(appeal) == [Kind.CLAIMED, Kind.ROUTED]


@pytest.mark.django_db
def test_an_appeal_withdrawn_before_routing_is_routed_but_not_assigned(queue):
    make_reviewer(queues=[queue])
    appeal = _filed_appeal()
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.WITHDRAWN)

    routed = routing.route_appeal(appeal.pk)

    assert (routed.queue, routed.assigned_to) == (queue, None)


@pytest.mark.django_db
def test_unrouted_appeals_older_than_a_minute_are_due_for_the_re_drive(queue):
    from datetime import timedelta

    from django.utils import timezone

    waiting = _filed_appeal()
    fresh = _filed_appeal()
    routed = _filed_appeal()
    Appeal.objects.filter(pk__in=[waiting.pk, routed.pk]).update(
        submitted_at=timezone.now() - timedelta(minutes=2)
    )
    routing.route_appeal(routed.pk)

    assert routing.unrouted_appeal_ids() == [waiting.pk]
    assert fresh.pk not in routing.unrouted_appeal_ids()


@pytest.mark.django_db
def test_routing_does_not_count_appeals_held_by_others_against_a_reviewer(queue):
    reviewer = make_reviewer(capacity=1, queues=[queue])
    other = ReviewerFactory()
    bulk_queued_appeals(3, queue=queue, assigned_to=other)

    assert routing.route_appeal(_filed_appeal().pk).assigned_to == reviewer


@pytest.mark.django_db
def test_ties_in_spare_capacity_go_to_the_same_reviewer_every_time(queue):
    first = make_reviewer(queues=[queue])
    make_reviewer(queues=[queue])
    appeal = _filed_appeal()
    assert routing.route_appeal(appeal.pk).assigned_to == first
