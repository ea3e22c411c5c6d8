"""The SLA clocks as the appeal's use cases drive them, and as the freelancer sees them.

Filing starts a first-response and a decision clock; a question stops the first and pauses the
second until the answer, which moves the deadline later by the pause; a decision or a withdrawal
stops both. The freelancer's page shows the due dates, the pause, and in the timeline the pauses
and resumes, never routing, claims or deadline alarms. (Business-time arithmetic, policies and
the sweep are in test_sla.py and test_business_time.py.)
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from appeals import services
from appeals.models import Appeal, AppealClock, AppealEvent, ClockPause, SlaPolicy
from appeals.operations import claims, routing, sla
from notifications.models import Notification
from tests.factories import (
    LeadFactory,
    ReviewerFactory,
    claim,
    make_action,
    make_appeal,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

Kind = AppealClock.Kind
Event = AppealEvent.Kind
Status = Appeal.Status
BERLIN = ZoneInfo("Europe/Berlin")  # the factories' time zone for every person
# A Monday morning; every step of a test happens at a known moment after it.
FILED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
REPLY_TARGET = timedelta(days=settings.APPEAL_REPLY_TARGET_DAYS)
DECISION_TARGET = timedelta(days=settings.APPEAL_DECISION_TARGET_DAYS)
REASONS = "The invoice shows the client paid through the marketplace. We were wrong."


@pytest.fixture
def clock_at():
    """Time stands still at FILED; `clock_at.move_to(moment)` moves it."""
    with time_machine.travel(FILED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def appeal(clock_at, freelancer, reviewer):
    """An appeal routed (to the fallback queue, whose policy is the default targets) and held
    by `reviewer`: its deadlines are final, so the freelancer's page shows them."""
    filed = make_appeal(make_action(freelancer))
    routing.route_appeal(filed.pk)
    return claim(Appeal.objects.get(pk=filed.pk), reviewer)


def _clock(appeal: Appeal, kind: str) -> AppealClock:
    return AppealClock.objects.get(appeal=appeal, kind=kind)


def _shown(moment: datetime) -> str:
    """A time as the freelancer's page shows it, in Berlin ("2 November 2026, 10:30 CET")."""
    local = moment.astimezone(BERLIN)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def _due_shown(moment: datetime) -> str:
    """A due date as the page shows it: in the one format of every date ("5 November 2026, ...")."""
    return _shown(moment)


def _panel(client, appeal: Appeal) -> str:
    """The freelancer's appeal panel on the case page."""
    response = client.get(reverse("appeals:case-detail", args=[appeal.action_id]))
    assert response.status_code == 200
    content = response.content.decode()
    return content[content.index('<section id="appeal"') : content.index('id="redress"')]


def _dd(panel: str, label: str) -> str:
    """What the panel says after the term `label`."""
    start = panel.index(f"<dt>{label}</dt>")
    return panel[start : panel.index("</dd>", start)]


def _timeline(panel: str) -> str:
    return panel[panel.index("What happened to your appeal") :]


@pytest.fixture
def as_freelancer(client, freelancer):
    client.force_login(freelancer)
    return client


# --- Filing -------------------------------------------------------------------------------------


def test_filing_starts_a_first_response_and_a_decision_clock_with_their_due_dates(
    appeal, as_freelancer
):
    first_response, decision = _clock(appeal, Kind.FIRST_RESPONSE), _clock(appeal, Kind.DECISION)

    assert first_response.started_at == decision.started_at == appeal.submitted_at == FILED
    # Before routing picks a queue's policy: the default targets, in calendar time.
    assert first_response.due_at == FILED + REPLY_TARGET
    assert decision.due_at == FILED + DECISION_TARGET
    assert first_response.warn_at == FILED + REPLY_TARGET * 0.75
    assert decision.warn_at == FILED + DECISION_TARGET * 0.75
    for clock in (first_response, decision):
        assert (clock.stopped_at, clock.paused_since, clock.policy) == (None, None, None)
        assert clock.state(now=FILED) == "on_track"
    assert appeal.reply_expected_by() == first_response.due_at
    assert appeal.decision_expected_by() == decision.due_at

    panel = _panel(as_freelancer, appeal)
    assert _due_shown(first_response.due_at) in _dd(panel, "We will reply by")
    assert _due_shown(decision.due_at) in _dd(panel, "Decision expected by")


def test_before_routing_the_freelancer_is_told_the_deadlines_are_being_set(
    clock_at, freelancer, as_freelancer
):
    appeal = make_appeal(make_action(freelancer))
    first_response, decision = _clock(appeal, Kind.FIRST_RESPONSE), _clock(appeal, Kind.DECISION)

    panel = _panel(as_freelancer, appeal)
    for label, clock in (("We will reply by", first_response), ("Decision expected by", decision)):
        assert "Being set" in _dd(panel, label)
        assert _due_shown(clock.due_at) not in panel
    # The "received" notice waits for routing, which may set other deadlines (its own test:
    # tests/appeals/test_sla.py); nothing promises these defaults by email.
    assert not Notification.objects.filter(appeal=appeal).exists()


def test_filing_the_same_appeal_again_starts_no_second_clocks(appeal):
    make_appeal(appeal.action)
    assert AppealClock.objects.filter(appeal=appeal).count() == 2


# --- Asking, answering ------------------------------------------------------------------------


def test_a_question_stops_the_first_response_clock_and_pauses_the_decision_clock(
    appeal, reviewer, clock_at, as_freelancer
):
    asked = FILED + timedelta(hours=1)
    clock_at.move_to(asked)
    services.request_information(appeal, reviewer=reviewer, question="The invoice, please?")

    first_response, decision = _clock(appeal, Kind.FIRST_RESPONSE), _clock(appeal, Kind.DECISION)
    assert first_response.stopped_at == asked
    assert first_response.state(now=asked) == "met"
    assert (decision.paused_since, decision.due_at, decision.warn_at) == (asked, None, None)
    assert decision.stopped_at is None
    assert appeal.decision_expected_by() is None

    panel = _panel(as_freelancer, appeal)
    reply = _dd(panel, "We will reply by")
    assert "We replied on" in reply
    assert _shown(asked) in reply
    waiting = _dd(panel, "Decision expected by")
    assert "Paused while we wait for your answer" in waiting
    assert _shown(asked) in waiting
    assert "It runs again when you reply." in waiting
    assert _due_shown(FILED + DECISION_TARGET) not in panel
    timeline = _timeline(panel)
    assert "Clock paused" in timeline
    assert "Waiting for the freelancer." in timeline


def test_the_answer_resumes_the_decision_clock_with_a_deadline_later_by_the_pause(
    appeal, reviewer, freelancer, clock_at, as_freelancer
):
    before_pause = _clock(appeal, Kind.DECISION)
    asked, answered = FILED + timedelta(hours=1), FILED + timedelta(days=2)
    clock_at.move_to(asked)
    services.request_information(appeal, reviewer=reviewer, question="The invoice, please?")
    clock_at.move_to(answered)
    services.post_message(appeal, author=freelancer, body="Here it is.")

    resumed = _clock(appeal, Kind.DECISION)
    assert resumed.paused_since is None
    assert resumed.due_at > before_pause.due_at
    # Round-the-clock time: the deadline moves by exactly the time the question waited.
    assert resumed.due_at == before_pause.due_at + (answered - asked)
    assert resumed.warn_at == before_pause.warn_at + (answered - asked)
    [pause] = ClockPause.objects.filter(clock=resumed)
    assert (pause.started_at, pause.ended_at) == (asked, answered)
    assert Appeal.objects.get(pk=appeal.pk).decision_expected_by() == resumed.due_at

    panel = _panel(as_freelancer, appeal)
    decision_due = _dd(panel, "Decision expected by")
    assert _due_shown(resumed.due_at) in decision_due
    assert "Paused" not in decision_due
    timeline = _timeline(panel)
    assert timeline.index("Clock paused") < timeline.index("Clock resumed")
    assert "The freelancer answered." in timeline


def test_a_reviewers_message_stops_only_the_first_response_clock(
    appeal, reviewer, clock_at, as_freelancer
):
    replied = FILED + timedelta(hours=5)
    clock_at.move_to(replied)
    services.post_message(appeal, author=reviewer, body="We are looking at your appeal.")

    assert _clock(appeal, Kind.FIRST_RESPONSE).stopped_at == replied
    decision = _clock(appeal, Kind.DECISION)
    assert (decision.stopped_at, decision.paused_since) == (None, None)
    assert decision.due_at == FILED + DECISION_TARGET
    panel = _panel(as_freelancer, appeal)
    assert _shown(replied) in _dd(panel, "We will reply by")
    assert _due_shown(decision.due_at) in _dd(panel, "Decision expected by")


def test_an_internal_note_stops_no_clock(appeal, reviewer, clock_at):
    clock_at.move_to(FILED + timedelta(hours=5))
    services.post_message(appeal, author=reviewer, body="Same device as in March.", internal=True)
    assert list(AppealClock.objects.filter(appeal=appeal).running()) == list(
        AppealClock.objects.filter(appeal=appeal)
    )


# --- Decisions and withdrawals stop both clocks -------------------------------------------------


def _decide(appeal: Appeal, reviewer) -> None:
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=reviewer,
    )


def test_a_decision_stops_both_clocks(appeal, reviewer, clock_at, as_freelancer):
    decided = FILED + timedelta(days=1)
    clock_at.move_to(decided)
    _decide(appeal, reviewer)

    for kind in (Kind.FIRST_RESPONSE, Kind.DECISION):
        clock = _clock(appeal, kind)
        assert (clock.stopped_at, clock.paused_since) == (decided, None)
        assert clock.state(now=decided + DECISION_TARGET) == "met"
    assert not AppealClock.objects.breach_due(decided + 2 * DECISION_TARGET).exists()
    panel = _panel(as_freelancer, appeal)
    assert "Paused" not in panel
    assert "Decision expected by" not in panel
    assert _shown(decided) in _dd(panel, "Decided")


def test_deciding_without_waiting_for_the_answer_stops_the_paused_clock_and_ends_its_pause(
    appeal, reviewer, clock_at
):
    asked, decided = FILED + timedelta(hours=1), FILED + timedelta(days=10)
    clock_at.move_to(asked)
    services.request_information(appeal, reviewer=reviewer, question="The invoice, please?")
    clock_at.move_to(decided)
    _decide(appeal, reviewer)

    assert Appeal.objects.get(pk=appeal.pk).status == Status.DECIDED
    decision = _clock(appeal, Kind.DECISION)
    assert (decision.stopped_at, decision.paused_since) == (decided, None)
    assert ClockPause.objects.get(clock=decision).ended_at == decided
    assert not AppealClock.objects.filter(appeal=appeal).running().exists()


def test_proposing_a_decision_for_second_review_stops_only_the_first_response_clock(
    clock_at, freelancer, reviewer
):
    from enforcement.models import EnforcementAction

    termination = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    appeal = make_appeal(termination, claimed_by=reviewer)
    proposed, approved = FILED + timedelta(hours=2), FILED + timedelta(days=1)
    clock_at.move_to(proposed)
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(termination.cited_versions.all()),
        decided_by=reviewer,
    )
    assert _clock(appeal, Kind.FIRST_RESPONSE).stopped_at == proposed
    assert _clock(appeal, Kind.DECISION).is_running()

    clock_at.move_to(approved)
    services.approve_decision(Appeal.objects.get(pk=appeal.pk), approver=ReviewerFactory())
    assert _clock(appeal, Kind.DECISION).stopped_at == approved


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.AWAITING_FREELANCER])
def test_withdrawing_stops_both_clocks(appeal, reviewer, freelancer, clock_at, status):
    if status == Status.AWAITING_FREELANCER:
        clock_at.move_to(FILED + timedelta(hours=1))
        services.request_information(appeal, reviewer=reviewer, question="The invoice, please?")
    withdrawn = FILED + timedelta(days=1)
    clock_at.move_to(withdrawn)
    services.withdraw_appeal(Appeal.objects.get(pk=appeal.pk), by=freelancer)

    decision = _clock(appeal, Kind.DECISION)
    assert (decision.stopped_at, decision.paused_since) == (withdrawn, None)
    assert not AppealClock.objects.filter(appeal=appeal).running().exists()
    assert not ClockPause.objects.filter(clock__appeal=appeal, ended_at__isnull=True).exists()


def test_withdrawing_during_the_second_review_stops_the_decision_clock(
    clock_at, freelancer, reviewer
):
    from enforcement.models import EnforcementAction

    termination = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    appeal = make_appeal(termination, claimed_by=reviewer)
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(termination.cited_versions.all()),
        decided_by=reviewer,
    )
    withdrawn = FILED + timedelta(hours=3)
    clock_at.move_to(withdrawn)
    services.withdraw_appeal(Appeal.objects.get(pk=appeal.pk), by=freelancer)

    assert Appeal.objects.get(pk=appeal.pk).status == Status.WITHDRAWN
    assert _clock(appeal, Kind.DECISION).stopped_at == withdrawn


# --- What the freelancer's timeline shows --------------------------------------------------------

INTERNAL_LABELS = [
    str(label)  # translatable labels are lazy strings
    for kind, label in Event.choices
    if kind not in (Event.STATUS, Event.CLOCK_PAUSED, Event.CLOCK_RESUMED)
]


def test_the_freelancers_timeline_shows_clock_pauses_but_never_routing_claims_or_alarms(
    clock_at, client, freelancer, reviewer
):
    on_duty = make_reviewer(queues=[routing.fallback_queue()], display_name="Rowan Router")
    appeal = make_appeal(make_action(freelancer))
    routing.route_appeal(appeal.pk)  # routed and assigned to Rowan
    claims.release_appeal(appeal, by=on_duty)
    claim(appeal, reviewer)
    claims.reassign_appeal(appeal, to=on_duty, by=LeadFactory())
    clock_at.move_to(FILED + timedelta(hours=1))
    services.request_information(appeal, reviewer=on_duty, question="The invoice, please?")
    clock_at.move_to(FILED + timedelta(days=1))
    services.post_message(appeal, author=freelancer, body="Here it is.")
    claims.expire_leases(now=FILED + timedelta(days=2))
    sla.sweep(now=FILED + timedelta(days=30))  # warns, breaches and escalates

    kinds = set(appeal.events.values_list("kind", flat=True))
    assert {
        Event.ROUTED,
        Event.ASSIGNED,
        Event.RELEASED,
        Event.CLAIMED,
        Event.REASSIGNED,
        Event.LEASE_EXPIRED,
        Event.SLA_WARNING,
        Event.SLA_BREACHED,
        Event.ESCALATED,
    } <= kinds
    shown_kinds = set(
        AppealEvent.objects.filter(appeal=appeal).for_freelancer().values_list("kind", flat=True)
    )
    assert shown_kinds == {Event.STATUS, Event.CLOCK_PAUSED, Event.CLOCK_RESUMED}

    client.force_login(freelancer)
    timeline = _timeline(_panel(client, appeal))
    assert "Clock paused" in timeline
    assert "Clock resumed" in timeline
    for label in INTERNAL_LABELS:
        assert label not in timeline, label
    for internal in (routing.fallback_queue().name, "Rowan Router", str(reviewer), "Assigned to"):
        assert internal not in timeline, internal

    # Staff see the whole record on the review page.
    client.force_login(reviewer)
    review = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    staff_timeline = review[review.index('id="appeal-timeline"') :]
    for label in ("Routed to a queue", "Assigned by routing", "Clock paused", "Deadline missed"):
        assert label in staff_timeline


def test_deadlines_recomputed_by_routing_change_the_dates_shown_but_not_the_timeline(
    clock_at, client, freelancer
):
    SlaPolicy.objects.create(
        queue=routing.fallback_queue(),
        time_basis=SlaPolicy.TimeBasis.CALENDAR,
        first_response_minutes=120,
        decision_minutes=3 * 24 * 60,
    )
    appeal = make_appeal(make_action(freelancer))
    routing.route_appeal(appeal.pk)

    assert {Event.ROUTED, Event.RECOMPUTED} <= set(appeal.events.values_list("kind", flat=True))
    shown = AppealEvent.objects.filter(appeal=appeal).for_freelancer()
    assert list(shown.values_list("kind", flat=True)) == [Event.STATUS]
    client.force_login(freelancer)
    panel = _panel(client, appeal)
    assert _due_shown(FILED + timedelta(hours=2)) in _dd(panel, "We will reply by")
    assert _due_shown(FILED + timedelta(days=3)) in _dd(panel, "Decision expected by")
    assert "Deadlines recomputed" not in _timeline(panel)
