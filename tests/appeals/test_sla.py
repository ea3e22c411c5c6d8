"""SLA clocks: deadlines from the queue's policy and calendar, pauses, recomputation, the sweep.

The business-time arithmetic itself is checked against a minute-by-minute reference in
test_business_time.py; here the clocks are driven through the services a person uses.
"""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals import business_time, services
from appeals.models import (
    Appeal,
    AppealClock,
    AppealEvent,
    Calendar,
    ClockPause,
    Holiday,
    Queue,
    RoutingRule,
    SlaPolicy,
    WorkingInterval,
)
from appeals.operations import claims, routing, sla
from notifications.models import Notification
from notifications.services import send_email
from tests.factories import (
    LeadFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_appeal,
    make_queue,
)

Kind = AppealClock.Kind
Event = AppealEvent.Kind
LONDON = ZoneInfo("Europe/London")
# A week of British Summer Time (UTC+1), so that local and UTC times differ.
FRIDAY_AFTERNOON = datetime(2026, 6, 12, 15, 0, tzinfo=LONDON)


def june(day: int, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time in June 2026 (12 June is a Friday, 15 June a Monday)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


def london_office(name: str = "London office") -> Calendar:
    """Monday to Friday, 09:00 to 17:00, Europe/London."""
    calendar = Calendar.objects.create(name=name, time_zone="Europe/London")
    WorkingInterval.objects.bulk_create(
        WorkingInterval(calendar=calendar, weekday=day, start=time(9), end=time(17))
        for day in range(5)
    )
    return calendar


def queue_with_policy(
    name: str = "Payments",
    *,
    calendar: Calendar | None = None,
    members=(),
    priority: int = 0,
    **policy_fields,
) -> Queue:
    """A queue that every appeal is routed to, with a policy (first response in 8 business
    hours, decision in 3 business days, warning at 25% left) unless `policy_fields` is None."""
    queue = make_queue(name, members=members, priority=priority)
    queue.calendar = calendar
    queue.save(update_fields=["calendar"])
    RoutingRule.objects.create(position=RoutingRule.objects.count() + 1, name=name, queue=queue)
    SlaPolicy.objects.create(
        queue=queue,
        **{
            "first_response_minutes": 8 * 60,
            "decision_minutes": 3 * 8 * 60,
            "warning_percent": 25,
        }
        | policy_fields,
    )
    return queue


def file_and_route(at: datetime = FRIDAY_AFTERNOON, **kwargs) -> Appeal:
    """An appeal filed at `at` through the service, then routed as the worker would."""
    with time_machine.travel(at, tick=False):
        appeal = make_appeal(**kwargs)
        routing.route_appeal(appeal.pk)
    return Appeal.objects.get(pk=appeal.pk)


def clock(appeal: Appeal, kind: str) -> AppealClock:
    return AppealClock.objects.get(appeal=appeal, kind=kind)


def kinds_of_events(appeal: Appeal) -> list[str]:
    # In the order written: the sweep's events carry the real time, the others a travelled one.
    return list(
        appeal.events.exclude(kind=Event.STATUS).order_by("id").values_list("kind", flat=True)
    )


def claimed(appeal: Appeal, reviewer, at: datetime) -> Appeal:
    with time_machine.travel(at, tick=False):
        return claims.claim_appeal(appeal, reviewer)


# --- Clocks start at submission --------------------------------------------------------------


@pytest.mark.django_db
def test_a_friday_afternoon_submission_is_due_for_a_first_response_on_monday_afternoon():
    queue = queue_with_policy(calendar=london_office())
    appeal = file_and_route(FRIDAY_AFTERNOON)

    first_response, decision = clock(appeal, Kind.FIRST_RESPONSE), clock(appeal, Kind.DECISION)
    assert appeal.queue == queue
    assert first_response.started_at == decision.started_at == FRIDAY_AFTERNOON
    # 2 hours on Friday, 6 on Monday; the warning comes when 2 of the 8 hours are left.
    assert first_response.due_at == june(15, 15)
    assert first_response.warn_at == june(15, 13)
    # 24 business hours: Friday 2, Monday 8, Tuesday 8, Wednesday 6.
    assert decision.due_at == june(17, 15)
    assert decision.warn_at == june(16, 17)
    assert first_response.policy == decision.policy == queue.sla_policies.get()
    assert appeal.events.get(kind=Event.RECOMPUTED).reason == (
        "Deadlines set by the policy of Payments."
    )


@pytest.mark.django_db
def test_clocks_start_on_the_default_targets_in_calendar_time_before_routing(settings):
    settings.APPEAL_REPLY_TARGET_DAYS = 2
    settings.APPEAL_DECISION_TARGET_DAYS = 10
    queue_with_policy(calendar=london_office())
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        appeal = make_appeal()

    first_response, decision = clock(appeal, Kind.FIRST_RESPONSE), clock(appeal, Kind.DECISION)
    # Nights and the weekend count: the policy applies only once routing picks the queue.
    assert first_response.due_at == FRIDAY_AFTERNOON + timedelta(days=2)
    assert first_response.warn_at == FRIDAY_AFTERNOON + timedelta(days=1, hours=12)
    assert decision.due_at == FRIDAY_AFTERNOON + timedelta(days=10)
    assert decision.warn_at == FRIDAY_AFTERNOON + timedelta(days=7, hours=12)
    assert first_response.policy is None
    assert appeal.decision_expected_by() == decision.due_at


@pytest.mark.django_db
def test_a_queue_without_a_policy_keeps_the_default_targets_after_routing(settings):
    settings.APPEAL_REPLY_TARGET_DAYS = 3
    settings.APPEAL_DECISION_TARGET_DAYS = 14
    queue = make_queue("No policy")
    queue.calendar = london_office()
    queue.save(update_fields=["calendar"])
    RoutingRule.objects.create(position=1, name="Everything", queue=queue)

    appeal = file_and_route(FRIDAY_AFTERNOON)

    assert appeal.queue == queue
    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == FRIDAY_AFTERNOON + timedelta(days=3)
    assert clock(appeal, Kind.DECISION).due_at == FRIDAY_AFTERNOON + timedelta(days=14)
    assert Event.RECOMPUTED not in kinds_of_events(appeal)


@pytest.mark.django_db
def test_a_calendar_time_policy_counts_nights_and_weekends_even_on_a_queue_with_a_calendar():
    queue_with_policy(
        calendar=london_office(),
        time_basis=SlaPolicy.TimeBasis.CALENDAR,
        first_response_minutes=8 * 60,
        decision_minutes=3 * 24 * 60,
        warning_percent=50,
    )
    appeal = file_and_route(FRIDAY_AFTERNOON)

    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(12, 23)
    assert clock(appeal, Kind.FIRST_RESPONSE).warn_at == june(12, 19)
    assert clock(appeal, Kind.DECISION).due_at == june(15, 15)


@pytest.mark.django_db
def test_a_business_time_policy_on_a_queue_without_a_calendar_runs_round_the_clock():
    queue_with_policy(calendar=None)
    appeal = file_and_route(FRIDAY_AFTERNOON)

    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(12, 23)


@pytest.mark.django_db
def test_the_policy_for_the_appeals_priority_wins_over_the_queues_default_policy():
    queue = queue_with_policy(calendar=london_office(), priority=2)
    urgent = SlaPolicy.objects.create(
        queue=queue, priority=2, first_response_minutes=60, decision_minutes=8 * 60
    )
    appeal = file_and_route(FRIDAY_AFTERNOON)

    assert appeal.priority == 2
    assert clock(appeal, Kind.FIRST_RESPONSE).policy == urgent
    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(12, 16)
    assert clock(appeal, Kind.DECISION).due_at == june(15, 15)


@pytest.mark.django_db
def test_a_calendar_with_no_working_hours_yet_falls_back_to_calendar_time_instead_of_failing():
    # A lead creates the calendar first and adds its hours afterwards: routing must go on.
    queue_with_policy(calendar=Calendar.objects.create(name="Empty", time_zone="Europe/London"))
    appeal = file_and_route(FRIDAY_AFTERNOON)

    assert appeal.routed_at is not None
    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(12, 23)


# --- Pauses ------------------------------------------------------------------------------------


@pytest.fixture
def london_queue(db):
    return queue_with_policy(calendar=london_office())


@pytest.mark.django_db
def test_asking_for_information_stops_the_first_response_clock_and_pauses_the_decision_clock(
    london_queue, reviewer
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 10))
    with time_machine.travel(june(15, 10), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")

    first_response, decision = clock(appeal, Kind.FIRST_RESPONSE), clock(appeal, Kind.DECISION)
    assert first_response.stopped_at == june(15, 10)
    assert first_response.state(now=june(15, 10)) == "met"
    assert decision.paused_since == june(15, 10)
    assert (decision.due_at, decision.warn_at) == (None, None)
    assert decision.state(now=june(15, 10)) == "paused"
    pause = ClockPause.objects.get()
    assert (pause.clock, pause.started_at, pause.ended_at) == (decision, june(15, 10), None)
    paused = appeal.events.get(kind=Event.CLOCK_PAUSED)
    assert (paused.actor, paused.at) == (reviewer, june(15, 10))
    # The freelancer's timeline shows the pause.
    assert appeal.events.for_freelancer().filter(kind=Event.CLOCK_PAUSED).exists()


@pytest.mark.django_db
def test_the_freelancers_answer_resumes_the_decision_clock_extended_by_the_paused_working_time(
    london_queue, reviewer
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 10))
    old = clock(appeal, Kind.DECISION)
    with time_machine.travel(june(15, 10), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")
    with time_machine.travel(june(16, 11, 30), tick=False):
        services.post_message(appeal, author=appeal.freelancer, body="Here it is.")

    resumed = clock(appeal, Kind.DECISION)
    calendar = london_queue.calendar.as_business_calendar()
    paused_working_time = business_time.business_time_between(
        june(15, 10), june(16, 11, 30), calendar
    )
    # Monday 10:00-17:00 and Tuesday 09:00-11:30 were paused: 9.5 working hours.
    assert paused_working_time == timedelta(hours=9, minutes=30)
    assert resumed.due_at == business_time.add_business_time(
        old.due_at, paused_working_time, calendar
    )
    assert resumed.due_at == june(18, 16, 30)
    assert resumed.warn_at == june(18, 10, 30)
    assert resumed.paused_since is None
    assert ClockPause.objects.get().ended_at == june(16, 11, 30)
    resumed_event = appeal.events.get(kind=Event.CLOCK_RESUMED)
    assert (resumed_event.actor, resumed_event.at) == (appeal.freelancer, june(16, 11, 30))
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.IN_REVIEW


@pytest.mark.django_db
def test_a_pause_outside_working_hours_leaves_the_deadline_where_it_was(london_queue, reviewer):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(12, 17, 30))
    before = clock(appeal, Kind.DECISION)
    with time_machine.travel(june(12, 17, 30), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")
    with time_machine.travel(june(14, 12), tick=False):
        services.post_message(appeal, author=appeal.freelancer, body="Here it is.")

    after = clock(appeal, Kind.DECISION)
    assert (after.due_at, after.warn_at) == (before.due_at, before.warn_at)


@pytest.mark.django_db
def test_a_second_request_pauses_again_and_both_pauses_extend_the_deadline(london_queue, reviewer):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    for asked, answered in [(june(15, 9), june(15, 13)), (june(16, 9), june(16, 10))]:
        with time_machine.travel(asked, tick=False):
            services.request_information(appeal, reviewer=reviewer, question="And this?")
        with time_machine.travel(answered, tick=False):
            services.post_message(appeal, author=appeal.freelancer, body="Answered.")

    # Five paused working hours move Wednesday 15:00 to Thursday 12:00.
    assert clock(appeal, Kind.DECISION).due_at == june(18, 12)
    assert ClockPause.objects.filter(ended_at__isnull=False).count() == 2
    assert kinds_of_events(appeal).count(Event.CLOCK_PAUSED) == 2
    assert kinds_of_events(appeal).count(Event.CLOCK_RESUMED) == 2


@pytest.mark.django_db
def test_withdrawing_while_paused_stops_the_clock_and_closes_its_pause(london_queue, reviewer):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 10))
    with time_machine.travel(june(15, 10), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")
    with time_machine.travel(june(15, 12), tick=False):
        services.withdraw_appeal(appeal, by=appeal.freelancer)

    decision = clock(appeal, Kind.DECISION)
    assert (decision.stopped_at, decision.paused_since) == (june(15, 12), None)
    assert ClockPause.objects.get().ended_at == june(15, 12)
    assert AppealClock.objects.breach_due(june(30, 12)).count() == 0


# --- Recomputation when a calendar or policy changes ------------------------------------------


def _withdrawn(at: datetime = FRIDAY_AFTERNOON) -> Appeal:
    appeal = file_and_route(at)
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        services.withdraw_appeal(appeal, by=appeal.freelancer)
    return appeal


def _deadlines(appeal: Appeal) -> dict[str, tuple]:
    return {
        c.kind: (c.due_at, c.warn_at, c.policy_id)
        for c in AppealClock.objects.filter(appeal=appeal)
    }


@pytest.mark.django_db
def test_a_holiday_added_to_the_calendar_extends_open_deadlines_with_an_event(london_queue, lead):
    open_appeal = file_and_route(FRIDAY_AFTERNOON)
    closed_appeal = _withdrawn()
    closed_before = _deadlines(closed_appeal)
    calendar = london_queue.calendar

    Holiday.objects.create(calendar=calendar, date=date(2026, 6, 15), name="Bank holiday")
    assert sla.recompute_for_calendar(calendar, actor=lead) == 1

    assert clock(open_appeal, Kind.FIRST_RESPONSE).due_at == june(16, 15)
    assert clock(open_appeal, Kind.DECISION).due_at == june(18, 15)
    event = open_appeal.events.get(kind=Event.RECOMPUTED, actor=lead)
    assert event.reason == "Calendar London office changed."
    assert _deadlines(closed_appeal) == closed_before
    assert not closed_appeal.events.filter(kind=Event.RECOMPUTED, actor=lead).exists()


@pytest.mark.django_db
def test_a_calendar_change_leaves_appeals_on_other_calendars_alone(london_queue):
    other_queue = queue_with_policy("Elsewhere", calendar=london_office("Elsewhere office"))
    RoutingRule.objects.filter(queue=london_queue).delete()
    elsewhere = file_and_route(FRIDAY_AFTERNOON)
    assert elsewhere.queue == other_queue
    before = _deadlines(elsewhere)

    Holiday.objects.create(calendar=london_queue.calendar, date=date(2026, 6, 15), name="Holiday")
    assert sla.recompute_for_calendar(london_queue.calendar) == 0
    assert _deadlines(elsewhere) == before


@pytest.mark.django_db
def test_a_lead_adding_a_holiday_in_the_admin_recomputes_open_deadlines(client, lead):
    queue = queue_with_policy(calendar=london_office())
    appeal = file_and_route(FRIDAY_AFTERNOON)
    calendar = queue.calendar
    intervals = list(calendar.intervals.all())
    client.force_login(lead)

    data = {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "intervals-TOTAL_FORMS": len(intervals),
        "intervals-INITIAL_FORMS": len(intervals),
        "intervals-MIN_NUM_FORMS": 0,
        "intervals-MAX_NUM_FORMS": 1000,
        "holidays-TOTAL_FORMS": 1,
        "holidays-INITIAL_FORMS": 0,
        "holidays-MIN_NUM_FORMS": 0,
        "holidays-MAX_NUM_FORMS": 1000,
        "holidays-0-date": "2026-06-15",
        "holidays-0-name": "Bank holiday",
    }
    for index, interval in enumerate(intervals):
        data |= {
            f"intervals-{index}-id": interval.pk,
            f"intervals-{index}-calendar": calendar.pk,
            f"intervals-{index}-weekday": interval.weekday,
            f"intervals-{index}-start": "09:00",
            f"intervals-{index}-end": "17:00",
        }
    response = client.post(
        reverse("admin:appeals_calendar_change", args=[calendar.pk]), data, follow=True
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "Deadlines recomputed for 1 open appeal(s)." in messages
    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(16, 15)
    assert appeal.events.filter(kind=Event.RECOMPUTED, actor=lead).count() == 1


@pytest.mark.django_db
def test_a_policy_change_recomputes_open_appeals_and_leaves_closed_ones_alone(london_queue, lead):
    open_appeal = file_and_route(FRIDAY_AFTERNOON)
    closed_appeal = _withdrawn()
    closed_before = _deadlines(closed_appeal)
    policy = london_queue.sla_policies.get()

    policy.decision_minutes = 5 * 8 * 60
    policy.save()
    assert sla.recompute_for_policy(policy, actor=lead) == 1

    assert clock(open_appeal, Kind.DECISION).due_at == june(19, 15)
    assert clock(open_appeal, Kind.FIRST_RESPONSE).due_at == june(15, 15)
    event = open_appeal.events.get(kind=Event.RECOMPUTED, actor=lead)
    assert event.reason == "Policy Payments (any priority) changed."
    assert _deadlines(closed_appeal) == closed_before
    # Nothing changed the second time: no new event.
    assert sla.recompute_for_policy(policy, actor=lead) == 0
    assert open_appeal.events.filter(kind=Event.RECOMPUTED, actor=lead).count() == 1


@pytest.mark.django_db
def test_a_lead_saving_a_policy_in_the_admin_recomputes_open_deadlines(client, lead):
    queue = queue_with_policy(calendar=london_office())
    appeal = file_and_route(FRIDAY_AFTERNOON)
    policy = queue.sla_policies.get()
    client.force_login(lead)

    response = client.post(
        reverse("admin:appeals_slapolicy_change", args=[policy.pk]),
        {
            "queue": queue.pk,
            "priority": "",
            "time_basis": SlaPolicy.TimeBasis.BUSINESS,
            "first_response_minutes": 16 * 60,
            "decision_minutes": 3 * 8 * 60,
            "warning_percent": 25,
            "escalation": SlaPolicy.Escalation.RAISE_PRIORITY,
            "escalation_queue": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Deadlines recomputed for 1 open appeal(s)." in [
        str(m) for m in response.context["messages"]
    ]
    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(16, 15)
    assert clock(appeal, Kind.FIRST_RESPONSE).warn_at == june(16, 11)
    assert appeal.events.filter(kind=Event.RECOMPUTED, actor=lead).count() == 1


@pytest.mark.django_db
def test_moving_a_policy_to_another_priority_recomputes_the_appeals_it_no_longer_covers(
    lead,
):
    queue = queue_with_policy(calendar=london_office(), priority=3)
    urgent = SlaPolicy.objects.create(
        queue=queue, priority=3, first_response_minutes=60, decision_minutes=8 * 60
    )
    appeal = file_and_route(FRIDAY_AFTERNOON)
    assert clock(appeal, Kind.FIRST_RESPONSE).policy == urgent

    urgent.priority = 4
    urgent.save()
    assert sla.recompute_for_policy(urgent, actor=lead) == 1

    # The queue's default policy now applies: 8 business hours.
    first_response = clock(appeal, Kind.FIRST_RESPONSE)
    assert first_response.policy == queue.sla_policies.get(priority=None)
    assert first_response.due_at == june(15, 15)


@pytest.mark.django_db
def test_a_paused_clock_stays_paused_through_a_policy_change_and_resumes_on_the_new_target(
    london_queue, reviewer
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 10))
    with time_machine.travel(june(15, 10), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")
    policy = london_queue.sla_policies.get()
    policy.decision_minutes = 4 * 8 * 60
    policy.save()
    sla.recompute_for_policy(policy)
    assert clock(appeal, Kind.DECISION).due_at is None

    with time_machine.travel(june(16, 9), tick=False):
        services.post_message(appeal, author=appeal.freelancer, body="Here it is.")
    # 32 hours: Friday 2 and Monday 1 before the pause, then 29 from Tuesday 09:00.
    assert clock(appeal, Kind.DECISION).due_at == june(19, 14)


# --- The sweep -------------------------------------------------------------------------------


def _notified(kind: str) -> list[tuple[int, str]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("appeal_id", "recipient__email")
    )


@pytest.fixture
def team(db):
    """Two leads who are to be members of the queue, and one lead elsewhere (who is not told
    while the queue has leads of its own)."""
    LeadFactory(email="other-lead@example.test")
    return [LeadFactory(email="lena@example.test"), LeadFactory(email="lars@example.test")]


@pytest.fixture
def london_team(london_queue, team):
    london_queue.members.add(*team)
    return team


@pytest.mark.django_db
def test_a_due_warning_is_recorded_once_and_told_to_the_assignee_and_the_queues_leads(
    london_queue, london_team, reviewer
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))

    assert sla.sweep(now=june(15, 12, 59)) == (0, 0)
    assert sla.sweep(now=june(15, 13)) == (1, 0)

    first_response = clock(appeal, Kind.FIRST_RESPONSE)
    assert first_response.warned_at == june(15, 13)
    assert first_response.breached_at is None
    assert first_response.state(now=june(15, 13)) == "approaching"
    warning = appeal.events.get(kind=Event.SLA_WARNING)
    assert warning.reason == "First response deadline approaching."
    assert _notified(Notification.Kind.SLA_WARNING) == [
        (appeal.pk, "lars@example.test"),
        (appeal.pk, "lena@example.test"),
        (appeal.pk, "riley@example.test"),
    ]
    notice = Notification.objects.filter(kind=Notification.Kind.SLA_WARNING).first()
    assert notice.url == reverse("appeals:review-detail", args=[appeal.pk])
    # 14:00 UTC, written in the reader's zone (the factories' people live in Berlin).
    assert notice.body == "The deadline is 15 June 2026, 16:00 CEST."

    # Running again (or much later) records nothing new.
    assert sla.sweep(now=june(15, 13)) == (0, 0)
    assert sla.sweep(now=june(15, 14, 59)) == (0, 0)
    assert appeal.events.filter(kind=Event.SLA_WARNING).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.SLA_WARNING).count() == 3


@pytest.mark.django_db
def test_without_leads_in_the_queue_every_active_lead_is_told(london_queue):
    LeadFactory(email="lena@example.test")
    LeadFactory(email="lars@example.test")
    LeadFactory(email="gone@example.test", is_active=False)
    appeal = file_and_route(FRIDAY_AFTERNOON)

    sla.sweep(now=june(15, 13))

    assert _notified(Notification.Kind.SLA_WARNING) == [
        (appeal.pk, "lars@example.test"),
        (appeal.pk, "lena@example.test"),
    ]


@pytest.mark.django_db
def test_deadline_notices_write_the_deadline_in_each_readers_time_zone(london_queue):
    """Issue #12: one date format, in the viewer's zone, in emails too (staff notices said
    "2026-06-15 14:00 UTC" to everyone)."""
    london = LeadFactory(email="lena@example.test", time_zone="Europe/London")
    utc = LeadFactory(email="lars@example.test", time_zone="UTC")
    tokyo = LeadFactory(email="lee@example.test", time_zone="Asia/Tokyo")
    file_and_route(FRIDAY_AFTERNOON)  # a queue none of them leads: each is sent to the dashboard

    sla.sweep(now=june(15, 13))

    bodies = {
        n.recipient_id: n.body
        for n in Notification.objects.filter(kind=Notification.Kind.SLA_WARNING)
    }
    assert bodies[london.pk].startswith("The deadline is 15 June 2026, 15:00 BST. ")
    assert bodies[utc.pk].startswith("The deadline is 15 June 2026, 14:00 UTC. ")
    assert bodies[tokyo.pk].startswith("The deadline is 15 June 2026, 23:00 JST. ")


@pytest.mark.django_db
def test_deadline_notices_are_written_in_each_leads_language_in_one_batch(london_queue, settings):
    """The sweep's batch (notify_many) resolves each notice in its recipient's language and
    records it; the email goes out in it."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    russian = LeadFactory(email="lena@example.test", preferred_language="ru")
    spanish = LeadFactory(email="lars@example.test", preferred_language="es")
    english = LeadFactory(email="lee@example.test", preferred_language="en")
    appeal = file_and_route(FRIDAY_AFTERNOON)

    sla.sweep(now=june(15, 13))

    notices = {
        n.recipient_id: n for n in Notification.objects.filter(kind=Notification.Kind.SLA_WARNING)
    }
    assert {n.language for n in notices.values()} == {"ru", "es", "en"}
    assert notices[russian.pk].language == "ru"
    assert notices[russian.pk].subject == f"Жалоба №{appeal.pk}: приближается срок (первый ответ)"
    assert notices[spanish.pk].subject == (
        f"Recurso n.º {appeal.pk}: vence pronto el plazo (primera respuesta)"
    )
    assert notices[english.pk].subject == f"Appeal #{appeal.pk}: first response due soon"
    assert "15 июня 2026 г., 16:00 CEST" in notices[russian.pk].body
    assert notices[russian.pk].body.startswith("Срок — ")
    for person, language in ((russian, "ru"), (spanish, "es"), (english, "en")):
        mail.outbox.clear()
        assert send_email(notices[person.pk].pk)
        [message] = mail.outbox
        assert f'<html lang="{language}">' in message.alternatives[0][0]
        assert notices[person.pk].subject in message.subject


@pytest.mark.django_db
def test_a_leads_digest_reads_in_their_language_with_the_right_plural(london_queue, settings):
    russian = LeadFactory(email="lena@example.test", preferred_language="ru")
    spanish = LeadFactory(email="lars@example.test", preferred_language="es")
    appeals = [file_and_route(FRIDAY_AFTERNOON) for _ in range(3)]

    sla.sweep(now=june(15, 13))

    ru = Notification.objects.get(recipient=russian, kind=Notification.Kind.SLA_WARNING)
    es = Notification.objects.get(recipient=spanish, kind=Notification.Kind.SLA_WARNING)
    assert (ru.language, es.language) == ("ru", "es")
    assert ru.subject == "3 срока приближаются по 3 жалобам"
    assert es.subject == "3 plazos próximos a vencer en 3 recursos"
    assert ru.body.startswith("Скоро истекают: #")
    assert ru.body.endswith(". Сроки каждой очереди показаны на панели.")
    for appeal in appeals:
        assert f"#{appeal.pk} (первый ответ)" in ru.body
        assert f"#{appeal.pk} (primera respuesta)" in es.body


@pytest.mark.django_db
def test_a_breach_is_recorded_once_notified_and_raises_the_priority(
    london_queue, london_team, reviewer
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    assert appeal.priority == 0

    # The sweep was down for a while: the warning and the breach are both recorded now.
    assert sla.sweep(now=june(15, 15)) == (1, 1)

    first_response = clock(appeal, Kind.FIRST_RESPONSE)
    assert (first_response.warned_at, first_response.breached_at) == (june(15, 15), june(15, 15))
    assert first_response.state(now=june(15, 15)) == "breached"
    appeal.refresh_from_db()
    assert appeal.priority == 1
    assert appeal.assigned_to == reviewer
    assert kinds_of_events(appeal)[-3:] == [Event.SLA_WARNING, Event.SLA_BREACHED, Event.ESCALATED]
    assert appeal.events.get(kind=Event.ESCALATED).reason == "Priority raised."
    assert _notified(Notification.Kind.SLA_BREACH) == [
        (appeal.pk, "lars@example.test"),
        (appeal.pk, "lena@example.test"),
        (appeal.pk, "riley@example.test"),
    ]

    assert sla.sweep(now=june(15, 15)) == (0, 0)
    assert sla.sweep(now=june(15, 16)) == (0, 0)
    appeal.refresh_from_db()
    assert appeal.priority == 1
    assert appeal.events.filter(kind=Event.SLA_BREACHED).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.SLA_BREACH).count() == 3


@pytest.mark.django_db
def test_a_breach_under_a_move_queue_policy_moves_the_appeal_and_frees_it(team, reviewer):
    escalations = make_queue("Escalations")
    queue_with_policy(
        calendar=london_office(),
        members=team,
        escalation=SlaPolicy.Escalation.MOVE_QUEUE,
        escalation_queue=escalations,
    )
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))

    assert sla.sweep(now=june(15, 15)) == (1, 1)

    appeal.refresh_from_db()
    assert appeal.queue == escalations
    assert (appeal.assigned_to, appeal.claimed_at, appeal.lease_expires_at) == (None, None, None)
    assert appeal.events.get(kind=Event.ESCALATED).reason == "Moved to Escalations."
    # The person who held it and the leads of the queue where it was late are told.
    assert (appeal.pk, "riley@example.test") in _notified(Notification.Kind.SLA_BREACH)


def _sweep_and_recompute(monkeypatch, django_capture_on_commit_callbacks, now) -> list[int]:
    """Sweep, then run the deadline recompute the sweep asked for (as its task would)."""
    asked: list[int] = []
    monkeypatch.setattr(sla, "_enqueue_recompute", asked.extend)
    with django_capture_on_commit_callbacks(execute=True):
        sla.sweep(now=now)
    with time_machine.travel(now, tick=False):
        sla.recompute_escalated(asked)
    return asked


@pytest.mark.django_db
def test_an_appeal_moved_by_escalation_gets_the_deadlines_of_its_new_queue(
    team, reviewer, monkeypatch, django_capture_on_commit_callbacks, celery_in_memory
):
    escalations = make_queue("Escalations")
    SlaPolicy.objects.create(
        queue=escalations,
        time_basis=SlaPolicy.TimeBasis.CALENDAR,
        first_response_minutes=60,
        decision_minutes=10 * 24 * 60,
    )
    queue_with_policy(
        calendar=london_office(),
        members=team,
        escalation=SlaPolicy.Escalation.MOVE_QUEUE,
        escalation_queue=escalations,
    )
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    assert clock(appeal, Kind.DECISION).due_at == june(17, 15)

    asked = _sweep_and_recompute(monkeypatch, django_capture_on_commit_callbacks, june(15, 15))

    assert asked == [appeal.pk]
    decision = clock(appeal, Kind.DECISION)
    # Ten calendar days from the submission, under the escalation queue's policy.
    assert decision.due_at == FRIDAY_AFTERNOON + timedelta(days=10)
    assert decision.policy.queue == escalations
    assert appeal.events.filter(kind=Event.RECOMPUTED).latest("id").reason == (
        "Deadlines set by the policy the escalation put the appeal under."
    )
    # The missed deadline stays missed.
    assert clock(appeal, Kind.FIRST_RESPONSE).breached_at == june(15, 15)


@pytest.mark.django_db
def test_a_raised_priority_with_a_policy_of_its_own_gets_that_policys_deadlines(
    team, reviewer, monkeypatch, django_capture_on_commit_callbacks, celery_in_memory
):
    queue = queue_with_policy(calendar=london_office(), members=team)
    SlaPolicy.objects.create(
        queue=queue, priority=1, first_response_minutes=4 * 60, decision_minutes=8 * 60
    )
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))

    asked = _sweep_and_recompute(monkeypatch, django_capture_on_commit_callbacks, june(15, 15))

    assert asked == [appeal.pk]
    appeal.refresh_from_db()
    assert appeal.priority == 1
    decision = clock(appeal, Kind.DECISION)
    assert decision.policy.priority == 1
    # Eight business hours from Friday 15:00: Monday 15:00 (the office opens at 9).
    assert decision.due_at == june(15, 15)


@pytest.mark.django_db
def test_an_escalation_under_the_same_policy_recomputes_nothing(
    london_queue, london_team, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    before = clock(appeal, Kind.DECISION).due_at

    asked = _sweep_and_recompute(monkeypatch, django_capture_on_commit_callbacks, june(15, 15))

    appeal.refresh_from_db()
    assert (appeal.priority, asked) == (1, [])
    assert clock(appeal, Kind.DECISION).due_at == before
    assert not appeal.events.filter(kind=Event.RECOMPUTED, at__gte=june(15, 15)).exists()


@pytest.mark.django_db
def test_a_breach_under_a_reassign_policy_returns_the_appeal_to_its_queue(team, reviewer):
    queue = queue_with_policy(
        calendar=london_office(), members=team, escalation=SlaPolicy.Escalation.REASSIGN
    )
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))

    sla.sweep(now=june(15, 15))

    appeal.refresh_from_db()
    assert (appeal.queue, appeal.assigned_to, appeal.priority) == (queue, None, 0)
    assert appeal.events.get(kind=Event.ESCALATED).reason == (
        "Returned to the queue for reassignment."
    )


@pytest.mark.django_db
def test_a_breach_under_a_notify_only_policy_changes_nothing_but_tells_people(team, reviewer):
    queue = queue_with_policy(
        calendar=london_office(), members=team, escalation=SlaPolicy.Escalation.NONE
    )
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))

    sla.sweep(now=june(15, 15))

    appeal.refresh_from_db()
    assert (appeal.queue, appeal.assigned_to, appeal.priority) == (queue, reviewer, 0)
    assert Event.ESCALATED not in kinds_of_events(appeal)
    assert Event.SLA_BREACHED in kinds_of_events(appeal)
    assert len(_notified(Notification.Kind.SLA_BREACH)) == 3


@pytest.mark.django_db
def test_paused_and_stopped_clocks_are_never_warned_or_breached(
    london_queue, london_team, reviewer
):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    with time_machine.travel(june(15, 9), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")

    # The first-response clock is stopped, the decision clock paused: weeks later, nothing.
    assert sla.sweep(now=june(30, 12)) == (0, 0)
    assert not AppealClock.objects.filter(warned_at__isnull=False).exists()
    assert not AppealClock.objects.filter(breached_at__isnull=False).exists()
    assert not Notification.objects.filter(
        kind__in=[Notification.Kind.SLA_WARNING, Notification.Kind.SLA_BREACH]
    ).exists()


@pytest.mark.django_db
def test_a_clock_resumed_after_its_warning_is_not_warned_again(london_queue, london_team, reviewer):
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    with time_machine.travel(june(15, 9), tick=False):
        services.post_message(appeal, author=reviewer, body="Looking at it now.")
    assert sla.sweep(now=june(16, 17)) == (1, 0)  # the decision clock's warning
    with time_machine.travel(june(17, 9), tick=False):
        services.request_information(appeal, reviewer=reviewer, question="Send the invoice?")
    with time_machine.travel(june(22, 9), tick=False):
        services.post_message(appeal, author=appeal.freelancer, body="Here it is.")

    decision = clock(appeal, Kind.DECISION)
    assert decision.due_at == june(22, 15)
    assert sla.sweep(now=june(22, 14)) == (0, 0)
    assert sla.sweep(now=june(22, 15)) == (0, 1)
    assert appeal.events.filter(kind=Event.SLA_WARNING).count() == 1


@pytest.mark.django_db
def test_the_sweep_takes_due_clocks_in_batches(london_queue, lead):
    _due_clocks(london_queue, 5)
    assert sla.sweep(batch_size=2) == (2, 2)
    assert sla.sweep(batch_size=2) == (2, 2)
    assert sla.sweep(batch_size=2) == (1, 1)
    assert sla.sweep(batch_size=2) == (0, 0)


@pytest.mark.django_db
def test_the_sweep_runs_the_same_queries_for_one_and_for_fifty_due_clocks(
    london_queue, london_team
):
    """Each due clock is warned, breached, escalated, told to its holder and named in the
    leads' digests, with its clock's policy read: the same statements for 1 clock as for 50."""
    holder = ReviewerFactory(email="riley@example.test")
    policy = london_queue.sla_policies.get()

    def sweep_queries(count: int) -> int:
        clocks = _due_clocks(london_queue, count)
        AppealClock.objects.filter(pk__in=[c.pk for c in clocks]).update(policy=policy)
        Appeal.objects.filter(pk__in=[c.appeal_id for c in clocks]).update(
            assigned_to=holder, status=Appeal.Status.IN_REVIEW
        )
        with CaptureQueriesContext(connection) as queries:
            assert sla.sweep() == (count, count)
        return len(queries)

    one = sweep_queries(1)
    fifty = sweep_queries(50)

    assert fifty == one
    told = Notification.objects.filter(kind=Notification.Kind.SLA_BREACH, recipient=holder)
    assert told.count() == 51
    # Each row records its recipient's language (English here), as `notify()` does.
    assert set(told.values_list("email_status", "language", "read_at")) == {
        (Notification.EmailStatus.PENDING, "en", None)
    }
    assert AppealEvent.objects.filter(kind=Event.ESCALATED).count() == 51
    for lead in london_team:  # about the one, then one digest of the fifty
        subjects = sorted(
            Notification.objects.filter(recipient=lead).values_list("subject", flat=True)
        )
        assert subjects[0] == "50 deadlines missed on 50 appeals"
        assert subjects[1].endswith(": decision deadline missed")


def _due_clocks(queue: Queue, count: int) -> list[AppealClock]:
    """`count` appeals in `queue` whose decision clock is past its warning and its deadline."""
    now = timezone.now()
    appeals = bulk_queued_appeals(count, queue=queue)
    return AppealClock.objects.bulk_create(
        AppealClock(
            appeal=appeal,
            kind=Kind.DECISION,
            started_at=now - timedelta(days=3),
            warn_at=now - timedelta(days=1),
            due_at=now - timedelta(minutes=1),
        )
        for appeal in appeals
    )


def _run_together(*jobs) -> list:
    """Run each job in its own thread, released at the same moment; re-raise any failure."""
    start_together = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job) -> None:
        try:
            start_together.wait()
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def _clocks_told(notice: Notification) -> int:
    """How many clocks a notification is about: one, or as many as its digest's subject says."""
    return 1 if notice.appeal_id else int(notice.subject.split()[0])


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_record_each_warning_and_breach_exactly_once(
    celery_in_memory,
):
    queue = make_queue("Payments")
    leads = [LeadFactory(), LeadFactory()]
    queue.members.add(*leads)
    clocks = _due_clocks(queue, 200)
    holder = ReviewerFactory()
    Appeal.objects.update(assigned_to=holder, status=Appeal.Status.IN_REVIEW)
    now = timezone.now()

    results = _run_together(lambda: sla.sweep(now=now), lambda: sla.sweep(now=now))

    assert sum(warnings for warnings, _ in results) == 200
    assert sum(breaches for _, breaches in results) == 200
    assert AppealClock.objects.filter(warned_at=now, breached_at=now).count() == 200
    for kind in (Event.SLA_WARNING, Event.SLA_BREACHED, Event.ESCALATED):
        per_appeal = AppealEvent.objects.filter(kind=kind).values_list("appeal_id", flat=True)
        assert sorted(per_appeal) == sorted(c.appeal_id for c in clocks)
    # Each clock was warned and breached by the same sweep: told as a breach only.
    assert not Notification.objects.filter(kind=Notification.Kind.SLA_WARNING).exists()
    told = Notification.objects.filter(kind=Notification.Kind.SLA_BREACH)
    # The holder: once about each appeal.
    assert sorted(told.filter(recipient=holder).values_list("appeal_id", flat=True)) == sorted(
        c.appeal_id for c in clocks
    )
    # Each lead: one digest from each sweep that recorded breaches, together about each once.
    sweeps_with_breaches = sum(1 for _, breaches in results if breaches)
    for lead in leads:
        digests = list(told.filter(recipient=lead))
        assert len(digests) == sweeps_with_breaches
        assert sum(_clocks_told(d) for d in digests) == 200
    assert set(Appeal.objects.values_list("priority", flat=True)) == {1}
    assert sla.sweep() == (0, 0)


def _backend_waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.django_db(transaction=True)
def test_a_sweep_never_deadlocks_with_a_reviewer_deciding_the_same_appeal(celery_in_memory):
    """A decision locks the appeal, then stops its clocks; the sweep must not lock them in the
    opposite order (clock, then appeal), or PostgreSQL aborts one of the two."""
    queue = make_queue("Payments")
    [overdue] = _due_clocks(queue, 1)
    appeal_locked = threading.Event()
    sweep_settled = threading.Event()
    sweep_backend: list[int] = []
    swept: list[tuple[int, int]] = []

    def decide() -> None:
        with transaction.atomic():
            # What every service does first: lock the appeal (see _require_claim).
            Appeal.objects.select_for_update().get(pk=overdue.appeal_id)
            appeal_locked.set()
            assert sweep_settled.wait(timeout=30)
            sla.stop_clocks(Appeal(pk=overdue.appeal_id), Kind.DECISION)

    def sweep() -> None:
        assert appeal_locked.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            sweep_backend.append(cursor.fetchone()[0])
        swept.append(sla.sweep())

    def referee() -> None:
        # Let the decision go on once the sweep has finished, or is stuck behind its lock.
        assert appeal_locked.wait(timeout=30)
        for _ in range(600):
            if swept or (sweep_backend and _backend_waits_for_a_lock(sweep_backend[0])):
                break
            threading.Event().wait(0.05)
        sweep_settled.set()

    _run_together(decide, sweep, referee)

    # The sweep skipped the appeal that was being decided; the decision went through.
    assert swept == [(0, 0)]
    stopped = AppealClock.objects.get(pk=overdue.pk)
    assert stopped.stopped_at is not None
    assert stopped.breached_at is None


# --- What a clock's state says -----------------------------------------------------------------


NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _clock(**fields) -> AppealClock:
    values = {
        "kind": Kind.DECISION,
        "started_at": NOW - timedelta(days=2),
        "warn_at": NOW + timedelta(hours=1),
        "due_at": NOW + timedelta(hours=3),
    }
    return AppealClock(**(values | fields))


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, "on_track"),
        ({"warn_at": NOW}, "approaching"),
        ({"warned_at": NOW - timedelta(minutes=1)}, "approaching"),
        ({"warn_at": NOW - timedelta(hours=2), "due_at": NOW}, "breached"),
        ({"breached_at": NOW - timedelta(minutes=1)}, "breached"),
        ({"paused_since": NOW, "warn_at": None, "due_at": None}, "paused"),
        ({"warn_at": None, "due_at": None}, "pending"),
        ({"stopped_at": NOW}, "met"),
        ({"stopped_at": NOW, "due_at": NOW - timedelta(minutes=1)}, "breached"),
        ({"stopped_at": NOW, "breached_at": NOW - timedelta(hours=1)}, "breached"),
        ({"stopped_at": NOW, "paused_since": None, "due_at": None}, "met"),
    ],
)
def test_a_clock_says_whether_it_is_on_track_approaching_breached_paused_met_or_pending(
    fields, state
):
    assert _clock(**fields).state(now=NOW) == state


@pytest.mark.django_db
def test_reviewer_and_lead_see_the_same_clock_as_the_freelancer(london_queue):
    appeal = file_and_route(FRIDAY_AFTERNOON)
    reviewer_view = Appeal.objects.with_thread(internal=True).get(pk=appeal.pk)
    freelancer_view = Appeal.objects.with_thread(internal=False).get(pk=appeal.pk)

    assert reviewer_view.decision_expected_by() == freelancer_view.decision_expected_by()
    assert freelancer_view.decision_clock.due_at == june(17, 15)
    assert freelancer_view.reply_expected_by() == june(15, 15)


@pytest.mark.django_db
def test_a_lead_who_is_also_an_assignee_is_told_once(london_queue):
    lead_reviewer = LeadFactory(email="lena@example.test")
    london_queue.members.add(lead_reviewer)
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), lead_reviewer, june(15, 9))

    sla.sweep(now=june(15, 13))

    assert _notified(Notification.Kind.SLA_WARNING) == [(appeal.pk, "lena@example.test")]


@pytest.mark.django_db
def test_a_lead_told_of_another_queues_appeal_is_sent_where_they_can_act_not_to_a_404(
    london_queue, reviewer
):
    """Issue #12, "every email's links resolve to 200": the queue has no lead of its own, so
    every lead is told; a lead outside the queue cannot open the appeal's page
    (`for_reviewer`), so their notice links to the dashboard, as a digest does."""
    outsider = LeadFactory(email="lou@example.test")
    appeal = claimed(file_and_route(FRIDAY_AFTERNOON), reviewer, june(15, 9))
    assert appeal.queue == london_queue
    assert not Appeal.objects.for_reviewer(outsider).filter(pk=appeal.pk).exists()

    sla.sweep(now=june(15, 13))

    [told] = Notification.objects.filter(kind=Notification.Kind.SLA_WARNING, recipient=outsider)
    assert told.url == reverse("appeals:dashboard")
    assert (told.appeal_id, told.subject) == (
        appeal.pk,
        f"Appeal #{appeal.pk}: first response due soon",
    )
    assert "The dashboard shows the deadlines of its queue." in told.body
    [holder] = Notification.objects.filter(kind=Notification.Kind.SLA_WARNING, recipient=reviewer)
    assert holder.url == reverse("appeals:review-detail", args=[appeal.pk])


@pytest.mark.django_db
def test_a_lead_gets_one_digest_per_sweep_and_each_holder_hears_of_their_own(
    london_queue, london_team
):
    lena, lars = london_team
    clocks = _due_clocks(london_queue, 3)
    first, *others = [c.appeal_id for c in clocks]
    holder = ReviewerFactory(email="riley@example.test")
    Appeal.objects.filter(pk=first).update(assigned_to=holder, status=Appeal.Status.IN_REVIEW)
    Appeal.objects.filter(pk=others[0]).update(assigned_to=lena, status=Appeal.Status.IN_REVIEW)

    assert sla.sweep() == (3, 3)

    told = Notification.objects.filter(kind=Notification.Kind.SLA_BREACH)
    [held] = told.filter(recipient=holder)
    assert (held.appeal_id, held.subject) == (first, f"Appeal #{first}: decision deadline missed")
    assert held.url == reverse("appeals:review-detail", args=[first])
    # Lars was told of the three in one message, with the dashboard to act on them.
    [digest] = told.filter(recipient=lars)
    assert digest.appeal is None
    assert digest.subject == "3 deadlines missed on 3 appeals"
    assert digest.url == reverse("appeals:dashboard")
    for appeal_id in (first, *others):
        assert f"#{appeal_id} (decision)" in digest.body
    # Lena holds one of them: told of it on its own, and of the other two together.
    lenas = told.filter(recipient=lena)
    assert sorted(n.subject for n in lenas) == [
        "2 deadlines missed on 2 appeals",
        f"Appeal #{others[0]}: decision deadline missed",
    ]
    assert f"#{others[0]} " not in lenas.get(appeal__isnull=True).body
    # No warnings were told: each clock was breached in the same sweep.
    assert not Notification.objects.filter(kind=Notification.Kind.SLA_WARNING).exists()
    assert not Notification.objects.filter(recipient__email="other-lead@example.test").exists()


@pytest.mark.django_db
def test_a_digest_names_twenty_appeals_and_counts_the_rest(london_queue, london_team):
    clocks = _due_clocks(london_queue, 25)

    sla.sweep()

    digest = Notification.objects.get(recipient=london_team[0], kind=Notification.Kind.SLA_BREACH)
    assert digest.subject == "25 deadlines missed on 25 appeals"
    named = [f"#{c.appeal_id} (decision)" for c in clocks]
    assert sum(name in digest.body for name in named) == sla.DIGEST_NAMES
    assert ", and 5 more." in digest.body


@pytest.mark.django_db
def test_an_unrelated_reviewer_is_never_told(london_queue):
    ReviewerFactory(email="bystander@example.test")
    LeadFactory(email="lena@example.test")
    file_and_route(FRIDAY_AFTERNOON)

    sla.sweep(now=june(15, 13))

    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert "bystander@example.test" not in recipients


@pytest.mark.django_db
def test_an_appeal_not_routed_yet_is_told_to_every_active_lead(settings):
    settings.APPEAL_REPLY_TARGET_DAYS = 1
    elsewhere = make_queue("Elsewhere")
    elsewhere.members.add(LeadFactory(email="lena@example.test"))
    LeadFactory(email="lars@example.test")
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        appeal = make_appeal()  # its routing message has not been handled yet

    assert sla.sweep(now=FRIDAY_AFTERNOON + timedelta(days=1)) == (1, 1)

    assert _notified(Notification.Kind.SLA_BREACH) == [
        (appeal.pk, "lars@example.test"),
        (appeal.pk, "lena@example.test"),
    ]


@pytest.mark.django_db
def test_a_deadline_across_the_end_of_summer_time_is_stored_at_the_right_instant():
    queue_with_policy(calendar=london_office())
    # Friday 23 October 15:00 BST (14:00 UTC); the clocks go back on Sunday the 25th.
    appeal = file_and_route(datetime(2026, 10, 23, 15, 0, tzinfo=LONDON))

    due = clock(appeal, Kind.FIRST_RESPONSE).due_at
    assert due == datetime(2026, 10, 26, 15, 0, tzinfo=LONDON)
    assert due == datetime(2026, 10, 26, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_giving_a_queue_another_calendar_in_the_admin_recomputes_its_open_appeals(client, lead):
    queue = queue_with_policy(calendar=None, members=[lead])
    appeal = file_and_route(FRIDAY_AFTERNOON)
    calendar_due = clock(appeal, Kind.DECISION).due_at
    assert calendar_due == FRIDAY_AFTERNOON + timedelta(minutes=3 * 8 * 60)
    office = london_office()
    client.force_login(lead)

    with time_machine.travel(june(15, 9), tick=False):
        response = client.post(
            reverse("admin:appeals_queue_change", args=[queue.pk]),
            {
                "name": queue.name,
                "description": "",
                "priority": "0",
                "calendar": office.pk,
                "members": [lead.pk],
            },
        )

    assert response.status_code == 302
    # Three business days of the London office from Friday 15:00: Wednesday 15:00.
    assert clock(appeal, Kind.DECISION).due_at == june(17, 15)
    assert appeal.events.filter(kind=Event.RECOMPUTED, reason__contains="Calendar of").exists()


@pytest.mark.django_db
def test_the_appeal_received_notice_is_made_by_routing_and_states_the_queues_deadlines(
    london_queue, django_capture_on_commit_callbacks, monkeypatch, celery_in_memory
):
    from notifications import services as notification_services

    queued: list[int] = []
    monkeypatch.setattr(notification_services, "_enqueue", queued.append)
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        appeal = make_appeal()

    # Before routing, nothing is said: the deadlines may still change.
    assert not Notification.objects.filter(appeal=appeal).exists()
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(FRIDAY_AFTERNOON, tick=False),
    ):
        routing.route_appeal(appeal.pk)

    received = Notification.objects.get(appeal=appeal, kind=Notification.Kind.APPEAL_RECEIVED)
    zone = ZoneInfo(appeal.freelancer.time_zone)
    for kind in (Kind.FIRST_RESPONSE, Kind.DECISION):
        due = clock(appeal, kind).due_at
        local = due.astimezone(zone)  # the one format of every date (issue #12)
        assert f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}" in received.body
    assert clock(appeal, Kind.FIRST_RESPONSE).due_at == june(15, 15)  # the queue's calendar
    assert queued == [received.pk]
    assert notification_services.send_email(received.pk) is True
