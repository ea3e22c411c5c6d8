"""Helpers of the intake API tests: a valid body, the requests, the rows an action writes."""

import json
from datetime import timedelta
from types import SimpleNamespace

from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, Role, TrackRecord, User
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    IntakeSource,
)
from notifications.models import Notification, WebhookDelivery, WebhookEvent
from tests.factories import ReasonCodeFactory, RuleFactory, UserFactory, published_version

URL = "/api/v1/actions"


def iso(moment) -> str:
    return moment.isoformat()


def new_source(name: str) -> SimpleNamespace:
    source = IntakeSource(name=name)
    token = source.set_new_token()
    source.save()
    return SimpleNamespace(source=source, token=token)


def post(body, token: str | None, client: Client | None = None, **headers):
    """POST `body` (a dict as JSON, or raw bytes) with `token` as the bearer token."""
    if token is not None:
        headers.setdefault("Authorization", f"Bearer {token}")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return (client or Client()).post(
        URL, data=raw, content_type="application/json", headers=headers
    )


def get(action_id, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return Client().get(f"{URL}/{action_id}", headers=headers)


WRITTEN_BY_AN_ACTION = (
    EnforcementAction,
    EnforcementAction.cited_versions.through,
    EvidenceItem,
    ClientNotice,
    ActionEvent,
    Notification,
    WebhookEvent,
    WebhookDelivery,
    AuditEvent,
    # ...and what an account sync writes.
    User,
    TrackRecord,
)


def row_counts() -> dict[str, int]:
    """The number of rows of every table an issued action writes to (one query: schemathesis
    calls this twice per request)."""
    tables = [connection.ops.quote_name(m._meta.db_table) for m in WRITTEN_BY_AN_ACTION]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {table})" for table in tables))
        counts = cursor.fetchone()
    return {
        model.__name__: count for model, count in zip(WRITTEN_BY_AN_ACTION, counts, strict=True)
    }


def make_world(freelancer, *, rule_key: str = "TOS-4.2") -> SimpleNamespace:
    """A detection system with its token, the rule it cites, the decider it names."""
    rule = RuleFactory(key=rule_key, title="Payments stay on the marketplace")
    version = published_version(rule)
    code = ReasonCodeFactory(rule=rule, code="off-platform-payment")
    decider = UserFactory(email="enzo@example.test", is_staff=True, role=Role.ENFORCER)
    intake = new_source("payments-detector")
    return SimpleNamespace(
        freelancer=freelancer,
        rule=rule,
        version=version,
        code=code,
        decider=decider,
        source=intake.source,
        token=intake.token,
    )


def valid_body(world, **overrides) -> dict:
    now = timezone.now()
    body = {
        "external_id": "pay-det-000123",
        "account": world.freelancer.marketplace_id,
        "restriction_type": "temporary_suspension",
        "restricted_capabilities": ["proposals", "messaging"],
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "decision_monetary": "DECISION_MONETARY_SUSPENSION",
        "rules": [{"rule": world.version.rule.key, "version": world.version.number}],
        "reason_code": world.code.code,
        "facts": "On 3 May a client reported a request to pay outside the marketplace.",
        "evidence": [
            {
                "signal_category": "messages",
                "summary": "A message asked the client to pay by bank transfer.",
                "internal_detail": "INTERNAL-ONLY detector score 0.97 from model pay-v7",
            },
            {
                "signal_category": "client_report",
                "summary": "A client reported the request.",
                "redaction": "partial",
                "redaction_reason": "The client's identity is protected.",
                "observed_at": iso(now - timedelta(days=2)),
            },
        ],
        "source_type": "SOURCE_ARTICLE_16",
        "automated_detection": True,
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "decided_by": world.decider.email,
        "content_type": ["CONTENT_TYPE_TEXT"],
        "territorial_scope": ["DE", "FR"],
        "funds_held": {
            "amount": "1240.50",
            "currency": "EUR",
            "release_condition": "Released when the suspension ends or an appeal succeeds.",
            "release_on": (now + timedelta(days=14)).date().isoformat(),
        },
        "strikes": {"count": 1, "expire_on": (now + timedelta(days=365)).date().isoformat()},
        "client_notices": [
            {
                "client_name": "Client 1 Ltd",
                "text": "This freelancer's account is temporarily suspended.",
                "shown_at": iso(now - timedelta(hours=1)),
                "contract_reference": "C-881",
            }
        ],
        "starts_at": iso(now - timedelta(minutes=30)),
        "ends_at": iso(now + timedelta(days=14)),
    }
    body.update(overrides)
    return body
