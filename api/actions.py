"""POST /actions and GET /actions/{id}: detection systems send actions and read their state.

An action is created by `services.submit_from_source`, idempotently on the source's external id:
the request's fingerprint (SHA-256 of the canonical JSON of the validated body) tells a retry
(200, the same action) from a different action under a reused id (409). References (account,
rules, reason code, decider) are looked up here; everything else the statement needs is checked
by `issue_action`, whose refusals are answered as 422 like schema errors, with nothing written.
"""

import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from ninja import Path, Router, Status
from ninja.errors import ValidationError

from accounts.models import User
from accounts.roles import ISSUE_ACTIONS
from api.schemas import (
    ActionIn,
    ActionOut,
    ClientNoticeOut,
    ClientNoticeRecordIn,
    ConflictOut,
    ErrorOut,
    ValidationErrorOut,
)
from enforcement import services
from enforcement.choices import AutomatedDecision
from enforcement.models import ClientNotice, EnforcementAction, ReasonCode, RuleVersion

router = Router(tags=["actions"])

ISSUE_PERMISSION = ISSUE_ACTIONS

# Where the service's refusal keys point in the request body.
_SERVICE_FIELDS: dict[str, tuple[str, ...]] = {
    "cited_versions": ("rules",),
    "decision": (),
    "funds_held_amount": ("funds_held", "amount"),
    "funds_currency": ("funds_held", "currency"),
    "funds_release_condition": ("funds_held", "release_condition"),
    "strikes_expire_on": ("strikes", "expire_on"),
    "termination_exception": ("termination_exception", "kind"),
    "termination_exception_reason": ("termination_exception", "reason"),
}


def _error(loc: tuple, msg: str, kind: str = "value_error") -> dict:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


def refusal_errors(refused: services.ActionRefused) -> list[dict]:
    """The service's refusal as API errors: "evidence.0.summary" → body, evidence, 0, summary."""
    errors = []
    for key, messages in refused.message_dict.items():
        if key in _SERVICE_FIELDS:
            loc = _SERVICE_FIELDS[key]
        else:
            loc = tuple(int(part) if part.isdigit() else part for part in key.split("."))
        errors.extend(_error(loc, message, "refused") for message in messages)
    return errors


def fingerprint(payload: ActionIn) -> str:
    canonical = json.dumps(
        payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lookups(payload: ActionIn) -> tuple[dict, list[dict]]:
    """The rows the body refers to, or an error for each reference that does not resolve."""
    errors: list[dict] = []
    found: dict = {}

    found["account"] = User.objects.filter(marketplace_id=payload.account).first()
    if found["account"] is None:
        errors.append(
            _error(
                ("account",),
                f"No account has the marketplace id {payload.account!r}. Recourse only acts on "
                "accounts it already knows; sync the account first, then retry.",
                "unknown_account",
            )
        )

    versions = []
    for index, citation in enumerate(payload.rules):
        version = (
            RuleVersion.objects.published()
            .select_related("rule")
            .filter(rule__key=citation.rule, number=citation.version)
            .first()
        )
        if version is not None:
            versions.append(version)
        elif RuleVersion.objects.filter(rule__key=citation.rule).exists():
            errors.append(
                _error(
                    ("rules", index, "version"),
                    f"{citation.rule} has no published version {citation.version}; "
                    "drafts cannot be cited.",
                    "unknown_rule_version",
                )
            )
        else:
            errors.append(
                _error(
                    ("rules", index, "rule"),
                    f"No rule has the key {citation.rule!r}.",
                    "unknown_rule",
                )
            )
    found["cited_versions"] = versions

    found["reason_code"] = (
        ReasonCode.objects.select_related("rule").filter(code=payload.reason_code).first()
    )
    if found["reason_code"] is None:
        errors.append(
            _error(
                ("reason_code",),
                f"No reason code {payload.reason_code!r}.",
                "unknown_reason_code",
            )
        )

    found["decided_by"] = None
    fully_automated = payload.automated_decision == AutomatedDecision.FULLY
    if fully_automated and payload.decided_by is not None:
        errors.append(
            _error(
                ("decided_by",),
                "A fully automated decision has no human decider; omit decided_by, or send "
                "the decision as partially automated or not automated.",
            )
        )
    elif not fully_automated:
        decider = (
            User.objects.filter(email=payload.decided_by, is_active=True).first()
            if payload.decided_by
            else None
        )
        if payload.decided_by is None:
            errors.append(
                _error(
                    ("decided_by",),
                    "A decision taken or reviewed by a person names them: give the email of "
                    "the staff member who decided.",
                    "missing",
                )
            )
        elif decider is None or not decider.has_perm(ISSUE_PERMISSION):
            errors.append(
                _error(
                    ("decided_by",),
                    f"No staff member allowed to issue actions has the email "
                    f"{payload.decided_by!r}.",
                    "unknown_decider",
                )
            )
        found["decided_by"] = decider
    return found, errors


def _action_request(payload: ActionIn, found: dict, source) -> services.ActionRequest:
    funds, strikes, exception = payload.funds_held, payload.strikes, payload.termination_exception
    return services.ActionRequest(
        account=found["account"],
        restriction_type=payload.restriction_type,
        reason_code=found["reason_code"],
        cited_versions=found["cited_versions"],
        facts=payload.facts,
        source_type=payload.source_type,
        source_identity=payload.source_identity,
        decision_ground=payload.decision_ground,
        illegal_content_legal_ground=payload.illegal_content_legal_ground,
        illegal_content_explanation=payload.illegal_content_explanation,
        automated_detection=payload.automated_detection,
        automated_decision=payload.automated_decision,
        evidence=[
            services.EvidenceInput(
                signal_category=item.signal_category,
                summary=item.summary,
                internal_detail=item.internal_detail,
                redaction=item.redaction,
                redaction_reason=item.redaction_reason,
                observed_at=item.observed_at,
            )
            for item in payload.evidence
        ],
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        restricted_capabilities=list(payload.restricted_capabilities),
        decision_visibility=list(payload.decision_visibility),
        decision_visibility_other=payload.decision_visibility_other,
        decision_monetary=payload.decision_monetary or "",
        decision_monetary_other=payload.decision_monetary_other,
        decision_provision=payload.decision_provision or "",
        decision_account=payload.decision_account or "",
        content_type=list(payload.content_type),
        territorial_scope=list(payload.territorial_scope),
        funds_held_amount=funds.amount if funds else Decimal("0"),
        funds_currency=funds.currency if funds else "",
        funds_release_condition=funds.release_condition if funds else "",
        funds_release_on=funds.release_on if funds else None,
        strike_count=strikes.count if strikes else 0,
        strikes_expire_on=strikes.expire_on if strikes else None,
        client_notices=[
            services.ClientNoticeInput(
                client_name=notice.client_name,
                text=notice.text,
                shown_at=notice.shown_at,
                client_reference=notice.client_reference,
                contract_reference=notice.contract_reference,
            )
            for notice in payload.client_notices
        ],
        termination_exception=exception.kind if exception else "",
        termination_exception_reason=exception.reason if exception else "",
        late_notice_reason=payload.late_notice_reason,
        intake_source=source,
        external_id=payload.external_id,
        request_fingerprint=fingerprint(payload),
    )


def _notices_with_corrections():
    return ClientNotice.objects.select_related("correction").prefetch_related(
        "correction__webhook_event__deliveries"
    )


def _with_representation():
    return EnforcementAction.objects.select_related(
        "account", "reason_code", "appeal"
    ).prefetch_related(
        Prefetch("cited_versions", queryset=RuleVersion.objects.select_related("rule")),
        Prefetch("client_notices", queryset=_notices_with_corrections().order_by("shown_at", "id")),
    )


def represent_notice(notice: ClientNotice) -> dict:
    correction = getattr(notice, "correction", None)
    correction_out = None
    if correction is not None:
        state, when = correction.delivery_state()
        correction_out = {
            "id": correction.pk,
            "text": correction.text,
            "created_at": correction.created_at,
            "state": state,
            "delivered_at": when if state == "delivered" else None,
            "acknowledged_at": correction.acknowledged_at,
        }
    return {
        "id": notice.pk,
        "action_id": notice.action_id,
        "client_reference": notice.client_reference,
        "client_name": notice.client_name,
        "contract_reference": notice.contract_reference,
        "shown_at": notice.shown_at,
        "text": notice.text,
        "recorded_at": notice.recorded_at,
        "correction": correction_out,
    }


def represent(action: EnforcementAction) -> dict:
    appeal = getattr(action, "appeal", None)
    decided = appeal is not None and appeal.status == appeal.Status.DECIDED
    return {
        "id": action.pk,
        "puid": action.puid,
        "external_id": action.external_id,
        "account": action.account.marketplace_id,
        "status": action.status,
        "restriction_type": action.restriction_type,
        "restricted_capabilities": list(action.restricted_capabilities),
        "starts_at": action.starts_at,
        "ends_at": action.ends_at,
        "takes_effect_at": action.takes_effect_at,
        "confirmed_at": action.confirmed_at,
        "termination_exception": action.termination_exception or None,
        "notified_at": action.notified_at,
        "late_notice_reason": action.late_notice_reason,
        "appeal_deadline": action.appeal_deadline,
        "reason_code": action.reason_code.code,
        "rules": [
            {"rule": version.rule.key, "version": version.number}
            for version in sorted(action.cited_versions.all(), key=lambda v: v.rule.key)
        ],
        "funds_held": {
            "amount": action.funds_held_amount,
            "currency": action.funds_currency,
            "released_amount": action.funds_released_amount,
            "release_condition": action.funds_release_condition,
            "release_on": action.funds_release_on,
        }
        if action.has_funds_held()
        else None,
        "statement_url": settings.SITE_URL + action.get_absolute_url(),
        "appeal": {
            "status": appeal.status,
            # A proposed outcome (second review) is not an outcome yet.
            "outcome": appeal.outcome if decided else None,
            "submitted_at": appeal.submitted_at,
            "decided_at": appeal.decided_at if decided else None,
        }
        if appeal is not None
        else None,
        "client_notices": [represent_notice(notice) for notice in action.client_notices.all()],
    }


@router.post(
    "/actions",
    response={
        200: ActionOut,
        201: ActionOut,
        400: ErrorOut,
        401: ErrorOut,
        409: ConflictOut,
        422: ValidationErrorOut,
    },
    summary="Issue an enforcement action",
    description=(
        "Creates the action with its statement of reasons (201). Sending the same body again "
        "under the same external_id returns the existing action (200); a different body under "
        "a used external_id is refused (409). An unknown account, rule version, reason code or "
        "decider, and any statement the enforcement rules refuse, answer 422 and write nothing."
    ),
)
def create_action(request, payload: ActionIn):
    found, errors = _lookups(payload)
    if errors:
        raise ValidationError(errors)
    req = _action_request(payload, found, request.auth)
    try:
        action, created = services.submit_from_source(req, decided_by=found["decided_by"])
    except services.ActionRefused as refused:
        raise ValidationError(refusal_errors(refused)) from None
    except services.IntakeConflict as conflict:
        return Status(
            409,
            {
                "detail": (
                    f"external_id {payload.external_id!r} was already used for action "
                    f"#{conflict.action.pk} with a different body. Resend that body, or use a "
                    "new external_id for a new action."
                ),
                "action_id": conflict.action.pk,
            },
        )
    return Status(201 if created else 200, represent(_with_representation().get(pk=action.pk)))


@router.get(
    "/actions/{action_id}",
    response={200: ActionOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Read an action's state and its appeal",
    description="Only actions this source sent can be read; any other id answers 404.",
)
def get_action(request, action_id: int = Path(ge=1, le=2**63 - 1)):
    action = _with_representation().filter(pk=action_id, intake_source=request.auth).first()
    if action is None:
        return Status(404, {"detail": "No action with this id was sent by this source."})
    return Status(200, represent(action))


@router.post(
    "/actions/{action_id}/client-notices",
    response={
        200: ClientNoticeOut,
        201: ClientNoticeOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Record what a client was told about an action",
    description=(
        "Records a notice shown to a client at any time, also after the action was issued "
        "(201). The same notice again (same client_reference and shown_at, same text) returns "
        "the recorded one (200); a different one for that client and time is refused (409). "
        "A notice recorded after the action was lifted, withdrawn or reduced gets its "
        "correction at once (a client_notice.corrected webhook). Only actions this source "
        "sent; any other id answers 404."
    ),
)
def record_client_notice(
    request, payload: ClientNoticeRecordIn, action_id: int = Path(ge=1, le=2**63 - 1)
):
    action = EnforcementAction.objects.filter(pk=action_id, intake_source=request.auth).first()
    if action is None:
        return Status(404, {"detail": "No action with this id was sent by this source."})
    notice_in = services.ClientNoticeInput(
        client_name=payload.client_name,
        text=payload.text,
        shown_at=payload.shown_at,
        client_reference=payload.client_reference,
        contract_reference=payload.contract_reference,
    )
    try:
        notice, created = services.record_client_notice(action, notice_in, source=request.auth)
    except services.NoticeConflict as conflict:
        return Status(
            409,
            {
                "detail": f"Client notice #{conflict.notice.pk} for this client and time has a "
                "different text; notices are never rewritten."
            },
        )
    except DjangoValidationError as refused:
        raise ValidationError(
            [
                _error((key,), message, "refused")
                for key, messages in refused.message_dict.items()
                for message in messages
            ]
        ) from None
    notice = _notices_with_corrections().get(pk=notice.pk)
    return Status(201 if created else 200, represent_notice(notice))


@router.post(
    "/client-notices/{notice_id}/acknowledge",
    response={
        200: ClientNoticeOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Say that the client was shown the correction",
    description=(
        "The marketplace showed the client the correction of this notice. Idempotent: the "
        "first acknowledgement's time is kept. 409 when the notice has no correction; 404 for "
        "a notice of an action this source did not send."
    ),
)
def acknowledge_correction(request, notice_id: int = Path(ge=1, le=2**63 - 1)):
    notice = ClientNotice.objects.filter(pk=notice_id, action__intake_source=request.auth).first()
    if notice is None:
        return Status(404, {"detail": "No client notice with this id on this source's actions."})
    try:
        services.acknowledge_correction(notice, source=request.auth)
    except services.NothingToAcknowledge:
        return Status(409, {"detail": "This notice has no correction to acknowledge."})
    return Status(200, represent_notice(_notices_with_corrections().get(pk=notice.pk)))
