"""The approver's journey in a real browser: told that a second review waits, they open the
proposal from their inbox, approve it after ticking the box, and the freelancer reads the final
decision.

At every step the pages are checked against the database: the appeal's status, who proposed
it, the notification's date, the decision's date once final (when it was approved), and on the
freelancer's side the termination that stays in effect with its strikes. Every page passes axe
and logs no CSP violation.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from appeals import services as appeal_services
from appeals.models import Appeal
from enforcement.models import EnforcementAction
from notifications.models import Notification
from tests.browser.conftest import (
    assert_no_axe_violations,
    csp_violations,
    expect_moment,
    expect_standing_matches,
    fact,
    page_for_another_person,
    sign_in,
)
from tests.factories import FreelancerFactory, ReviewerFactory, make_action, make_appeal

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
]

REASONS = "The bank statement you sent does not match the contract; the termination stands."
APPROVER_ZONE = "America/New_York"
FREELANCER_ZONE = "Europe/Berlin"


def test_an_approver_told_of_a_waiting_second_review_approves_it_and_the_freelancer_reads_it(
    page: Page, browser: Browser, base_url, console_errors
):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone=FREELANCER_ZONE)
    action = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    proposer = ReviewerFactory(display_name="Riley Proposer")
    approver = ReviewerFactory(
        email="alex@example.test", display_name="Alex Approver", time_zone=APPROVER_ZONE
    )
    appeal = make_appeal(action, claimed_by=proposer)
    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(action.cited_versions.all()),
        decided_by=proposer,
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_at) == (Appeal.Status.SECOND_REVIEW, None)
    told = Notification.objects.get(
        recipient=approver, appeal=appeal, kind=Notification.Kind.APPROVAL_WAITING
    )

    # --- Told in the inbox, the approver opens the proposal from there ---------------------------
    sign_in(page, approver.email)
    page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    page.get_by_role("link", name=told.subject).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(told.subject)
    expect_moment(page.locator("article p.muted time"), told.created_at, APPROVER_ZONE)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Open and mark as read").click()

    expect(page.get_by_role("heading", name="Second review", exact=True)).to_be_visible()
    expect(page.locator("#appeal-status-heading .badge")).to_have_text(appeal.get_status_display())
    proposal = page.locator("#appeal-decision")
    expect(proposal.get_by_role("heading", level=2)).to_have_text(
        f"Proposed decision, under second review: {appeal.get_outcome_display()}"
    )
    expect(proposal).to_contain_text(f"Proposed by {proposer}.")
    expect(proposal).to_contain_text(REASONS)
    expect(proposal.locator("time")).to_have_count(0)  # nothing is decided yet
    assert_no_axe_violations(page)

    # --- Approving is irreversible: refused by the browser until the box is ticked ---------------
    page.get_by_role("button", name="Approve the decision").click()
    confirm = page.get_by_role("checkbox", name=re.compile("^I have read the proposed decision"))
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.SECOND_REVIEW
    confirm.check()
    page.get_by_role("button", name="Approve the decision").click()
    expect(page.get_by_text("Decision approved; it is final.")).to_be_visible()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.approved_by, appeal.outcome) == (
        Appeal.Status.DECIDED,
        approver,
        Appeal.Outcome.UPHELD,
    )
    expect(page.locator("#appeal-status-heading .badge")).to_have_text(appeal.get_status_display())
    decided = page.locator("#appeal-decision")
    expect(decided.get_by_role("heading", level=2)).to_have_text(
        f"Decision: {appeal.get_outcome_display()}"
    )
    expect(decided).to_contain_text(f"approved by {approver} in a second review")
    expect_moment(decided.locator("p time").first, appeal.decided_at, APPROVER_ZONE)
    assert_no_axe_violations(page)

    # --- The freelancer reads the final decision, dated when it became final --------------------
    errors: list[str] = []
    own = page_for_another_person(browser, base_url, errors)
    sign_in(own, freelancer.email)
    action = EnforcementAction.objects.get(pk=action.pk)
    assert action.status == EnforcementAction.Status.ACTIVE  # upheld: it stays in effect
    expect_standing_matches(own, action, FREELANCER_ZONE)
    assert_no_axe_violations(own)
    own.goto(action.get_absolute_url())
    panel = own.locator("#appeal")
    expect(panel).to_contain_text("Your appeal was decided.")
    expect(panel.locator(".appeal-status .badge")).to_have_text(appeal.get_status_display())
    expect(panel).to_contain_text(REASONS)
    expect_moment(fact(panel, "Decided").locator("time"), appeal.decided_at, FREELANCER_ZONE)
    expect(fact(panel, "The action").locator(".badge")).to_have_text(action.get_status_display())
    expect(panel.locator(".timeline")).to_contain_text("Second reviewer approved the decision.")
    expect(own.locator("#status-panel .badge")).to_have_text(action.get_status_display())
    assert_no_axe_violations(own)
    assert csp_violations(console_errors + errors) == []
