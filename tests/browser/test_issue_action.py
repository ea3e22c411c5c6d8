"""Issue #6 in a real browser: an enforcer fills the staff issuing form, previews exactly what the
freelancer will read (and not the internal detail), changes something, confirms, and the
freelancer then reads the action. A second enforcer confirms a proposed termination. The form,
the preview and the terminations page pass an accessibility scan."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from enforcement.choices import DecisionAccount, DecisionProvision
from enforcement.models import EnforcementAction, ReasonCode, RuleVersion
from tests.browser.conftest import assert_no_axe_violations, csp_violations, page_for_another_person
from tests.browser.test_freelancer_journey import _sign_in
from tests.factories import (
    PASSWORD,
    EnforcerFactory,
    FreelancerFactory,
    ReasonCodeFactory,
    make_action,
    published_version,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server queues emails and webhook deliveries after commit: in memory here.
    pytest.mark.usefixtures("celery_in_memory"),
]

FACTS = (
    "On 3 May you asked a client, in the marketplace's messages, to pay you by bank transfer "
    "for the logo project."
)
CHANGED_FACTS = FACTS + " The client reported the message the same day."
SUMMARY = "Your message of 3 May asks the client to pay by bank transfer."
INTERNAL = "INTERNAL-ONLY detector pay-v7 score 0.97, message id 88121"
NOTICE = "This freelancer cannot take new work for the moment."


@pytest.fixture
def enforcer(live_server) -> User:
    return EnforcerFactory(email="sam@example.test", display_name="Sam Okoro")


@pytest.fixture
def freelancer(live_server) -> User:
    return FreelancerFactory(
        email="amara@example.test",
        display_name="Amara Okafor",
        marketplace_id="~01c7e4a9b2f35d6e80",
        time_zone="Europe/Lisbon",
    )


@pytest.fixture
def version(live_server) -> RuleVersion:
    published_version()  # another rule, so that the reason codes come in groups
    return published_version(text="Pay and get paid for marketplace work only through it.")


@pytest.fixture
def reason_code(version) -> ReasonCode:
    ReasonCodeFactory(rule=RuleVersion.objects.exclude(pk=version.pk).get().rule)
    return ReasonCodeFactory(
        rule=version.rule, code="off-platform-payment", title="Payment outside the marketplace"
    )


def _local_input(dt, zone: str) -> str:
    return timezone.localtime(dt, ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def test_an_enforcer_previews_and_issues_an_action_that_the_freelancer_then_reads(
    page: Page,
    browser: Browser,
    base_url: str,
    enforcer: User,
    freelancer: User,
    version: RuleVersion,
    reason_code: ReasonCode,
    console_errors: list[str],
):
    _sign_in(page, enforcer.email, PASSWORD)
    page.get_by_role("link", name="Issue action", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue an enforcement action")
    assert_no_axe_violations(page)

    # --- The form ---------------------------------------------------------------------------
    page.get_by_label("Freelancer account").fill(freelancer.marketplace_id)
    page.get_by_label("Restriction:", exact=True).select_option("temporary_suspension")
    # The usual DSA values of a suspension are filled in by the form's script.
    expect(page.get_by_label("Account:", exact=True)).to_have_value(DecisionAccount.SUSPENDED)
    expect(page.get_by_label("Use of the marketplace")).to_have_value(
        DecisionProvision.TOTAL_SUSPENSION
    )
    expect(page.get_by_role("checkbox", name="Sending proposals")).to_be_checked()
    # The notice-period exception only concerns terminations.
    expect(page.locator("#termination-fields")).to_be_hidden()
    ends = timezone.now() + timedelta(days=14)
    page.get_by_label("Ends (optional)").fill(_local_input(ends, enforcer.time_zone))

    # Choosing the reason code ticks the version of its rule.
    version_box = page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(version.rule.key)} "))
    expect(version_box).not_to_be_checked()
    page.get_by_label("Reason code").select_option(
        label=f"{reason_code.title} ({reason_code.code})"
    )
    expect(version_box).to_be_checked()

    page.get_by_label("Facts and circumstances").fill(FACTS)
    page.get_by_label("Kind of signal").select_option("messages")
    page.get_by_label("Summary the freelancer sees").fill(SUMMARY)
    page.get_by_label("Internal detail (staff only, never shown to the freelancer)").fill(INTERNAL)
    page.get_by_role("radio", name="No", exact=True).check()
    page.get_by_label("How it came to our attention").select_option("SOURCE_ARTICLE_16")

    # A client notice row is added by the server (it works without the script too).
    page.get_by_role("button", name="Add a client notice").click()
    expect(page.get_by_label("Client:", exact=True)).to_be_visible()
    expect(page.get_by_label("Facts and circumstances")).to_have_value(FACTS)
    page.get_by_label("Client:", exact=True).fill("Northwind Studio")
    page.get_by_label("Exact text the client was shown").fill(NOTICE)
    page.get_by_label("Shown at").fill(
        _local_input(timezone.now() - timedelta(hours=1), enforcer.time_zone)
    )

    # --- The preview: the freelancer's statement, nothing written ----------------------------
    page.get_by_role("button", name="Preview what the freelancer will see").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Preview: what Amara Okafor will see")
    statement = page.locator(".statement-preview")
    expect(statement.locator("#facts")).to_contain_text(FACTS)
    expect(statement.locator("#evidence")).to_contain_text(SUMMARY)
    expect(statement.locator("#clients")).to_contain_text(NOTICE)
    expect(statement.locator("#rule blockquote")).to_contain_text(version.text)
    expect(statement.locator("#reason")).to_contain_text(reason_code.explanation)
    expect(statement.locator("#status-panel")).to_contain_text(
        "This temporary suspension is in effect"
    )
    expect(page.get_by_text("Europe/Lisbon").first).to_be_visible()
    assert INTERNAL not in page.content()
    assert EnforcementAction.objects.count() == 0
    assert_no_axe_violations(page)

    # --- Change, then preview again -----------------------------------------------------------
    page.get_by_role("button", name="Change").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue an enforcement action")
    expect(page.get_by_label("Facts and circumstances")).to_have_value(FACTS)
    page.get_by_label("Facts and circumstances").fill(CHANGED_FACTS)
    page.get_by_role("button", name="Preview what the freelancer will see").click()
    expect(page.locator(".statement-preview #facts")).to_contain_text(CHANGED_FACTS)

    # --- Confirm --------------------------------------------------------------------------------
    page.get_by_role("button", name="Confirm and issue").first.click()
    expect(
        page.get_by_text(re.compile(r"Action #\d+ issued\. The freelancer was notified\."))
    ).to_be_visible()
    action = EnforcementAction.objects.get()
    assert (action.account, action.decided_by, action.facts) == (
        freelancer,
        enforcer,
        CHANGED_FACTS,
    )
    assert action.evidence_items.get().internal_detail == INTERNAL
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Temporary suspension #{action.pk}"
    )
    assert csp_violations(console_errors) == []

    # --- The freelancer reads it ---------------------------------------------------------------
    freelancer_errors: list[str] = []
    theirs = page_for_another_person(browser, base_url, freelancer_errors)
    _sign_in(theirs, freelancer.email, PASSWORD)
    expect(
        theirs.get_by_role("heading", level=2, name="Your account is currently restricted")
    ).to_be_visible()
    theirs.locator(f'a[href="{action.get_absolute_url()}"]').first.click()
    expect(theirs.locator("#facts")).to_contain_text(CHANGED_FACTS)
    expect(theirs.locator("#evidence")).to_contain_text(SUMMARY)
    expect(theirs.locator("#clients")).to_contain_text(NOTICE)
    assert INTERNAL not in theirs.content()
    assert csp_violations(freelancer_errors) == []


def test_a_second_enforcer_confirms_a_proposed_termination_that_the_freelancer_sees_as_proposed(
    page: Page,
    browser: Browser,
    base_url: str,
    enforcer: User,
    freelancer: User,
    version: RuleVersion,
    reason_code: ReasonCode,
    console_errors: list[str],
):
    action = make_action(
        freelancer,
        version=version,
        reason_code=reason_code,
        decided_by=enforcer,
        in_effect=False,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    second = EnforcerFactory(email="kim@example.test", display_name="Kim Second")

    # The freelancer sees a proposal, not a restriction, and can respond.
    freelancer_errors: list[str] = []
    theirs = page_for_another_person(browser, base_url, freelancer_errors)
    _sign_in(theirs, freelancer.email, PASSWORD)
    expect(theirs.locator("#summary-heading")).to_have_text("We propose to terminate your account")
    assert_no_axe_violations(theirs)
    theirs.locator(f'a[href="{action.get_absolute_url()}"]').first.click()
    status = theirs.locator("#status-panel")
    expect(status).to_contain_text("We propose to terminate your account.")
    expect(status).to_contain_text("days' notice")
    expect(theirs.get_by_role("button", name="Send my appeal")).to_be_visible()
    assert_no_axe_violations(theirs)
    assert csp_violations(freelancer_errors) == []

    _sign_in(page, second.email, PASSWORD)
    page.get_by_role("link", name="Terminations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed terminations")
    card = page.locator(f"#termination-{action.pk}")
    expect(card).to_contain_text("Sam Okoro")
    expect(card).to_contain_text("Not confirmed yet")
    assert_no_axe_violations(page)

    card.get_by_role(
        "checkbox",
        name=f"I have read the statement of reasons and confirm termination #{action.pk}.",
    ).check()
    card.get_by_role("button", name=f"Confirm termination #{action.pk}").click()
    expect(page.get_by_text(f"Termination #{action.pk} confirmed.")).to_be_visible()
    expect(page.locator(f"#termination-{action.pk}")).to_contain_text("Confirmed by Kim Second")
    action.refresh_from_db()
    assert action.confirmed_by == second
    assert action.status == EnforcementAction.Status.PENDING  # its notice period still runs
    assert csp_violations(console_errors) == []
