"""A reviewer claims the next appeal from their queue page; a lead watches it on the dashboard."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from appeals.models import Appeal, Queue
from appeals.operations import claims
from tests.browser.conftest import assert_no_axe_violations, csp_violations
from tests.factories import (
    PASSWORD,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_queue,
    make_reviewer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVIEWER_EMAIL = "riley@example.test"
LEAD_EMAIL = "lena@example.test"


@pytest.fixture
def queue(live_server) -> Queue:
    return make_queue("Payments", priority=5)


@pytest.fixture
def template_action(live_server):
    return make_action(FreelancerFactory(), decided_by=ReviewerFactory())


@pytest.fixture
def reviewer(queue) -> User:
    return make_reviewer(queues=[queue], email=REVIEWER_EMAIL, display_name="Riley Chen")


@pytest.fixture
def waiting_appeal(queue, template_action) -> Appeal:
    """Routed to Payments and unassigned: the one "Claim next" must hand out."""
    [appeal] = bulk_queued_appeals(1, queue=queue, template=template_action)
    return appeal


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("email", re.I)).fill(email)
    page.get_by_label(re.compile("^password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _appeal_link(page: Page, section_id: str, appeal: Appeal):
    return page.locator(f"#{section_id}").get_by_role("link", name=f"Appeal #{appeal.pk}")


def test_a_reviewer_claims_the_next_appeal_and_it_leaves_the_unassigned_list(
    page: Page, reviewer: User, waiting_appeal: Appeal, console_errors
):
    _sign_in(page, REVIEWER_EMAIL)
    page.goto(reverse("appeals:queue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appeal queue")
    expect(_appeal_link(page, "unassigned", waiting_appeal)).to_be_visible()
    expect(_appeal_link(page, "assigned", waiting_appeal)).to_have_count(0)
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Claim next").click()

    review_url = reverse("appeals:review-detail", args=[waiting_appeal.pk])
    expect(page).to_have_url(re.compile(rf"{re.escape(review_url)}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Appeal #{waiting_appeal.pk}")
    expect(page.locator("#messages")).to_contain_text(f"You claimed appeal #{waiting_appeal.pk}")

    page.goto(reverse("appeals:queue"))
    expect(_appeal_link(page, "unassigned", waiting_appeal)).to_have_count(0)
    expect(_appeal_link(page, "assigned", waiting_appeal)).to_be_visible()
    assert Appeal.objects.get(pk=waiting_appeal.pk).assigned_to == reviewer

    assert csp_violations(console_errors) == []


def test_claim_next_with_nothing_left_says_so_in_place(
    page: Page, reviewer: User, queue: Queue, console_errors
):
    _sign_in(page, REVIEWER_EMAIL)
    page.goto(reverse("appeals:queue"))

    page.get_by_role("button", name="Claim next").click()

    expect(page.locator("#claim-panel")).to_contain_text("No appeal in your queues is waiting")
    expect(page).to_have_url(re.compile(r"/staff/queue/$"))
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []


def test_the_counts_refresh_without_reloading_the_page(
    page: Page, reviewer: User, queue: Queue, template_action, console_errors
):
    _sign_in(page, REVIEWER_EMAIL)
    page.goto(reverse("appeals:queue"))
    counts = page.locator("#queue-counts")
    expect(counts).to_contain_text("0 unassigned in your queues")
    page.evaluate("() => { window.stillTheSamePage = true; }")

    bulk_queued_appeals(2, queue=queue, template=template_action)
    # What the 15-second poll does, fired now: the same request, swapped into the same place.
    page.evaluate(
        """() => htmx.ajax("GET", document.getElementById("queue-counts").getAttribute("hx-get"),
                           {target: "#queue-counts", swap: "outerHTML"})"""
    )

    expect(counts).to_contain_text("2 unassigned in your queues")
    assert page.evaluate("() => window.stillTheSamePage") is True
    # The lists come with the counts (issue #12): they never disagree after a poll.
    expect(page.locator("#unassigned").get_by_role("link", name="Appeal #")).to_have_count(2)
    assert csp_violations(console_errors) == []


def test_the_lead_dashboard_shows_the_claim_and_passes_an_accessibility_scan(
    page: Page, reviewer: User, waiting_appeal: Appeal, console_errors
):
    LeadFactory(email=LEAD_EMAIL, display_name="Lena Novak")
    claims.claim_next(reviewer)

    _sign_in(page, LEAD_EMAIL)
    page.goto(reverse("appeals:dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue dashboard")
    expect(_appeal_link(page, "held", waiting_appeal)).to_be_visible()
    assert_no_axe_violations(page)

    page.locator("#held").get_by_role("button", name=f"Release appeal #{waiting_appeal.pk}").click()
    # Releasing cannot be undone: a page of its own asks first (no JavaScript needed).
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Release appeal #{waiting_appeal.pk} to its queue?"
    )
    assert Appeal.objects.get(pk=waiting_appeal.pk).assigned_to == reviewer
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Release it to the queue").click()

    expect(page.locator("#messages")).to_contain_text(f"Appeal #{waiting_appeal.pk} is back")
    expect(_appeal_link(page, "held", waiting_appeal)).to_have_count(0)
    assert Appeal.objects.get(pk=waiting_appeal.pk).assigned_to is None
    assert csp_violations(console_errors) == []


def test_a_lead_opens_one_reassign_menu_and_moves_the_appeal_to_another_reviewer(
    page: Page, reviewer: User, queue: Queue, waiting_appeal: Appeal, console_errors
):
    LeadFactory(email=LEAD_EMAIL, display_name="Lena Novak")
    other = make_reviewer(queues=[queue], display_name="Oscar Other")
    claims.claim_next(reviewer)

    _sign_in(page, LEAD_EMAIL)
    page.goto(reverse("appeals:dashboard"))
    held = page.locator("#held")
    expect(held.locator("select")).to_have_count(0)
    held.get_by_role("button", name=f"Reassign… appeal #{waiting_appeal.pk}").click()

    menu = held.get_by_label(f"Reassign appeal #{waiting_appeal.pk} to")
    expect(menu).to_be_visible()
    expect(held.locator("select")).to_have_count(1)
    assert_no_axe_violations(page)
    menu.select_option(str(other.pk))
    held.get_by_role("button", name=f"Reassign appeal #{waiting_appeal.pk}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Reassign appeal #{waiting_appeal.pk} to {other}?"
    )
    assert Appeal.objects.get(pk=waiting_appeal.pk).assigned_to == reviewer
    page.get_by_role("button", name=f"Reassign it to {other}").click()

    expect(page.locator("#messages")).to_contain_text(f"now assigned to {other}")
    assert Appeal.objects.get(pk=waiting_appeal.pk).assigned_to == other
    assert csp_violations(console_errors) == []
