"""No admin page of Recourse's models answers 500, whatever the state of its objects: a walk of
every changelist, add page, change page and "view on site" link, as a superuser and as the
admin role. And the rule-version admin bugs of issue #12, each with its regression test."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from enforcement.models import RuleVersion
from tests.factories import (
    AdminFactory,
    LeadFactory,
    ReviewerFactory,
    RuleFactory,
    RuleVersionFactory,
    make_action,
    make_appeal,
    make_queue,
    make_reviewer,
    published_version,
)

pytestmark = pytest.mark.django_db

PER_MODEL = 4  # change pages opened per model: enough to meet each state the data has


@pytest.fixture
def objects_in_every_state(freelancer):
    """Drafts and published versions, actions issued, lifted and proposed, appeals open and
    decided, a queue with members: one of each state the admin has to show."""
    from appeals import services as appeal_services
    from enforcement.models import EnforcementAction
    from tests.factories import claim

    rule = RuleFactory()
    published_version(rule)
    RuleVersionFactory(rule=rule, draft=True)
    make_action(freelancer)
    make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
        in_effect=False,
    )
    reviewer = make_reviewer(queues=[make_queue(members=[])])
    appeal = make_appeal(make_action(freelancer))
    claim(appeal, reviewer)
    appeal_services.decide_appeal(
        appeal,
        outcome="overturned",
        reasons="We were wrong.",
        versions=list(appeal.action.cited_versions.all()),
        decided_by=reviewer,
    )
    make_appeal(make_action(freelancer))
    LeadFactory()
    _more_states(freelancer, reviewer)


def _more_states(freelancer, reviewer) -> None:
    """The states the walk above did not meet (issue #12: "for any object state"): an action
    withdrawn, expired and modified; appeals waiting for the freelancer, in second review and
    withdrawn; notifications and their emails; an audit trail of each."""
    from datetime import timedelta

    from django.utils import timezone

    from appeals import services as appeal_services
    from enforcement import services as enforcement_services
    from enforcement.models import EnforcementAction
    from tests.factories import claim

    Restriction = EnforcementAction.RestrictionType
    proposed = make_action(
        freelancer,
        restriction_type=Restriction.PERMANENT_TERMINATION,
        ends_at=None,
        in_effect=False,
    )
    enforcement_services.withdraw_termination(proposed, by=reviewer, reason="Not needed.")
    ending = make_action(freelancer, ends_at=timezone.now() + timedelta(days=1))
    enforcement_services.expire_ended_actions(now=ending.ends_at + timedelta(minutes=1))

    modified = make_appeal(make_action(freelancer))
    claim(modified, reviewer)
    appeal_services.decide_appeal(
        modified,
        outcome="modified",
        reasons="A warning is enough.",
        versions=list(modified.action.cited_versions.all()),
        decided_by=reviewer,
        restriction_type=Restriction.WARNING,
    )
    asked = make_appeal(make_action(freelancer))
    claim(asked, reviewer)
    appeal_services.request_information(asked, reviewer=reviewer, question="Which invoice?")
    upheld = make_appeal(
        make_action(freelancer, restriction_type=Restriction.PERMANENT_TERMINATION, ends_at=None)
    )
    claim(upheld, reviewer)
    appeal_services.decide_appeal(
        upheld,
        outcome="upheld",
        reasons="It stands.",
        versions=list(upheld.action.cited_versions.all()),
        decided_by=reviewer,
    )
    appeal_services.withdraw_appeal(
        make_appeal(make_action(freelancer)), by=freelancer, reason="Sorted out."
    )


def _one_of_each_state(model) -> list:
    """The first PER_MODEL objects, and one more of every status (and of draft and published)
    that those do not show."""
    manager = model._default_manager
    objects = list(manager.all()[:PER_MODEL])
    names = {field.name for field in model._meta.fields}
    lookups = []
    if "status" in names:
        lookups += [
            {"status": value} for value in manager.values_list("status", flat=True).distinct()
        ]
    if "published_at" in names:
        lookups += [{"published_at__isnull": True}, {"published_at__isnull": False}]
    for lookup in lookups:
        if not any(_matches(obj, lookup) for obj in objects):
            found = manager.filter(**lookup).first()
            if found is not None:
                objects.append(found)
    return objects


def _matches(obj, lookup: dict) -> bool:
    [(name, value)] = lookup.items()
    if name == "published_at__isnull":
        return (obj.published_at is None) == value
    return getattr(obj, name) == value


def _walk(client) -> list[str]:
    """Every admin URL of every registered model, with the status it answered."""
    failures = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls = [reverse(f"{base}_changelist"), reverse(f"{base}_add")]
        for obj in _one_of_each_state(model):
            urls.append(reverse(f"{base}_change", args=[obj.pk]))
            try:
                on_site = model_admin.get_view_on_site_url(obj)
            except NoReverseMatch as exc:  # the admin would raise it rendering the page
                failures.append(f"view on site of {meta.label} #{obj.pk}: {exc}")
                continue
            if on_site:
                urls.append(on_site)
        for url in urls:
            response = client.get(url, follow=True)
            if response.status_code >= 500:
                failures.append(f"{url}: {response.status_code}")
    return failures


def test_the_walk_meets_every_state_of_actions_and_appeals(objects_in_every_state):
    from appeals.models import Appeal
    from enforcement.models import EnforcementAction

    actions = {action.status for action in _one_of_each_state(EnforcementAction)}
    appeals = {appeal.status for appeal in _one_of_each_state(Appeal)}
    versions = {version.is_published for version in _one_of_each_state(RuleVersion)}
    assert actions == set(EnforcementAction.Status.values)
    assert appeals >= set(Appeal.Status.values) - {Appeal.Status.IN_REVIEW}
    assert versions == {True, False}


def test_no_admin_page_answers_500_for_a_superuser(client, objects_in_every_state):
    client.force_login(User.objects.create_superuser("root@example.test", "x" * 20))
    assert _walk(client) == []


def test_no_admin_page_answers_500_for_the_admin_role(client, objects_in_every_state):
    client.force_login(AdminFactory())
    assert _walk(client) == []


# --- The rule-version admin ------------------------------------------------------------------


def test_admin_view_on_site_of_a_draft_rule_version_is_not_a_500(client, admin_user):
    draft = RuleVersionFactory(rule=RuleFactory(), draft=True)
    client.force_login(admin_user)
    response = client.get(reverse("admin:enforcement_ruleversion_change", args=[draft.pk]))
    assert response.status_code == 200
    assert "View on site" not in response.content.decode()


def _new_version_post(rule, text: str, **extra) -> dict:
    return {
        "rule": rule.pk,
        "text": text,
        "examples": "",
        "change_summary": "Clearer wording.",
        "effective_from_0": "",
        "effective_from_1": "",
        **extra,
    }


def test_admin_save_and_continue_on_a_new_version_opens_that_version(client, admin_user):
    rule = RuleFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:enforcement_ruleversion_add"),
        _new_version_post(rule, "New wording.", _continue="1"),
    )
    draft = RuleVersion.objects.get(rule=rule, published_at__isnull=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:enforcement_ruleversion_change", args=[draft.pk])
    assert "None" not in response["Location"]


def test_admin_a_new_version_starts_from_the_current_text(client, admin_user):
    rule = RuleFactory()
    current = published_version(rule)
    client.force_login(admin_user)
    response = client.get(reverse("admin:enforcement_ruleversion_add") + f"?rule={rule.pk}")
    assert response.status_code == 200
    field = response.context["adminform"].form["text"]
    assert field.value() == current.text


def test_admin_text_typed_with_crlf_line_endings_is_stored_with_lf(client, admin_user):
    rule = RuleFactory()
    client.force_login(admin_user)
    client.post(
        reverse("admin:enforcement_ruleversion_add"),
        _new_version_post(rule, "First line.\r\n\r\nSecond line."),
    )
    draft = RuleVersion.objects.get(rule=rule, published_at__isnull=True)
    assert draft.text == "First line.\n\nSecond line."


def test_the_reviewer_persona_gets_no_admin_500_either(client):
    client.force_login(ReviewerFactory())
    assert client.get(reverse("admin:index")).status_code in (200, 302, 403)
