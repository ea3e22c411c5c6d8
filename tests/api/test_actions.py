"""The intake API: detection systems send actions with a bearer token, idempotently, and every
refused request answers 4xx with not a single row written."""

import json
import threading
from datetime import UTC, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from appeals import services as appeal_services
from appeals.models import Appeal
from enforcement import services
from enforcement.models import (
    EnforcementAction,
)
from notifications.models import Notification, WebhookEvent
from tests.api.support import (
    get,
    iso,
    make_world,
    new_source,
    post,
    row_counts,
    valid_body,
)
from tests.factories import (
    ReasonCodeFactory,
    ReviewerFactory,
    RuleFactory,
    RuleVersionFactory,
    make_action,
    make_appeal,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]


@pytest.fixture
def world(freelancer):
    return make_world(freelancer)


# --- Creation ------------------------------------------------------------------------------------


def test_a_valid_request_creates_the_action_with_its_complete_statement(world):
    body = valid_body(world)
    before = row_counts()

    response = post(body, world.token)

    assert response.status_code == 201, response.content
    data = response.json()
    action = EnforcementAction.objects.get(pk=data["id"])
    assert action.account == world.freelancer
    assert action.intake_source == world.source
    assert action.external_id == "pay-det-000123"
    assert len(action.request_fingerprint) == 64
    assert action.status == EnforcementAction.Status.ACTIVE
    assert action.restriction_type == "temporary_suspension"
    assert action.restricted_capabilities == ["proposals", "messaging"]
    assert action.decision_account == "DECISION_ACCOUNT_SUSPENDED"
    assert action.decision_monetary == "DECISION_MONETARY_SUSPENSION"
    assert list(action.cited_versions.all()) == [world.version]
    assert action.reason_code == world.code
    assert action.category == world.code.category
    assert action.facts == body["facts"]
    assert action.source_type == "SOURCE_ARTICLE_16"
    assert action.automated_detection is True
    assert action.automated_decision == "AUTOMATED_DECISION_PARTIALLY"
    assert action.decided_by == world.decider
    assert action.content_type == ["CONTENT_TYPE_TEXT"]
    assert action.territorial_scope == ["DE", "FR"]
    assert action.starts_at.isoformat() == body["starts_at"]
    assert action.ends_at.isoformat() == body["ends_at"]
    assert action.funds_held_amount == Decimal("1240.50")
    assert action.funds_currency == "EUR"
    assert action.funds_release_condition == body["funds_held"]["release_condition"]
    assert action.funds_release_on.isoformat() == body["funds_held"]["release_on"]
    assert action.strike_count == 1
    assert action.strikes_expire_on.isoformat() == body["strikes"]["expire_on"]

    evidence = list(action.evidence_items.order_by("position"))
    assert [e.signal_category for e in evidence] == ["messages", "client_report"]
    assert evidence[0].redaction == "none"
    assert evidence[0].internal_detail == "INTERNAL-ONLY detector score 0.97 from model pay-v7"
    assert evidence[1].redaction == "partial"
    assert evidence[1].redaction_reason == "The client's identity is protected."
    assert evidence[1].observed_at.isoformat() == body["evidence"][1]["observed_at"]
    notice = action.client_notices.get()
    assert (notice.client_name, notice.text, notice.contract_reference) == (
        "Client 1 Ltd",
        "This freelancer's account is temporarily suspended.",
        "C-881",
    )

    # One of each trail row: the issued event, the audit, the freelancer's notice, the outbox.
    after = row_counts()
    assert {name: after[name] - before[name] for name in after} == {
        "EnforcementAction": 1,
        "EnforcementAction_cited_versions": 1,
        "EvidenceItem": 2,
        "ClientNotice": 1,
        "ActionEvent": 1,
        "Notification": 1,
        "WebhookEvent": 1,
        "WebhookDelivery": 0,
        "AuditEvent": 1,
        # An action creates no account and no track record.
        "User": 0,
        "TrackRecord": 0,
    }
    assert Notification.objects.get().recipient == world.freelancer
    assert AuditEvent.objects.get(verb="action.issued").data == {"source": "payments-detector"}

    assert data["status"] == "active"
    assert data["external_id"] == "pay-det-000123"
    assert data["account"] == world.freelancer.marketplace_id
    assert data["rules"] == [{"rule": "TOS-4.2", "version": world.version.number}]
    assert data["reason_code"] == "off-platform-payment"
    assert data["funds_held"]["amount"] == "1240.50"
    assert data["funds_held"]["currency"] == "EUR"
    assert data["appeal"] is None
    assert data["takes_effect_at"] is None
    assert data["statement_url"].endswith(action.get_absolute_url())
    # What staff only may see never goes back out either.
    assert "INTERNAL-ONLY" not in response.content.decode()


def test_a_late_notice_with_its_reason_is_issued_and_reported(world):
    started = timezone.now() - timedelta(hours=5)
    reason = "Stopped at once to protect a client's payment; the statement followed the review."
    body = valid_body(world, starts_at=iso(started), late_notice_reason=reason)
    response = post(body, world.token)
    assert response.status_code == 201, response.content
    action = EnforcementAction.objects.get(pk=response.json()["id"])
    assert action.late_notice_reason == reason
    assert action.notified_at - action.starts_at > timedelta(hours=4)
    assert response.json()["late_notice_reason"] == reason


def test_the_token_use_is_recorded_on_the_source(world):
    assert world.source.last_used_at is None
    post(valid_body(world), world.token)
    world.source.refresh_from_db()
    assert world.source.last_used_at is not None
    assert timezone.now() - world.source.last_used_at < timedelta(minutes=5)


def test_a_permanent_termination_is_only_proposed_with_its_notice_period(world, settings):
    body = valid_body(
        world,
        restriction_type="permanent_termination",
        ends_at=None,
        decision_account="DECISION_ACCOUNT_TERMINATED",
    )
    response = post(body, world.token)

    assert response.status_code == 201, response.content
    action = EnforcementAction.objects.get(pk=response.json()["id"])
    assert action.status == EnforcementAction.Status.PENDING
    assert action.takes_effect_at == action.notified_at + timedelta(
        days=settings.TERMINATION_NOTICE_DAYS
    )
    assert response.json()["status"] == "pending"
    assert response.json()["takes_effect_at"] is not None


def test_a_termination_under_an_exception_takes_effect_from_its_start(world):
    body = valid_body(
        world,
        restriction_type="permanent_termination",
        ends_at=None,
        termination_exception={
            "kind": "imminent_fraud_risk",
            "reason": "The account is draining clients' escrow right now.",
        },
    )
    response = post(body, world.token)

    assert response.status_code == 201, response.content
    action = EnforcementAction.objects.get(pk=response.json()["id"])
    assert action.status == EnforcementAction.Status.PENDING
    assert action.termination_exception == "imminent_fraud_risk"
    assert action.termination_exception_reason.startswith("The account is draining")
    assert action.takes_effect_at.isoformat() == body["starts_at"]
    assert response.json()["termination_exception"] == "imminent_fraud_risk"


def test_a_fully_automated_termination_sent_by_a_detector_waits_for_a_human(world):
    body = valid_body(
        world,
        restriction_type="permanent_termination",
        ends_at=None,
        decision_account="DECISION_ACCOUNT_TERMINATED",
        automated_decision="AUTOMATED_DECISION_FULLY",
        termination_exception={
            "kind": "imminent_fraud_risk",
            "reason": "Stolen cards are being used on this account now.",
        },
    )
    del body["decided_by"]
    response = post(body, world.token)

    assert response.status_code == 201, response.content
    action = EnforcementAction.objects.get(pk=response.json()["id"])
    assert (action.decided_by, action.confirmed_at) == (None, None)
    # Even under an exception and long after its start, nothing happens without a person.
    assert services.take_effect_due(now=timezone.now() + timedelta(days=90)) == 0
    assert EnforcementAction.objects.get(pk=action.pk).status == EnforcementAction.Status.PENDING


def test_a_fully_automated_decision_names_no_decider(world):
    body = valid_body(world, automated_decision="AUTOMATED_DECISION_FULLY")
    del body["decided_by"]

    response = post(body, world.token)

    assert response.status_code == 201, response.content
    assert EnforcementAction.objects.get(pk=response.json()["id"]).decided_by is None


# --- Idempotency -------------------------------------------------------------------------------


def test_the_same_body_again_returns_the_same_action(world):
    body = valid_body(world)
    first = post(body, world.token)
    before = row_counts()

    again = post(body, world.token)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json() == first.json()
    assert row_counts() == before
    assert EnforcementAction.objects.filter(intake_source=world.source).count() == 1


def test_a_replay_that_means_the_same_is_the_same_body(world):
    """Key order, time zone offsets, number formats and spelt-out defaults do not matter."""
    body = valid_body(world)
    first = post(body, world.token)

    berlin = ZoneInfo("Europe/Berlin")
    same = dict(reversed(list(body.items())))
    same["starts_at"] = iso(timezone.datetime.fromisoformat(body["starts_at"]).astimezone(berlin))
    same["funds_held"] = {**body["funds_held"], "amount": 1240.5}
    same["decided_by"] = body["decided_by"].upper()
    same["decision_visibility"] = []
    same["evidence"] = [{**body["evidence"][0], "redaction": "none"}, body["evidence"][1]]
    again = post(same, world.token)

    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]


def test_a_different_body_under_a_used_external_id_is_a_conflict(world):
    first = post(valid_body(world), world.token)
    before = row_counts()

    other = post(valid_body(world, facts="A different story altogether."), world.token)

    assert other.status_code == 409
    assert other.json()["action_id"] == first.json()["id"]
    assert "pay-det-000123" in other.json()["detail"]
    assert row_counts() == before
    action = EnforcementAction.objects.get(pk=first.json()["id"])
    assert action.facts == valid_body(world)["facts"]


def test_external_ids_are_per_source(world):
    other = new_source("identity-detector")
    mine = post(valid_body(world), world.token)
    theirs = post(valid_body(world), other.token)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_twelve_concurrent_identical_posts_create_one_action(world):
    body = valid_body(world)
    barrier = threading.Barrier(12)
    answers: list[tuple[int, int | None]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            client = Client()
            barrier.wait(timeout=30)
            response = post(body, world.token, client=client)
            payload = response.json()
            with lock:
                answers.append((response.status_code, payload.get("id")))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert len(answers) == 12
    assert sorted(status for status, _ in answers) == [200] * 11 + [201]
    assert len({action_id for _, action_id in answers}) == 1
    assert EnforcementAction.objects.filter(intake_source=world.source).count() == 1
    action = EnforcementAction.objects.get(intake_source=world.source)
    assert action.evidence_items.count() == 2
    assert action.client_notices.count() == 1
    assert action.events.count() == 1
    assert WebhookEvent.objects.filter(action=action).count() == 1
    assert Notification.objects.filter(recipient=world.freelancer).count() == 1


# --- Refusals: 4xx and nothing written ------------------------------------------------------------


def _set(path: str, value):
    """Set `value` at a dotted path ("evidence.0.summary") of the body."""

    def mutate(body, world):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = body
        for part in parents:
            target = target[part]
        target[last] = value

    return mutate


def _drop(path: str):
    def mutate(body, world):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = body
        for part in parents:
            target = target[part]
        del target[last]

    return mutate


def _draft_version(body, world):
    # The next version is still a draft: it has no number, so nothing can cite one.
    RuleVersionFactory(rule=world.rule, draft=True)
    body["rules"] = [{"rule": world.rule.key, "version": world.version.number + 1}]


def _future_version(body, world):
    now = timezone.now()
    future = RuleVersionFactory(
        rule=world.rule,
        number=world.version.number + 1,
        change_summary="Stricter.",
        published_at=now - timedelta(days=1),
        effective_from=now + timedelta(days=30),
    )
    body["rules"] = [{"rule": world.rule.key, "version": future.number}]


def _superseded_version(body, world):
    now = timezone.now()
    RuleVersionFactory(
        rule=world.rule,
        number=world.version.number + 1,
        change_summary="Stricter.",
        published_at=now - timedelta(days=20),
        effective_from=now - timedelta(days=10),
    )


def _reason_code_of_another_rule(body, world):
    body["reason_code"] = ReasonCodeFactory(rule=RuleFactory()).code


def _retired_reason_code(body, world):
    world.code.is_active = False
    world.code.save()


def _reviewer_without_issue_permission(body, world):
    body["decided_by"] = ReviewerFactory(email="rae@example.test").email


def _human_decision_without_decider(body, world):
    body["automated_decision"] = "AUTOMATED_DECISION_NOT_AUTOMATED"
    del body["decided_by"]


def _late_start(body, world):
    # Started three hours ago, told now: past the tolerance, and no reason given.
    body["starts_at"] = iso(timezone.now() - timedelta(hours=3))


def _identity_on_own_initiative(body, world):
    body["source_type"] = "SOURCE_VOLUNTARY"
    body["source_identity"] = "Trusted Flagger Association e.V."


def _non_object(value):
    def mutate(body, world):
        return json.dumps(value).encode()

    return mutate


def _raw(raw: bytes):
    def mutate(body, world):
        return raw

    return mutate


def _no_decision(body, world):
    del body["decision_account"]
    del body["decision_monetary"]


def _evidence_as_object(body, world):
    body["evidence"] = body["evidence"][0]


def _termination_with_end(body, world):
    body["restriction_type"] = "permanent_termination"


def _exception_on_suspension(body, world):
    body["termination_exception"] = {
        "kind": "legal_obligation",
        "reason": "A court ordered it.",
    }


BODY = ["body"]
INVALID_BODIES = [
    # Missing fields
    pytest.param(_drop("external_id"), 422, BODY + ["external_id"], id="missing external_id"),
    pytest.param(_drop("account"), 422, BODY + ["account"], id="missing account"),
    pytest.param(_drop("restriction_type"), 422, BODY + ["restriction_type"], id="missing type"),
    pytest.param(_drop("rules"), 422, BODY + ["rules"], id="missing rules"),
    pytest.param(_drop("reason_code"), 422, BODY + ["reason_code"], id="missing reason code"),
    pytest.param(_drop("facts"), 422, BODY + ["facts"], id="missing facts"),
    pytest.param(_drop("evidence"), 422, BODY + ["evidence"], id="missing evidence"),
    pytest.param(_drop("source_type"), 422, BODY + ["source_type"], id="missing source type"),
    pytest.param(
        _drop("automated_detection"), 422, BODY + ["automated_detection"], id="missing detection"
    ),
    pytest.param(
        _drop("automated_decision"), 422, BODY + ["automated_decision"], id="missing automation"
    ),
    pytest.param(_drop("starts_at"), 422, BODY + ["starts_at"], id="missing starts_at"),
    pytest.param(
        _drop("evidence.0.summary"),
        422,
        BODY + ["evidence", 0, "summary"],
        id="evidence without summary",
    ),
    pytest.param(
        _drop("funds_held.currency"),
        422,
        BODY + ["funds_held", "currency"],
        id="funds without currency",
    ),
    pytest.param(
        _drop("strikes.expire_on"), 422, BODY + ["strikes", "expire_on"], id="strikes not expiring"
    ),
    # Wrong enums
    pytest.param(_set("restriction_type", "ban"), 422, BODY + ["restriction_type"], id="bad type"),
    pytest.param(
        _set("restricted_capabilities", ["teleporting"]),
        422,
        BODY + ["restricted_capabilities", 0],
        id="bad capability",
    ),
    pytest.param(
        _set("decision_account", "DECISION_ACCOUNT_BANISHED"),
        422,
        BODY + ["decision_account"],
        id="bad account decision",
    ),
    pytest.param(
        _set("source_type", "SOURCE_RUMOUR"), 422, BODY + ["source_type"], id="bad source type"
    ),
    pytest.param(
        _set("automated_decision", "AUTOMATED_DECISION_MOSTLY"),
        422,
        BODY + ["automated_decision"],
        id="bad automation",
    ),
    pytest.param(
        _set("evidence.0.signal_category", "vibes"),
        422,
        BODY + ["evidence", 0, "signal_category"],
        id="bad signal category",
    ),
    pytest.param(
        _set("evidence.0.redaction", "blurred"),
        422,
        BODY + ["evidence", 0, "redaction"],
        id="bad redaction",
    ),
    pytest.param(
        _set("territorial_scope", ["US"]),
        422,
        BODY + ["territorial_scope", 0],
        id="country outside the EEA",
    ),
    pytest.param(
        _set("content_type", ["CONTENT_TYPE_HOLOGRAM"]),
        422,
        BODY + ["content_type", 0],
        id="bad content type",
    ),
    pytest.param(
        _set("termination_exception", {"kind": "because", "reason": "We said so."}),
        422,
        BODY + ["termination_exception", "kind"],
        id="bad exception kind",
    ),
    # The rule relied on
    pytest.param(_draft_version, 422, BODY + ["rules", 0, "version"], id="draft rule version"),
    pytest.param(_future_version, 422, BODY + ["rules"], id="version not yet in force"),
    pytest.param(_superseded_version, 422, BODY + ["rules"], id="version no longer in force"),
    pytest.param(
        _set("rules", [{"rule": "TOS-99.9", "version": 1}]),
        422,
        BODY + ["rules", 0, "rule"],
        id="unknown rule",
    ),
    pytest.param(
        _reason_code_of_another_rule, 422, BODY + ["reason_code"], id="reason code of other rule"
    ),
    pytest.param(
        _set("reason_code", "no-such-code"), 422, BODY + ["reason_code"], id="unknown reason code"
    ),
    pytest.param(_retired_reason_code, 422, BODY + ["reason_code"], id="retired reason code"),
    pytest.param(_set("rules", []), 422, BODY + ["rules"], id="no rule cited"),
    # Dates
    pytest.param(_set("starts_at", "yesterday"), 422, BODY + ["starts_at"], id="unreadable date"),
    pytest.param(
        _set("starts_at", "2026-03-01T10:00:00"), 422, BODY + ["starts_at"], id="naive time"
    ),
    pytest.param(_set("starts_at", 1767225600), 422, BODY + ["starts_at"], id="unix time"),
    pytest.param(
        _set("starts_at", "9999-12-31T23:00:00+00:00"),
        422,
        BODY + ["starts_at"],
        id="time out of range",
    ),
    pytest.param(
        _set("ends_at", "2001-01-01T00:00:00+00:00"),
        422,
        BODY + ["ends_at"],
        id="ends before start",
    ),
    pytest.param(_set("ends_at", None), 422, BODY + ["ends_at"], id="suspension without end"),
    pytest.param(_termination_with_end, 422, BODY + ["ends_at"], id="termination with an end"),
    pytest.param(
        _set("funds_held.release_on", "31/12/2026"),
        422,
        BODY + ["funds_held", "release_on"],
        id="bad release date",
    ),
    pytest.param(
        _set("client_notices.0.shown_at", "2026-02-30T10:00:00Z"),
        422,
        BODY + ["client_notices", 0, "shown_at"],
        id="impossible date",
    ),
    # Oversize strings
    pytest.param(_set("facts", "x" * 5001), 422, BODY + ["facts"], id="facts too long"),
    pytest.param(
        _set("external_id", "e" * 201), 422, BODY + ["external_id"], id="external id too long"
    ),
    pytest.param(_set("account", "a" * 65), 422, BODY + ["account"], id="account too long"),
    pytest.param(
        _set("evidence.0.summary", "s" * 2001),
        422,
        BODY + ["evidence", 0, "summary"],
        id="summary too long",
    ),
    pytest.param(
        _set("client_notices.0.client_name", "c" * 201),
        422,
        BODY + ["client_notices", 0, "client_name"],
        id="client name too long",
    ),
    pytest.param(
        _set("decision_visibility_other", "v" * 501),
        422,
        BODY + ["decision_visibility_other"],
        id="other visibility too long",
    ),
    # Wrong types
    pytest.param(
        _set("automated_detection", "yes"),
        422,
        BODY + ["automated_detection"],
        id="boolean as string",
    ),
    pytest.param(_set("rules", "TOS-4.2"), 422, BODY + ["rules"], id="rules as a string"),
    pytest.param(
        _set("rules", [{"rule": "TOS-4.2", "version": "1"}]),
        422,
        BODY + ["rules", 0, "version"],
        id="version as a string",
    ),
    pytest.param(_evidence_as_object, 422, BODY + ["evidence"], id="evidence as an object"),
    pytest.param(
        _set("funds_held.amount", -5), 422, BODY + ["funds_held", "amount"], id="negative amount"
    ),
    pytest.param(
        _set("funds_held.amount", "12.345"),
        422,
        BODY + ["funds_held", "amount"],
        id="amount with three decimals",
    ),
    pytest.param(
        _set("funds_held.amount", "1e3"), 422, BODY + ["funds_held", "amount"], id="amount exponent"
    ),
    pytest.param(
        _set("funds_held.currency", "eur"),
        422,
        BODY + ["funds_held", "currency"],
        id="lower-case currency",
    ),
    pytest.param(
        _set("strikes.count", 1.5), 422, BODY + ["strikes", "count"], id="fractional strikes"
    ),
    pytest.param(_set("facts", 42), 422, BODY + ["facts"], id="facts as a number"),
    pytest.param(_set("severity", "high"), 422, BODY + ["severity"], id="unknown field"),
    pytest.param(_non_object([1, 2, 3]), 422, BODY, id="body is a list"),
    pytest.param(_non_object("an action"), 422, BODY, id="body is a string"),
    pytest.param(_non_object(None), 422, BODY, id="body is null"),
    # Text the database cannot store
    pytest.param(_set("facts", "Paid\x00outside"), 422, BODY + ["facts"], id="NUL character"),
    pytest.param(
        _set("evidence.0.summary", "broken \ud800 text"),
        422,
        BODY + ["evidence", 0, "summary"],
        id="lone surrogate",
    ),
    # Malformed JSON
    pytest.param(_raw(b'{"external_id": "x", '), 400, None, id="truncated JSON"),
    pytest.param(_raw(b"\xff\xfe not utf-8"), 400, None, id="not UTF-8"),
    pytest.param(_raw(b"{'external_id': 'x'}"), 400, None, id="single quotes"),
    pytest.param(_raw(b""), 422, BODY, id="empty body"),
    # References that do not resolve
    pytest.param(_set("account", "fl-unknown"), 422, BODY + ["account"], id="unknown account"),
    pytest.param(
        _human_decision_without_decider, 422, BODY + ["decided_by"], id="human decision no decider"
    ),
    pytest.param(
        _set("decided_by", "nobody@example.test"), 422, BODY + ["decided_by"], id="unknown decider"
    ),
    pytest.param(
        _reviewer_without_issue_permission,
        422,
        BODY + ["decided_by"],
        id="decider without permission",
    ),
    pytest.param(
        _set("automated_decision", "AUTOMATED_DECISION_FULLY"),
        422,
        BODY + ["decided_by"],
        id="automated decision with decider",
    ),
    # An incomplete or unfair statement (the service's guards)
    pytest.param(_set("facts", ""), 422, BODY + ["facts"], id="empty facts"),
    pytest.param(_set("facts", "   \n "), 422, BODY + ["facts"], id="blank facts"),
    pytest.param(_set("evidence", []), 422, BODY + ["evidence"], id="no evidence"),
    pytest.param(
        _set("evidence.0.summary", "  "),
        422,
        BODY + ["evidence", 0, "summary"],
        id="blank evidence summary",
    ),
    pytest.param(
        _set("evidence.0.redaction", "withheld"),
        422,
        BODY + ["evidence", 0, "redaction_reason"],
        id="redaction without reason",
    ),
    pytest.param(
        _exception_on_suspension,
        422,
        BODY + ["termination_exception", "kind"],
        id="exception on a non-termination",
    ),
    pytest.param(
        _set("termination_exception", {"kind": "legal_obligation", "reason": ""}),
        422,
        BODY + ["termination_exception", "reason"],
        id="exception without reason",
    ),
    pytest.param(_no_decision, 422, BODY, id="no decision field"),
    pytest.param(_late_start, 422, BODY + ["late_notice_reason"], id="late notice undeclared"),
    pytest.param(
        _set("decision_ground", "DECISION_GROUND_ILLEGAL_CONTENT"),
        422,
        BODY + ["illegal_content_legal_ground"],
        id="illegal content without legal ground",
    ),
    pytest.param(
        _set("illegal_content_explanation", "Fraud."),
        422,
        BODY + ["illegal_content_explanation"],
        id="illegal explanation on a terms ground",
    ),
    pytest.param(
        _set("decision_ground", "DECISION_GROUND_OTHER"),
        422,
        BODY + ["decision_ground"],
        id="unknown decision ground",
    ),
    pytest.param(
        _identity_on_own_initiative,
        422,
        BODY + ["source_identity"],
        id="notifier named on own initiative",
    ),
    pytest.param(
        _set("late_notice_reason", "The notice was delayed."),
        422,
        BODY + ["late_notice_reason"],
        id="late-notice reason for a timely notice",
    ),
    pytest.param(
        _set("decision_visibility", ["DECISION_VISIBILITY_OTHER"]),
        422,
        BODY + ["decision_visibility_other"],
        id="other visibility undescribed",
    ),
]


@pytest.mark.parametrize(("mutate", "status", "loc"), INVALID_BODIES)
def test_an_invalid_request_is_refused_and_writes_nothing(world, mutate, status, loc):
    body = valid_body(world)
    raw = mutate(body, world)
    before = row_counts()

    response = post(raw if raw is not None else body, world.token)

    assert response.status_code == status, response.content
    assert row_counts() == before
    detail = response.json()["detail"]
    if status == 422:
        assert all(set(error) == {"loc", "msg", "type"} and error["msg"] for error in detail)
        assert loc in [error["loc"] for error in detail], detail
    else:
        assert isinstance(detail, str) and detail


def test_an_unknown_account_is_refused_with_a_clear_message(world):
    response = post(valid_body(world, account="fl-404"), world.token)

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "account"]
    assert "fl-404" in error["msg"] and "sync the account first" in error["msg"]


def _staff_with_marketplace_id(world) -> str:
    world.decider.marketplace_id = "~staff-0001"
    world.decider.save(update_fields=["marketplace_id"])
    return world.decider.marketplace_id


def test_a_staff_account_is_not_acted_on(world):
    response = post(valid_body(world, account=_staff_with_marketplace_id(world)), world.token)

    assert response.status_code == 422
    assert ["body", "account"] in [error["loc"] for error in response.json()["detail"]]
    assert not EnforcementAction.objects.exists()


def test_a_refusal_by_the_service_names_each_field(world):
    body = valid_body(world, facts="  ")
    body["evidence"][1]["redaction_reason"] = ""

    response = post(body, world.token)

    assert response.status_code == 422
    errors = {tuple(e["loc"]): e for e in response.json()["detail"]}
    assert set(errors) == {("body", "facts"), ("body", "evidence", 1, "redaction_reason")}
    assert errors[("body", "facts")]["type"] == "refused"
    assert "facts" in errors[("body", "facts")]["msg"]


def _revoked(world):
    world.source.revoked_at = timezone.now()
    world.source.save()
    return world.token


TOKENS = [
    pytest.param(lambda w: None, {}, id="no token"),
    pytest.param(lambda w: "rcs_" + "x" * 43, {}, id="wrong token"),
    pytest.param(lambda w: "", {}, id="empty token"),
    pytest.param(lambda w: w.token + "x" * 300, {}, id="overlong token"),
    pytest.param(_revoked, {}, id="revoked token"),
    pytest.param(lambda w: None, {"Authorization": "Basic cGF5bWVudHM6c2VjcmV0"}, id="basic auth"),
    pytest.param(lambda w: None, {"Authorization": "Token abc"}, id="other scheme"),
]


@pytest.mark.parametrize(("token_for", "headers"), TOKENS)
def test_a_request_without_a_valid_token_is_unauthorized(world, token_for, headers):
    token = token_for(world)
    before = row_counts()

    response = post(valid_body(world), token, **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "bearer token" in response.json()["detail"]
    assert row_counts() == before


def test_a_revoked_token_is_not_marked_as_used(world):
    _revoked(world)
    post(valid_body(world), world.token)
    world.source.refresh_from_db()
    assert world.source.last_used_at is None


# --- Reading an action back ----------------------------------------------------------------------


def test_the_source_reads_its_action_and_its_appeal(world, reviewer):
    created = post(valid_body(world), world.token).json()

    response = get(created["id"], world.token)
    assert response.status_code == 200
    assert response.json() == created
    assert response.json()["appeal"] is None

    action = EnforcementAction.objects.get(pk=created["id"])
    appeal = make_appeal(action, claimed_by=reviewer)
    filed = get(action.pk, world.token).json()
    assert filed["status"] == "active"
    assert filed["appeal"]["status"] == appeal.status
    assert filed["appeal"]["status"] in {"submitted", "in_review"}
    assert filed["appeal"]["outcome"] is None
    assert filed["appeal"]["decided_at"] is None

    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons="The payment went through the marketplace after all.",
        versions=[world.version],
        decided_by=reviewer,
    )
    decided = get(action.pk, world.token).json()
    assert decided["status"] == "lifted"
    assert decided["appeal"]["status"] == "decided"
    assert decided["appeal"]["outcome"] == "overturned"
    assert decided["appeal"]["decided_at"] is not None
    assert decided["funds_held"]["released_amount"] == "1240.50"


def test_a_proposed_appeal_outcome_is_not_reported_as_the_outcome(world, reviewer):
    created = post(valid_body(world), world.token).json()
    appeal = make_appeal(EnforcementAction.objects.get(pk=created["id"]), claimed_by=reviewer)
    Appeal.objects.filter(pk=appeal.pk).update(
        status=Appeal.Status.SECOND_REVIEW, outcome=Appeal.Outcome.UPHELD, proposed_by=reviewer
    )

    state = get(created["id"], world.token).json()["appeal"]

    assert state["status"] == "second_review"
    assert state["outcome"] is None


def test_another_sources_action_is_not_found(world):
    other = new_source("identity-detector")
    theirs = post(valid_body(world), other.token).json()
    staff_issued = make_action(world.freelancer)

    assert get(theirs["id"], other.token).status_code == 200
    for action_id in (theirs["id"], staff_issued.pk, staff_issued.pk + 10_000):
        response = get(action_id, world.token)
        assert response.status_code == 404
        assert response.json() == {"detail": "No action with this id was sent by this source."}


def test_reading_needs_a_valid_token(world):
    created = post(valid_body(world), world.token).json()
    assert get(created["id"], None).status_code == 401
    assert get(created["id"], "rcs_wrong").status_code == 401
    _revoked(world)
    assert get(created["id"], world.token).status_code == 401


@pytest.mark.parametrize("action_id", ["0", "-1", "abc", str(2**63)])
def test_an_impossible_id_is_refused_as_such(world, action_id):
    response = get(action_id, world.token)
    assert response.status_code in (404, 422)


def test_no_docs_page_is_served_and_the_document_is(client):
    assert client.get("/api/v1/docs").status_code == 404
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    schema = document.json()
    assert set(schema["paths"]) == {
        "/api/v1/actions",
        "/api/v1/actions/{action_id}",
        "/api/v1/transparency",
        "/api/v1/actions/{action_id}/client-notices",
        "/api/v1/client-notices/{notice_id}/acknowledge",
        "/api/v1/accounts/{marketplace_id}",
        "/api/v1/accounts/{marketplace_id}/deactivate",
    }
    assert schema["components"]["securitySchemes"] == {
        "SourceToken": {"type": "http", "scheme": "bearer"}
    }
    action_in = schema["components"]["schemas"]["ActionIn"]["properties"]
    assert action_in["restriction_type"]["enum"] == list(EnforcementAction.RestrictionType.values)
    assert action_in["external_id"]["maxLength"] == 200
    post_responses = schema["paths"]["/api/v1/actions"]["post"]["responses"]
    assert set(post_responses) == {"200", "201", "400", "401", "409", "422"}


def test_times_are_stored_in_utc_whatever_offset_was_sent(world):
    starts = timezone.now().astimezone(ZoneInfo("America/Sao_Paulo")) - timedelta(minutes=30)
    body = valid_body(world, starts_at=iso(starts))
    response = post(body, world.token)
    assert response.status_code == 201, response.content
    action = EnforcementAction.objects.get(pk=response.json()["id"])
    assert action.starts_at == starts.astimezone(UTC)
