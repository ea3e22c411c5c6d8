"""Issuing actions: the one way an enforcement action and its statement of reasons are created.

`issue_action` checks every guarantee and writes the action; `action_row` maps a request to the
action's columns (shared with the demo's bulk seed, so the two cannot drift); `issue_once` is
the staff form's double-submit-safe entry point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from accounts.models import AuditEvent, TrackRecord, User, record_audit
from enforcement.choices import (
    EEA_COUNTRIES,
    AutomatedDecision,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    SourceType,
)
from enforcement.models import (
    ActionEvent,
    Capability,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    IntakeSource,
    LeadReview,
    ReasonCode,
    RuleVersion,
)
from infra.dates import format_day_lazy, format_when
from infra.words import lazy_in_sentence
from notifications.models import Notification, WebhookEvent
from notifications.services import notify
from notifications.webhooks import action_payload, record_event


class ActionRefused(ValidationError):
    """An action that cannot be issued as asked; `message_dict` maps fields to reasons."""


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


# What "other" content is on a freelance marketplace unless the request says otherwise.
OUR_OTHER_CONTENT = "The freelancer's account, profile and conduct on the marketplace"
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _check_transparency_database_rules(req: ActionRequest, refuse) -> None:
    """The DSA Transparency Database's own conditional rules (issue #15), so that every issued
    action exports as a valid statement."""
    if ContentType.OTHER in req.content_type and not req.content_type_other.strip():
        refuse("content_type_other", "Say what the other content is (CONTENT_TYPE_OTHER).")
    if len(req.content_type_other) > 500:
        refuse("content_type_other", "Limited to 500 characters.")
    for name in ("facts", "illegal_content_explanation", "illegal_content_legal_ground"):
        if EMAIL_ADDRESS.search(getattr(req, name)):
            refuse(
                name,
                "Remove the e-mail address: the statement is published without personal data.",
            )
    if req.decision_ground not in DecisionGround.values:
        refuse("decision_ground", f"Unknown decision ground {req.decision_ground!r}.")
    elif req.decision_ground == DecisionGround.ILLEGAL_CONTENT:
        if not req.illegal_content_legal_ground.strip():
            refuse(
                "illegal_content_legal_ground",
                "Name the law the content is illegal under (DECISION_GROUND_ILLEGAL_CONTENT).",
            )
        if not req.illegal_content_explanation.strip():
            refuse(
                "illegal_content_explanation",
                "Explain why the content is illegal under it (DECISION_GROUND_ILLEGAL_CONTENT).",
            )
    else:
        for name in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if getattr(req, name).strip():
                refuse(name, "Only for a decision on the ground of illegal content.")
    if len(req.illegal_content_legal_ground) > 500:
        refuse("illegal_content_legal_ground", "Limited to 500 characters.")
    if len(req.illegal_content_explanation) > 2000:
        refuse("illegal_content_explanation", "Limited to 2,000 characters.")
    if req.source_identity.strip():
        if req.source_type == SourceType.VOLUNTARY:
            refuse(
                "source_identity",
                "An action on our own initiative (SOURCE_VOLUNTARY) has no notifier to name.",
            )
        if len(req.source_identity) > 500:
            refuse("source_identity", "Limited to 500 characters.")
        if EMAIL_ADDRESS.search(req.source_identity):
            refuse(
                "source_identity",
                "Name the notifier without an e-mail address: it is published.",
            )


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
    content_type_other: str = OUR_OTHER_CONTENT
    # DECISION_GROUND_INCOMPATIBLE_CONTENT (the terms) unless the content is illegal, which then
    # needs the law relied on and why.
    decision_ground: str = DecisionGround.INCOMPATIBLE_CONTENT
    illegal_content_legal_ground: str = ""
    illegal_content_explanation: str = ""
    # Who notified us (not for SOURCE_VOLUNTARY).
    source_identity: str = ""
    territorial_scope: list[str] = field(default_factory=list)
    funds_held_amount: Decimal = Decimal("0")
    funds_currency: str = ""
    funds_release_condition: str = ""
    funds_release_on: date | None = None
    strike_count: int = 0
    strikes_expire_on: date | None = None
    client_notices: list[ClientNoticeInput] = field(default_factory=list)
    notified_at: datetime | None = None
    # A permanent termination that takes effect without the notice period says why.
    termination_exception: str = ""
    termination_exception_reason: str = ""
    # Why the freelancer is told later than LATE_NOTICE_TOLERANCE_MINUTES after the start.
    late_notice_reason: str = ""
    # Set by the intake API: the detection system, its id for the action, the request's hash.
    intake_source: IntakeSource | None = None
    external_id: str = ""
    request_fingerprint: str = ""


def late_notice_tolerance() -> timedelta:
    return timedelta(minutes=settings.LATE_NOTICE_TOLERANCE_MINUTES)


def _check_late_notice(req: ActionRequest, notified_at: datetime, refuse) -> None:
    """A restriction may not start well before the freelancer is told without saying why."""
    late = notified_at - req.starts_at > late_notice_tolerance()
    reason = req.late_notice_reason.strip()
    if late and not reason:
        refuse(
            "late_notice_reason",
            f"The restriction started {format_when(req.starts_at, 'UTC')}, more than "
            f"{settings.LATE_NOTICE_TOLERANCE_MINUTES} minutes before the freelancer is told: "
            "say why the notice comes later (the freelancer is shown this), or start it now.",
        )
    elif not late and reason:
        refuse(
            "late_notice_reason",
            "Only a notice given after the restriction started needs a late-notice reason.",
        )
    if len(req.late_notice_reason) > 2000:
        refuse("late_notice_reason", "Limited to 2,000 characters.")


def _check_request(
    req: ActionRequest, errors: dict[str, list[str]], *, notified_at: datetime | None = None
) -> None:
    def refuse(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    types = EnforcementAction.RestrictionType
    if not (req.account.is_active and req.account.is_freelancer()):
        refuse("account", "Actions are taken against active freelancer accounts only.")
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
    if not req.reason_code.explanation.strip():
        refuse(
            "reason_code",
            f"Reason code {req.reason_code.code} has no explanation for the freelancer; "
            "an admin must write one first.",
        )
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
    _check_transparency_database_rules(req, refuse)
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
    exceptions = EnforcementAction.TerminationException
    if req.termination_exception:
        if req.restriction_type != types.PERMANENT_TERMINATION:
            refuse(
                "termination_exception",
                "Only a permanent termination has a notice period to make an exception to.",
            )
        elif req.termination_exception not in exceptions.values:
            refuse(
                "termination_exception",
                "Use one of the listed exceptions: legal obligation, repeated infringement or "
                "imminent fraud risk.",
            )
        if not req.termination_exception_reason.strip():
            refuse(
                "termination_exception_reason",
                "Say why the exception applies; the freelancer is shown this reason.",
            )
        elif len(req.termination_exception_reason) > 2000:
            refuse("termination_exception_reason", "Limited to 2,000 characters.")
    elif req.termination_exception_reason.strip():
        refuse("termination_exception", "Choose the exception the reason is for.")
    if req.intake_source is not None and not req.external_id.strip():
        refuse("external_id", "An action sent by a detection system needs its external id.")
    _check_late_notice(req, notified_at or req.notified_at or timezone.now(), refuse)


def termination_takes_effect_at(req: ActionRequest, notified_at: datetime) -> datetime:
    """When a permanent termination can take effect: at its start, but never sooner than the
    notice period after the notice, unless an exception is recorded."""
    if req.termination_exception:
        return req.starts_at
    return max(req.starts_at, notified_at + timedelta(days=settings.TERMINATION_NOTICE_DAYS))


def evidence_rows(action_id: int, req: ActionRequest) -> list[EvidenceItem]:
    """The evidence rows of the action `req` becomes (also written in bulk by `seed_demo`)."""
    return [
        EvidenceItem(
            action_id=action_id,
            position=index,
            signal_category=item.signal_category,
            summary=item.summary,
            internal_detail=item.internal_detail,
            redaction=item.redaction,
            redaction_reason=item.redaction_reason,
            observed_at=item.observed_at,
        )
        for index, item in enumerate(req.evidence)
    ]


def client_notice_rows(action_id: int, req: ActionRequest) -> list[ClientNotice]:
    """What each client was told, as rows of the action `req` becomes."""
    return [
        ClientNotice(
            action_id=action_id,
            client_name=notice.client_name,
            client_reference=notice.client_reference,
            contract_reference=notice.contract_reference,
            shown_at=notice.shown_at,
            text=notice.text,
        )
        for notice in req.client_notices
    ]


def action_row(
    req: ActionRequest,
    *,
    version: RuleVersion,
    notified_at: datetime,
    decided_by_id: int | None,
    status: str,
    **columns,
) -> EnforcementAction:
    """The unsaved action `req` becomes: every column of the statement of reasons, derived one
    way. `issue_action` saves it after its checks; the demo's bulk seed writes many at once
    (passing `columns` such as a termination's confirmation), so both derive the same row."""
    return EnforcementAction(
        status=status,
        termination_exception=req.termination_exception,
        termination_exception_reason=req.termination_exception_reason,
        late_notice_reason=req.late_notice_reason.strip(),
        intake_source=req.intake_source,
        external_id=req.external_id,
        request_fingerprint=req.request_fingerprint,
        account=req.account,
        restriction_type=req.restriction_type,
        restricted_capabilities=list(req.restricted_capabilities),
        decision_visibility=list(req.decision_visibility),
        decision_visibility_other=req.decision_visibility_other,
        decision_monetary=req.decision_monetary,
        decision_monetary_other=req.decision_monetary_other,
        decision_provision=req.decision_provision,
        decision_account=req.decision_account,
        decision_ground=req.decision_ground,
        illegal_content_legal_ground=req.illegal_content_legal_ground.strip(),
        illegal_content_explanation=req.illegal_content_explanation.strip(),
        source_identity=req.source_identity.strip(),
        incompatible_content_ground=f"{version.rule.key} {version.rule.title}"[:500],
        incompatible_content_explanation=req.reason_code.explanation[:2000],
        # The statement is a snapshot: the reason as the freelancer reads it, fixed at issue
        # (editing the catalogue later changes no issued statement).
        reason_title=req.reason_code.title,
        reason_explanation=req.reason_code.explanation,
        reason_what_you_can_do=req.reason_code.what_you_can_do,
        rule_title=version.rule.title,
        category=req.reason_code.category,
        content_type=list(req.content_type),
        content_type_other=req.content_type_other if ContentType.OTHER in req.content_type else "",
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
        decided_by_id=decided_by_id,
        **columns,
    )


def needs_lead_review(req: ActionRequest) -> bool:
    """A permanent termination of a long-standing account (thresholds in settings)."""
    if req.restriction_type != EnforcementAction.RestrictionType.PERMANENT_TERMINATION:
        return False
    record = TrackRecord.objects.select_related("user").filter(user=req.account).first()
    return record is not None and record.is_long_standing()


def usable_lead_review(account, *, issued_by, req: ActionRequest | None = None):
    """An unused, unexpired review of `account` by a lead other than the person proposing; a
    review of a specific proposal only for a termination with its reason code and facts."""
    reviews = LeadReview.objects.filter(
        account=account, action__isnull=True, expires_at__gt=timezone.now()
    )
    if issued_by is not None:
        reviews = reviews.exclude(reviewed_by=issued_by)
    for review in reviews.order_by("created_at", "id"):
        if req is None or review.matches(req.reason_code.code, req.facts):
            return review
    return None


def _thresholds_for_the_database() -> None:
    """The database checks the same rule at commit (enforcement migration 0011): give it this
    process's thresholds for the transaction (they may differ from the connection's defaults,
    e.g. in tests)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('recourse.long_standing_member_years', %s, true), "
            "set_config('recourse.long_standing_earnings', %s, true)",
            [str(settings.LONG_STANDING_MEMBER_YEARS), str(settings.LONG_STANDING_EARNINGS)],
        )


@transaction.atomic
def issue_action(req: ActionRequest, *, issued_by) -> EnforcementAction:
    """Create an enforcement action with its complete statement of reasons, or refuse it.

    This is the only way actions are created (API, staff form and demo data all call it), so the
    guarantees hold whatever the path: a published rule version in force at the start, a reason
    code of that rule, facts and evidence, and an appeal window of at least six months.

    A permanent termination is only proposed (status pending): the freelancer sees it at once and
    can respond. It takes effect at its start but no sooner than the notice period
    (TERMINATION_NOTICE_DAYS) after the notice, or at its start under a recorded exception, and
    in both cases only once a second person confirmed it (`confirm_termination`): another staff
    member than the one who issued it, or, for a fully automated decision, any staff member.
    """
    errors: dict[str, list[str]] = {}
    notified_at = req.notified_at or timezone.now()
    _check_request(req, errors, notified_at=notified_at)
    decided_by = None if req.automated_decision == AutomatedDecision.FULLY else issued_by
    if decided_by is None and req.automated_decision != AutomatedDecision.FULLY:
        errors.setdefault("decided_by", []).append("A human decision must name its decider.")
    review = None
    is_termination = req.restriction_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION
    if not errors and is_termination:
        _thresholds_for_the_database()
    if not errors and needs_lead_review(req):
        review = usable_lead_review(req.account, issued_by=issued_by, req=req)
        if review is None:
            errors.setdefault("restriction_type", []).append(
                f"{req.account} is a long-standing account (a member for at least "
                f"{settings.LONG_STANDING_MEMBER_YEARS} years or earnings of at least "
                f"{settings.LONG_STANDING_EARNINGS}): a lead must review a permanent "
                "termination before it is proposed to the freelancer. Ask a lead to record "
                "their review on the account's page, then issue it again."
            )
    if errors:
        raise ActionRefused(errors)

    version = next(v for v in req.cited_versions if v.rule_id == req.reason_code.rule_id)
    status, takes_effect_at = EnforcementAction.Status.ACTIVE, None
    if req.restriction_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION:
        status = EnforcementAction.Status.PENDING
        takes_effect_at = termination_takes_effect_at(req, notified_at)
    action = action_row(
        req,
        version=version,
        notified_at=notified_at,
        decided_by_id=decided_by.pk if decided_by else None,
        status=status,
        takes_effect_at=takes_effect_at,
    )
    action.save()
    if review is not None:
        used = LeadReview.objects.filter(pk=review.pk, action__isnull=True).update(action=action)
        if not used:  # another termination took this review first
            raise ActionRefused({"restriction_type": ["This lead review was already used."]})
    action.cited_versions.set(req.cited_versions)
    EvidenceItem.objects.bulk_create(evidence_rows(action.pk, req))
    ClientNotice.objects.bulk_create(client_notice_rows(action.pk, req))
    issued = f"{action.get_restriction_type_display()} under {version} ({req.reason_code.code})."
    if action.is_pending():
        issued = (
            f"Proposed: {issued} It takes effect at the end of its notice period at the "
            "earliest, once a second person confirms it."
        )
    ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.ISSUED,
        at=notified_at,
        actor=decided_by,
        to_status=action.status,
        reason=issued,
    )
    record_audit(
        actor=issued_by,
        verb="action.issued",
        obj=action,
        summary=issued,
        data={"source": req.intake_source.name if req.intake_source else "staff"},
    )
    notify(
        action.account,
        kind=Notification.Kind.ACTION_ISSUED,
        subject=(
            gettext_lazy("We propose to terminate your account")
            if action.is_pending()
            else format_lazy(
                gettext_lazy("New decision on your account: {kind}"),
                # The choice's lazy label (not get_..._display(), which is a str in the
                # language active now), resolved in the recipient's language by notify().
                kind=lazy_in_sentence(
                    EnforcementAction.RestrictionType(action.restriction_type).label
                ),
            )
        ),
        body=format_lazy(
            gettext_lazy(
                "Read the full statement of reasons: the rule, the facts, the evidence and how to "
                "appeal (until {day})."
            ),
            day=format_day_lazy(action.appeal_deadline, action.account.time_zone),
        ),
        url=action.get_absolute_url(),
    )
    record_event(WebhookEvent.Kind.ACTION_CREATED, action, action_payload(action))
    return action


# --- Issuing from the staff form ---------------------------------------------------------------

# A staff preview can be confirmed for this long (enforcement/staff_views.py).
PREVIEW_MAX_AGE = timedelta(hours=2)
# The audit row that records which preview an action was issued from (the double-submit guard).
SUBMISSION_VERB = "action.issued_from_staff_form"


def issue_once(req: ActionRequest, *, submission: str, issued_by) -> tuple[EnforcementAction, bool]:
    """Issue `req` unless this preview (`submission`) was already issued; (action, created).

    Submissions for one account are serialised on its row (SELECT ... FOR UPDATE), and the
    submission id is recorded in the audit log in the same transaction as the action, so a
    second confirm, even a concurrent one, finds the first and creates nothing.
    """
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=req.account.pk).values_list("pk").get()
        earlier = (
            AuditEvent.objects.filter(
                verb=SUBMISSION_VERB,
                created_at__gte=timezone.now() - PREVIEW_MAX_AGE - timedelta(minutes=5),
                data__submission=submission,
            )
            .values_list("object_id", flat=True)
            .first()
        )
        if earlier is not None:
            return EnforcementAction.objects.get(pk=int(earlier)), False
        action = issue_action(req, issued_by=issued_by)
        record_audit(
            actor=issued_by,
            verb=SUBMISSION_VERB,
            obj=action,
            summary=f"Issued from the staff form after a preview (submission {submission}).",
            data={"submission": submission},
        )
        return action, True
