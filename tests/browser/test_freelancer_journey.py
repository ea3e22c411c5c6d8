"""The demo freelancer signs in, reads a complete statement of reasons, and every page is accessible."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from demo.data import DEMO_FREELANCER, DEMO_PASSWORD
from enforcement.models import EnforcementAction, RuleVersion
from tests.browser.conftest import assert_no_axe_violations, csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", verbosity=0)
    return User.objects.get(email=DEMO_FREELANCER)


def _case_with_funds_held(freelancer: User) -> EnforcementAction:
    return (
        EnforcementAction.objects.for_account(freelancer)
        .restricting()
        .with_statement()
        .filter(funds_held_amount__gt=0)
        .first()
    )


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("email", re.I)).fill(email)
    page.get_by_label(re.compile("^password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()


def test_the_demo_freelancer_reads_the_rule_the_funds_held_and_the_appeal_deadline(
    page: Page, demo: User, console_errors
):
    action = _case_with_funds_held(demo)
    version = action.primary_version()
    local = ZoneInfo(demo.time_zone)

    _sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/standing/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.locator(f'a[href="{action.get_absolute_url()}"]').first.click()
    expect(page).to_have_url(re.compile(rf"{action.get_absolute_url()}$"))

    # The rule, in the exact wording of the cited version, with a link to its public page.
    rule_section = page.locator("#rule")
    expect(rule_section.get_by_role("heading", name="The rule")).to_be_visible()
    expect(rule_section.get_by_role("blockquote").first).to_contain_text(version.text[:80])
    expect(
        rule_section.get_by_role("link", name=re.compile(version.rule.key)).first
    ).to_be_visible()

    # The money held and how it is released.
    funds_section = page.locator("#funds")
    expect(funds_section).to_contain_text(floatformat(action.funds_held_amount, "2g"))
    expect(funds_section).to_contain_text(action.funds_currency)
    expect(funds_section).to_contain_text(action.funds_release_condition[:60])

    # The appeal deadline, as a date in the freelancer's own time zone.
    deadline = date_filter(timezone.localtime(action.appeal_deadline, local), "j F Y")
    expect(page.get_by_text(re.compile(rf"appeal until\s+{deadline}", re.I)).first).to_be_visible()

    # Internal evidence never reaches the freelancer's browser.
    html = page.content()
    for item in action.evidence_items.all():
        if item.internal_detail:
            assert item.internal_detail not in html

    assert csp_violations(console_errors) == []


def test_freelancer_pages_pass_an_accessibility_scan(page: Page, demo: User, console_errors):
    action = _case_with_funds_held(demo)

    page.goto("/accounts/login/")
    assert_no_axe_violations(page)

    _sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/standing/$"))
    assert_no_axe_violations(page)

    page.goto(action.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)

    assert csp_violations(console_errors) == []


def test_public_rule_pages_pass_an_accessibility_scan(page: Page, demo: User, console_errors):
    revised = RuleVersion.objects.published().filter(number__gte=2).select_related("rule").first()

    page.goto("/rules/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name=re.compile(re.escape(revised.rule.key))).first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(revised.rule.get_absolute_url())}$"))
    assert_no_axe_violations(page)

    # A later version shows what changed from the one before it.
    page.goto(revised.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(revised.rule.key)
    assert_no_axe_violations(page)

    assert csp_violations(console_errors) == []


def test_the_pages_load_without_any_browser_error(page: Page, demo: User, console_errors):
    """Beyond CSP: no failed script, style or uncaught exception on the main pages."""
    action = _case_with_funds_held(demo)
    _sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    for url in ("/standing/", action.get_absolute_url(), "/rules/"):
        page.goto(url)
        page.wait_for_load_state("load")
    assert console_errors == []


# --- The checks above can fail --------------------------------------------------------------------


def test_the_accessibility_scan_reports_a_violation(page: Page, live_server):
    page.goto("/rules/")
    page.evaluate(
        """() => {
            const image = document.createElement("img");
            image.src = "/static/vendor/axe/missing.png";
            document.querySelector("main, body").append(image);
        }"""
    )
    with pytest.raises(AssertionError, match="image-alt"):
        assert_no_axe_violations(page)


def test_an_inline_script_is_reported_as_a_csp_violation(page: Page, live_server, console_errors):
    page.goto("/rules/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.title = 'injected'";
            document.body.append(script);
        }"""
    )
    expect(page).not_to_have_title("injected")
    page.wait_for_function("() => true")  # lets the console event reach Python
    assert csp_violations(console_errors) != []
