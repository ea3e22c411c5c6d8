"""The freelancer sees when to expect a reply and a decision, in their own time zone."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from appeals.models import AppealClock
from appeals.operations import routing
from tests.browser.conftest import assert_no_axe_violations, csp_violations, sign_in
from tests.factories import PASSWORD, FreelancerFactory, make_action, make_appeal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 22:30 UTC on Friday 15 January is 09:30 on Saturday the 16th in Sydney (AEDT, UTC+11).
DECISION_DUE = datetime(2027, 1, 15, 22, 30, tzinfo=UTC)
REPLY_DUE = datetime(2027, 1, 14, 23, 0, tzinfo=UTC)


def test_the_case_page_shows_the_expected_decision_in_the_freelancers_time_zone(
    page: Page, live_server, console_errors, celery_in_memory
):
    freelancer = FreelancerFactory(email="mia@example.test", time_zone="Australia/Sydney")
    action = make_action(freelancer)
    appeal = make_appeal(action)
    routing.route_appeal(appeal.pk)
    clocks = AppealClock.objects.filter(appeal=appeal)
    clocks.filter(kind=AppealClock.Kind.DECISION).update(due_at=DECISION_DUE)
    clocks.filter(kind=AppealClock.Kind.FIRST_RESPONSE).update(due_at=REPLY_DUE)

    sign_in(page, freelancer.email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/standing/")
    page.goto(action.get_absolute_url())

    decision = page.locator("#appeal dt:text-is('Decision expected by') + dd time")
    # One format for every date (issue #12).
    expect(decision).to_have_text("16 January 2027, 09:30 AEDT")
    expect(decision).to_have_attribute("datetime", "2027-01-16T09:30:00+11:00")
    reply = page.locator("#appeal dt:text-is('We will reply by') + dd time")
    expect(reply).to_have_text("15 January 2027, 10:00 AEDT")

    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []
