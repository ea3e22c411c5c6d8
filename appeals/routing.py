"""Routing, assignment and claims: how appeals reach qualified reviewers, and never two at once.

Use cases (each one transaction, each move an AppealEvent):
- `route_appeal`: pick the queue by the first matching routing rule (or the fallback), then
  assign to the eligible reviewer with the most spare capacity, or leave it unassigned.
- `claim_next`: give a reviewer the most urgent unassigned appeal they may work.
- `expire_leases`: return claims without activity to their queue.
- `release_appeal`, `reassign_appeal`: a holder or a lead moves an appeal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import ReviewerProfile, User
from appeals import sla
from appeals.models import Appeal, AppealEvent, Queue, RoutingRule

REVIEW_PERMISSION = "accounts.review_appeals"
# Appeals a reviewer "holds": open and not waiting on someone else's approval.
HELD_STATUSES = (
    Appeal.Status.SUBMITTED,
    Appeal.Status.IN_REVIEW,
    Appeal.Status.AWAITING_FREELANCER,
)


class ClaimRefused(ValidationError):
    """A claim or a move that cannot be made; the message says why."""


def lease_duration() -> timedelta:
    return timedelta(minutes=settings.APPEAL_LEASE_MINUTES)


def fallback_queue() -> Queue:
    queue = Queue.objects.filter(is_fallback=True).first()
    if queue is None:
        queue, _ = Queue.objects.get_or_create(
            is_fallback=True,
            defaults={"name": "General appeals", "description": "Appeals no rule routes."},
        )
    return queue


# --- Matching -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingFacts:
    """What routing rules can look at, read once from the appeal and its action."""

    reason_code_id: int
    rule_id: int
    restriction_type: str
    automated_decision: str
    language: str
    region: str
    funds_held: object

    @classmethod
    def of(cls, appeal: Appeal) -> RoutingFacts:
        action = appeal.action
        return cls(
            reason_code_id=action.reason_code_id,
            rule_id=action.reason_code.rule_id,
            restriction_type=action.restriction_type,
            automated_decision=action.automated_decision,
            language=appeal.language,
            region=appeal.region,
            funds_held=action.funds_still_held(),
        )


def rule_matches(rule: RoutingRule, facts: RoutingFacts) -> bool:
    return (
        (rule.reason_code_id is None or rule.reason_code_id == facts.reason_code_id)
        and (rule.rule_id is None or rule.rule_id == facts.rule_id)
        and (not rule.restriction_type or rule.restriction_type == facts.restriction_type)
        and (not rule.automated_decision or rule.automated_decision == facts.automated_decision)
        and (not rule.language or rule.language == facts.language)
        and (not rule.region or rule.region == facts.region)
        and (rule.min_funds_held is None or facts.funds_held >= rule.min_funds_held)
        and (rule.max_funds_held is None or facts.funds_held <= rule.max_funds_held)
    )


def choose_queue(facts: RoutingFacts, rules: list[RoutingRule]) -> tuple[Queue, RoutingRule | None]:
    for rule in rules:
        if rule.is_active and rule_matches(rule, facts):
            return rule.queue, rule
    return fallback_queue(), None


def _covers(general: RoutingRule, specific: RoutingRule) -> bool:
    """True if every appeal `specific` matches is also matched by `general`."""

    def same_or_any(a, b) -> bool:
        return a in (None, "") or a == b

    if not same_or_any(general.reason_code_id, specific.reason_code_id):
        return False
    if general.rule_id is not None and general.rule_id != specific.rule_id:
        # A reason code belongs to exactly one rule: a rule condition covers its reason codes.
        reason_rule = specific.reason_code.rule_id if specific.reason_code_id else None
        if reason_rule != general.rule_id:
            return False
    if not all(
        same_or_any(getattr(general, name), getattr(specific, name))
        for name in ("restriction_type", "automated_decision", "language", "region")
    ):
        return False
    low_ok = general.min_funds_held is None or (
        specific.min_funds_held is not None and specific.min_funds_held >= general.min_funds_held
    )
    high_ok = general.max_funds_held is None or (
        specific.max_funds_held is not None and specific.max_funds_held <= general.max_funds_held
    )
    return low_ok and high_ok


def shadowing_rule(rule: RoutingRule) -> RoutingRule | None:
    """The earlier active rule that matches everything `rule` matches, if any (so `rule` can
    never fire). Shown as a warning when a lead saves a rule."""
    if not rule.is_active:
        return None
    earlier = RoutingRule.objects.filter(is_active=True, position__lt=rule.position).select_related(
        "reason_code"
    )
    for candidate in earlier.order_by("position"):
        if _covers(candidate, rule):
            return candidate
    return None


# --- Routing and assignment -----------------------------------------------------------------------


def _eligible_profiles(queue: Queue, appeal: Appeal):
    """Reviewer profiles that may take `appeal` from `queue`, locked in a fixed order so that
    concurrent assignments serialize per reviewer instead of overfilling one."""
    return (
        ReviewerProfile.objects.select_for_update(of=("self",))
        .filter(
            user__appeal_queues=queue,
            user__is_active=True,
            is_available=True,
        )
        .filter(
            # A subquery, not a join: FOR UPDATE cannot be combined with DISTINCT.
            user__in=User.objects.filter(
                groups__permissions__codename="review_appeals",
                groups__permissions__content_type__app_label="accounts",
            )
        )
        .exclude(user_id__in=appeal.decision_takers())
        .select_related("user")
        .order_by("pk")
    )


def _pick_reviewer(queue: Queue, appeal: Appeal):
    profiles = [p for p in _eligible_profiles(queue, appeal) if p.speaks(appeal.language)]
    if not profiles:
        return None
    load = dict(
        Appeal.objects.filter(
            status__in=HELD_STATUSES, assigned_to__in=[p.user_id for p in profiles]
        )
        .values_list("assigned_to")
        .annotate(n=Count("id"))
    )
    spare = [(p.capacity - load.get(p.user_id, 0), p) for p in profiles]
    spare = [(room, p) for room, p in spare if room > 0]
    if not spare:
        return None
    # Most spare capacity first; ties go to the lowest id, so the choice is deterministic.
    return max(spare, key=lambda item: (item[0], -item[1].pk))[1].user


def route_appeal(appeal_id: int) -> Appeal | None:
    """Route one appeal. Idempotent: an appeal already routed is left exactly as it is."""
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("action__reason_code")
            .filter(pk=appeal_id)
            .first()
        )
        if appeal is None or appeal.routed_at is not None:
            return appeal
        rules = list(RoutingRule.objects.filter(is_active=True).select_related("queue"))
        queue, matched = choose_queue(RoutingFacts.of(appeal), rules)
        now = timezone.now()
        appeal.queue, appeal.priority, appeal.routed_at = queue, queue.priority, now
        updates = {"queue": queue, "priority": queue.priority, "routed_at": now}
        AppealEvent.objects.create(
            appeal=appeal,
            kind=AppealEvent.Kind.ROUTED,
            to_status=appeal.status,
            from_status=appeal.status,
            reason=f"Queue {queue.name}"
            + (f" by rule {matched.position} ({matched.name})." if matched else " (fallback)."),
        )
        # A reviewer may have claimed the appeal from its page before the routing message
        # arrived (a slow or re-driven message): routing then files it, and keeps the holder.
        may_assign = appeal.status in HELD_STATUSES and appeal.assigned_to_id is None
        reviewer = _pick_reviewer(queue, appeal) if may_assign else None
        if reviewer is not None:
            updates |= {
                "assigned_to": reviewer,
                "claimed_at": now,
                "lease_expires_at": now + lease_duration(),
            }
            AppealEvent.objects.create(
                appeal=appeal,
                kind=AppealEvent.Kind.ASSIGNED,
                to_status=appeal.status,
                from_status=appeal.status,
                reason=f"Assigned to {reviewer}.",
            )
        Appeal.objects.filter(pk=appeal.pk).update(**updates)
        for name, value in updates.items():
            setattr(appeal, name, value)
        sla.recompute_clocks(appeal, reason=f"Deadlines set by the policy of {queue.name}.")
        sla.refresh_received_notice(appeal)
        return appeal


def unrouted_appeal_ids(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    cutoff = timezone.now() - older_than
    return list(
        Appeal.objects.filter(routed_at__isnull=True, submitted_at__lt=cutoff)
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:1000]
    )


# --- Claims ---------------------------------------------------------------------------------------


def _claimable_for(reviewer, profile: ReviewerProfile):
    appeals = Appeal.objects.filter(
        status__in=HELD_STATUSES,
        assigned_to__isnull=True,
        routed_at__isnull=False,
        queue__members=reviewer,
    ).exclude(Q(original_decider=reviewer) | Q(action__confirmed_by=reviewer))
    # Same rule as routing (ReviewerProfile.speaks): appeals in a language the reviewer lists.
    return appeals.filter(Q(language="") | Q(language__in=profile.languages))


def claim_next(reviewer) -> Appeal | None:
    """Give `reviewer` the most urgent unassigned appeal they may work, or None.

    The reviewer's own profile row is locked first, so their concurrent clicks run one at a
    time and capacity holds; candidate appeals are locked with SKIP LOCKED, so reviewers
    claiming at the same moment each get a different appeal instead of waiting.
    """
    with transaction.atomic():
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
        _assign(appeal, reviewer, kind=AppealEvent.Kind.CLAIMED, actor=reviewer, reason="Claimed.")
        return appeal


def claim_appeal(appeal: Appeal, reviewer) -> Appeal:
    """Claim a specific appeal (from its page) if nobody holds it."""
    with transaction.atomic():
        # The appeal before the profile, the order routing locks them in, so that the two never
        # deadlock; and a reviewer at capacity may still "claim" what they already hold.
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        if locked.assigned_to_id == reviewer.pk:
            return locked
        profile = _locked_profile(reviewer)
        _check_room(reviewer, profile)
        if locked.assigned_to_id is not None:
            raise ClaimRefused("Another reviewer holds this appeal.")
        if locked.status not in HELD_STATUSES:
            raise ClaimRefused("Only open appeals can be claimed.")
        if locked.took_part_in_decision(reviewer.pk):
            raise ClaimRefused("You took the original decision, so you cannot work its appeal.")
        _assign(locked, reviewer, kind=AppealEvent.Kind.CLAIMED, actor=reviewer, reason="Claimed.")
        return locked


def _locked_profile(reviewer) -> ReviewerProfile:
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise ClaimRefused("Only reviewers can claim appeals.")
    profile, _ = ReviewerProfile.objects.get_or_create(
        user=reviewer, defaults={"languages": [reviewer.preferred_language]}
    )
    profile = ReviewerProfile.objects.select_for_update().get(pk=profile.pk)
    if not profile.is_available:
        raise ClaimRefused("You are marked away. Switch to available to claim appeals.")
    return profile


def _check_room(reviewer, profile: ReviewerProfile) -> None:
    held = Appeal.objects.filter(status__in=HELD_STATUSES, assigned_to=reviewer).count()
    if held >= profile.capacity:
        raise ClaimRefused(
            f"You already hold {held} open appeals, your capacity. Finish or release one first."
        )


def _assign(appeal: Appeal, reviewer, *, kind: str, actor, reason: str) -> None:
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
    with transaction.atomic():
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        is_lead = by.has_perm("accounts.manage_queues")
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
    if not by.has_perm("accounts.manage_queues"):
        raise ClaimRefused("Only leads can reassign appeals.")
    with transaction.atomic():
        # Appeal first, then profile: the order routing and claim_appeal lock them in.
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        profile = _locked_profile(to)
        if locked.status not in HELD_STATUSES:
            raise ClaimRefused("Only open appeals can be reassigned.")
        if locked.took_part_in_decision(to.pk):
            raise ClaimRefused(f"{to} took the original decision and cannot work its appeal.")
        if locked.assigned_to_id == to.pk:
            return locked
        _check_room(to, profile)
        before = locked.assigned_to
        _assign(
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
    with transaction.atomic():
        due = list(
            Appeal.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                assigned_to__isnull=False,
                lease_expires_at__lte=now,
                status__in=(Appeal.Status.SUBMITTED, Appeal.Status.IN_REVIEW),
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
