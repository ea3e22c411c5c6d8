"""The enforcer's journey in a real browser: an enforcer fills the staff issuing form, previews
exactly what the freelancer will read (and not the internal detail), changes something, confirms,
and the freelancer then reads the action; a second enforcer confirms a proposed termination,
which the freelancer reads as proposed, with the dates it may take effect on.

At every step the pages are checked against the database: the action's status, when it started
and ends (typed in the enforcer's zone, shown in the freelancer's), its strikes and until when
they count, the appeal deadline, and for a termination when it may take effect and when it was
confirmed. Every page passes axe and logs no CSP violation."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from enforcement.choices import DecisionAccount, DecisionProvision
from enforcement.models import EnforcementAction, ReasonCode, RuleVersion
from enforcement.templatetags.enforcement_terminations import notice_days
from tests.browser.conftest import (
    assert_no_axe_violations,
    csp_violations,
    expect_day_of,
    expect_moment,
    expect_standing_matches,
    fact,
    page_for_another_person,
    sign_in,
)
from tests.factories import (
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
ENFORCER_ZONE = "Europe/Berlin"
FREELANCER_ZONE = "Europe/Lisbon"


@pytest.fixture
def enforcer(live_server) -> User:
    return EnforcerFactory(
        email="sam@example.test", display_name="Sam Okoro", time_zone=ENFORCER_ZONE
    )


@pytest.fixture
def freelancer(live_server) -> User:
    return FreelancerFactory(
        email="amara@example.test",
        display_name="Amara Okafor",
        marketplace_id="~01c7e4a9b2f35d6e80",
        time_zone=FREELANCER_ZONE,
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
    sign_in(page, enforcer.email)
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
    # Typed in the enforcer's zone, to the minute: the database holds that very instant.
    assert action.ends_at == ends.replace(second=0, microsecond=0)
    assert action.status == EnforcementAction.Status.ACTIVE
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(f"Temporary suspension #{action.pk}")
    expect(heading.locator(".badge")).to_have_text(action.get_status_display())
    expect_moment(fact(page, "Issued").locator("time"), action.created_at, ENFORCER_ZONE)
    expect(fact(page, "Appeal")).to_have_text("None yet")
    # What the freelancer sees, in their zone.
    statement = page.locator(".statement-preview")
    expect_moment(
        statement.locator("#status-panel p").first.locator("time"), action.ends_at, FREELANCER_ZONE
    )
    expect_moment(
        statement.locator("#status-panel strong time"), action.appeal_deadline, FREELANCER_ZONE
    )
    expect_moment(
        fact(statement.locator("#restricted"), "Ends").locator("time"),
        action.ends_at,
        FREELANCER_ZONE,
    )
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []

    # --- The freelancer reads it ---------------------------------------------------------------
    freelancer_errors: list[str] = []
    theirs = page_for_another_person(browser, base_url, freelancer_errors)
    sign_in(theirs, freelancer.email)
    expect(
        theirs.get_by_role("heading", level=2, name="Your account is currently restricted")
    ).to_be_visible()
    expect_standing_matches(theirs, action, FREELANCER_ZONE)
    assert_no_axe_violations(theirs)
    theirs.locator(f'a[href="{action.get_absolute_url()}"]').first.click()
    expect(theirs.locator("#status-panel .badge")).to_have_text(action.get_status_display())
    expect_moment(
        theirs.locator("#status-panel p").first.locator("time"), action.ends_at, FREELANCER_ZONE
    )
    expect_moment(
        theirs.locator("#status-panel strong time"), action.appeal_deadline, FREELANCER_ZONE
    )
    expect(theirs.locator("#facts")).to_contain_text(CHANGED_FACTS)
    expect(theirs.locator("#evidence")).to_contain_text(SUMMARY)
    expect(theirs.locator("#clients")).to_contain_text(NOTICE)
    assert INTERNAL not in theirs.content()
    assert_no_axe_violations(theirs)
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
    second = EnforcerFactory(
        email="kim@example.test", display_name="Kim Second", time_zone=ENFORCER_ZONE
    )

    # The freelancer sees a proposal, not a restriction, with the earliest date it may take
    # effect on, and can respond.
    assert action.status == EnforcementAction.Status.PENDING and action.confirmed_at is None
    freelancer_errors: list[str] = []
    theirs = page_for_another_person(browser, base_url, freelancer_errors)
    sign_in(theirs, freelancer.email)
    expect(theirs.locator("#summary-heading")).to_have_text("We propose to terminate your account")
    expect_moment(
        theirs.locator("#standing-summary .proposed-termination strong time"),
        action.takes_effect_at,
        FREELANCER_ZONE,
    )
    expect_standing_matches(theirs, action, FREELANCER_ZONE)
    assert_no_axe_violations(theirs)
    theirs.locator(f'a[href="{action.get_absolute_url()}"]').first.click()
    status = theirs.locator("#status-panel")
    expect(status.locator(".badge")).to_have_text(action.get_status_display())
    expect(status).to_contain_text("We propose to terminate your account.")
    expect(status).to_contain_text(f"({notice_days(action)} days' notice)")
    expect_moment(status.locator("strong time").first, action.takes_effect_at, FREELANCER_ZONE)
    expect(status).not_to_contain_text("they did on")
    restricted = theirs.locator("#restricted")
    expect(restricted).to_contain_text("What you cannot do once it takes effect")
    expect_moment(
        fact(restricted, "Takes effect").locator("time"), action.takes_effect_at, FREELANCER_ZONE
    )
    expect(theirs.get_by_role("button", name="Send my appeal")).to_be_visible()
    assert_no_axe_violations(theirs)

    # --- A second enforcer confirms it -----------------------------------------------------------
    sign_in(page, second.email)
    page.get_by_role("link", name="Terminations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed terminations")
    card = page.locator(f"#termination-{action.pk}")
    expect(card).to_contain_text("Sam Okoro")
    expect(fact(card, "Confirmation")).to_have_text("Not confirmed yet")
    expect_moment(fact(card, "Takes effect").locator("time"), action.takes_effect_at, ENFORCER_ZONE)
    assert_no_axe_violations(page)

    card.get_by_role(
        "checkbox",
        name=f"I have read the statement of reasons and confirm termination #{action.pk}.",
    ).check()
    card.get_by_role("button", name=f"Confirm termination #{action.pk}").click()
    expect(page.get_by_text(f"Termination #{action.pk} confirmed.")).to_be_visible()
    action.refresh_from_db()
    assert action.confirmed_by == second
    assert action.status == EnforcementAction.Status.PENDING  # its notice period still runs
    card = page.locator(f"#termination-{action.pk}")
    expect(fact(card, "Confirmation")).to_contain_text("Confirmed by Kim Second on")
    expect_moment(fact(card, "Confirmation").locator("time"), action.confirmed_at, ENFORCER_ZONE)
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []

    # --- The freelancer reads it confirmed, and still not in effect ------------------------------
    theirs.reload()
    expect(status.locator(".badge")).to_have_text(action.get_status_display())
    expect_moment(status.locator("strong time").first, action.takes_effect_at, FREELANCER_ZONE)
    expect(status).to_contain_text("they did on")
    expect_day_of(status.locator("time").nth(1), action.confirmed_at, FREELANCER_ZONE)
    assert csp_violations(freelancer_errors) == []
