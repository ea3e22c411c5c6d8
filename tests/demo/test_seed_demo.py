"""`manage.py seed_demo`: a realistic catalogue, demo people and cases, idempotent; bulk data."""

from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from demo import data as demo_data
from enforcement.choices import AutomatedDecision, Category
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    ReasonCode,
    Rule,
    RuleVersion,
)
from enforcement.services import issue_action
from tests.factories import FreelancerFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

Type = EnforcementAction.RestrictionType


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The seed hashes the demo password once and every sign-in checks it; PBKDF2 is slow on
    # purpose, and these tests are about the data, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded() -> str:
    return seed()


def row_counts() -> dict[str, int]:
    models = [
        *apps.get_app_config("enforcement").get_models(),
        *apps.get_app_config("appeals").get_models(),
        apps.get_model("accounts", "ReviewerProfile"),
        apps.get_model("appeals", "Queue").members.through,
        User,
        User.groups.through,
        EmailAddress,
        EnforcementAction.cited_versions.through,
    ]
    return {model._meta.label: model.objects.count() for model in models}


def in_force_at_start(action: EnforcementAction) -> bool:
    cited = [version.pk for version in action.cited_versions.all()]
    in_force = RuleVersion.objects.in_force_at(action.starts_at).filter(pk__in=cited)
    return bool(cited) and in_force.count() == len(cited)


# --- Catalogue ---------------------------------------------------------------------------------


def test_catalogue_has_twelve_rules_and_several_with_a_published_history(seeded):
    published = RuleVersion.objects.published()
    rules_with_history = [
        rule for rule in Rule.objects.all() if published.filter(rule=rule).count() >= 2
    ]

    assert Rule.objects.count() >= 12
    assert len(rules_with_history) >= 5
    assert not RuleVersion.objects.filter(published_at__isnull=True).exists()


def test_every_later_version_says_what_changed_and_older_ones_took_effect_earlier(seeded):
    for rule in Rule.objects.all():
        versions = list(rule.versions.published().order_by("number"))
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        for older, newer in zip(versions, versions[1:], strict=False):
            assert newer.change_summary.strip(), f"{newer} has no change summary"
            assert older.effective_from < newer.effective_from <= timezone.now()
            assert newer.published_at < newer.effective_from


def test_reason_codes_include_the_four_named_each_mapped_to_the_rule_that_prohibits_it(seeded):
    expected_rules = {
        "identity-mismatch": "TOS-1.2",
        "off-platform-payment": "TOS-4.1",
        "account-sharing": "TOS-2.1",
        "location-misrepresentation": "TOS-2.3",
    }
    mapped = dict(ReasonCode.objects.values_list("code", "rule__key"))

    assert ReasonCode.objects.count() >= 15
    assert {code: mapped.get(code) for code in expected_rules} == expected_rules
    assert "location" in Rule.objects.get(key="TOS-2.3").title.lower()


def test_every_reason_code_explains_itself_to_the_freelancer_with_a_dsa_category(seeded):
    for code in ReasonCode.objects.all():
        assert code.explanation.strip() and code.what_you_can_do.strip()
        assert code.category in Category.values


def test_no_rule_prohibits_using_a_vpn_and_the_location_rule_says_so(seeded):
    current = Rule.objects.get(key="TOS-2.3").versions.published().order_by("-number").first()

    assert "Using a VPN or a proxy, or travelling, is not a violation in itself" in current.text
    for version in RuleVersion.objects.filter(text__icontains="VPN"):
        assert "not a violation in itself" in version.text
    assert not Rule.objects.filter(title__icontains="VPN").exists()
    location = ReasonCode.objects.get(code="location-misrepresentation")
    assert "VPN" in location.explanation and "not a violation" in location.explanation


# --- Demo people and cases ---------------------------------------------------------------------


def test_demo_people_have_their_roles_and_verified_addresses(seeded):
    roles = {
        "amara@demo.recourse.test": Role.FREELANCER,
        "jonas@demo.recourse.test": Role.FREELANCER,
        "riley@demo.recourse.test": Role.REVIEWER,
        "lena@demo.recourse.test": Role.LEAD,
        "admin@demo.recourse.test": Role.ADMIN,
    }
    for email, role in roles.items():
        user = User.objects.get(email=email)
        assert user.has_role(role)
        assert user.is_staff == (role != Role.FREELANCER)
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
    amara = User.objects.get(email="amara@demo.recourse.test")
    assert amara.marketplace_id and amara.time_zone == "Europe/Lisbon"
    assert (timezone.now().date() - amara.member_since).days > 6 * 365


@pytest.mark.parametrize("email", [person.email for person in demo_data.PEOPLE])
def test_demo_person_signs_in_with_email_and_the_demo_password(seeded, client, email):
    response = client.post(
        reverse("account_login"), {"login": email, "password": demo_data.DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


def test_demo_freelancer_has_four_kinds_of_action_each_citing_the_version_in_force(seeded):
    actions = list(
        EnforcementAction.objects.for_account(User.objects.get(email=demo_data.DEMO_FREELANCER))
    )

    assert len({action.restriction_type for action in actions}) >= 4
    for action in actions:
        assert in_force_at_start(action), action
        assert action.reason_code.rule_id in {v.rule_id for v in action.cited_versions.all()}


def test_old_demo_warning_cites_the_text_that_applied_then_not_the_current_one(seeded):
    amara = User.objects.get(email=demo_data.DEMO_FREELANCER)
    warning = EnforcementAction.objects.for_account(amara).get(restriction_type=Type.WARNING)
    cited = warning.cited_versions.get()

    assert cited.number < cited.rule.versions.published().count()


def test_demo_suspension_is_active_with_funds_held_client_notices_and_redacted_evidence(seeded):
    amara = User.objects.get(email=demo_data.DEMO_FREELANCER)
    suspension = EnforcementAction.objects.for_account(amara).get(
        restriction_type=Type.TEMPORARY_SUSPENSION
    )
    evidence = list(suspension.evidence_items.all())

    assert suspension.status == EnforcementAction.Status.ACTIVE
    assert suspension.reason_code.code == "location-misrepresentation"
    assert suspension.has_funds_held() and suspension.funds_release_on
    assert suspension.client_notices.count() == 3
    notice = suspension.client_notices.first()
    assert "Amara O." in notice.text and "{" not in notice.text
    assert all(item.internal_detail for item in evidence)
    assert {item.redaction for item in evidence} >= {
        EvidenceItem.Redaction.NONE,
        EvidenceItem.Redaction.PARTIAL,
        EvidenceItem.Redaction.WITHHELD,
    }
    assert all(
        item.redaction_reason for item in evidence if item.redaction != EvidenceItem.Redaction.NONE
    )
    assert suspension.strike_count == 1 and suspension.strikes_expire_on


def test_demo_cases_cover_every_kind_status_and_automation_flag(seeded):
    actions = EnforcementAction.objects.filter(account__email__endswith="@demo.recourse.test")

    assert set(actions.values_list("restriction_type", flat=True)) == set(Type.values)
    assert set(actions.values_list("automated_decision", flat=True)) == set(
        AutomatedDecision.values
    )
    assert set(actions.values_list("automated_detection", flat=True)) == {True, False}
    assert {EnforcementAction.Status.ACTIVE, EnforcementAction.Status.EXPIRED} <= set(
        actions.values_list("status", flat=True)
    )
    assert actions.filter(funds_held_amount__gt=0).count() >= 3


def test_demo_actions_that_ended_are_expired_with_the_sweeps_event(seeded):
    ended = EnforcementAction.objects.filter(
        account__email__endswith="@demo.recourse.test", ends_at__lte=timezone.now()
    )

    assert ended.exists()
    for action in ended:
        assert action.status == EnforcementAction.Status.EXPIRED
        assert action.events.filter(kind=ActionEvent.Kind.EXPIRED).count() == 1


def test_jonas_is_terminated_after_thirty_days_notice(seeded):
    jonas = User.objects.get(email=demo_data.SECOND_FREELANCER)
    termination = EnforcementAction.objects.for_account(jonas).get()

    assert termination.restriction_type == Type.PERMANENT_TERMINATION
    assert termination.ends_at is None
    assert termination.starts_at - termination.notified_at == timedelta(days=30)


def test_running_twice_changes_nothing(seeded):
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "created now: 0 rules, 0 versions, 0 reason codes, 0 people, 0 demo actions" in output


# --- Bulk freelancers --------------------------------------------------------------------------


def test_every_bulk_case_template_is_accepted_by_issue_action(seeded):
    reviewer = User.objects.get(email=demo_data.DEMO_REVIEWER)
    starts_at = timezone.now() - timedelta(days=2)
    for case in demo_data.BULK_CASES:
        reason = ReasonCode.objects.get(code=case.reason_code)
        version = RuleVersion.objects.in_force_at(starts_at).get(rule=reason.rule)
        request = case.request(
            account=FreelancerFactory(),
            starts_at=starts_at,
            reason_code=reason,
            cited_version=version,
        )
        assert issue_action(request, issued_by=reviewer).pk


def test_bulk_freelancers_get_one_to_three_valid_actions_each():
    output = seed(freelancers=50)
    freelancers = User.objects.filter(email__endswith="@" + demo_data.BULK_EMAIL_DOMAIN)
    now = timezone.now()

    assert "created 50" in output
    assert freelancers.count() == 50
    for freelancer in freelancers:
        assert freelancer.has_role(Role.FREELANCER)
        assert EmailAddress.objects.filter(user=freelancer, verified=True, primary=True).exists()
        actions = list(EnforcementAction.objects.for_account(freelancer).with_statement())
        assert 1 <= len(actions) <= 3
        for action in actions:
            assert in_force_at_start(action), action
            assert action.primary_version() is not None
            assert action.category == action.reason_code.category
            assert action.evidence_items.all()
            assert action.appeal_deadline == action.notified_at + timedelta(
                days=settings.APPEAL_WINDOW_DAYS
            )
            kinds = [event.kind for event in action.events.all()]
            assert kinds[0] == ActionEvent.Kind.ISSUED
            ended = action.ends_at is not None and action.ends_at <= now
            assert (action.status == EnforcementAction.Status.EXPIRED) == ended
            assert (ActionEvent.Kind.EXPIRED in kinds) == ended
            if action.automated_decision != AutomatedDecision.FULLY:
                assert action.decided_by is not None
    assert ClientNotice.objects.filter(action__account__in=freelancers).exists()


def test_bulk_seeding_adds_only_the_missing_freelancers():
    seed(freelancers=20)
    before = row_counts()

    seed(freelancers=20)
    unchanged = row_counts()
    seed(freelancers=25)

    assert unchanged == before
    assert User.objects.filter(email__endswith="@" + demo_data.BULK_EMAIL_DOMAIN).count() == 25


def test_bulk_freelancers_do_not_touch_existing_people():
    ReviewerFactory()
    someone = FreelancerFactory()

    seed(freelancers=5)

    assert not EnforcementAction.objects.for_account(someone).exists()


def test_demo_queues_route_by_rule_and_run_on_the_support_calendar(seeded):
    from appeals.models import Queue, RoutingRule, SlaPolicy
    from appeals.operations.routing import RoutingFacts, choose_queue

    assert Queue.objects.filter(is_fallback=True).get().name == "General appeals"
    assert set(Queue.objects.values_list("name", flat=True)) == {
        "General appeals",
        "Identity and payments",
        "Terminations",
    }
    for queue in Queue.objects.all():
        assert queue.members.filter(email=demo_data.DEMO_REVIEWER).exists()
        assert queue.calendar is not None
        assert SlaPolicy.objects.filter(queue=queue, priority=None).exists()
    rules = list(RoutingRule.objects.select_related("queue"))
    termination = EnforcementAction.objects.get(
        account__email=demo_data.SECOND_FREELANCER, restriction_type="permanent_termination"
    )
    facts = RoutingFacts(
        reason_code_id=termination.reason_code_id,
        rule_id=termination.reason_code.rule_id,
        restriction_type=termination.restriction_type,
        automated_decision=termination.automated_decision,
        language="de",
        region="DE",
        funds_held=termination.funds_still_held(),
    )
    assert choose_queue(facts, rules)[0].name == "Terminations"


def test_the_demo_reviewer_did_not_decide_the_demo_cases_so_can_work_their_appeals(seeded):
    decided = EnforcementAction.objects.filter(
        account__email__endswith="@demo.recourse.test", decided_by__isnull=False
    )
    assert decided.exists()
    assert set(decided.values_list("decided_by__email", flat=True)) == {demo_data.DEMO_ENFORCER}


@pytest.mark.django_db
def test_the_demo_freelancers_have_realistic_track_records():
    from accounts.models import TrackRecord

    seed()
    amara = TrackRecord.objects.select_related("user").get(user__email=demo_data.DEMO_FREELANCER)
    jonas = TrackRecord.objects.select_related("user").get(user__email=demo_data.SECOND_FREELANCER)
    assert amara.tenure_years() == 6
    assert amara.badge_labels() == ["Top Rated"]
    assert amara.is_long_standing()
    assert not jonas.is_long_standing()
    seed()
    assert TrackRecord.objects.filter(user__email__endswith="@demo.recourse.test").count() == 2
