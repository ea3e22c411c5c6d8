"""Every configuration change is audited (issue #11, item 7): who, when, before → after, in the
append-only AuditEvent, and listed on the audit page for leads and admins."""

from datetime import time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.config_audit import CHANGED, CREATED, DELETED, MEMBERS, acting_as
from accounts.models import AuditEvent, ReviewerProfile, Role
from appeals.models import Calendar, Holiday, Macro, RoutingRule, SlaPolicy, WorkingInterval
from enforcement.models import IntakeSource, ReasonCode
from notifications.models import WebhookEndpoint
from notifications.webhooks import new_secret
from tests.factories import (
    AdminFactory,
    FreelancerFactory,
    LeadFactory,
    ReasonCodeFactory,
    ReviewerFactory,
    RuleFactory,
    RuleVersionFactory,
    make_queue,
)

pytestmark = pytest.mark.django_db
URL = reverse("accounts:audit-log")


def _events(obj, verb=None):
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(events.filter(verb=verb) if verb else events)


def _changed(obj) -> AuditEvent:
    (event,) = _events(obj, CHANGED)
    return event


def test_an_admin_edit_of_a_reason_code_records_who_and_before_and_after(client):
    admin = AdminFactory()
    code = ReasonCodeFactory(explanation="The old explanation.")
    client.force_login(admin)
    url = reverse("admin:enforcement_reasoncode_change", args=[code.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data["rule"] = code.rule_id
    data["explanation"] = "The new explanation."
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    event = _changed(code)
    assert event.actor == admin
    assert event.data == {
        "before": {"explanation": "The old explanation."},
        "after": {"explanation": "The new explanation."},
    }
    assert "The old explanation. → The new explanation." in event.summary


def test_each_configuration_type_records_creation_change_and_deletion():
    lead = LeadFactory()
    with acting_as(lead):
        rule = RuleFactory(title="Payments")
        version = RuleVersionFactory(rule=rule, draft=True, text="Draft text.")
        code = ReasonCodeFactory(rule=rule)
        queue = make_queue("Payments queue")
        routing = RoutingRule.objects.create(position=1, name="German", language="de", queue=queue)
        calendar = Calendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
        interval = WorkingInterval.objects.create(
            calendar=calendar, weekday=0, start=time(9), end=time(17)
        )
        holiday = Holiday.objects.create(
            calendar=calendar, date=timezone.now().date(), name="Office party"
        )
        policy = SlaPolicy.objects.create(
            queue=queue, first_response_minutes=480, decision_minutes=1440, warning_percent=25
        )
        endpoint = WebhookEndpoint.objects.create(
            name="Marketplace", url="https://market.example/hooks", secret=new_secret()
        )
        source = IntakeSource(name="Fraud detector")
        source.set_new_token()
        source.save()
        macro = Macro.objects.create(title="Thanks", body="Thank you for the details.")
        profile = ReviewerProfile.objects.create(user=ReviewerFactory(), capacity=5)

        changes = [
            (rule, "title", "Payments and fees"),
            (version, "text", "Better draft text."),
            (code, "title", "Renamed reason"),
            (queue, "priority", 7),
            (routing, "language", "fr"),
            (calendar, "time_zone", "Europe/Paris"),
            (holiday, "name", "Company day"),
            (policy, "decision_minutes", 2880),
            (endpoint, "url", "https://market.example/v2/hooks"),
            (source, "name", "Fraud detector v2"),
            (macro, "body", "Thank you."),
            (profile, "capacity", 8),
        ]
        for obj, field, value in changes:
            before = getattr(obj, field)
            setattr(obj, field, value)
            obj.save()
            event = _changed(obj)
            assert event.actor == lead
            assert event.data["before"] == {field: before}, obj
            assert event.data["after"] == {field: value}, obj
            assert _events(obj, CREATED), obj
        gone = {"appeals.holiday": holiday.pk, "appeals.workinginterval": interval.pk}
        interval.delete()
        holiday.delete()

    deleted = {
        e.object_type: e
        for e in AuditEvent.objects.filter(verb=DELETED, actor=lead)
        if gone.get(e.object_type) == int(e.object_id)
    }
    assert set(deleted) == set(gone)
    assert deleted["appeals.holiday"].data["before"]["name"] == "Company day"
    assert deleted["appeals.holiday"].data["after"] == {}


def test_saving_without_a_change_records_nothing():
    code = ReasonCodeFactory()
    code.save()
    assert _events(code, CHANGED) == []


def test_a_secret_is_never_copied_into_the_log():
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        name="Marketplace", url="https://market.example/hooks", secret=secret
    )
    endpoint.secret = new_secret()
    endpoint.save()
    logged = [str(e.data) + e.summary for e in _events(endpoint)]
    assert all(secret not in text and endpoint.secret not in text for text in logged)
    assert _changed(endpoint).data == {
        "before": {"secret": "(set)"},
        "after": {"secret": "(changed)"},
    }


def test_a_persons_roles_are_audited_from_either_side():
    admin = AdminFactory()
    person = FreelancerFactory()
    reviewers = Group.objects.get(name=Role.REVIEWER)
    with acting_as(admin):
        person.groups.add(reviewers)
        person.groups.remove(Group.objects.get(name=Role.FREELANCER))
        Group.objects.get(name=Role.LEAD).user_set.add(person)
        person.is_staff = True
        person.save()
    events = [e for e in _events(person, MEMBERS) if e.actor == admin]
    assert [e.data["after"]["groups"] for e in reversed(events)] == [
        sorted([Role.FREELANCER, Role.REVIEWER]),
        [Role.REVIEWER],
        sorted([Role.LEAD, Role.REVIEWER]),
    ]
    assert _changed(person).data == {"before": {"is_staff": False}, "after": {"is_staff": True}}


def test_queue_members_are_audited():
    queue = make_queue("Disputes")
    reviewer = ReviewerFactory(email="rae@example.test")
    queue.members.add(reviewer)
    queue.members.clear()
    events = list(reversed(_events(queue, MEMBERS)))
    assert [(e.data["before"]["members"], e.data["after"]["members"]) for e in events] == [
        ([], [str(reviewer)]),
        ([str(reviewer)], []),
    ]


def test_a_rolled_back_change_leaves_no_audit_event():
    code = ReasonCodeFactory(title="Before")
    with pytest.raises(RuntimeError), transaction.atomic():
        code.title = "After"
        code.save()
        raise RuntimeError
    assert _events(code, CHANGED) == []


# --- The audit page ------------------------------------------------------------------------------


def test_the_page_lists_a_change_to_each_configuration_type_with_before_and_after(client):
    lead = LeadFactory()
    with acting_as(lead):
        calendar = Calendar.objects.create(name="Lisbon", time_zone="Europe/Lisbon")
        calendar.time_zone = "Atlantic/Azores"
        calendar.save()
        code = ReasonCodeFactory(title="Old title")
        code.title = "New title"
        code.save()
    client.force_login(lead)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    for obj, before, after in (
        (calendar, "Europe/Lisbon", "Atlantic/Azores"),
        (code, "Old title", "New title"),
    ):
        event = _changed(obj)
        row = content[content.index(f'id="audit-{event.pk}"') :]
        row = row[: row.index("</tr>")]
        assert f'<span class="audit-before">{before}</span>' in row
        assert f'<span class="audit-after">{after}</span>' in row
        assert lead.email in row


def test_filters_by_object_type_actor_and_day(client):
    lead, admin = LeadFactory(), AdminFactory()
    with acting_as(lead):
        calendar = Calendar.objects.create(name="Lisbon", time_zone="Europe/Lisbon")
    with acting_as(admin):
        code = ReasonCodeFactory()
    client.force_login(admin)
    by_type = client.get(URL, {"object_type": "appeals.calendar"}).context["rows"]
    assert {event.object_type for event, _ in by_type} == {"appeals.calendar"}
    assert _events(calendar, CREATED)[0] in [event for event, _ in by_type]

    by_actor = client.get(URL, {"actor": lead.email.upper()}).context["rows"]
    assert by_actor and {event.actor_id for event, _ in by_actor} == {lead.pk}
    assert _events(code, CREATED)[0] not in [event for event, _ in by_actor]

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.get(URL, {"since": tomorrow}).context["rows"] == []
    today = timezone.localdate().isoformat()
    assert client.get(URL, {"since": today, "until": today}).context["rows"]
    bad = client.get(URL, {"since": today, "until": "2000-01-01"})
    assert bad.status_code == 400
    assert "The end comes before the start." in bad.content.decode()


def test_keyset_pages_cover_every_event_once(client):
    admin = AdminFactory()
    with acting_as(admin):
        for n in range(120):
            Macro.objects.create(title=f"Reply {n}", body="Body")
    client.force_login(admin)
    seen, url, params, pages = [], URL, {"object_type": "appeals.macro"}, 0
    while True:
        response = client.get(url, params)
        assert response.status_code == 200
        seen += [event.pk for event, _ in response.context["rows"]]
        pages += 1
        if response.context["next_query"] is None:
            break
        url, params = f"{URL}?{response.context['next_query']}", None
    expected = list(
        AuditEvent.objects.filter(object_type="appeals.macro")
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(expected) == 120
    assert pages == 3


def test_an_unreadable_cursor_is_a_400(client):
    client.force_login(AdminFactory())
    assert client.get(URL, {"after": "yesterday"}).status_code == 400


def _queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_rows(client):
    admin = AdminFactory()
    client.force_login(admin)
    with acting_as(admin):
        ReasonCodeFactory()
    few = _queries_for_page(client)
    with acting_as(LeadFactory()):
        for n in range(40):
            Macro.objects.create(title=f"Reply {n}", body="Body")
    with acting_as(ReviewerFactory()):
        for n in range(10):
            Calendar.objects.create(name=f"Calendar {n}")
    assert _queries_for_page(client) == few


@pytest.mark.parametrize("persona", [FreelancerFactory, ReviewerFactory])
def test_freelancers_and_reviewers_may_not_read_the_log(client, persona):
    client.force_login(persona())
    assert client.get(URL).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_only_get(client):
    client.force_login(AdminFactory())
    assert client.post(URL).status_code == 405


def test_the_audit_log_itself_cannot_be_changed():
    code = ReasonCodeFactory()
    event = _events(code, CREATED)[0]
    event.summary = "Rewritten"
    with pytest.raises(ValueError):
        event.save()
    assert ReasonCode.objects.filter(pk=code.pk).exists()
