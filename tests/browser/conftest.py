"""Playwright on Debian's chromium against pytest-django's live server.

Playwright's own browser download does not work here (no network but the package registries),
so pytest-playwright's fixtures launch the system chromium instead. Its sync API runs an event
loop in the test thread, which makes Django refuse ORM calls there unless async-unsafe calls are
allowed; the live server itself runs in its own thread as usual.
"""

import os
import re
import shutil
from datetime import date, datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from appeals.models import Appeal
from enforcement.models import EnforcementAction
from infra.dates import format_day, format_when
from tests.factories import PASSWORD

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


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, as a person does, and wait until it is done."""
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("email", re.I)).fill(email)
    page.get_by_label(re.compile("^password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    # Signed in once the sign-in page is left (the next page may be in the person's language).
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def expect_moment(time: Locator, moment: datetime, zone: str) -> None:
    """A `<time>` element shows `moment`: its `datetime` attribute is that very instant, and its
    text is the instant in the viewer's zone, in the one format of every page (`when`)."""
    expect(time).to_have_text(format_when(moment, ZoneInfo(zone)))
    assert datetime.fromisoformat(time.get_attribute("datetime")) == moment


def expect_day(time: Locator, day: date) -> None:
    """A `<time>` element shows the calendar day `day` (`day`)."""
    expect(time).to_have_text(format_day(day))
    assert date.fromisoformat(time.get_attribute("datetime")) == day


def shown_day(day: date | datetime, zone: str) -> str:
    """How a page writes a day (`day` filter) for a viewer in `zone`."""
    return format_day(day, ZoneInfo(zone))


def expect_day_of(time: Locator, moment: datetime, zone: str) -> None:
    """A `<time>` element names the day of `moment` in `zone`, its `datetime` the instant."""
    expect(time).to_have_text(format_day(moment, ZoneInfo(zone)))
    assert datetime.fromisoformat(time.get_attribute("datetime")) == moment


def fact(scope: Page | Locator, term: str) -> Locator:
    """The <dd> right after the <dt> `term` in a list of facts."""
    return scope.locator(f"dt:text-is('{term}') + dd")


def standing_card(page: Page, action) -> Locator:
    return page.locator(f"article[aria-labelledby='action-{action.pk}-heading']")


def expect_standing_matches(page: Page, action, zone: str) -> None:
    """The standing page's summary and the card of `action` say what the database says: its
    status, the strikes that still count and until when, when it started and ends (or was
    lifted), and the appeal's status or until when one can be filed."""
    action = EnforcementAction.objects.get(pk=action.pk)
    actions = EnforcementAction.objects.filter(account_id=action.account_id)
    today = timezone.localdate()
    card = standing_card(page, action)
    expect(card.locator("h3 .badge")).to_have_text(action.get_status_display())
    expect(page.locator("#standing-summary")).to_contain_text(
        f"Strikes that still count: {sum(a.active_strike_count(today) for a in actions)}."
    )
    strikes = fact(card, "Strikes")
    if not action.strike_count:
        expect(strikes).to_have_text("None")
    elif action.strikes_lapsed():
        expect(strikes).to_have_text(
            f"None any more: the action was lifted, so its {action.strike_count} strike no "
            "longer counts"
        )
    elif action.is_pending():
        expect(strikes).to_have_text(f"{action.strike_count}, counting only once it takes effect")
    elif action.strikes_expire_on is None:
        expect(strikes).to_have_text(str(action.strike_count))
    else:
        expect(strikes).to_have_text(
            f"{action.strike_count}, counting until {format_day(action.strikes_expire_on)}"
        )
    if action.is_pending():
        expect_moment(fact(card, "Proposed start").locator("time"), action.took_effect_at(), zone)
        expect(fact(card, "Takes effect")).to_contain_text("Not before")
        expect_moment(fact(card, "Takes effect").locator("time"), action.takes_effect_at, zone)
    else:
        expect_moment(fact(card, "Started").locator("time"), action.took_effect_at(), zone)
    if action.is_lifted():
        expect(card.locator("dt:text-is('Ends')")).to_have_count(0)
        expect_moment(fact(card, "Ended").locator("time"), action.lifted_at(), zone)
    elif action.ends_at is None:
        permanent = (
            action.restriction_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION
        )
        expect(fact(card, "Ends")).to_have_text(
            "No end date: this is permanent" if permanent else "No end date"
        )
    else:
        expect_moment(fact(card, "Ends").locator("time"), action.ends_at, zone)
    appeal = Appeal.objects.filter(action=action).first()
    if appeal is None:
        deadline = format_day(action.appeal_deadline, ZoneInfo(zone))
        expect(fact(card, "Your appeal")).to_have_text(
            re.compile(rf"^None yet: appeal until {deadline}")
        )
    else:
        filed = format_day(appeal.submitted_at, ZoneInfo(zone))
        expect(fact(card, "Your appeal")).to_have_text(
            f"{appeal.get_status_display()}, filed {filed}"
        )
