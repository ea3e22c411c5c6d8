"""A reviewer claims the next appeal from their queue page, and its counts and lists refresh in
place. (The lead's dashboard: test_journey_lead.py.)"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from appeals.models import Appeal, Queue
from tests.browser.conftest import assert_no_axe_violations, csp_violations, sign_in
from tests.factories import (
    FreelancerFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_queue,
    make_reviewer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVIEWER_EMAIL = "riley@example.test"


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


def _appeal_link(page: Page, section_id: str, appeal: Appeal):
    return page.locator(f"#{section_id}").get_by_role("link", name=f"Appeal #{appeal.pk}")


def test_a_reviewer_claims_the_next_appeal_and_it_leaves_the_unassigned_list(
    page: Page, reviewer: User, waiting_appeal: Appeal, console_errors
):
    sign_in(page, REVIEWER_EMAIL)
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
    sign_in(page, REVIEWER_EMAIL)
    page.goto(reverse("appeals:queue"))

    page.get_by_role("button", name="Claim next").click()

    expect(page.locator("#claim-panel")).to_contain_text("No appeal in your queues is waiting")
    expect(page).to_have_url(re.compile(r"/staff/queue/$"))
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []


def test_the_counts_refresh_without_reloading_the_page(
    page: Page, reviewer: User, queue: Queue, template_action, console_errors
):
    sign_in(page, REVIEWER_EMAIL)
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
