"""A lead changes a calendar in the admin and finds the change, before → after, on the audit
page (filtered by object type); accessible (axe) and within the strict CSP."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from appeals.models import Calendar
from tests.browser.conftest import assert_no_axe_violations, csp_violations
from tests.factories import PASSWORD, LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEAD_EMAIL = "lena@example.test"


def test_a_lead_finds_a_calendar_change_on_the_audit_page(page: Page, live_server, console_errors):
    LeadFactory(email=LEAD_EMAIL)
    calendar = Calendar.objects.create(name="Lisbon office", time_zone="Europe/Lisbon")

    page.goto("/accounts/login/")
    page.get_by_label(re.compile("email", re.I)).fill(LEAD_EMAIL)
    page.get_by_label(re.compile("^password", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(reverse("admin:appeals_calendar_change", args=[calendar.pk]))
    page.get_by_label("Time zone").select_option("Atlantic/Azores")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")

    page.goto("/")
    page.get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    page.get_by_label("Object type").select_option("appeals.calendar")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"object_type=appeals.calendar"))

    row = page.get_by_role("row").filter(has_text="config.changed")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(LEAD_EMAIL)
    expect(row.locator(".audit-before")).to_have_text("Europe/Lisbon")
    expect(row.locator(".audit-after")).to_have_text("Atlantic/Azores")
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []
