"""Proposed terminations on the pages: the staff list where a second person confirms or
withdraws them, and how the freelancer sees a termination that is proposed or withdrawn."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AuditEvent
from enforcement import services
from enforcement.models import ActionEvent, EnforcementAction
from notifications.models import WebhookEvent
from tests.factories import (
    EnforcerFactory,
    FreelancerFactory,
    ReasonCodeFactory,
    make_action,
    published_version,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

CONFIRM = {"confirm": "on"}
LIST_URL = reverse("enforcement:pending-terminations")
Type = EnforcementAction.RestrictionType
Exception_ = EnforcementAction.TerminationException
BERLIN = ZoneInfo("Europe/Berlin")


def _confirm_url(action) -> str:
    return reverse("enforcement:confirm-termination", args=[action.pk])


def _withdraw_url(action) -> str:
    return reverse("enforcement:withdraw-termination", args=[action.pk])


def _shown(dt, zone=BERLIN) -> str:
    local = timezone.localtime(dt, zone)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


@pytest.fixture
def proposer(db):
    return EnforcerFactory(email="sam@example.test", display_name="Sam Okoro")


@pytest.fixture
def second(db):
    return EnforcerFactory(email="kim@example.test", display_name="Kim Second")


def propose(account=None, *, by, **overrides) -> EnforcementAction:
    """A permanent termination issued by `by` through the service: proposed, not confirmed."""
    return make_action(
        account,
        decided_by=by,
        in_effect=False,
        restriction_type=Type.PERMANENT_TERMINATION,
        ends_at=None,
        **overrides,
    )


@pytest.fixture
def pending(freelancer, proposer) -> EnforcementAction:
    action = propose(freelancer, by=proposer)
    assert action.status == EnforcementAction.Status.PENDING
    return action


# --- Access -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, pending):
    for url in (LIST_URL, _confirm_url(pending), _withdraw_url(pending)):
        response = client.post(url) if url != LIST_URL else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_freelancers_and_reviewers_may_not_confirm_or_withdraw(
    client, freelancer, reviewer, pending
):
    for person in (freelancer, reviewer):
        client.force_login(person)
        assert client.get(LIST_URL).status_code == 403
        assert client.post(_confirm_url(pending), CONFIRM).status_code == 403
        assert client.post(_withdraw_url(pending), {"reason": "No.", **CONFIRM}).status_code == 403
    pending.refresh_from_db()
    assert (pending.status, pending.confirmed_at) == (EnforcementAction.Status.PENDING, None)


def test_leads_may_use_the_list(client, lead, pending):
    client.force_login(lead)
    assert client.get(LIST_URL).status_code == 200


@pytest.mark.parametrize("name", ["confirm-termination", "withdraw-termination"])
def test_the_actions_only_accept_post(client, second, pending, name):
    client.force_login(second)
    assert client.get(reverse(f"enforcement:{name}", args=[pending.pk])).status_code == 405


def test_the_list_only_accepts_get(client, second):
    client.force_login(second)
    assert client.post(LIST_URL).status_code == 405


def test_an_action_that_is_not_a_termination_is_not_found(client, second, freelancer):
    suspension = make_action(freelancer)
    client.force_login(second)
    assert client.post(_confirm_url(suspension), CONFIRM).status_code == 404
    assert client.post(_withdraw_url(suspension), {"reason": "x", **CONFIRM}).status_code == 404


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_who_proposed_what_when_it_takes_effect_and_the_exception(
    client, second, proposer, freelancer, pending
):
    under_exception = propose(
        FreelancerFactory(),
        by=proposer,
        termination_exception=Exception_.IMMINENT_FRAUD_RISK,
        termination_exception_reason="Stolen cards are being used right now.",
    )
    in_effect = make_action(freelancer, restriction_type=Type.PERMANENT_TERMINATION, ends_at=None)
    client.force_login(second)
    response = client.get(LIST_URL)
    content = response.content.decode()
    assert [a.pk for a in response.context["terminations"]] == sorted(
        [pending.pk, under_exception.pk],
        key=lambda pk: EnforcementAction.objects.get(pk=pk).takes_effect_at,
    )
    assert f'id="termination-{in_effect.pk}"' not in content
    assert "Sam Okoro" in content
    assert freelancer.email in content and freelancer.marketplace_id in content
    assert "An imminent risk of fraud: Stolen cards are being used right now." in content
    local = timezone.localtime(pending.takes_effect_at, BERLIN)
    # One format for every moment on every page (issue #12): "6 January 2027, 11:12 CET".
    assert f"{local:%-d %B %Y, %H:%M} {local.tzname()}</time>, the end of the notice period" in (
        content
    )
    assert f"Confirm termination #{pending.pk}" in content
    assert "Not confirmed yet" in content


def test_the_proposer_sees_why_they_cannot_confirm(client, proposer, pending):
    client.force_login(proposer)
    content = client.get(LIST_URL).content.decode()
    assert "You proposed this termination, so you cannot confirm it" in content
    assert f"Confirm termination #{pending.pk}" not in content
    assert f"Withdraw termination #{pending.pk}" in content


def test_the_list_takes_the_same_queries_for_1_and_for_8_terminations(client, second, proposer):
    version = published_version()
    code = ReasonCodeFactory(rule=version.rule)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST_URL).status_code == 200
        return len(queries)

    client.force_login(second)
    propose(by=proposer, version=version, reason_code=code)
    client.get(LIST_URL)  # warm up per-process caches
    one = count()
    for index in range(7):
        # Different proposers, confirmers and accounts, so nothing is served from a cache.
        action = propose(by=EnforcerFactory(), version=version, reason_code=code)
        if index % 2:
            services.confirm_termination(action, by=EnforcerFactory())
    assert len(client.get(LIST_URL).context["terminations"]) == 8
    assert count() == one


def test_an_empty_list_says_so(client, second):
    client.force_login(second)
    assert "No termination is waiting." in client.get(LIST_URL).content.decode()


# --- Confirm ----------------------------------------------------------------------------------


def test_the_proposer_cannot_confirm_and_is_told_why(client, proposer, pending):
    client.force_login(proposer)
    response = client.post(_confirm_url(pending), CONFIRM, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST_URL}#termination-{pending.pk}"
    assert "must be confirmed by someone other than its issuer" in response.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed_at is None


def test_another_enforcer_confirms_and_it_waits_for_its_date(client, second, pending):
    client.force_login(second)
    response = client.post(_confirm_url(pending), CONFIRM, follow=True)
    pending.refresh_from_db()
    assert pending.confirmed_by == second
    assert pending.status == EnforcementAction.Status.PENDING
    content = response.content.decode()
    assert f"Termination #{pending.pk} confirmed. It takes effect on" in content
    assert "Confirmed by Kim Second" in content
    assert f"Confirm termination #{pending.pk}" not in content
    assert ActionEvent.objects.filter(action=pending, kind=ActionEvent.Kind.CONFIRMED).exists()


def test_confirming_under_an_exception_puts_it_in_effect(client, second, proposer, freelancer):
    action = propose(
        freelancer,
        by=proposer,
        termination_exception=Exception_.LEGAL_OBLIGATION,
        termination_exception_reason="A court order of 2 May.",
    )
    client.force_login(second)
    response = client.post(_confirm_url(action), CONFIRM)
    action.refresh_from_db()
    assert action.status == EnforcementAction.Status.ACTIVE
    assert response["Location"] == reverse("enforcement:staff-action", args=[action.pk])


def test_confirming_twice_is_refused_the_second_time(client, second, pending):
    client.force_login(second)
    client.post(_confirm_url(pending), CONFIRM)
    third = EnforcerFactory()
    client.force_login(third)
    response = client.post(_confirm_url(pending), CONFIRM, follow=True)
    assert "no longer waiting for confirmation" in response.content.decode()
    pending.refresh_from_db()
    assert pending.confirmed_by == second


# --- Withdraw ---------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_changes_nothing_without_one(client, second, pending):
    before = (ActionEvent.objects.count(), AuditEvent.objects.count(), WebhookEvent.objects.count())
    client.force_login(second)
    response = client.post(_withdraw_url(pending), {"reason": "  ", **CONFIRM})
    assert response.status_code == 422
    content = response.content.decode()
    assert f'id="id_withdraw_{pending.pk}_reason"' in content
    assert 'aria-invalid="true"' in content
    pending.refresh_from_db()
    assert pending.status == EnforcementAction.Status.PENDING
    after = (ActionEvent.objects.count(), AuditEvent.objects.count(), WebhookEvent.objects.count())
    assert after == before


def test_withdrawing_with_a_reason(client, proposer, pending):
    client.force_login(proposer)
    response = client.post(
        _withdraw_url(pending),
        {"reason": "The client withdrew the complaint.", **CONFIRM},
        follow=True,
    )
    pending.refresh_from_db()
    assert pending.status == EnforcementAction.Status.WITHDRAWN
    content = response.content.decode()
    assert f"Termination #{pending.pk} withdrawn." in content
    assert f'id="termination-{pending.pk}"' not in content
    event = pending.events.get(kind=ActionEvent.Kind.WITHDRAWN)
    assert event.reason == "The client withdrew the complaint."


def test_withdrawing_what_is_already_in_effect_is_refused(client, second, freelancer):
    action = make_action(freelancer, restriction_type=Type.PERMANENT_TERMINATION, ends_at=None)
    client.force_login(second)
    response = client.post(_withdraw_url(action), {"reason": "Too late.", **CONFIRM}, follow=True)
    assert "no longer proposed" in response.content.decode()
    action.refresh_from_db()
    assert action.status == EnforcementAction.Status.ACTIVE


# --- What the freelancer sees -----------------------------------------------------------------


def _case(client, freelancer, action) -> str:
    client.force_login(freelancer)
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _standing(client, freelancer) -> str:
    client.force_login(freelancer)
    return client.get(reverse("enforcement:standing")).content.decode()


def test_the_case_page_shows_a_proposed_termination_with_its_earliest_date(
    client, freelancer, pending, settings
):
    content = _case(client, freelancer, pending)
    status = content[
        content.index('id="status-panel"') : content.index('aria-label="On this page"')
    ]
    assert "We propose to terminate your account." in status
    assert "It is not in effect yet." in status
    assert (
        f'It will not take effect before <strong><time datetime="{pending.takes_effect_at:%Y-%m-%d}'
        in status
    )
    assert _shown(pending.takes_effect_at) in status
    assert f"({settings.TERMINATION_NOTICE_DAYS} days' notice)" in status
    assert "only once a second member of our team has confirmed it" in status
    assert 'href="#appeal">appeal</a>' in status
    assert "summary-proposed" in status
    assert "This permanent termination is in effect" not in content
    # They can appeal now: the form is on the page.
    assert f'action="{reverse("appeals:appeal-create", args=[pending.pk])}"' in content


def test_the_date_is_in_the_freelancers_time_zone(client, proposer):
    tokyo = FreelancerFactory(time_zone="Asia/Tokyo")
    action = propose(tokyo, by=proposer)
    content = _case(client, tokyo, action)
    assert _shown(action.takes_effect_at, ZoneInfo("Asia/Tokyo")) in content


def test_under_an_exception_the_freelancer_sees_the_exception_and_its_reason(
    client, freelancer, proposer
):
    action = propose(
        freelancer,
        by=proposer,
        termination_exception=Exception_.REPEATED_INFRINGEMENT,
        termination_exception_reason="This is the fourth off-platform payment since March.",
    )
    content = _case(client, freelancer, action)
    assert "Because of an exception to the usual notice period" in content
    assert "Exception:</strong> Repeated infringement." in content
    assert escape("This is the fourth off-platform payment since March.") in content
    assert "days' notice" not in content


def test_a_confirmed_termination_says_so_without_naming_the_staff_member(
    client, freelancer, pending, second
):
    services.confirm_termination(pending, by=second)
    content = _case(client, freelancer, pending)
    assert "(they did on" in content
    assert "A second member of our team confirmed the proposed termination." in content
    assert "Kim Second" not in content and second.email not in content


def test_a_withdrawn_termination_shows_as_withdrawn(client, freelancer, pending, proposer):
    services.withdraw_termination(pending, by=proposer, reason="The complaint was withdrawn.")
    content = _case(client, freelancer, pending)
    assert "Withdrawn before taking effect" in content
    assert "We withdrew this proposed termination on" in content
    assert "It never took effect and it does not restrict your account." in content
    assert "Never: it was withdrawn" in content
    assert "We propose to terminate your account." not in content


def test_the_standing_page_does_not_count_a_proposed_termination_as_a_restriction(
    client, freelancer, pending
):
    content = _standing(client, freelancer)
    assert "Your account is currently restricted" not in content
    heading = re.search(r'<h2 id="summary-heading">\s*(.*?)\s*</h2>', content).group(1)
    assert heading == "We propose to terminate your account"
    assert "This termination is proposed, not in effect" in content
    assert _shown(pending.takes_effect_at) in content
    assert "You can respond now by appealing." in content
    assert "Proposed, not in effect yet" in content
    assert "summary-proposed" in content


def test_the_standing_page_with_a_restriction_and_a_proposed_termination(
    client, freelancer, pending
):
    make_action(freelancer)
    content = _standing(client, freelancer)
    assert "Your account is currently restricted" in content
    assert "1 action currently restricts your account" in content
    assert "We also propose to terminate your account." in content


def test_the_standing_page_shows_a_withdrawn_termination_as_withdrawn(
    client, freelancer, pending, proposer
):
    services.withdraw_termination(pending, by=proposer, reason="Mistaken identity.")
    content = _standing(client, freelancer)
    assert "No restriction is in effect" in content
    assert "We propose to terminate" not in content
    assert "Withdrawn before taking effect" in content
    assert "Never: it was withdrawn" in content


def test_the_staff_action_page_of_a_pending_termination(client, second, pending):
    client.force_login(second)
    response = client.get(reverse("enforcement:staff-action", args=[pending.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Not confirmed yet" in content
    assert "We propose to terminate your account." in content
    assert "INTERNAL-ONLY" in content  # the factories' internal detail, for staff


def test_the_notice_in_days_follows_the_setting_at_issue_time(
    client, freelancer, proposer, settings
):
    settings.TERMINATION_NOTICE_DAYS = 45
    told = timezone.now() - timedelta(hours=1)
    action = propose(freelancer, by=proposer, notified_at=told, starts_at=told)
    settings.TERMINATION_NOTICE_DAYS = 30
    assert "(45 days' notice)" in _case(client, freelancer, action)
