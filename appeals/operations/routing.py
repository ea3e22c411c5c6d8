"""Routing: how an appeal reaches a queue and, when one has room, a qualified reviewer.

`route_appeal` (one transaction, each move an AppealEvent) picks the queue by the first matching
routing rule (or the fallback), sets the deadlines from the queue's SLA policy, tells the
freelancer that the appeal was received and when to expect a reply, and assigns the eligible
reviewer with the most spare capacity, or leaves the appeal unassigned for "claim next".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ReviewerProfile, TrackRecord, User
from accounts.roles import REVIEW_APPEALS
from appeals.models import Appeal, AppealEvent, Queue, RoutingRule
from appeals.operations import sla
from appeals.operations.claims import lease_duration
from infra.dates import format_when
from notifications.models import Notification
from notifications.services import in_language_of, notify


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
    # The account's track record (None / empty when the marketplace never synced it).
    tenure_years: int | None = None
    earnings: Decimal | None = None
    badges: tuple[str, ...] = ()

    @classmethod
    def of(cls, appeal: Appeal) -> RoutingFacts:
        action = appeal.action
        record = TrackRecord.objects.select_related("user").filter(user=action.account_id).first()
        return cls(
            tenure_years=record.tenure_years() if record else None,
            earnings=record.earnings_to_date if record else None,
            badges=tuple(record.badges) if record else (),
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
        and (
            rule.min_tenure_years is None
            or (facts.tenure_years is not None and facts.tenure_years >= rule.min_tenure_years)
        )
        and (
            rule.min_earnings is None
            or (facts.earnings is not None and facts.earnings >= rule.min_earnings)
        )
        and (not rule.badge or rule.badge in facts.badges)
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
    track_ok = all(
        getattr(general, name) is None
        or (
            getattr(specific, name) is not None
            and getattr(specific, name) >= getattr(general, name)
        )
        for name in ("min_tenure_years", "min_earnings")
    )
    return low_ok and high_ok and track_ok and same_or_any(general.badge, specific.badge)


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
        # A subquery, not a join: FOR UPDATE cannot be combined with DISTINCT.
        .filter(user__in=User.objects.with_role_permission(REVIEW_APPEALS))
        .exclude(user_id__in=appeal.decision_takers())
        .select_related("user")
        .order_by("pk")
    )


def _pick_reviewer(queue: Queue, appeal: Appeal):
    profiles = [p for p in _eligible_profiles(queue, appeal) if p.speaks(appeal.language)]
    if not profiles:
        return None
    load = dict(
        Appeal.objects.claimed()
        .filter(assigned_to__in=[p.user_id for p in profiles])
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
    with transaction.atomic(durable=True):
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
        may_assign = appeal.status in Appeal.HELD_STATUSES and appeal.assigned_to_id is None
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
                holder=reviewer,
                to_status=appeal.status,
                from_status=appeal.status,
                reason=f"Assigned to {reviewer}.",
            )
        Appeal.objects.filter(pk=appeal.pk).update(**updates)
        for name, value in updates.items():
            setattr(appeal, name, value)
        sla.recompute_clocks(appeal, reason=f"Deadlines set by the policy of {queue.name}.")
        _tell_freelancer_received(appeal)
        return appeal


def received_notice_body(appeal: Appeal) -> str:
    """The "appeal received" message: who reviews it and when to expect a reply and a decision,
    in the freelancer's time zone."""
    zone = ZoneInfo(appeal.freelancer.time_zone or "UTC")

    def local(moment: datetime | None) -> str:
        if moment is None:  # the clock is paused: it waits for the freelancer's answer
            return _("a date we will give you once you have answered our question")
        return format_when(moment, zone)

    with in_language_of(appeal.freelancer):
        return _(
            "A person on our Trust & Safety team, who did not take the original decision, will "
            "review it. You can expect a first reply by %(reply)s and a decision by %(decision)s."
        ) % {
            "reply": local(appeal.reply_expected_by()),
            "decision": local(appeal.decision_expected_by()),
        }


def _tell_freelancer_received(appeal: Appeal) -> None:
    """Routing set the queue's deadlines: now the freelancer is told the appeal was received and
    when to expect a reply and a decision (once, as routing is; never a date that routing would
    still change)."""
    fresh = Appeal.objects.select_related("freelancer", "action").get(pk=appeal.pk)
    notify(
        fresh.freelancer,
        kind=Notification.Kind.APPEAL_RECEIVED,
        appeal=fresh,
        subject=format_lazy(
            gettext_lazy("We received your appeal against action #{number}"), number=fresh.action_id
        ),
        body=received_notice_body(fresh),
        url=fresh.get_absolute_url(),
    )


def unrouted_appeal_ids(*, older_than: timedelta | None = None) -> list[int]:
    """Appeals still unrouted REDRIVE_AFTER_SECONDS (a minute) after filing: their message was
    lost (a broker restart, a killed worker)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.REDRIVE_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    return list(
        Appeal.objects.unrouted(submitted_before=cutoff)
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:1000]
    )
