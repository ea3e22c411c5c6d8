"""The reads of the queue pages, claims and routing: chainable QuerySet methods written once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, ReviewerProfile, User
from accounts.roles import REVIEW_APPEALS
from appeals.models import Appeal, AppealClock, Queue
from appeals.operations import claims
from tests.factories import (
    AdminFactory,
    EnforcerFactory,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_queue,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

Status = Appeal.Status


@pytest.fixture
def template_action(db):
    return make_action(FreelancerFactory(), decided_by=ReviewerFactory())


@pytest.fixture
def payments(db):
    return make_queue("Payments", priority=5)


@pytest.fixture
def identity(db):
    return make_queue("Identity")


@pytest.fixture
def worker(payments):
    return make_reviewer(queues=[payments])


@pytest.fixture
def colleague(payments, identity):
    return make_reviewer(queues=[payments, identity])


@pytest.fixture
def appeals(payments, identity, worker, colleague, template_action):
    """One appeal of each kind that the queue reads tell apart, by name."""

    def one(queue, **fields) -> Appeal:
        [appeal] = bulk_queued_appeals(1, queue=queue, template=template_action, **fields)
        return appeal

    return {
        "waiting": one(payments),
        "waiting_for_answer": one(payments, status=Status.AWAITING_FREELANCER),
        "waiting_elsewhere": one(identity),
        "in_second_review": one(payments, status=Status.SECOND_REVIEW),
        "unrouted": one(None),
        "withdrawn": one(payments, status=Status.WITHDRAWN),
        "held_by_worker": one(payments, assigned_to=worker, status=Status.IN_REVIEW),
        "worker_in_second_review": one(payments, assigned_to=worker, status=Status.SECOND_REVIEW),
        "worker_withdrawn": one(payments, assigned_to=worker, status=Status.WITHDRAWN),
        "held_by_colleague": one(identity, assigned_to=colleague),
    }


def _names(queryset, appeals: dict[str, Appeal]) -> set[str]:
    by_pk = {appeal.pk: name for name, appeal in appeals.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


def test_waiting_is_routed_unassigned_and_claimable(appeals):
    assert _names(Appeal.objects.waiting(), appeals) == {
        "waiting",
        "waiting_for_answer",
        "waiting_elsewhere",
    }


def test_waiting_in_keeps_to_the_queues_given_as_rows_or_as_a_queryset(
    appeals, payments, worker, colleague
):
    expected = {"waiting", "waiting_for_answer"}
    assert _names(Appeal.objects.waiting_in([payments]), appeals) == expected
    assert _names(Appeal.objects.waiting_in(Queue.objects.for_member(worker)), appeals) == expected
    assert _names(Appeal.objects.waiting_in(Queue.objects.for_member(colleague)), appeals) == {
        *expected,
        "waiting_elsewhere",
    }
    assert not Appeal.objects.waiting_in([]).exists()


def test_held_by_is_the_reviewers_open_appeals_second_review_included(appeals, worker):
    assert _names(Appeal.objects.held_by(worker), appeals) == {
        "held_by_worker",
        "worker_in_second_review",
    }


def test_claimed_is_every_held_appeal_outside_second_review(appeals):
    assert _names(Appeal.objects.claimed(), appeals) == {"held_by_worker", "held_by_colleague"}


def test_open_leaves_out_withdrawn_and_decided_appeals(appeals):
    assert _names(Appeal.objects.open(), appeals) == set(appeals) - {
        "withdrawn",
        "worker_withdrawn",
    }


def test_stale_leases_and_unrouted_appeals(appeals):
    now = timezone.now()
    Appeal.objects.filter(pk=appeals["held_by_worker"].pk).update(
        lease_expires_at=now - timedelta(minutes=1)
    )
    Appeal.objects.filter(pk=appeals["held_by_colleague"].pk).update(
        lease_expires_at=now + timedelta(minutes=1)
    )

    assert _names(Appeal.objects.stale_leases(now), appeals) == {"held_by_worker"}
    assert _names(Appeal.objects.unrouted(submitted_before=now), appeals) == {"unrouted"}
    assert not Appeal.objects.unrouted(submitted_before=now - timedelta(days=1)).exists()


def test_queue_counts_agree_with_the_lists_they_count(appeals, payments, identity, worker):
    [queue] = Queue.objects.for_member(worker).with_counts(worker)

    assert queue == payments
    assert queue.waiting == Appeal.objects.waiting_in([payments]).count() == 2
    assert queue.held_by_you == Appeal.objects.held_by(worker).count() == 2


def test_the_queue_overview_counts_depth_unassigned_and_members(appeals, payments, identity):
    ReviewerProfile.objects.filter(user__in=identity.members.all()).update(is_available=False)
    overview = {queue.name: queue for queue in Queue.objects.with_overview()}

    assert (overview["Payments"].depth, overview["Payments"].unassigned) == (5, 2)
    assert (overview["Identity"].depth, overview["Identity"].unassigned) == (2, 1)
    assert overview["Payments"].oldest_unassigned == appeals["waiting"].submitted_at
    assert (overview["Payments"].member_count, overview["Payments"].available_members) == (2, 1)
    assert (overview["Identity"].member_count, overview["Identity"].available_members) == (1, 0)


@pytest.mark.parametrize("state", ["breached", "approaching"])
def test_clocks_in_state_agree_with_the_clock_itself(appeals, state):
    now = timezone.now()
    hour = timedelta(hours=1)
    variants = [
        {"due_at": now - hour},  # past its deadline
        {"due_at": now + hour, "breached_at": now - hour},  # recorded breach
        {"due_at": now + hour, "warn_at": now - hour},  # warning due
        {"due_at": now + hour, "warned_at": now - hour, "warn_at": now + hour},
        {"due_at": now + 3 * hour, "warn_at": now + hour},  # on track
        {"due_at": now - hour, "stopped_at": now},  # stopped late: history
        {"due_at": now - hour, "paused_since": now - 2 * hour},  # paused
        {},  # pending
    ]
    clocks = AppealClock.objects.bulk_create(
        AppealClock(appeal=appeal, kind=AppealClock.Kind.DECISION, started_at=now - 9 * hour, **v)
        for appeal, v in zip(appeals.values(), variants, strict=False)
    )
    # Only clocks still running: a clock stopped late is history, nothing to act on.
    expected = {c.pk for c in clocks if c.stopped_at is None and c.state(now) == state}

    assert expected
    assert set(AppealClock.objects.in_state(state, now).values_list("pk", flat=True)) == expected
    assert set(Appeal.objects.with_clock_in_state(state, now).values_list("pk", flat=True)) == {
        clock.appeal_id for clock in clocks if clock.pk in expected
    }


def test_people_who_may_review_appeals_are_reviewers_and_leads_once_each():
    reviewer, lead = ReviewerFactory(), LeadFactory()
    away = ReviewerFactory(is_active=False)
    FreelancerFactory(), EnforcerFactory(), AdminFactory()
    lead.groups.add(*reviewer.groups.all())  # two roles that both grant the permission

    reviewers = User.objects.with_role_permission(REVIEW_APPEALS)

    assert sorted(reviewers.values_list("pk", flat=True)) == sorted([reviewer.pk, lead.pk, away.pk])
    assert set(reviewers.active()) == {reviewer, lead}


def test_set_availability_switches_the_profile_and_audits_it(reviewer):
    profile = claims.set_availability(reviewer, available=False)

    assert ReviewerProfile.objects.get(user=reviewer) == profile
    assert profile.is_available is False
    event = AuditEvent.objects.get(actor=reviewer)
    assert (event.verb, event.object_id) == ("reviewer.away", str(profile.pk))

    claims.set_availability(reviewer, available=True)
    assert ReviewerProfile.objects.get(user=reviewer).is_available
    assert AuditEvent.objects.filter(actor=reviewer, verb="reviewer.available").count() == 1
