"""The reviewer's journey in a real browser: from the list of appeals to an overturn.

At every step the test reads the database and checks the workspace says exactly that: the
appeal's status, the SLA deadlines (set by routing, stopped by the first reply, paused while the
freelancer is asked, resumed with a new deadline), the claim and its lease, the action's strikes
and end, and after the decision its date and the lifted action. The freelancer's steps happen
through the services here (their own journey is test_journey_freelancer.py). Every page passes
axe and logs no CSP violation.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import AuditEvent
from appeals import services as appeal_services
from appeals.models import Appeal, AppealClock
from appeals.operations import routing
from enforcement.models import EnforcementAction
from tests.browser.conftest import (
    assert_no_axe_violations,
    csp_violations,
    expect_moment,
    fact,
    shown_day,
    sign_in,
)
from tests.factories import FreelancerFactory, ReviewerFactory, make_action, make_appeal

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
]

ZONE = "America/New_York"  # the reviewer's: neither the server's UTC nor the freelancer's
STATEMENT = "I live and work in Lisbon; my passport is Nigerian and the bank account is my own."
QUESTION = "Could you send a proof of address in Portugal from the last three months?"
ANSWER = "My electricity bill from last month is attached; the address is on it."
INTERNAL_NOTE = "Tax form on file lists a PT address; the IDV country alone proves nothing."
REASONS = "Your residence permit and the tax form on file show that you live in Portugal."


def _staff_label(appeal: Appeal) -> str:
    """The status as staff read it (the freelancer's "Waiting for your answer" reads wrong)."""
    if appeal.status == Appeal.Status.AWAITING_FREELANCER:
        return "Waiting for the freelancer"
    return appeal.get_status_display()


def _clocks(appeal: Appeal) -> tuple[AppealClock, AppealClock]:
    return (
        AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.FIRST_RESPONSE),
        AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.DECISION),
    )


def _expect_workspace_matches(page: Page, appeal: Appeal) -> None:
    """The status, both SLA clocks and the action's strikes and end as the database has them."""
    appeal.refresh_from_db()
    action = EnforcementAction.objects.get(pk=appeal.action_id)
    summary = page.locator("#appeal-status")
    expect(page.locator("#appeal-status-heading .badge")).to_have_text(_staff_label(appeal))
    expect_moment(fact(summary, "Submitted").locator("time"), appeal.submitted_at, ZONE)
    for clock, term in zip(
        _clocks(appeal), ("First reply promised by", "Decision promised by"), strict=True
    ):
        shown = fact(summary, term)
        for label, moment in (
            ("Deadline", clock.due_at),
            ("Stopped", clock.stopped_at),
            ("Paused since", clock.paused_since),
        ):
            small = shown.locator("small", has_text=re.compile(f"^{label} "))
            if moment is None:
                expect(small).to_have_count(0)
            else:
                expect_moment(small.locator("time"), moment, ZONE)
    restricted = page.locator("#restricted")
    expect(page.locator("#case-heading .badge")).to_have_text(action.get_status_display())
    if action.is_lifted():
        expect(fact(restricted, "Strikes")).to_have_text(
            f"None any more: the action was lifted, so its {action.strike_count} strike no "
            "longer counts"
        )
        expect(restricted.locator("dt:text-is('Ends')")).to_have_count(0)
        expect_moment(fact(restricted, "Ended").locator("time"), action.lifted_at(), ZONE)
    else:
        expect(fact(restricted, "Strikes")).to_have_text(
            f"{action.strike_count}, counting until {shown_day(action.strikes_expire_on, ZONE)}"
        )
        expect_moment(fact(restricted, "Ends").locator("time"), action.ends_at, ZONE)
    expect_moment(
        fact(restricted, "Appeal window closes").locator("time"), action.appeal_deadline, ZONE
    )


def test_a_reviewer_claims_asks_reads_the_answer_and_overturns(
    page: Page, live_server, console_errors: list[str]
):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone="Europe/Lisbon")
    action = make_action(freelancer)
    appeal = make_appeal(action, statement=STATEMENT)
    reviewer = ReviewerFactory(
        email="quinn@example.test", display_name="Quinn Reviewer", time_zone=ZONE
    )
    # Routing files it in the general queue, which the reviewer works (no routing profile: it
    # waits there unassigned until someone claims it), and sets its deadlines.
    routing.fallback_queue().members.add(reviewer)
    routing.route_appeal(appeal.pk)

    # --- The list, then the case -----------------------------------------------------------------
    sign_in(page, reviewer.email)
    page.get_by_role("link", name="Appeals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appeals to review")
    assert_no_axe_violations(page)
    page.get_by_role("link", name=f"Appeal #{appeal.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Appeal #{appeal.pk}")
    expect(page.get_by_text(STATEMENT)).to_be_visible()
    expect(fact(page.locator("#appeal-status"), "Original decider")).to_contain_text(
        str(action.decided_by)
    )
    _expect_workspace_matches(page, appeal)
    claim_box = page.locator("#claim")
    expect(claim_box).to_contain_text("Nobody holds this appeal.")
    assert_no_axe_violations(page)

    # --- An internal note needs no claim ---------------------------------------------------------
    page.get_by_label("Internal note (only reviewers see it)").fill(INTERNAL_NOTE)
    page.get_by_role("button", name="Add the internal note").click()
    expect(page.get_by_text("Internal note added.")).to_be_visible()
    assert appeal.messages.get().is_internal

    # --- Claiming: the reviewer holds it, until the lease the database gives --------------------
    claim_box.get_by_role("button", name="Claim this appeal").click()
    expect(page.get_by_text("You hold this appeal now.")).to_be_visible()
    appeal.refresh_from_db()
    assert appeal.assigned_to == reviewer
    expect(claim_box).to_contain_text("You hold this appeal.")
    expect_moment(claim_box.locator("time"), appeal.lease_expires_at, ZONE)
    _expect_workspace_matches(page, appeal)
    assert_no_axe_violations(page)

    # --- Asking: the first reply is in (its clock stops), the decision clock pauses --------------
    page.get_by_label("What do you need from the freelancer?").fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_text("Question sent. The clock pauses until they answer.")).to_be_visible()
    appeal.refresh_from_db()
    first_response, decision = _clocks(appeal)
    assert appeal.status == Appeal.Status.AWAITING_FREELANCER
    assert first_response.stopped_at is not None and decision.paused_since is not None
    _expect_workspace_matches(page, appeal)
    assert_no_axe_violations(page)

    # --- The freelancer answers: the clock runs again, with the deadline moved by the pause -----
    appeal_services.post_message(Appeal.objects.get(pk=appeal.pk), author=freelancer, body=ANSWER)
    page.reload()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_REVIEW
    _expect_workspace_matches(page, appeal)
    expect(fact(page.locator("#appeal-status"), "Decision promised by")).to_contain_text(
        "Paused 1 time while waiting for the freelancer"
    )

    # --- Deciding: irreversible, so refused by the browser until the box is ticked ---------------
    page.get_by_role("radio", name="Overturned: the action is lifted").check()
    page.get_by_label(re.compile("Reasons, written for the freelancer")).fill(REASONS)
    cited = action.primary_version()
    expect(page.get_by_role("checkbox", name=str(cited), exact=True)).to_be_checked()
    page.get_by_role("button", name="Record the decision").click()
    confirm = page.get_by_role("checkbox", name=re.compile("^I have checked the outcome"))
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    assert Appeal.objects.get(pk=appeal.pk).is_open()
    confirm.check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded and the freelancer notified.")).to_be_visible()

    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decided_by) == (
        Appeal.Status.DECIDED,
        Appeal.Outcome.OVERTURNED,
        reviewer,
    )
    assert EnforcementAction.objects.get(pk=action.pk).status == EnforcementAction.Status.LIFTED
    decided = page.locator("#appeal-decision")
    expect(decided.get_by_role("heading", level=2)).to_have_text(
        f"Decision: {appeal.get_outcome_display()}"
    )
    expect(decided).to_contain_text(f"Decided by {reviewer} on")
    expect_moment(decided.locator("p time").first, appeal.decided_at, ZONE)
    _expect_workspace_matches(page, appeal)
    expect(page.locator("#review-work")).to_contain_text(
        "This appeal is decided: nothing more can be sent or decided."
    )
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []


def test_the_original_decider_gets_a_404_for_the_appeal_against_their_decision(
    page: Page, live_server, console_errors: list[str]
):
    decider = ReviewerFactory(email="sam@example.test")
    appeal = make_appeal(make_action(FreelancerFactory(), decided_by=decider), statement=STATEMENT)
    routing.fallback_queue().members.add(decider)
    routing.route_appeal(appeal.pk)

    sign_in(page, decider.email)
    response = page.goto(reverse("appeals:review-detail", args=[appeal.pk]))

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(STATEMENT)).to_have_count(0)
    assert AuditEvent.objects.filter(
        verb="appeal.decider_refused", actor=decider, object_id=str(appeal.pk)
    ).exists()
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []
