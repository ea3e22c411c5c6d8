"""Use cases of the enforcement area. Each is one transaction and writes its audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import record_audit
from enforcement.choices import (
    EEA_COUNTRIES,
    AutomatedDecision,
    ContentType,
    DecisionAccount,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    SourceType,
)
from enforcement.models import (
    ActionEvent,
    Capability,
    ClientCorrection,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    ReasonCode,
    Rule,
    RuleVersion,
)


class ActionRefused(ValidationError):
    """An action that cannot be issued as asked; `message_dict` maps fields to reasons."""


# --- Rule catalogue ----------------------------------------------------------------------------


@transaction.atomic
def draft_rule_version(
    rule: Rule,
    *,
    text: str,
    examples: str = "",
    change_summary: str = "",
    effective_from: datetime | None = None,
    drafted_by,
) -> RuleVersion:
    if not text.strip():
        raise ValidationError({"text": "A rule version needs its text."})
    version = RuleVersion.objects.create(
        rule=rule,
        text=text,
        examples=examples,
        change_summary=change_summary,
        effective_from=effective_from,
    )
    record_audit(actor=drafted_by, verb="rule_version.drafted", obj=version, summary=str(version))
    return version


@transaction.atomic
def publish_rule_version(version: RuleVersion, *, published_by) -> RuleVersion:
    """Publish a draft: it gets the next number and can never change again.

    Rules are never retroactive: the text applies from its effective date, which cannot lie
    before the moment of publication.
    """
    now = timezone.now()
    # Lock the rule so two publications of the same rule cannot take the same number.
    Rule.objects.select_for_update().get(pk=version.rule_id)
    current = RuleVersion.objects.get(pk=version.pk)
    if current.is_published:
        raise ValidationError(f"{current} is already published.")
    effective_from = current.effective_from or now
    if effective_from < now:
        raise ValidationError(
            {"effective_from": "A rule cannot apply before it is published; pick a later date."}
        )
    # The first version needs no change summary; every later one says what changed.
    if current.rule.versions.published().exists() and not current.change_summary.strip():
        raise ValidationError({"change_summary": "Say what changed from the previous version."})
    number = (current.rule.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    RuleVersion.objects.filter(pk=current.pk, published_at__isnull=True).update(
        number=number, published_at=now, published_by=published_by, effective_from=effective_from
    )
    current.refresh_from_db()
    record_audit(
        actor=published_by,
        verb="rule_version.published",
        obj=current,
        summary=f"Published {current} effective {effective_from:%Y-%m-%d %H:%M}",
    )
    return current


# --- Issuing actions ---------------------------------------------------------------------------


@dataclass
class EvidenceInput:
    signal_category: str
    summary: str
    internal_detail: str = ""
    redaction: str = EvidenceItem.Redaction.NONE
    redaction_reason: str = ""
    observed_at: datetime | None = None


@dataclass
class ClientNoticeInput:
    client_name: str
    text: str
    shown_at: datetime
    client_reference: str = ""
    contract_reference: str = ""


@dataclass
class ActionRequest:
    """Everything a statement of reasons needs, whichever path (API, staff form, seed) asks."""

    account: object
    restriction_type: str
    reason_code: ReasonCode
    cited_versions: list[RuleVersion]
    facts: str
    source_type: str
    automated_detection: bool
    automated_decision: str
    evidence: list[EvidenceInput]
    starts_at: datetime
    ends_at: datetime | None = None
    restricted_capabilities: list[str] = field(default_factory=list)
    decision_visibility: list[str] = field(default_factory=list)
    decision_visibility_other: str = ""
    decision_monetary: str = ""
    decision_monetary_other: str = ""
    decision_provision: str = ""
    decision_account: str = ""
    content_type: list[str] = field(default_factory=lambda: [ContentType.OTHER])
    territorial_scope: list[str] = field(default_factory=list)
    funds_held_amount: Decimal = Decimal("0")
    funds_currency: str = ""
    funds_release_condition: str = ""
    funds_release_on: date | None = None
    strike_count: int = 0
    strikes_expire_on: date | None = None
    client_notices: list[ClientNoticeInput] = field(default_factory=list)
    notified_at: datetime | None = None


def _check_request(req: ActionRequest, errors: dict[str, list[str]]) -> None:
    def refuse(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    types = EnforcementAction.RestrictionType
    if req.restriction_type not in types.values:
        refuse("restriction_type", f"Unknown restriction type {req.restriction_type!r}.")
    if not req.cited_versions:
        refuse("cited_versions", "Cite the published rule version the action relies on.")
    in_force = set(
        RuleVersion.objects.in_force_at(req.starts_at)
        .filter(pk__in=[v.pk for v in req.cited_versions if v.pk])
        .values_list("pk", flat=True)
    )
    for version in req.cited_versions:
        if not version.is_published:
            refuse("cited_versions", f"{version} is a draft; only published versions can be cited.")
        elif version.pk not in in_force:
            refuse(
                "cited_versions",
                f"{version} was not in force on {req.starts_at:%Y-%m-%d %H:%M %Z}; "
                "cite the version that applied when the action started.",
            )
    if len({v.rule_id for v in req.cited_versions}) != len(req.cited_versions):
        refuse("cited_versions", "Cite each rule once.")
    if req.reason_code.rule_id not in {v.rule_id for v in req.cited_versions}:
        refuse(
            "reason_code",
            f"Reason code {req.reason_code.code} belongs to {req.reason_code.rule.key}, "
            "which the action does not cite.",
        )
    if not req.reason_code.is_active:
        refuse("reason_code", f"Reason code {req.reason_code.code} is retired.")
    if not req.facts.strip():
        refuse("facts", "State the facts and circumstances relied on.")
    elif len(req.facts) > 5000:
        refuse("facts", "Facts are limited to 5,000 characters.")
    if not req.evidence:
        refuse("evidence", "Give at least one evidence summary.")
    for index, item in enumerate(req.evidence):
        if item.signal_category not in EvidenceItem.SignalCategory.values:
            refuse(f"evidence.{index}.signal_category", "Unknown signal category.")
        if not item.summary.strip():
            refuse(f"evidence.{index}.summary", "Every evidence item needs a summary.")
        if item.redaction not in EvidenceItem.Redaction.values:
            refuse(f"evidence.{index}.redaction", "Unknown redaction level.")
        elif item.redaction != EvidenceItem.Redaction.NONE and not item.redaction_reason.strip():
            refuse(f"evidence.{index}.redaction_reason", "Say why this evidence is withheld.")
    if not (
        req.decision_visibility
        or req.decision_monetary
        or req.decision_provision
        or req.decision_account
    ):
        refuse(
            "decision",
            "Set at least one of the visibility, monetary, provision or account decisions.",
        )
    if any(v not in DecisionVisibility.values for v in req.decision_visibility):
        refuse("decision_visibility", "Unknown visibility decision.")
    if DecisionVisibility.OTHER in req.decision_visibility and not req.decision_visibility_other:
        refuse("decision_visibility_other", "Describe the other visibility restriction.")
    # These columns are exported as DSA Transparency Database values: only its own values.
    for name, choices in (
        ("decision_monetary", DecisionMonetary),
        ("decision_provision", DecisionProvision),
        ("decision_account", DecisionAccount),
    ):
        if getattr(req, name) and getattr(req, name) not in choices.values:
            refuse(name, f"Unknown value {getattr(req, name)!r}.")
    if req.decision_monetary == DecisionMonetary.OTHER and not req.decision_monetary_other.strip():
        refuse("decision_monetary_other", "Describe the other monetary restriction.")
    for name in ("decision_visibility_other", "decision_monetary_other"):
        if len(getattr(req, name)) > 500:
            refuse(name, "Limited to 500 characters.")
    if req.source_type not in SourceType.values:
        refuse("source_type", "Say where the action came from (notice, flagger, own initiative).")
    if any(c not in Capability.values for c in req.restricted_capabilities):
        refuse("restricted_capabilities", "Unknown capability.")
    if not req.content_type or any(c not in ContentType.values for c in req.content_type):
        refuse("content_type", "Give at least one known content type.")
    if any(c not in EEA_COUNTRIES for c in req.territorial_scope):
        refuse("territorial_scope", "Use EU/EEA country codes such as DE or FR.")
    if req.automated_decision not in AutomatedDecision.values:
        refuse("automated_decision", "Unknown automated decision value.")
    if req.ends_at is not None and req.ends_at <= req.starts_at:
        refuse("ends_at", "The end must come after the start.")
    if req.restriction_type == types.TEMPORARY_SUSPENSION and req.ends_at is None:
        refuse("ends_at", "A temporary suspension needs an end date.")
    if req.restriction_type == types.PERMANENT_TERMINATION and req.ends_at is not None:
        refuse("ends_at", "A permanent termination has no end date.")
    if req.funds_held_amount < 0:
        refuse("funds_held_amount", "Funds held cannot be negative.")
    if req.funds_held_amount > 0:
        if len(req.funds_currency) != 3 or not req.funds_currency.isalpha():
            refuse("funds_currency", "Give the ISO currency of the funds held (e.g. EUR).")
        if not req.funds_release_condition.strip():
            refuse("funds_release_condition", "Say when and how the held funds are released.")
    if req.strike_count and req.strikes_expire_on is None:
        refuse("strikes_expire_on", "Strikes must have an expiry date.")
    for index, notice in enumerate(req.client_notices):
        if not notice.client_name.strip() or not notice.text.strip():
            refuse(
                f"client_notices.{index}", "A client notice needs the client and the exact text."
            )


@transaction.atomic
def issue_action(req: ActionRequest, *, issued_by) -> EnforcementAction:
    """Create an enforcement action with its complete statement of reasons, or refuse it.

    This is the only way actions are created (API, staff form and demo data all call it), so the
    guarantees hold whatever the path: a published rule version in force at the start, a reason
    code of that rule, facts and evidence, and an appeal window of at least six months.
    """
    errors: dict[str, list[str]] = {}
    _check_request(req, errors)
    decided_by = None if req.automated_decision == AutomatedDecision.FULLY else issued_by
    if decided_by is None and req.automated_decision != AutomatedDecision.FULLY:
        errors.setdefault("decided_by", []).append("A human decision must name its decider.")
    if errors:
        raise ActionRefused(errors)

    notified_at = req.notified_at or timezone.now()
    version = next(v for v in req.cited_versions if v.rule_id == req.reason_code.rule_id)
    action = EnforcementAction.objects.create(
        account=req.account,
        restriction_type=req.restriction_type,
        restricted_capabilities=list(req.restricted_capabilities),
        decision_visibility=list(req.decision_visibility),
        decision_visibility_other=req.decision_visibility_other,
        decision_monetary=req.decision_monetary,
        decision_monetary_other=req.decision_monetary_other,
        decision_provision=req.decision_provision,
        decision_account=req.decision_account,
        incompatible_content_ground=f"{version.rule.key} {version.rule.title}"[:500],
        incompatible_content_explanation=req.reason_code.explanation[:2000],
        category=req.reason_code.category,
        content_type=list(req.content_type),
        territorial_scope=list(req.territorial_scope),
        source_type=req.source_type,
        automated_detection=req.automated_detection,
        automated_decision=req.automated_decision,
        reason_code=req.reason_code,
        facts=req.facts,
        starts_at=req.starts_at,
        ends_at=req.ends_at,
        notified_at=notified_at,
        appeal_deadline=notified_at + timedelta(days=settings.APPEAL_WINDOW_DAYS),
        funds_held_amount=req.funds_held_amount,
        funds_currency=req.funds_currency.upper(),
        funds_release_condition=req.funds_release_condition,
        funds_release_on=req.funds_release_on,
        strike_count=req.strike_count,
        strikes_expire_on=req.strikes_expire_on,
        decided_by=decided_by,
    )
    action.cited_versions.set(req.cited_versions)
    EvidenceItem.objects.bulk_create(
        EvidenceItem(
            action=action,
            position=index,
            signal_category=item.signal_category,
            summary=item.summary,
            internal_detail=item.internal_detail,
            redaction=item.redaction,
            redaction_reason=item.redaction_reason,
            observed_at=item.observed_at,
        )
        for index, item in enumerate(req.evidence)
    )
    ClientNotice.objects.bulk_create(
        ClientNotice(
            action=action,
            client_name=notice.client_name,
            client_reference=notice.client_reference,
            contract_reference=notice.contract_reference,
            shown_at=notice.shown_at,
            text=notice.text,
        )
        for notice in req.client_notices
    )
    ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.ISSUED,
        at=notified_at,
        actor=decided_by,
        to_status=action.status,
        reason=f"{action.get_restriction_type_display()} under {version} ({req.reason_code.code}).",
    )
    return action


# --- Reversal ----------------------------------------------------------------------------------


class ActionNotChanged(Exception):
    """The action is no longer in a state this change applies to (someone else changed it)."""


def _release_funds(action: EnforcementAction, amount: Decimal, *, by, reason: str) -> None:
    if amount <= 0:
        return
    now = timezone.now()
    released = action.funds_released_amount + amount
    EnforcementAction.objects.filter(pk=action.pk).update(
        funds_released_amount=released, funds_released_at=now, updated_at=now
    )
    action.funds_released_amount, action.funds_released_at = released, now
    ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.FUNDS_RELEASED,
        actor=by,
        reason=f"{amount} {action.funds_currency} released. {reason}".strip(),
    )


def _correct_client_notices(action: EnforcementAction, *, text: str, by) -> list[ClientCorrection]:
    notices = ClientNotice.objects.filter(action=action, correction__isnull=True)
    corrections = ClientCorrection.objects.bulk_create(
        ClientCorrection(
            notice=notice, text=text.format(date=f"{notice.shown_at:%d %B %Y}"), created_by=by
        )
        for notice in notices
    )
    if corrections:
        ActionEvent.objects.create(
            action=action,
            kind=ActionEvent.Kind.CLIENTS_CORRECTED,
            actor=by,
            reason=f"{len(corrections)} client(s) sent a correction.",
        )
    return corrections


def lift_action(action: EnforcementAction, *, by, reason: str) -> EnforcementAction:
    """Undo an action completely: restriction lifted, all held funds released, clients corrected.

    Called inside the caller's transaction (an appeal decision) so that all of it happens or none.
    """
    if not action.change_status(
        EnforcementAction.Status.LIFTED, actor=by, reason=reason, kind=ActionEvent.Kind.LIFTED
    ):
        raise ActionNotChanged(f"Action #{action.pk} changed meanwhile; nothing was lifted.")
    _release_funds(action, action.funds_still_held(), by=by, reason="The action was lifted.")
    _correct_client_notices(
        action,
        text=(
            "Correction: the restriction on this freelancer's account that we told you about on "
            "{date} was reviewed and lifted. Their account is in good standing."
        ),
        by=by,
    )
    return action


def reduction_errors(
    action: EnforcementAction,
    *,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
    release_amount: Decimal = Decimal("0"),
) -> dict[str, list[str]]:
    """Why this change of `action` is not a pure reduction (empty when it is one).

    Separate from `reduce_action` so that an appeal decision can be refused before it changes
    anything.
    """
    types = EnforcementAction.RestrictionType
    errors: dict[str, list[str]] = {}
    new_type = restriction_type or action.restriction_type
    severity = [
        types.WARNING,
        types.FEATURE_RESTRICTION,
        types.PAYOUT_HOLD,
        types.TEMPORARY_SUSPENSION,
        types.PERMANENT_TERMINATION,
    ]
    if new_type not in severity:
        errors["restriction_type"] = ["Unknown restriction type."]
    elif severity.index(new_type) > severity.index(action.restriction_type):
        errors["restriction_type"] = ["A modification can only reduce the restriction."]
    if new_type == types.TEMPORARY_SUSPENSION and (ends_at or action.ends_at) is None:
        errors["ends_at"] = ["A temporary suspension needs an end date."]
    if new_type == types.PERMANENT_TERMINATION and ends_at is not None:
        # Otherwise the end date is dropped and an unchanged termination is called "reduced".
        errors["ends_at"] = [
            "A permanent termination has no end date; reduce it to a temporary suspension."
        ]
    elif ends_at is not None:
        if ends_at <= action.starts_at:
            errors["ends_at"] = ["The end must come after the start."]
        elif action.ends_at is not None and ends_at > action.ends_at:
            errors["ends_at"] = ["A modification cannot extend the restriction."]
    if release_amount < 0 or release_amount > action.funds_still_held():
        errors["release_amount"] = [
            f"Release between 0 and {action.funds_still_held()} {action.funds_currency}."
        ]
    changes_anything = (
        new_type != action.restriction_type
        or (ends_at is not None and ends_at != action.ends_at)
        or release_amount > 0
    )
    if not errors and not changes_anything:
        errors["restriction_type"] = [
            "A modification must reduce the restriction or release funds."
        ]
    return errors


def reduce_action(
    action: EnforcementAction,
    *,
    by,
    reason: str,
    restriction_type: str | None = None,
    ends_at: datetime | None = None,
    release_amount: Decimal = Decimal("0"),
) -> EnforcementAction:
    """Reduce an action (e.g. permanent → temporary with an end, or release part of the funds)."""
    errors = reduction_errors(
        action, restriction_type=restriction_type, ends_at=ends_at, release_amount=release_amount
    )
    if errors:
        raise ValidationError(errors)
    types = EnforcementAction.RestrictionType
    new_type = restriction_type or action.restriction_type

    def describe(kind: str, end: datetime | None) -> str:
        label = types(kind).label
        return f"{label} until {end:%Y-%m-%d}" if end else label

    new_ends_at = ends_at if ends_at is not None else action.ends_at
    if new_type == types.PERMANENT_TERMINATION:
        new_ends_at = None
    change = (
        f"{describe(action.restriction_type, action.ends_at)} → {describe(new_type, new_ends_at)}"
    )
    if not action.change_status(
        EnforcementAction.Status.MODIFIED,
        actor=by,
        reason=f"{reason} ({change})",
        kind=ActionEvent.Kind.MODIFIED,
    ):
        raise ActionNotChanged(f"Action #{action.pk} changed meanwhile; nothing was modified.")
    action.restriction_type, action.ends_at = new_type, new_ends_at
    EnforcementAction.objects.filter(pk=action.pk).update(
        restriction_type=new_type, ends_at=new_ends_at
    )
    _release_funds(action, release_amount, by=by, reason="Part of the held funds released.")
    _correct_client_notices(
        action,
        text=(
            "Correction: the restriction on this freelancer's account that we told you about on "
            "{date} was reviewed and reduced."
        ),
        by=by,
    )
    return action


# --- Timers ------------------------------------------------------------------------------------


def expire_ended_actions(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """End restrictions whose end date has passed. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        due = list(
            EnforcementAction.objects.select_for_update(skip_locked=True)
            .filter(status__in=EnforcementAction.RESTRICTING_STATUSES, ends_at__lte=now)
            .order_by("ends_at")[:batch_size]
        )
        for action in due:
            if action.change_status(
                EnforcementAction.Status.EXPIRED,
                actor=None,
                reason="The restriction reached its end date.",
                kind=ActionEvent.Kind.EXPIRED,
            ):
                expired += 1
    return expired
