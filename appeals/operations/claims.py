"""Claims: who holds an appeal, never two reviewers at once.

Use cases (each one transaction, each move an AppealEvent):
- `claim_next`: give a reviewer the most urgent unassigned appeal they may work.
- `claim_appeal`: claim one appeal from its page.
- `release_appeal`, `reassign_appeal`: a holder or a lead moves an appeal.
- `expire_leases`: return claims without activity to their queue.
- `set_availability`: a reviewer marks themselves available or away.
A claim is a lease (`lease_expires_at`) renewed by the holder's activity.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ReviewerProfile, record_audit
from accounts.roles import MANAGE_QUEUES, REVIEW_APPEALS
from appeals.models import Appeal, AppealEvent, Queue


class ClaimRefused(ValidationError):
    """A claim or a move that cannot be made; the message says why."""


def lease_duration() -> timedelta:
    return timedelta(minutes=settings.APPEAL_LEASE_MINUTES)


def _claimable_for(reviewer, profile: ReviewerProfile):
    appeals = Appeal.objects.waiting_in(Queue.objects.for_member(reviewer)).exclude(
        Q(original_decider=reviewer) | Q(action__confirmed_by=reviewer)
    )
    # Same rule as routing (ReviewerProfile.speaks): appeals in a language the reviewer lists.
    return appeals.filter(Q(language="") | Q(language__in=profile.languages))


def claim_next(reviewer) -> Appeal | None:
    """Give `reviewer` the most urgent unassigned appeal they may work, or None.

    The reviewer's own profile row is locked first, so their concurrent clicks run one at a
    time and capacity holds; candidate appeals are locked with SKIP LOCKED, so reviewers
    claiming at the same moment each get a different appeal instead of waiting.
    """
    with transaction.atomic(durable=True):
        profile = _locked_profile(reviewer)
        _check_room(reviewer, profile)
        appeal = (
            _claimable_for(reviewer, profile)
            .order_by("-priority", "submitted_at", "id")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if appeal is None:
            return None
        assign(appeal, reviewer, kind=AppealEvent.Kind.CLAIMED, actor=reviewer, reason="Claimed.")
        return appeal


def claim_appeal(appeal: Appeal, reviewer) -> Appeal:
    """Claim a specific appeal (from its page) if nobody holds it."""
    with transaction.atomic(durable=True):
        # The appeal before the profile, the order routing locks them in, so that the two never
        # deadlock; and a reviewer at capacity may still "claim" what they already hold.
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        if locked.assigned_to_id == reviewer.pk:
            return locked
        profile = _locked_profile(reviewer)
        _check_room(reviewer, profile)
        if locked.assigned_to_id is not None:
            raise ClaimRefused("Another reviewer holds this appeal.")
        if locked.status not in Appeal.HELD_STATUSES:
            raise ClaimRefused("Only open appeals can be claimed.")
        if locked.took_part_in_decision(reviewer.pk):
            raise ClaimRefused("You took the original decision, so you cannot work its appeal.")
        assign(locked, reviewer, kind=AppealEvent.Kind.CLAIMED, actor=reviewer, reason="Claimed.")
        return locked


def set_availability(reviewer, *, available: bool) -> ReviewerProfile:
    """The reviewer marks themselves available or away (creating their profile if need be).

    Routing skips away reviewers, so the switch is audited: leads need to know when and by whom.
    """
    with transaction.atomic(durable=True):
        profile, _ = ReviewerProfile.objects.update_or_create(
            user=reviewer, defaults={"is_available": available}
        )
        record_audit(
            actor=reviewer,
            verb="reviewer.available" if available else "reviewer.away",
            obj=profile,
            summary=f"{reviewer} is now {'available' if available else 'away'}.",
        )
    return profile


def _locked_profile(reviewer) -> ReviewerProfile:
    if not reviewer.has_perm(REVIEW_APPEALS):
        raise ClaimRefused("Only reviewers can claim appeals.")
    # One locking read when the profile exists (every claim but a reviewer's first).
    profile = (
        ReviewerProfile.objects.select_for_update().filter(user=reviewer).order_by("pk").first()
    )
    if profile is None:
        profile, _ = ReviewerProfile.objects.get_or_create(
            user=reviewer, defaults={"languages": [reviewer.preferred_language]}
        )
        profile = ReviewerProfile.objects.select_for_update().get(pk=profile.pk)
    if not profile.is_available:
        raise ClaimRefused("You are marked away. Switch to available to claim appeals.")
    return profile


def _check_room(reviewer, profile: ReviewerProfile) -> None:
    held = Appeal.objects.claimed().filter(assigned_to=reviewer).count()
    if held >= profile.capacity:
        raise ClaimRefused(
            f"You already hold {held} open appeals, your capacity. Finish or release one first."
        )


def assign(appeal: Appeal, reviewer, *, kind: str, actor, reason: str) -> None:
    now = timezone.now()
    fields = {
        "assigned_to": reviewer,
        "claimed_at": now,
        "lease_expires_at": now + lease_duration(),
    }
    Appeal.objects.filter(pk=appeal.pk).update(**fields)
    for name, value in fields.items():
        setattr(appeal, name, value)
    AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor,
        holder=reviewer,
        from_status=appeal.status,
        to_status=appeal.status,
        reason=reason,
    )


def renew_lease(appeal: Appeal, reviewer) -> None:
    """Activity by the holder keeps the claim alive."""
    # The conditional update is the guard, not `appeal.assigned_to`: the caller's copy may
    # predate the claim (or a reassignment) and must neither block nor grant the renewal.
    expires = timezone.now() + lease_duration()
    if Appeal.objects.filter(pk=appeal.pk, assigned_to=reviewer).update(lease_expires_at=expires):
        appeal.lease_expires_at = expires


def renew_lease_after_reply(appeal: Appeal) -> None:
    """The freelancer answered: the holder's lease starts afresh (it does not lapse while the
    appeal waits for the freelancer)."""
    if appeal.assigned_to_id is not None:
        Appeal.objects.filter(pk=appeal.pk).update(
            lease_expires_at=timezone.now() + lease_duration()
        )


def release_appeal(appeal: Appeal, *, by, reason: str = "") -> Appeal:
    """The holder gives the appeal back, or a lead takes it away from whoever holds it."""
    with transaction.atomic(durable=True):
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        is_lead = by.has_perm(MANAGE_QUEUES)
        if locked.assigned_to_id is None:
            raise ClaimRefused("Nobody holds this appeal.")
        if locked.assigned_to_id != by.pk and not is_lead:
            raise ClaimRefused("Only the holder or a lead can release this appeal.")
        holder = locked.assigned_to
        Appeal.objects.filter(pk=locked.pk).update(
            assigned_to=None, claimed_at=None, lease_expires_at=None
        )
        AppealEvent.objects.create(
            appeal=locked,
            kind=AppealEvent.Kind.RELEASED,
            actor=by,
            from_status=locked.status,
            to_status=locked.status,
            reason=reason or f"Released from {holder}.",
        )
        locked.assigned_to = None
        return locked


def reassign_appeal(appeal: Appeal, *, to, by, reason: str = "") -> Appeal:
    """A lead moves an appeal to a named reviewer (who must be eligible and have room)."""
    if not by.has_perm(MANAGE_QUEUES):
        raise ClaimRefused("Only leads can reassign appeals.")
    with transaction.atomic(durable=True):
        # Appeal first, then profile: the order routing and claim_appeal lock them in.
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        profile = _locked_profile(to)
        if locked.status not in Appeal.HELD_STATUSES:
            raise ClaimRefused("Only open appeals can be reassigned.")
        if locked.took_part_in_decision(to.pk):
            raise ClaimRefused(f"{to} took the original decision and cannot work its appeal.")
        if locked.assigned_to_id == to.pk:
            return locked
        _check_room(to, profile)
        before = locked.assigned_to
        assign(
            locked,
            to,
            kind=AppealEvent.Kind.REASSIGNED,
            actor=by,
            reason=reason or f"Reassigned from {before or 'the queue'} to {to}.",
        )
        return locked


def expire_leases(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Return claims without activity to their queue. Safe to run concurrently."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic(durable=True):
        due = list(
            Appeal.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                assigned_to__isnull=False,
                lease_expires_at__lte=now,
                status__in=Appeal.LEASED_STATUSES,
            )
            .select_related("assigned_to")
            .order_by("lease_expires_at")[:batch_size]
        )
        for appeal in due:
            holder = appeal.assigned_to
            Appeal.objects.filter(pk=appeal.pk).update(
                assigned_to=None, claimed_at=None, lease_expires_at=None
            )
            AppealEvent.objects.create(
                appeal=appeal,
                kind=AppealEvent.Kind.LEASE_EXPIRED,
                from_status=appeal.status,
                to_status=appeal.status,
                reason=f"No activity by {holder} for {settings.APPEAL_LEASE_MINUTES} minutes.",
            )
            expired += 1
    return expired
