"""The lead's journey in a real browser: the queue dashboard, then moving an appeal.

The dashboard's figures are checked against counts read from the database (open appeals and
waiting ones per queue, open deadline breaches, what each reviewer holds); the lead reassigns a
held appeal after a confirm step, and the holder changes in the database, on the dashboard and
on the appeal's own page; a release is asked first too, and "No" changes nothing. Every page
passes axe and logs no CSP violation.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from appeals.models import Appeal, AppealClock, Queue
from tests.browser.conftest import assert_no_axe_violations, csp_violations, sign_in
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_queue,
    make_reviewer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _row(page: Page, section: str, name: str):
    """The row of the table in `section` whose header cell is `name`."""
    return page.locator(f"#{section} tbody tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^{re.escape(name)}"))
    )


def _expect_dashboard_matches(page: Page, reviewers: list[User]) -> None:
    """Per queue: open appeals, waiting (unassigned) ones and open breaches, as counted in the
    database; per reviewer: what they hold against their capacity."""
    now = timezone.now()
    for queue in Queue.objects.all():
        open_appeals = Appeal.objects.filter(queue=queue, status__in=Appeal.OPEN_STATUSES)
        waiting = open_appeals.filter(assigned_to__isnull=True)
        breaches = AppealClock.objects.filter(
            appeal__in=open_appeals, stopped_at__isnull=True, due_at__lte=now
        ).count()
        cells = _row(page, "queues", queue.name).locator("td")
        expect(cells.nth(1)).to_have_text(str(open_appeals.count()))
        expect(cells.nth(2)).to_have_text(re.compile(rf"^{waiting.count()}\b"))
        expect(_row(page, "sla", queue.name).locator("td").first).to_have_text(
            f"{breaches} breached" if breaches else "0"
        )
    for reviewer in reviewers:
        held = Appeal.objects.filter(assigned_to=reviewer, status__in=Appeal.HELD_STATUSES).count()
        capacity = reviewer.reviewer_profile.capacity
        expect(_row(page, "reviewers", str(reviewer)).locator("td").first).to_have_text(
            f"{held} / {capacity}"
        )


def test_a_lead_reads_the_dashboard_and_moves_a_held_appeal_after_confirming(
    page: Page, live_server, console_errors: list[str]
):
    payments = make_queue("Payments", priority=5)
    identity = make_queue("Identity", priority=1)
    riley = make_reviewer(queues=[payments, identity], display_name="Riley Chen")
    oscar = make_reviewer(queues=[payments], display_name="Oscar Other")
    lead = LeadFactory(email="lena@example.test", display_name="Lena Novak")
    payments.members.add(lead)
    template = make_action(FreelancerFactory(), decided_by=ReviewerFactory())
    held, _waiting = bulk_queued_appeals(
        2, queue=payments, template=template, status=Appeal.Status.IN_REVIEW
    )
    Appeal.objects.filter(pk=held.pk).update(
        assigned_to=riley,
        claimed_at=timezone.now(),
        lease_expires_at=timezone.now() + timedelta(hours=4),
    )
    late = bulk_queued_appeals(3, queue=identity, template=template)[0]
    # One decision deadline already passed and still running: an open breach in Identity.
    AppealClock.objects.create(
        appeal=late,
        kind=AppealClock.Kind.DECISION,
        started_at=timezone.now() - timedelta(days=10),
        due_at=timezone.now() - timedelta(hours=1),
    )

    # --- The dashboard's figures are the database's ------------------------------------------
    sign_in(page, lead.email)
    page.goto(reverse("appeals:dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue dashboard")
    _expect_dashboard_matches(page, [riley, oscar])
    held_row = _row(page, "held", f"Appeal #{held.pk}")
    expect(held_row.locator("td").first).to_have_text(str(riley))
    expect(held_row.locator("td").nth(2)).to_have_text("In review")
    assert_no_axe_violations(page)

    # --- Reassigning: one menu, then a confirm step; nothing moves before it --------------------
    held_row.get_by_role("button", name=f"Reassign… appeal #{held.pk}", exact=True).click()
    menu = page.get_by_label(f"Reassign appeal #{held.pk} to")
    expect(menu).to_be_visible()
    assert_no_axe_violations(page)
    menu.select_option(str(oscar.pk))
    page.locator("#held").get_by_role(
        "button", name=f"Reassign… appeal #{held.pk}", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Reassign appeal #{held.pk} to {oscar}?"
    )
    expect(page.get_by_text(f"It moves from {riley} to {oscar}")).to_be_visible()
    assert Appeal.objects.get(pk=held.pk).assigned_to == riley
    assert_no_axe_violations(page)
    page.get_by_role("button", name=f"Reassign it to {oscar}").click()

    expect(page.locator("#messages")).to_contain_text(
        f"Appeal #{held.pk} is now assigned to {oscar}."
    )
    assert Appeal.objects.get(pk=held.pk).assigned_to == oscar
    held_row = _row(page, "held", f"Appeal #{held.pk}")
    expect(held_row.locator("td").first).to_have_text(str(oscar))
    _expect_dashboard_matches(page, [riley, oscar])

    # --- The appeal's own page names the new holder -----------------------------------------
    held_row.get_by_role("link", name=f"Appeal #{held.pk}").click()
    expect(page.locator("#claim")).to_contain_text(f"{oscar} holds this appeal.")
    assert_no_axe_violations(page)

    # --- Releasing is asked first too: "No" leaves everything as it was ----------------------
    page.goto(reverse("appeals:dashboard"))
    _row(page, "held", f"Appeal #{held.pk}").get_by_role(
        "button", name=f"Release… appeal #{held.pk}", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Release appeal #{held.pk} to its queue?"
    )
    expect(page.locator("main")).to_contain_text(f"{oscar} stops holding it")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="No, back to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue dashboard")
    assert Appeal.objects.get(pk=held.pk).assigned_to == oscar

    _row(page, "held", f"Appeal #{held.pk}").get_by_role(
        "button", name=f"Release… appeal #{held.pk}", exact=True
    ).click()
    page.get_by_role("button", name="Release it to the queue").click()
    expect(page.locator("#messages")).to_contain_text(
        f"Appeal #{held.pk} is back in its queue (was {oscar})."
    )
    assert Appeal.objects.get(pk=held.pk).assigned_to is None
    expect(_row(page, "held", f"Appeal #{held.pk}")).to_have_count(0)
    _expect_dashboard_matches(page, [riley, oscar])
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []
