"""Anyone, signed out, reads the public rule catalogue: the list, a rule with its versions, and a
later version with what changed from the one before it. Every page passes axe and the browser
logs no error. (The transparency report: test_transparency_report.py.)"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations
from tests.factories import published_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_visitor_reads_the_rule_catalogue_and_what_changed(
    page: Page, live_server, console_errors
):
    first = published_version(text="Freelancers must not take payment outside the marketplace.")
    revised = published_version(
        first.rule,
        text="Freelancers must not ask for or take payment outside the marketplace.",
        change_summary="Asking for it counts too.",
    )

    page.goto("/rules/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name=re.compile(re.escape(revised.rule.key))).first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(revised.rule.get_absolute_url())}$"))
    assert_no_axe_violations(page)

    # A later version shows what changed from the one before it.
    page.goto(revised.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(revised.rule.key)
    expect(page.locator(".diff ins").first).to_contain_text("ask for or")
    assert_no_axe_violations(page)
    assert console_errors == []
