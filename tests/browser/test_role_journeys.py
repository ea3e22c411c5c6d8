"""The journeys not covered elsewhere, in a real browser: the approver of a second review, the
admin publishing a rule version through its preview, and the freelancer on a 390 px phone.

(The freelancer and reviewer: test_appeal_journey.py and test_freelancer_journey.py; the enforcer
and the second enforcer: test_issue_action.py; the lead: test_claim_next.py; the client
correction: test_client_correction.py.) Every step checks what the page says against the
database, and every page passes axe.
"""

import re
from datetime import datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from appeals import services as appeal_services
from appeals.models import Appeal
from enforcement.models import EnforcementAction, RuleVersion
from enforcement.services import draft_rule_version
from tests.browser.conftest import (
    assert_no_axe_violations,
    collect_console_errors,
    csp_violations,
    page_for_another_person,
)
from tests.browser.test_freelancer_journey import _sign_in
from tests.factories import (
    PASSWORD,
    AdminFactory,
    FreelancerFactory,
    ReviewerFactory,
    make_action,
    make_appeal,
    published_version,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
]

REASONS = "The bank statement you sent does not match the contract; the termination stands."


def _time(locator) -> datetime:
    return datetime.fromisoformat(locator.get_attribute("datetime"))


def test_an_approver_approves_a_proposed_decision_that_the_freelancer_then_reads(
    page: Page, browser: Browser, base_url, console_errors
):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone="Europe/Berlin")
    action = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    proposer = ReviewerFactory(display_name="Riley Proposer")
    appeal = make_appeal(action, claimed_by=proposer)
    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(action.cited_versions.all()),
        decided_by=proposer,
    )
    approver = ReviewerFactory(email="alex@example.test", display_name="Alex Approver")

    # The approver opens the proposal from the list of appeals.
    _sign_in(page, approver.email, PASSWORD)
    page.get_by_role("link", name="Appeals", exact=True).click()
    page.get_by_role("link", name=f"Appeal #{appeal.pk}").click()
    expect(page.get_by_role("heading", name="Second review", exact=True)).to_be_visible()
    expect(page.locator("#appeal-status-heading")).to_contain_text("second review")
    expect(page.get_by_text(REASONS).first).to_be_visible()
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.SECOND_REVIEW
    assert_no_axe_violations(page)

    # Approving is irreversible: refused by the browser until the box is ticked.
    page.get_by_role("button", name="Approve the decision").click()
    confirm = page.get_by_role("checkbox", name=re.compile("^I have read the proposed decision"))
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.SECOND_REVIEW
    confirm.check()
    page.get_by_role("button", name="Approve the decision").click()
    expect(page.get_by_text("Decision approved; it is final.")).to_be_visible()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.approved_by, appeal.outcome) == (
        Appeal.Status.DECIDED,
        approver,
        Appeal.Outcome.UPHELD,
    )
    assert_no_axe_violations(page)

    # The freelancer reads the final decision, dated when it became final, in their time zone.
    errors: list[str] = []
    own = page_for_another_person(browser, base_url, errors)
    _sign_in(own, freelancer.email, PASSWORD)
    own.goto(action.get_absolute_url())
    panel = own.locator("#appeal")
    expect(panel).to_contain_text("Your appeal was decided.")
    expect(panel).to_contain_text(REASONS)
    decided = panel.locator("dt:text-is('Decided') + dd time")
    assert _time(decided) == appeal.decided_at
    expect(decided).to_contain_text("CET")
    expect(panel.locator(".timeline")).to_contain_text("Second reviewer approved the decision.")
    assert_no_axe_violations(own)
    assert csp_violations(console_errors + errors) == []


def test_an_admin_previews_the_public_diff_then_publishes_a_rule_version(
    page: Page, live_server, console_errors
):
    current = published_version(text="Freelancers must not take payment outside the marketplace.")
    draft = draft_rule_version(
        current.rule,
        # Typed in a Windows browser: the stored text has LF line endings, so the public diff
        # shows only the words that changed.
        text="Freelancers must not ask for or take payment outside the marketplace.",
        change_summary="Asking for it counts too.",
        drafted_by=None,
    )
    admin = AdminFactory(email="ada@example.test")

    _sign_in(page, admin.email, PASSWORD)
    page.goto("/admin/enforcement/ruleversion/")
    page.locator(f'input[name="_selected_action"][value="{draft.pk}"]').check()
    page.get_by_label("Action:").select_option("publish")
    page.get_by_role("button", name="Run").click()

    expect(page.get_by_role("heading", level=2)).to_contain_text(
        f"version {current.number + 1} (replaces version {current.number})"
    )
    expect(page.locator(".publish-preview ins").first).to_contain_text("ask")
    assert not RuleVersion.objects.get(pk=draft.pk).is_published
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Publish 1 version").click()
    assert not RuleVersion.objects.get(pk=draft.pk).is_published  # the box is required
    page.get_by_label(re.compile("^I have checked what the public catalogue will show")).check()
    page.get_by_role("button", name="Publish 1 version").click()
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"Published {current.rule.key} v{current.number + 1}"
    )
    published = RuleVersion.objects.get(pk=draft.pk)
    assert published.number == current.number + 1

    page.goto(published.get_absolute_url())
    expect(page.locator(".diff ins").first).to_contain_text("ask for or")
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []


def test_the_freelancer_journey_on_a_390_px_phone(browser: Browser, base_url, live_server):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone="Europe/Lisbon")
    action = make_action(freelancer)
    context = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    errors = collect_console_errors(phone, [])

    def no_horizontal_scroll() -> None:
        widths = phone.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{phone.url} scrolls sideways: {widths}"

    _sign_in(phone, freelancer.email, PASSWORD)
    expect(phone).to_have_url(re.compile(r"/standing/$"))
    card = phone.locator(f"#action-{action.pk}-heading")
    expect(card).to_be_visible()
    expect(phone.locator("main")).to_contain_text(f"{action.strike_count}, counting until")
    no_horizontal_scroll()
    assert_no_axe_violations(phone)

    phone.goto(action.get_absolute_url())
    no_horizontal_scroll()
    # The deadline and the strikes on the page are the database's.
    deadline = phone.locator("strong time").first
    expect(deadline.locator("xpath=ancestor::p[1]")).to_contain_text("You can appeal until")
    assert _time(deadline) == action.appeal_deadline
    ends = phone.locator("time").filter(has_text=re.compile("WET|WEST")).first
    expect(ends).to_be_visible()
    assert_no_axe_violations(phone)

    # The appeal is reachable from the top of the page and fits the screen.
    phone.get_by_role("link", name="Appeal this decision").click()
    form = phone.locator("#appeal-form")
    form.get_by_label(re.compile("Why is this decision wrong")).fill("I was paid on the platform.")
    form.get_by_label("Lift the action completely").check()
    form.get_by_label("Correct the facts on record and what clients were told").check()
    no_horizontal_scroll()
    form.get_by_role("button", name="Send my appeal").click()
    expect(phone.get_by_text("We received your appeal.")).to_be_visible()
    appeal = Appeal.objects.get(action=action)
    assert appeal.requested_outcomes == ["lift", "correct_record"]
    # Not routed yet (no worker here): no deadline is promised before it is final.
    assert appeal.routed_at is None
    facts = phone.locator("#appeal-facts")
    expect(facts).to_contain_text("Being set: we are assigning your appeal to a reviewer.")
    assert facts.locator("dt:text-is('We will reply by') + dd time").count() == 0
    no_horizontal_scroll()
    assert_no_axe_violations(phone)

    # Withdrawing is reachable on the phone too, and needs the tick box.
    phone.get_by_text("Withdraw my appeal", exact=True).click()
    phone.get_by_label(re.compile("^I understand that I cannot appeal")).check()
    phone.get_by_role("button", name="Yes, withdraw my appeal").click()
    expect(phone.get_by_text("Your appeal was withdrawn.")).to_be_visible()
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.WITHDRAWN
    no_horizontal_scroll()
    assert_no_axe_violations(phone)
    assert csp_violations(errors) == []
    context.close()
