"""`issue_action` is the one door for enforcement actions: it issues complete ones, refuses the rest."""

import calendar
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from enforcement import services
from enforcement.choices import AutomatedDecision, DecisionMonetary, DecisionVisibility
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    RuleVersion,
)
from tests.factories import (
    ReasonCodeFactory,
    ReviewerFactory,
    RuleFactory,
    RuleVersionFactory,
    action_request,
    published_version,
)

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (EnforcementAction, EvidenceItem, ClientNotice, ActionEvent)
    }


def _refused(request: services.ActionRequest, *, issued_by: User | None) -> dict[str, list[str]]:
    """Issue `request`, expect a refusal, check nothing was written, return the reasons by field."""
    before = _row_counts()
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=issued_by)
    assert _row_counts() == before
    return refused.value.message_dict


@pytest.fixture
def reviewer_who_decides(db):
    return ReviewerFactory()


def _versions_of_one_rule(*effective_days_ago: int) -> list[RuleVersion]:
    """Published versions 1..n of one rule, each in force from `effective_days_ago` days ago."""
    now = timezone.now()
    rule = RuleFactory()
    return [
        RuleVersionFactory(
            rule=rule,
            number=number,
            change_summary="" if number == 1 else "Clarified.",
            published_at=now - timedelta(days=days + 5),
            effective_from=now - timedelta(days=days),
        )
        for number, days in enumerate(effective_days_ago, start=1)
    ]


# --- The happy path ------------------------------------------------------------------------------


def test_a_complete_request_issues_an_action_with_its_statement(freelancer, reviewer_who_decides):
    request = action_request(freelancer, evidence=3, client_notices=2)
    action = services.issue_action(request, issued_by=reviewer_who_decides)

    assert action.account == freelancer
    assert action.status == EnforcementAction.Status.ACTIVE
    assert list(action.cited_versions.all()) == request.cited_versions
    assert action.reason_code == request.reason_code
    assert action.category == request.reason_code.category
    assert action.incompatible_content_ground.startswith(request.cited_versions[0].rule.key)
    assert action.evidence_items.count() == 3
    assert action.client_notices.count() == 2
    assert action.funds_held_amount == Decimal("1240.50")


def test_the_issued_event_is_written(freelancer, reviewer_who_decides):
    action = services.issue_action(action_request(freelancer), issued_by=reviewer_who_decides)
    event = action.events.get()
    assert event.kind == ActionEvent.Kind.ISSUED
    assert event.actor == reviewer_who_decides
    assert (event.from_status, event.to_status) == ("", EnforcementAction.Status.ACTIVE)
    assert event.at == action.notified_at
    assert action.reason_code.code in event.reason


def test_action_events_are_append_only(freelancer, reviewer_who_decides):
    action = services.issue_action(action_request(freelancer), issued_by=reviewer_who_decides)
    events = ActionEvent.objects.filter(action=action)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        events.update(reason="Rewritten history.")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        events.delete()
    assert events.get().reason.startswith("Temporary suspension")


# --- Only published versions in force at the start can be cited --------------------------------


def test_a_draft_version_cannot_be_cited(freelancer, reviewer_who_decides):
    draft = RuleVersionFactory(draft=True)
    reasons = _refused(action_request(freelancer, version=draft), issued_by=reviewer_who_decides)
    assert "draft" in " ".join(reasons["cited_versions"])


def test_a_superseded_version_cannot_be_cited(freelancer, reviewer_who_decides):
    older, current = _versions_of_one_rule(400, 100)
    reasons = _refused(action_request(freelancer, version=older), issued_by=reviewer_who_decides)
    assert "not in force" in " ".join(reasons["cited_versions"])
    # The version that replaced it is the one to cite.
    services.issue_action(
        action_request(freelancer, version=current), issued_by=reviewer_who_decides
    )


def test_a_superseded_version_can_be_cited_for_an_action_that_started_while_it_applied(
    freelancer, reviewer_who_decides
):
    older, _current = _versions_of_one_rule(400, 100)
    started = timezone.now() - timedelta(days=200)
    request = action_request(freelancer, version=older, starts_at=started)
    action = services.issue_action(request, issued_by=reviewer_who_decides)
    assert action.primary_version() == older


def test_a_version_that_takes_effect_after_the_start_cannot_be_cited(
    freelancer, reviewer_who_decides
):
    (version,) = _versions_of_one_rule(5)
    request = action_request(
        freelancer, version=version, starts_at=timezone.now() - timedelta(days=10)
    )
    reasons = _refused(request, issued_by=reviewer_who_decides)
    assert "not in force" in " ".join(reasons["cited_versions"])


def test_a_version_published_for_a_future_date_cannot_be_cited_yet(
    freelancer, reviewer_who_decides
):
    now = timezone.now()
    upcoming = RuleVersionFactory(
        number=1, published_at=now - timedelta(hours=1), effective_from=now + timedelta(days=7)
    )
    reasons = _refused(action_request(freelancer, version=upcoming), issued_by=reviewer_who_decides)
    assert "cited_versions" in reasons


def test_an_action_must_cite_a_version(freelancer, reviewer_who_decides):
    request = action_request(freelancer)
    request.cited_versions = []
    assert "cited_versions" in _refused(request, issued_by=reviewer_who_decides)


def test_a_reason_code_of_another_rule_is_refused(freelancer, reviewer_who_decides):
    version = published_version()
    foreign_code = ReasonCodeFactory(rule=RuleFactory())
    request = action_request(freelancer, version=version, reason_code=foreign_code)
    reasons = _refused(request, issued_by=reviewer_who_decides)
    assert foreign_code.rule.key in " ".join(reasons["reason_code"])


def test_a_retired_reason_code_is_refused(freelancer, reviewer_who_decides):
    version = published_version()
    retired = ReasonCodeFactory(rule=version.rule, is_active=False)
    request = action_request(freelancer, version=version, reason_code=retired)
    assert "reason_code" in _refused(request, issued_by=reviewer_who_decides)


# --- A complete statement of reasons, or a refusal naming the missing field ---------------------


def _withheld_without_reason() -> list[services.EvidenceInput]:
    return [
        services.EvidenceInput(
            signal_category=EvidenceItem.SignalCategory.LOGIN,
            summary="Sign-ins from a device linked to another account.",
            redaction=EvidenceItem.Redaction.WITHHELD,
            redaction_reason="  ",
        )
    ]


INCOMPLETE_REQUESTS = {
    "facts": {"facts": "   "},
    "evidence": {"evidence": []},
    "evidence.0.redaction_reason": {"evidence": _withheld_without_reason},
    "ends_at": {"ends_at": None},
    "funds_currency": {"funds_currency": ""},
    "funds_release_condition": {"funds_release_condition": " "},
    "decision": {"decision_account": "", "decision_monetary": ""},
    "source_type": {"source_type": "SOURCE_RUMOUR"},
    "automated_decision": {"automated_decision": "AUTOMATED_DECISION_SOMEWHAT"},
    "decision_account": {"decision_account": "DECISION_ACCOUNT_FROZEN"},
    "decision_monetary": {"decision_monetary": "DECISION_MONETARY_FINE"},
    "decision_provision": {"decision_provision": "DECISION_PROVISION_SOME"},
    "decision_visibility_other": {"decision_visibility": [DecisionVisibility.OTHER]},
    "decision_monetary_other": {"decision_monetary": DecisionMonetary.OTHER},
    "territorial_scope": {"territorial_scope": ["US"]},
    "restricted_capabilities": {"restricted_capabilities": ["teleporting"]},
    "strikes_expire_on": {"strike_count": 2, "strikes_expire_on": None},
}


@pytest.mark.parametrize("field", INCOMPLETE_REQUESTS)
def test_an_incomplete_statement_is_refused_naming_the_field(
    field, freelancer, reviewer_who_decides
):
    request = action_request(freelancer)
    for name, value in INCOMPLETE_REQUESTS[field].items():
        setattr(request, name, value() if callable(value) else value)
    reasons = _refused(request, issued_by=reviewer_who_decides)
    assert field in reasons


def test_a_temporary_suspension_without_an_end_is_refused(freelancer, reviewer_who_decides):
    request = action_request(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.TEMPORARY_SUSPENSION,
        ends_at=None,
    )
    assert "temporary suspension" in " ".join(
        _refused(request, issued_by=reviewer_who_decides)["ends_at"]
    )


def test_a_permanent_termination_with_an_end_is_refused(freelancer, reviewer_who_decides):
    request = action_request(
        freelancer, restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION
    )
    assert "ends_at" in _refused(request, issued_by=reviewer_who_decides)


def test_an_end_before_the_start_is_refused(freelancer, reviewer_who_decides):
    start = timezone.now() - timedelta(days=1)
    request = action_request(freelancer, starts_at=start, ends_at=start - timedelta(hours=1))
    assert "ends_at" in _refused(request, issued_by=reviewer_who_decides)


def test_funds_held_without_currency_and_release_condition_name_both(
    freelancer, reviewer_who_decides
):
    request = action_request(
        freelancer, funds_currency="", funds_release_condition="", funds_held_amount=Decimal(10)
    )
    reasons = _refused(request, issued_by=reviewer_who_decides)
    assert {"funds_currency", "funds_release_condition"} <= set(reasons)


def test_no_funds_held_needs_no_currency(freelancer, reviewer_who_decides):
    request = action_request(
        freelancer,
        funds_held_amount=Decimal(0),
        funds_currency="",
        funds_release_condition="",
        funds_release_on=None,
    )
    action = services.issue_action(request, issued_by=reviewer_who_decides)
    assert not action.has_funds_held()


def test_every_problem_is_reported_at_once(freelancer, reviewer_who_decides):
    request = action_request(freelancer, facts="", evidence=0, ends_at=None)
    assert {"facts", "evidence", "ends_at"} <= set(
        _refused(request, issued_by=reviewer_who_decides)
    )


# --- Appeal window and who decided --------------------------------------------------------------


def _six_months_after(moment: datetime) -> datetime:
    """The same day six calendar months later (31 August -> 28/29 February)."""
    month = moment.month + 6
    year, month = moment.year + (month - 1) // 12, (month - 1) % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def test_the_appeal_deadline_is_six_months_after_the_notice_by_default(
    freelancer, reviewer_who_decides
):
    action = services.issue_action(action_request(freelancer), issued_by=reviewer_who_decides)
    assert action.appeal_deadline >= _six_months_after(action.notified_at)
    assert action.appeal_window_open()


@pytest.mark.parametrize(
    "notice",
    [
        datetime(2026, 1, 31, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
        datetime(2026, 8, 31, 23, 59, tzinfo=UTC),
        datetime(2025, 12, 31, 8, 0, tzinfo=UTC),
    ],
    ids=str,
)
def test_the_appeal_window_is_never_shorter_than_six_calendar_months(
    notice, freelancer, reviewer_who_decides
):
    request = action_request(freelancer, notified_at=notice, starts_at=notice - timedelta(hours=1))
    action = services.issue_action(request, issued_by=reviewer_who_decides)
    assert action.appeal_deadline >= _six_months_after(notice)


def test_the_appeal_window_covers_six_months_in_local_time_across_a_clock_change(
    freelancer, reviewer_who_decides
):
    berlin = ZoneInfo("Europe/Berlin")
    # Summer time (UTC+2) at the notice, winter time (UTC+1) six months later.
    notice = datetime(2026, 7, 1, 0, 30, tzinfo=berlin)
    request = action_request(freelancer, notified_at=notice, starts_at=notice - timedelta(hours=1))
    action = services.issue_action(request, issued_by=reviewer_who_decides)
    assert action.appeal_deadline >= datetime(2027, 1, 1, 0, 30, tzinfo=berlin)


def test_a_longer_configured_appeal_window_is_used(freelancer, reviewer_who_decides, settings):
    settings.APPEAL_WINDOW_DAYS = 365
    action = services.issue_action(action_request(freelancer), issued_by=reviewer_who_decides)
    assert action.appeal_deadline == action.notified_at + timedelta(days=365)


def test_a_fully_automated_decision_names_no_decider(freelancer, reviewer_who_decides):
    request = action_request(freelancer, automated_decision=AutomatedDecision.FULLY)
    action = services.issue_action(request, issued_by=reviewer_who_decides)
    assert action.decided_by is None
    assert action.is_fully_automated()
    assert action.events.get().actor_label() == "Automated system"


@pytest.mark.parametrize(
    "automation", [AutomatedDecision.NOT_AUTOMATED, AutomatedDecision.PARTIALLY]
)
def test_a_human_decision_names_the_decider(automation, freelancer, reviewer_who_decides):
    request = action_request(freelancer, automated_decision=automation)
    action = services.issue_action(request, issued_by=reviewer_who_decides)
    assert action.decided_by == reviewer_who_decides


def test_a_human_decision_without_a_decider_is_refused(freelancer):
    request = action_request(freelancer, automated_decision=AutomatedDecision.NOT_AUTOMATED)
    assert "decided_by" in _refused(request, issued_by=None)
