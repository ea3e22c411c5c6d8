"""Publishing a new version of a rule tells exactly the freelancers whose action in force cites
it (inbox + email with the word-level diff); a narrowing change offers a fresh review."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from appeals.models import Appeal
from appeals.operations import routing
from appeals.services import AppealRefused, file_appeal
from enforcement import services
from enforcement.models import ActionEvent, EnforcementAction
from notifications.models import Notification
from notifications.services import send_email
from tests.factories import (
    AdminFactory,
    ReasonCodeFactory,
    copy_actions,
    make_action,
    published_version,
)

pytestmark = pytest.mark.django_db

OLD = "Do not use a VPN or any tool that hides where you work from."
NEW = "Do not misrepresent the country you work from."


@pytest.fixture
def rule_v1():
    version = published_version(text=OLD)
    return version


def publish_v2(rule, *, narrows: bool = False):
    admin = AdminFactory()
    draft = services.draft_rule_version(
        rule,
        text=NEW,
        change_summary="A VPN alone is no longer a breach.",
        narrows=narrows,
        drafted_by=admin,
    )
    return services.publish_rule_version(draft, published_by=admin)


def test_publishing_notifies_exactly_the_freelancers_with_an_action_in_force_citing_it(rule_v1):
    reason = ReasonCodeFactory(rule=rule_v1.rule)
    in_force = make_action(version=rule_v1, reason_code=reason)
    lifted = make_action(version=rule_v1, reason_code=reason)
    EnforcementAction.objects.filter(pk=lifted.pk).update(status="lifted")
    other_rule = make_action()

    v2 = publish_v2(rule_v1.rule)

    notices = list(Notification.objects.filter(kind=Notification.Kind.RULE_CHANGED))
    assert [n.recipient_id for n in notices] == [in_force.account_id]
    assert v2.notified_count == 1
    [notice] = notices
    assert f"version {v2.number}" in notice.body
    assert (
        "Do not [-use-]{+misrepresent+} [-a-]{+the+} [-VPN or any tool that hides where-]"
        "{+country+} you work from." in notice.body
    )
    assert "fresh review" not in notice.body
    assert notice.url == v2.get_absolute_url()
    assert not Notification.objects.filter(recipient=other_rule.account, kind="rule_changed")
    assert ActionEvent.objects.filter(action=in_force, kind="rule_changed").count() == 1
    # The email is its outbox entry: sent once by the worker, with the diff.
    mail.outbox.clear()
    assert send_email(notice.pk)
    assert "{+misrepresent" in mail.outbox[0].body


def _actions_for_many(template: EnforcementAction, count: int) -> None:
    users = User.objects.bulk_create(
        User(email=f"f{i}@example.test", display_name=f"F {i}") for i in range(count)
    )
    copy_actions(template, [{"account_id": user.pk} for user in users])


@pytest.mark.parametrize("narrows", [False, True])
def test_the_queries_do_not_grow_with_the_number_of_people_affected(narrows):
    def publish_with(affected: int) -> int:
        version = published_version(text=OLD)
        template = make_action(version=version, reason_code=ReasonCodeFactory(rule=version.rule))
        _actions_for_many(template, affected - 1)
        with CaptureQueriesContext(connection) as queries:
            assert publish_v2(version.rule, narrows=narrows).notified_count == affected
        return len(queries)

    assert publish_with(1) == publish_with(500)
    assert Notification.objects.filter(kind="rule_changed").count() == 501


def test_a_narrowing_change_offers_a_fresh_review_that_files_a_routable_appeal(rule_v1):
    action = make_action(version=rule_v1, reason_code=ReasonCodeFactory(rule=rule_v1.rule))
    long_ago = timezone.now() - timedelta(days=400)
    EnforcementAction.objects.filter(pk=action.pk).update(
        starts_at=long_ago, notified_at=long_ago, appeal_deadline=long_ago + timedelta(days=185)
    )
    action.refresh_from_db()
    with pytest.raises(AppealRefused, match="appeal window closed"):
        file_appeal(
            action,
            statement="I use a VPN for security.",
            requested_outcomes=["lift"],
            uploads=[],
            filed_by=action.account,
        )

    v2 = publish_v2(rule_v1.rule, narrows=True)

    action.refresh_from_db()
    assert action.fresh_review_version == v2
    assert action.appeal_is_a_fresh_review()
    assert action.appeal_deadline == long_ago + timedelta(days=185)  # the promise never moves
    notice = Notification.objects.get(recipient=action.account, kind="rule_changed")
    assert "fresh review" in notice.body
    assert notice.url == f"/standing/actions/{action.pk}/#appeal"
    appeal, created = file_appeal(
        action,
        statement="The rule no longer covers a VPN.",
        requested_outcomes=["lift"],
        uploads=[],
        filed_by=action.account,
    )
    assert created
    routed = routing.route_appeal(appeal.pk)
    assert routed.queue is not None  # routed like any other appeal (here: the fallback queue)
    assert Appeal.objects.get(pk=appeal.pk).routed_at is not None


def test_the_case_page_offers_the_fresh_review_with_both_dates(client, rule_v1):
    action = make_action(version=rule_v1, reason_code=ReasonCodeFactory(rule=rule_v1.rule))
    long_ago = timezone.now() - timedelta(days=400)
    EnforcementAction.objects.filter(pk=action.pk).update(
        starts_at=long_ago, notified_at=long_ago, appeal_deadline=long_ago + timedelta(days=185)
    )
    publish_v2(rule_v1.rule, narrows=True)
    client.force_login(action.account)
    html = client.get(f"/standing/actions/{action.pk}/").content.decode()
    assert "fresh review" in html
    assert "The time to appeal this decision ended on" in html
    assert 'name="statement"' in html


def test_a_first_version_notifies_nobody():
    rule = published_version().rule
    assert Notification.objects.count() == 0
    assert rule.versions.count() == 1
