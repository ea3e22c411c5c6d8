"""The checks every browser journey relies on can fail: axe reports a violation, and an inline
script is reported as a Content-Security-Policy violation."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations, csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
