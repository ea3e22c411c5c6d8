"""Statements of reasons in the EU DSA Transparency Database's JSON format, in batches of at
most 100 (its limit per request), read in keyset pages so memory stays constant however many
actions there are.

Only enforcement's own columns are read, and nothing that identifies a person: no account,
no client, no staff member. The PUID is the action's own (unique, never reused)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Prefetch

from enforcement.choices import (
    EEA_COUNTRIES,
    AccountType,
    AutomatedDecision,
    Category,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionMonetary,
    DecisionProvision,
    DecisionVisibility,
    SourceType,
)
from enforcement.models import EnforcementAction, EvidenceItem, RuleVersion

BATCH_SIZE = 100
PUID_PATTERN = re.compile(r"^[a-zA-Z0-9\-_]+$")


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def statement(action: EnforcementAction) -> dict:
    """One statement of reasons. End dates are per restriction kind: each decision field the
    action sets gets the action's end (None: indefinite)."""
    version = action.primary_version()
    end = _date(action.ends_at)
    observed = [item.observed_at for item in action.evidence_items.all() if item.observed_at]
    data: dict = {
        "decision_visibility": list(action.decision_visibility) or None,
        "decision_visibility_other": action.decision_visibility_other or None,
        "end_date_visibility_restriction": end if action.decision_visibility else None,
        "decision_monetary": action.decision_monetary or None,
        "decision_monetary_other": action.decision_monetary_other or None,
        "end_date_monetary_restriction": end if action.decision_monetary else None,
        "decision_provision": action.decision_provision or None,
        "end_date_service_restriction": end if action.decision_provision else None,
        "decision_account": action.decision_account or None,
        "end_date_account_restriction": end if action.decision_account else None,
        "account_type": action.account_type,
        "decision_ground": action.decision_ground,
        "decision_ground_reference_url": version.public_url() if version else None,
        "category": action.category,
        "content_type": list(action.content_type),
        "content_type_other": action.content_type_other or None,
        "decision_facts": action.facts,
        "source_type": action.source_type,
        "automated_detection": "Yes" if action.automated_detection else "No",
        "automated_decision": action.automated_decision,
        "territorial_scope": list(action.territorial_scope),
        # The content concerned is the account's conduct: dated by the earliest signal.
        "content_date": _date(min(observed)) if observed else _date(action.starts_at),
        "application_date": _date(action.starts_at),
        "puid": action.puid,
    }
    if action.decision_ground == DecisionGround.INCOMPATIBLE_CONTENT:
        data["incompatible_content_ground"] = action.incompatible_content_ground or (
            f"{version.rule.key} {version.rule.title}, version {version.number}"[:500]
            if version
            else action.reason_title[:500]
        )
        data["incompatible_content_explanation"] = (
            action.incompatible_content_explanation or action.reason_explanation
        )[:2000]
    if action.decision_ground == DecisionGround.ILLEGAL_CONTENT:
        data["illegal_content_legal_ground"] = action.illegal_content_legal_ground
        data["illegal_content_explanation"] = action.illegal_content_explanation
    if action.source_identity and action.source_type != SourceType.VOLUNTARY:
        data["source_identity"] = action.source_identity
    return {key: value for key, value in data.items() if value is not None}


def actions_between(since: datetime, until: datetime | None):
    actions = EnforcementAction.objects.filter(created_at__gte=since)
    if until is not None:
        actions = actions.filter(created_at__lt=until)
    return actions


def batches(actions, *, size: int = BATCH_SIZE) -> Iterator[list[dict]]:
    """Statements in batches of `size`, one keyset page of actions at a time."""
    last_pk = 0
    while True:
        page = list(
            actions.filter(pk__gt=last_pk)
            .order_by("pk")
            .select_related("reason_code")
            .prefetch_related(
                Prefetch("cited_versions", queryset=RuleVersion.objects.select_related("rule")),
                Prefetch("evidence_items", queryset=EvidenceItem.objects.only("observed_at")),
            )[:size]
        )
        if not page:
            return
        yield [statement(action) for action in page]
        last_pk = page[-1].pk


# --- The database's published rules, checked on every exported statement -------------------

_ENUMS = {
    "decision_monetary": DecisionMonetary.values,
    "decision_provision": DecisionProvision.values,
    "decision_account": DecisionAccount.values,
    "account_type": AccountType.values,
    "decision_ground": DecisionGround.values,
    "category": Category.values,
    "source_type": SourceType.values,
    "automated_decision": AutomatedDecision.values,
    "automated_detection": ["Yes", "No"],
}
_LENGTHS = {
    "decision_visibility_other": 500,
    "decision_monetary_other": 500,
    "incompatible_content_ground": 500,
    "incompatible_content_explanation": 2000,
    "illegal_content_legal_ground": 500,
    "illegal_content_explanation": 2000,
    "content_type_other": 500,
    "decision_ground_reference_url": 500,
    "decision_facts": 5000,
    "source_identity": 500,
    "puid": 500,
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def problems(data: dict) -> list[str]:
    """What makes `data` an invalid statement for the Transparency Database (empty: valid)."""
    found = []
    for field in ("decision_ground", "category", "content_type", "decision_facts", "puid"):
        if not data.get(field):
            found.append(f"{field}: required")
    for field in ("source_type", "automated_detection", "automated_decision", "application_date"):
        if not data.get(field):
            found.append(f"{field}: required")
    if not any(
        data.get(f)
        for f in (
            "decision_visibility",
            "decision_monetary",
            "decision_provision",
            "decision_account",
        )
    ):
        found.append("decision_*: at least one of the four decision fields is required")
    for field, allowed in _ENUMS.items():
        if field in data and data[field] not in allowed:
            found.append(f"{field}: {data[field]!r} is not allowed")
    for value in data.get("decision_visibility", []):
        if value not in DecisionVisibility.values:
            found.append(f"decision_visibility: {value!r} is not allowed")
    for value in data.get("content_type", []):
        if value not in ContentType.values:
            found.append(f"content_type: {value!r} is not allowed")
    for value in data.get("territorial_scope", []):
        if value not in EEA_COUNTRIES:
            found.append(f"territorial_scope: {value!r} is not an EU/EEA country")
    for field, limit in _LENGTHS.items():
        if len(str(data.get(field, ""))) > limit:
            found.append(f"{field}: longer than {limit} characters")
    if data.get("puid") and not PUID_PATTERN.match(data["puid"]):
        found.append("puid: only letters, digits, - and _")
    if DecisionVisibility.OTHER in data.get("decision_visibility", []) and not data.get(
        "decision_visibility_other"
    ):
        found.append("decision_visibility_other: required with DECISION_VISIBILITY_OTHER")
    if data.get("decision_monetary") == DecisionMonetary.OTHER and not data.get(
        "decision_monetary_other"
    ):
        found.append("decision_monetary_other: required with DECISION_MONETARY_OTHER")
    if ContentType.OTHER in data.get("content_type", []) and not data.get("content_type_other"):
        found.append("content_type_other: required with CONTENT_TYPE_OTHER")
    if data.get("decision_ground") == DecisionGround.INCOMPATIBLE_CONTENT:
        for field in ("incompatible_content_ground", "incompatible_content_explanation"):
            if not data.get(field):
                found.append(f"{field}: required for incompatible content")
    if data.get("source_type") == SourceType.VOLUNTARY and data.get("source_identity"):
        found.append("source_identity: not allowed with SOURCE_VOLUNTARY")
    if data.get("decision_ground") == DecisionGround.ILLEGAL_CONTENT:
        for field in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not data.get(field):
                found.append(f"{field}: required for illegal content")
    dates = [
        "application_date",
        "content_date",
        "end_date_account_restriction",
        "end_date_monetary_restriction",
        "end_date_service_restriction",
        "end_date_visibility_restriction",
    ]
    for field in dates:
        if field in data and not _DATE.match(str(data[field])):
            found.append(f"{field}: not a YYYY-MM-DD date")
    application = data.get("application_date", "")
    for field in dates[2:]:
        if field in data and str(data[field]) < application:
            found.append(f"{field}: before the application date")
    if data.get("content_date", "") > application:
        found.append("content_date: after the application date")
    return found
