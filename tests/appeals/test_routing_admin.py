"""Leads manage queues, routing rules and reviewer profiles in the admin."""

import pytest
from django.urls import reverse

from accounts.models import ReviewerProfile
from appeals.models import Queue, RoutingRule
from tests.factories import (
    AdminFactory,
    FreelancerFactory,
    ReasonCodeFactory,
    make_queue,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

LEAD_PERMISSIONS = [
    "appeals.view_queue",
    "appeals.add_queue",
    "appeals.change_queue",
    "appeals.view_routingrule",
    "appeals.add_routingrule",
    "appeals.change_routingrule",
    "appeals.delete_routingrule",
    "accounts.view_reviewerprofile",
    "accounts.add_reviewerprofile",
    "accounts.change_reviewerprofile",
]
SHADOWED = "is fully shadowed by rule"


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def queue(db):
    return make_queue("Payments", priority=5)


@pytest.fixture
def superuser(db):
    return AdminFactory(is_superuser=True)


def _rule_data(queue: Queue, position: int, **conditions) -> dict:
    data = {
        "position": position,
        "name": f"Rule at {position}",
        "queue": queue.pk,
        "is_active": "on",
        "reason_code": "",
        "rule": "",
        "restriction_type": "",
        "automated_decision": "",
        "language": "",
        "region": "",
        "min_funds_held": "",
        "max_funds_held": "",
    }
    return data | conditions


def _add_rule(client, queue: Queue, position: int, **conditions):
    url = reverse("admin:appeals_routingrule_add")
    return client.post(url, _rule_data(queue, position, **conditions), follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Permissions ----------------------------------------------------------------------------------


def test_a_lead_holds_the_admin_permissions_for_queues_rules_and_profiles(lead):
    assert lead.is_staff
    for permission in LEAD_PERMISSIONS:
        assert lead.has_perm(permission), permission
    assert not lead.has_perm("appeals.delete_queue")


def test_a_reviewer_holds_none_of_them(reviewer):
    for permission in LEAD_PERMISSIONS:
        assert not reviewer.has_perm(permission), permission


@pytest.mark.parametrize(
    "name",
    [
        "admin:appeals_queue_changelist",
        "admin:appeals_queue_add",
        "admin:appeals_routingrule_changelist",
        "admin:appeals_routingrule_add",
        "admin:accounts_reviewerprofile_changelist",
        "admin:accounts_reviewerprofile_add",
    ],
)
def test_a_lead_opens_each_admin_page_and_a_reviewer_cannot(client, lead, reviewer, name):
    client.force_login(lead)
    assert client.get(reverse(name)).status_code == 200
    client.force_login(reviewer)
    assert client.get(reverse(name)).status_code == 403


# --- Queues ---------------------------------------------------------------------------------------


def test_a_lead_creates_a_queue_with_members_and_languages(as_lead):
    reviewer = make_reviewer()
    response = as_lead.post(
        reverse("admin:appeals_queue_add"),
        {
            "name": "German appeals",
            "description": "",
            "priority": "3",
            "languages": ["de"],
            "members": [reviewer.pk],
        },
    )
    assert response.status_code == 302
    queue = Queue.objects.get(name="German appeals")
    assert queue.languages == ["de"]
    assert list(queue.members.all()) == [reviewer]
    assert queue.priority == 3 and not queue.is_fallback


def test_the_members_box_uses_the_two_list_picker(as_lead, queue):
    html = as_lead.get(reverse("admin:appeals_queue_change", args=[queue.pk])).content.decode()
    assert "selectfilter" in html


def test_a_freelancer_cannot_be_a_queue_member(as_lead, queue):
    freelancer = FreelancerFactory()
    response = as_lead.post(
        reverse("admin:appeals_queue_change", args=[queue.pk]),
        {"name": queue.name, "priority": "5", "members": [freelancer.pk]},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["members"]
    assert not queue.members.exists()


def test_the_fallback_queue_stays_the_fallback(as_lead):
    fallback = Queue.objects.get(is_fallback=True)
    response = as_lead.post(
        reverse("admin:appeals_queue_change", args=[fallback.pk]),
        {"name": "Everything else", "priority": "0", "is_fallback": ""},
    )
    assert response.status_code == 302
    fallback.refresh_from_db()
    assert fallback.is_fallback and fallback.name == "Everything else"


def test_a_new_queue_cannot_become_a_second_fallback(as_lead):
    as_lead.post(
        reverse("admin:appeals_queue_add"), {"name": "Sneaky", "priority": "0", "is_fallback": "on"}
    )
    assert Queue.objects.filter(is_fallback=True).count() == 1
    assert not Queue.objects.get(name="Sneaky").is_fallback


def test_even_a_superuser_cannot_delete_the_fallback_queue(client, superuser):
    fallback = Queue.objects.get(is_fallback=True)
    client.force_login(superuser)

    single = client.post(reverse("admin:appeals_queue_delete", args=[fallback.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:appeals_queue_changelist"),
        {"action": "delete_selected", "_selected_action": [fallback.pk], "post": "yes"},
    )

    assert single.status_code == 403
    assert bulk.status_code == 403
    assert Queue.objects.filter(pk=fallback.pk, is_fallback=True).exists()


def test_a_superuser_can_delete_an_empty_ordinary_queue(client, superuser, queue):
    client.force_login(superuser)
    client.post(reverse("admin:appeals_queue_delete", args=[queue.pk]), {"post": "yes"})
    assert not Queue.objects.filter(pk=queue.pk).exists()


def test_a_lead_cannot_delete_queues(as_lead, queue):
    response = as_lead.post(reverse("admin:appeals_queue_delete", args=[queue.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Queue.objects.filter(pk=queue.pk).exists()


# --- Routing rules and the shadow warning ---------------------------------------------------------


def test_a_rule_fully_shadowed_by_an_earlier_one_is_saved_with_a_warning(as_lead, queue):
    reason = ReasonCodeFactory()
    _add_rule(as_lead, queue, 10, reason_code=reason.pk)

    response = _add_rule(as_lead, queue, 20, reason_code=reason.pk, language="de")

    assert response.status_code == 200
    assert any(
        "Rule 20 is fully shadowed by rule 10: it will never match" in m
        for m in _messages(response)
    )
    assert RoutingRule.objects.filter(position=20).exists()


def test_a_rule_that_an_earlier_one_does_not_cover_gets_no_warning(as_lead, queue):
    _add_rule(as_lead, queue, 10, language="de")

    response = _add_rule(as_lead, queue, 20, language="fr")

    assert not any(SHADOWED in m for m in _messages(response))
    assert RoutingRule.objects.filter(position=20).exists()


def test_an_inactive_earlier_rule_shadows_nothing(as_lead, queue):
    _add_rule(as_lead, queue, 10, is_active="")
    response = _add_rule(as_lead, queue, 20, language="fr")
    assert not any(SHADOWED in m for m in _messages(response))


def test_moving_a_broad_rule_up_warns_about_the_narrow_rule_it_now_shadows(as_lead, queue):
    narrow = RoutingRule.objects.create(position=10, name="German", queue=queue, language="de")
    broad = RoutingRule.objects.create(position=20, name="Everything", queue=queue)

    response = as_lead.post(
        reverse("admin:appeals_routingrule_change", args=[broad.pk]),
        _rule_data(queue, 5) | {"name": "Everything"},
        follow=True,
    )

    assert any(
        f"Rule {narrow.position} is fully shadowed by rule 5: it will never match" in m
        for m in _messages(response)
    )


def test_rules_are_listed_in_the_order_they_are_tried(as_lead, queue):
    RoutingRule.objects.create(position=30, name="Third", queue=queue)
    RoutingRule.objects.create(position=10, name="First", queue=queue)
    RoutingRule.objects.create(position=20, name="Second", queue=queue)

    html = as_lead.get(reverse("admin:appeals_routingrule_changelist")).content.decode()

    assert html.index("First") < html.index("Second") < html.index("Third")


def test_two_rules_at_one_position_are_refused_not_a_server_error(as_lead, queue):
    RoutingRule.objects.create(position=10, name="First", queue=queue)
    response = _add_rule(as_lead, queue, 10)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["position"]
    assert RoutingRule.objects.count() == 1


def test_swapping_positions_in_the_list_is_refused_not_a_server_error(as_lead, queue):
    first = RoutingRule.objects.create(position=10, name="First", queue=queue)
    second = RoutingRule.objects.create(position=20, name="Second", queue=queue)

    response = as_lead.post(
        reverse("admin:appeals_routingrule_changelist"),
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-id": first.pk,
            "form-0-position": "20",
            "form-0-is_active": "on",
            "form-1-id": second.pk,
            "form-1-position": "10",
            "form-1-is_active": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert set(RoutingRule.objects.values_list("name", "position")) == {
        ("First", 10),
        ("Second", 20),
    }


def test_a_funds_range_upside_down_is_refused(as_lead, queue):
    response = _add_rule(as_lead, queue, 10, min_funds_held="500", max_funds_held="100")
    assert response.status_code == 200
    assert not RoutingRule.objects.exists()


def test_a_lead_deletes_a_rule(as_lead, queue):
    rule = RoutingRule.objects.create(position=10, name="Old", queue=queue)
    as_lead.post(reverse("admin:appeals_routingrule_delete", args=[rule.pk]), {"post": "yes"})
    assert not RoutingRule.objects.exists()


# --- Reviewer profiles ----------------------------------------------------------------------------


def test_a_lead_creates_a_reviewer_profile(as_lead, reviewer):
    response = as_lead.post(
        reverse("admin:accounts_reviewerprofile_add"),
        {"user": reviewer.pk, "languages": ["en", "pl"], "capacity": "6", "is_available": ""},
    )
    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(user=reviewer)
    assert profile.languages == ["en", "pl"]
    assert profile.capacity == 6 and not profile.is_available


def test_only_reviewers_can_get_a_profile(as_lead):
    response = as_lead.post(
        reverse("admin:accounts_reviewerprofile_add"),
        {"user": FreelancerFactory().pk, "languages": [], "capacity": "6"},
    )
    assert response.status_code == 200
    assert not ReviewerProfile.objects.exists()


def test_a_lead_changes_capacity_and_availability(as_lead):
    reviewer = make_reviewer(capacity=10, languages=["en"])
    profile = reviewer.reviewer_profile
    response = as_lead.post(
        reverse("admin:accounts_reviewerprofile_change", args=[profile.pk]),
        {"languages": ["de"], "capacity": "3", "is_available": ""},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.languages, profile.capacity, profile.is_available) == (["de"], 3, False)
    assert profile.user == reviewer
