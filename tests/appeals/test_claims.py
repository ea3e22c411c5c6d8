"""Claims: the most urgent appeal a reviewer may work, within capacity, never held by two."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import User
from appeals.models import Appeal, AppealEvent
from appeals.operations import claims, routing
from appeals.operations.claims import ClaimRefused, claim_appeal, claim_next
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_queue,
    make_reviewer,
)

Kind = AppealEvent.Kind
Status = Appeal.Status


@pytest.fixture
def queue(db):
    return make_queue("Payments")


@pytest.fixture
def member(queue):
    return make_reviewer(capacity=3, queues=[queue], display_name="Riley Chen")


@pytest.fixture
def team_lead(queue):
    return make_reviewer(queues=[queue], factory=LeadFactory, display_name="Lena Novak")


def _one(queue, **fields) -> Appeal:
    return bulk_queued_appeals(1, queue=queue, **fields)[0]


def _holder(appeal: Appeal):
    return Appeal.objects.get(pk=appeal.pk).assigned_to


def _moves(appeal: Appeal) -> list[tuple[str, str | None]]:
    return [
        (event.kind, event.actor.email if event.actor else None)
        for event in appeal.events.exclude(kind=Kind.STATUS).select_related("actor")
    ]


# --- Claim next -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_next_gives_the_highest_priority_then_the_oldest_appeal(member):
    routine, urgent = make_queue("Routine", priority=0), make_queue("Urgent", priority=5)
    routine.members.add(member)
    urgent.members.add(member)
    oldest_routine = _one(routine)
    urgent_older, urgent_newer = bulk_queued_appeals(2, queue=urgent)
    Appeal.objects.filter(pk=oldest_routine.pk).update(
        submitted_at=urgent_older.submitted_at - timedelta(days=3)
    )

    assert [claim_next(member).pk for _ in range(3)] == [
        urgent_older.pk,
        urgent_newer.pk,
        oldest_routine.pk,
    ]


@pytest.mark.django_db
def test_claim_next_assigns_the_appeal_with_a_lease_and_a_claimed_event(member, queue):
    appeal = _one(queue)
    with time_machine.travel(timezone.now(), tick=False):
        claimed = claim_next(member)
        now = timezone.now()

    row = Appeal.objects.get(pk=appeal.pk)
    assert claimed.pk == appeal.pk
    assert (row.assigned_to, row.claimed_at, row.lease_expires_at) == (
        member,
        now,
        now + timedelta(minutes=30),
    )
    assert _moves(appeal) == [(Kind.CLAIMED, member.email)]


@pytest.mark.django_db
def test_claim_next_only_offers_the_reviewers_own_queues(member, queue):
    _one(make_queue("Someone else's"))
    assert claim_next(member) is None


@pytest.mark.django_db
def test_claim_next_only_offers_appeals_in_the_reviewers_languages(member, queue):
    _one(queue, language="fr")
    german = _one(queue, language="de")
    no_language = _one(queue, language="")
    member.reviewer_profile.languages = ["en", "de"]
    member.reviewer_profile.save()

    assert {claim_next(member).pk, claim_next(member).pk} == {german.pk, no_language.pk}
    assert claim_next(member) is None


@pytest.mark.django_db
def test_claim_next_never_offers_an_appeal_against_the_reviewers_own_decision(member, queue):
    _one(queue, template=make_action(decided_by=member))
    someone_elses = _one(queue)

    assert claim_next(member).pk == someone_elses.pk
    assert claim_next(member) is None


@pytest.mark.django_db
def test_claim_next_skips_held_closed_and_unrouted_appeals(member, queue):
    _one(queue, assigned_to=ReviewerFactory())
    _one(queue, status=Status.WITHDRAWN)
    _one(queue, status=Status.SECOND_REVIEW)
    _one(queue, routed_at=None)
    waiting_for_answer = _one(queue, status=Status.AWAITING_FREELANCER)

    assert claim_next(member).pk == waiting_for_answer.pk
    assert claim_next(member) is None


@pytest.mark.django_db
def test_claim_next_at_capacity_is_refused_with_a_clear_message(member, queue):
    bulk_queued_appeals(4, queue=queue)
    for _ in range(3):
        claim_next(member)

    with pytest.raises(ClaimRefused, match="You already hold 3 open appeals, your capacity"):
        claim_next(member)
    assert member.assigned_appeals.count() == 3


@pytest.mark.django_db
def test_an_away_reviewer_cannot_claim(member, queue):
    _one(queue)
    member.reviewer_profile.is_available = False
    member.reviewer_profile.save()

    with pytest.raises(ClaimRefused, match="You are marked away"):
        claim_next(member)


@pytest.mark.django_db
def test_someone_without_the_review_permission_cannot_claim(queue):
    outsider = FreelancerFactory()
    queue.members.add(outsider)
    _one(queue)

    with pytest.raises(ClaimRefused, match="Only reviewers can claim appeals"):
        claim_next(outsider)


# --- Claim a given appeal -------------------------------------------------------------------------


@pytest.mark.django_db
def test_claiming_an_appeal_someone_else_holds_is_refused(member, queue):
    holder = make_reviewer(queues=[queue])
    appeal = _one(queue, assigned_to=holder)

    with pytest.raises(ClaimRefused, match="Another reviewer holds this appeal"):
        claim_appeal(appeal, member)
    assert _holder(appeal) == holder


@pytest.mark.django_db
def test_claiming_an_appeal_against_ones_own_decision_is_refused(member, queue):
    appeal = _one(queue, template=make_action(decided_by=member))
    with pytest.raises(ClaimRefused, match="You took the original decision"):
        claim_appeal(appeal, member)


@pytest.mark.django_db
def test_claiming_a_closed_appeal_is_refused(member, queue):
    with pytest.raises(ClaimRefused, match="Only open appeals can be claimed"):
        claim_appeal(_one(queue, status=Status.WITHDRAWN), member)


@pytest.mark.django_db
def test_claiming_a_free_appeal_assigns_it_with_an_event(member, queue):
    appeal = _one(queue)
    assert claim_appeal(appeal, member).assigned_to == member
    assert _holder(appeal) == member
    assert _moves(appeal) == [(Kind.CLAIMED, member.email)]


@pytest.mark.django_db
def test_claiming_an_appeal_one_already_holds_changes_nothing_even_at_capacity(member, queue):
    held = bulk_queued_appeals(3, queue=queue, assigned_to=member)

    assert claim_appeal(held[0], member).assigned_to == member
    assert held[0].events.count() == 0


# --- Release and reassign -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_holder_can_release_an_appeal_to_the_queue(member, queue):
    appeal = _one(queue)
    claim_appeal(appeal, member)

    claims.release_appeal(appeal, by=member)

    row = Appeal.objects.get(pk=appeal.pk)
    assert (row.assigned_to, row.claimed_at, row.lease_expires_at) == (None, None, None)
    assert _moves(appeal) == [(Kind.CLAIMED, member.email), (Kind.RELEASED, member.email)]
    assert appeal.events.get(kind=Kind.RELEASED).reason == "Released from Riley Chen."


@pytest.mark.django_db
def test_a_lead_can_release_anyones_appeal(member, team_lead, queue):
    appeal = _one(queue)
    claim_appeal(appeal, member)

    claims.release_appeal(appeal, by=team_lead, reason="Riley is on leave.")

    assert _holder(appeal) is None
    released = appeal.events.get(kind=Kind.RELEASED)
    assert (released.actor, released.reason) == (team_lead, "Riley is on leave.")


@pytest.mark.django_db
def test_another_reviewer_cannot_release_an_appeal(member, queue):
    appeal = _one(queue)
    claim_appeal(appeal, member)

    with pytest.raises(ClaimRefused, match="Only the holder or a lead can release"):
        claims.release_appeal(appeal, by=make_reviewer(queues=[queue]))
    assert _holder(appeal) == member
    assert _moves(appeal) == [(Kind.CLAIMED, member.email)]


@pytest.mark.django_db
def test_releasing_an_appeal_nobody_holds_is_refused(team_lead, queue):
    with pytest.raises(ClaimRefused, match="Nobody holds this appeal"):
        claims.release_appeal(_one(queue), by=team_lead)


@pytest.mark.django_db
def test_a_lead_can_reassign_an_appeal_to_an_eligible_reviewer(member, team_lead, queue):
    colleague = make_reviewer(queues=[queue], email="sam@example.test")
    appeal = _one(queue)
    claim_appeal(appeal, member)

    claims.reassign_appeal(appeal, to=colleague, by=team_lead)

    row = Appeal.objects.get(pk=appeal.pk)
    assert row.assigned_to == colleague
    assert row.lease_expires_at > timezone.now()
    assert _moves(appeal) == [(Kind.CLAIMED, member.email), (Kind.REASSIGNED, team_lead.email)]
    assert appeal.events.get(kind=Kind.REASSIGNED).reason == (
        f"Reassigned from Riley Chen to {colleague}."
    )


@pytest.mark.django_db
def test_a_lead_can_assign_an_appeal_waiting_in_the_queue(member, team_lead, queue):
    appeal = _one(queue)
    claims.reassign_appeal(appeal, to=member, by=team_lead)
    assert _holder(appeal) == member
    assert appeal.events.get(kind=Kind.REASSIGNED).reason == (
        "Reassigned from the queue to Riley Chen."
    )


@pytest.mark.django_db
def test_reassigning_to_the_original_decider_is_refused(member, team_lead, queue):
    appeal = _one(queue, template=make_action(decided_by=member))
    with pytest.raises(ClaimRefused, match="took the original decision"):
        claims.reassign_appeal(appeal, to=member, by=team_lead)
    assert _holder(appeal) is None


@pytest.mark.django_db
def test_reassigning_to_a_full_reviewer_is_refused(member, team_lead, queue):
    bulk_queued_appeals(3, queue=queue, assigned_to=member)
    appeal = _one(queue)
    with pytest.raises(ClaimRefused, match="your capacity"):
        claims.reassign_appeal(appeal, to=member, by=team_lead)
    assert _holder(appeal) is None


@pytest.mark.django_db
def test_reassigning_to_an_away_reviewer_is_refused(member, team_lead, queue):
    member.reviewer_profile.is_available = False
    member.reviewer_profile.save()
    with pytest.raises(ClaimRefused, match="marked away"):
        claims.reassign_appeal(_one(queue), to=member, by=team_lead)


@pytest.mark.django_db
def test_a_reviewer_cannot_reassign(member, queue):
    colleague = make_reviewer(queues=[queue])
    appeal = _one(queue, assigned_to=member)
    with pytest.raises(ClaimRefused, match="Only leads can reassign"):
        claims.reassign_appeal(appeal, to=colleague, by=member)
    assert _holder(appeal) == member


# --- Leases ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lease_without_activity_returns_the_appeal_to_the_queue(member, queue):
    appeal = _one(queue)
    claim_appeal(appeal, member)
    later = timezone.now() + timedelta(minutes=31)

    assert claims.expire_leases(now=later) == 1

    row = Appeal.objects.get(pk=appeal.pk)
    assert (row.assigned_to, row.claimed_at, row.lease_expires_at) == (None, None, None)
    expired = appeal.events.get(kind=Kind.LEASE_EXPIRED)
    assert (expired.actor, expired.reason) == (None, "No activity by Riley Chen for 30 minutes.")
    # Back in the queue: anyone may claim it now.
    assert claim_next(make_reviewer(queues=[queue])).pk == appeal.pk


@pytest.mark.django_db
def test_a_lease_still_running_is_kept(member, queue):
    appeal = _one(queue)
    claim_appeal(appeal, member)

    assert claims.expire_leases(now=timezone.now() + timedelta(minutes=29)) == 0
    assert _holder(appeal) == member


@pytest.mark.django_db
def test_expiring_leases_twice_changes_nothing_the_second_time(member, queue):
    for appeal in bulk_queued_appeals(3, queue=queue):
        claim_appeal(appeal, member)
    later = timezone.now() + timedelta(hours=1)

    assert claims.expire_leases(now=later) == 3
    assert claims.expire_leases(now=later) == 0
    assert AppealEvent.objects.filter(kind=Kind.LEASE_EXPIRED).count() == 3


@pytest.mark.django_db
def test_an_appeal_waiting_for_the_freelancer_keeps_its_holder(member, queue):
    appeal = _one(queue, status=Status.AWAITING_FREELANCER)
    claim_appeal(appeal, member)

    assert claims.expire_leases(now=timezone.now() + timedelta(days=7)) == 0
    assert _holder(appeal) == member


@pytest.mark.django_db
def test_activity_by_the_holder_pushes_the_lease(member, queue):
    appeal = _one(queue)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        claim_appeal(appeal, member)
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        claims.renew_lease(appeal, member)

    assert Appeal.objects.get(pk=appeal.pk).lease_expires_at == start + timedelta(minutes=50)
    assert claims.expire_leases(now=start + timedelta(minutes=45)) == 0
    assert claims.expire_leases(now=start + timedelta(minutes=50)) == 1


@pytest.mark.django_db
def test_activity_by_someone_else_does_not_push_the_lease(member, queue):
    appeal = _one(queue)
    claim_appeal(appeal, member)
    lease = Appeal.objects.get(pk=appeal.pk).lease_expires_at

    claims.renew_lease(appeal, make_reviewer(queues=[queue]))

    assert Appeal.objects.get(pk=appeal.pk).lease_expires_at == lease


def _in_threads(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; return their results, raise errors."""
    start_together = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start_together.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 — re-raised by the main thread below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_lease_sweeps_expire_each_claim_once(queue):
    reviewer = make_reviewer(capacity=50, queues=[queue])
    appeals = bulk_queued_appeals(40, queue=queue)
    for appeal in appeals:
        claim_appeal(appeal, reviewer)
    later = timezone.now() + timedelta(hours=1)

    expired = _in_threads(2, lambda i: claims.expire_leases(now=later, batch_size=25))

    expired.append(claims.expire_leases(now=later))
    assert sum(expired) == 40
    assert not Appeal.objects.filter(assigned_to__isnull=False).exists()
    per_appeal = Counter(
        AppealEvent.objects.filter(kind=Kind.LEASE_EXPIRED).values_list("appeal_id", flat=True)
    )
    assert per_appeal == Counter({appeal.pk: 1 for appeal in appeals})


# --- Concurrency: 16 reviewers' threads, 2,000 appeals --------------------------------------------


def _analyze() -> None:
    """Fresh statistics after a bulk insert, as autovacuum would gather in production; without
    them PostgreSQL plans the claim query for an empty table and each claim reads them all."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appeals_appeal, appeals_queue, appeals_queue_members")


def _claim_until_refused(reviewer_id: int) -> list[int]:
    """Click "claim next" until the queue is empty or the reviewer is full."""
    reviewer = User.objects.get(pk=reviewer_id)  # one instance per thread
    claimed = []
    while True:
        try:
            appeal = claim_next(reviewer)
        except ClaimRefused:
            return claimed
        if appeal is None:
            return claimed
        claimed.append(appeal.pk)


def _assert_each_appeal_claimed_at_most_once() -> None:
    claims_per_appeal = (
        AppealEvent.objects.filter(kind=Kind.CLAIMED)
        .values("appeal")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(claims_per_appeal) == []
    # Whoever claimed an appeal is the one holding it.
    mismatched = AppealEvent.objects.filter(kind=Kind.CLAIMED).exclude(
        actor=F("appeal__assigned_to")
    )
    assert not mismatched.exists()


@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_claim_two_thousand_appeals_each_exactly_once_within_capacity():
    queue = make_queue("Everything")
    # Two threads per reviewer: the same person clicking twice at once must not pass capacity.
    reviewers = [make_reviewer(capacity=250, queues=[queue]) for _ in range(8)]
    appeals = bulk_queued_appeals(2000, queue=queue)
    _analyze()

    claimed = _in_threads(16, lambda i: _claim_until_refused(reviewers[i % 8].pk))

    all_claims = [pk for per_thread in claimed for pk in per_thread]
    assert len(all_claims) == len(set(all_claims)) == 2000
    assert set(all_claims) == {appeal.pk for appeal in appeals}
    assert not Appeal.objects.filter(assigned_to__isnull=True).exists()
    load = Counter(Appeal.objects.values_list("assigned_to", flat=True))
    assert load == Counter({reviewer.pk: 250 for reviewer in reviewers})
    assert AppealEvent.objects.filter(kind=Kind.CLAIMED).count() == 2000
    _assert_each_appeal_claimed_at_most_once()


@pytest.mark.django_db(transaction=True)
def test_four_reviewers_clicking_in_four_threads_each_never_pass_their_capacity():
    queue = make_queue("Everything")
    reviewers = [make_reviewer(capacity=100, queues=[queue]) for _ in range(4)]
    bulk_queued_appeals(600, queue=queue)
    _analyze()

    claimed = _in_threads(16, lambda i: _claim_until_refused(reviewers[i % 4].pk))

    assert sum(len(per_thread) for per_thread in claimed) == 400
    load = Counter(
        Appeal.objects.filter(assigned_to__isnull=False).values_list("assigned_to", flat=True)
    )
    assert load == Counter({reviewer.pk: 100 for reviewer in reviewers})
    assert Appeal.objects.filter(assigned_to__isnull=True).count() == 200
    _assert_each_appeal_claimed_at_most_once()


@pytest.mark.django_db(transaction=True)
def test_routing_and_claiming_at_the_same_time_never_pass_a_reviewers_capacity():
    queue = routing.fallback_queue()
    reviewer = make_reviewer(capacity=5, queues=[queue])
    bulk_queued_appeals(20, queue=queue)
    unrouted = [appeal.pk for appeal in bulk_queued_appeals(40, queue=None)]

    def work(i: int) -> None:
        if i % 2:
            _claim_until_refused(reviewer.pk)
        else:
            for appeal_id in unrouted[i // 2 :: 4]:
                routing.route_appeal(appeal_id)

    _in_threads(8, work)

    assert not Appeal.objects.filter(routed_at__isnull=True).exists()
    assert Appeal.objects.filter(assigned_to=reviewer).count() == 5
    assert AppealEvent.objects.filter(kind__in=[Kind.ASSIGNED, Kind.CLAIMED]).count() == 5
