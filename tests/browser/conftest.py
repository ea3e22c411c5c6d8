"""Playwright on Debian's chromium against pytest-django's live server.

Playwright's own browser download does not work here (no network but the package registries),
so pytest-playwright's fixtures launch the system chromium instead. Its sync API runs an event
loop in the test thread, which makes Django refuse ORM calls there unless async-unsafe calls are
allowed; the live server itself runs in its own thread as usual.
"""

import os
import shutil
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# Served by the live server like any static file, so `script-src 'self'` allows it: the scan runs
# under the page's real Content-Security-Policy (no bypass).
AXE_SCRIPT = "/static/vendor/axe/axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    if chromium is None:
        raise pytest.UsageError(
            "Browser tests need Debian's chromium: apt-get install chromium (scripts/test.sh "
            "installs it when run as root)."
        )
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(_static_files_from_source, django_db_setup, live_server) -> str:
    """pytest-playwright's pages resolve relative URLs against the live server.

    pytest-base-url asks for this at the very start of the session, so it names what the live
    server needs first: the test database and the static-files settings its handler is built with.
    """
    return live_server.url


def collect_console_errors(page: Page, errors: list[str]) -> list[str]:
    """Append the page's console errors and uncaught exceptions (CSP violations show up here)
    to `errors`."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page (CSP violations show up here)."""
    return collect_console_errors(page, [])


def page_for_another_person(browser: Browser, base_url: str, errors: list[str]) -> Page:
    """A page in its own browser context: a second person with their own session."""
    page = browser.new_context(base_url=base_url).new_page()
    collect_console_errors(page, errors)
    return page


def csp_violations(errors: list[str]) -> list[str]:
    return [error for error in errors if "Content Security Policy" in error]


def assert_no_axe_violations(page: Page) -> None:
    """Run axe-core (vendored in tests/browser/static/vendor/axe, served in tests only) on the
    current page: 0 violations."""
    page.add_script_tag(url=urljoin(page.url, AXE_SCRIPT))
    results = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }"""
    )
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(f"    {n}" for n in v["nodes"])
        for v in results
    )
    assert results == [], f"axe found {len(results)} violation(s) on {page.url}:\n{report}"
