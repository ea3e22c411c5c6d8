"""The freelancer's journey in a real browser, from reading a suspension to the reversal of it.

At every step the test reads the database and checks that the page says exactly that: the
action's status, its start and end, its strikes and until when they count, the appeal's status,
the deadlines of the SLA clocks (none before routing has made them final), the question's pause,
the decision's date and what a lifted action no longer does. The reviewer's steps happen through
the services here (their own journey is test_journey_reviewer.py). Every page passes axe, and the
browser logs no error at all (no CSP violation either). The same journey on a 390 px phone
follows.
"""

import re

import pytest
from django.template.defaultfilters import floatformat
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from appeals import services as appeal_services
from appeals.models import Appeal, AppealClock
from appeals.operations import routing
from enforcement.models import EnforcementAction
from tests.browser.conftest import (
    assert_no_axe_violations,
    collect_console_errors,
    csp_violations,
    expect_day,
    expect_day_of,
    expect_moment,
    expect_standing_matches,
    fact,
    shown_day,
    sign_in,
    standing_card,
)
from tests.factories import FreelancerFactory, make_action, make_reviewer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server queues routing and emails after commit: in memory here; the test routes.
    pytest.mark.usefixtures("celery_in_memory"),
]

ZONE = "Europe/Lisbon"  # not the server's UTC: every time on the page is in this zone
STATEMENT = "I live and work in Lisbon; the bank account abroad is my own. My permit is attached."
QUESTION = "Could you send a proof of address in Portugal from the last three months?"
ANSWER = "My electricity bill from last month is attached to my appeal; here it is in words."
REASONS = "Your residence permit shows that you live in Portugal. We were wrong to suspend you."
BEING_SET = "Being set: we are assigning your appeal to a reviewer."


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded files go to a folder of this test, not the project's var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


@pytest.fixture
def proof_pdf(tmp_path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "residence-permit.pdf"
    with path.open("wb") as file:
        writer.write(file)
    return str(path)


def _clock(appeal: Appeal, kind: str) -> AppealClock:
    return AppealClock.objects.get(appeal=appeal, kind=kind)


def test_a_freelancer_reads_a_suspension_appeals_answers_and_reads_its_reversal(
    page: Page, live_server, proof_pdf: str, console_errors: list[str]
):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone=ZONE)
    action = make_action(freelancer)  # a suspension: ends in 13 days, 1 strike, funds held
    version = action.primary_version()
    notices = list(action.client_notices.all())
    reviewer = make_reviewer(queues=[routing.fallback_queue()], display_name="Quinn Reviewer")

    # --- Sign in: the standing page ------------------------------------------------------------
    page.goto("/accounts/login/")
    assert_no_axe_violations(page)
    sign_in(page, freelancer.email)
    expect(page).to_have_url(re.compile(r"/standing/$"))
    expect(page.locator("#summary-heading")).to_have_text("Your account is currently restricted")
    expect_standing_matches(page, action, ZONE)
    expect(fact(standing_card(page, action), "Funds held")).to_have_text(
        f"{floatformat(action.funds_held_amount, '2g')} {action.funds_currency}, to be released "
        f"on {shown_day(action.funds_release_on, ZONE)}"
    )
    assert_no_axe_violations(page)

    # --- The case page: the statement of reasons ----------------------------------------------
    standing_card(page, action).get_by_role(
        "link", name="Read the full statement of reasons"
    ).click()
    expect(page).to_have_url(re.compile(rf"{action.get_absolute_url()}$"))
    status = page.locator("#status-panel")
    expect(status.locator(".badge")).to_have_text(action.get_status_display())
    expect(status).to_contain_text("This temporary suspension is in effect until")
    expect_moment(status.locator("p").first.locator("time"), action.ends_at, ZONE)
    expect_moment(status.locator("strong time"), action.appeal_deadline, ZONE)
    restricted = page.locator("#restricted")
    expect(fact(restricted, "What you cannot do").locator("li")).to_have_text(
        list(action.capability_labels())
    )
    expect_moment(fact(restricted, "Ends").locator("time"), action.ends_at, ZONE)
    expect(page.locator("#rule blockquote").first).to_have_text(version.text)
    expect_day(
        fact(page.locator("#funds"), "Release date").locator("time"), action.funds_release_on
    )
    for item in action.evidence_items.all():  # internal evidence never reaches the browser
        assert item.internal_detail not in page.content()
    assert_no_axe_violations(page)

    # --- Appealing, from the button at the top ------------------------------------------------
    status.get_by_role("link", name="Appeal this decision").click()
    form = page.locator("#appeal-form")
    form.get_by_label(re.compile("Why is this decision wrong")).fill(STATEMENT)
    form.get_by_label("Lift the action completely").check()
    form.get_by_label("Release my held funds").check()
    form.get_by_label(re.compile("Supporting documents")).set_input_files(proof_pdf)
    form.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_text("We received your appeal.")).to_be_visible()

    appeal = Appeal.objects.get(action=action)
    assert (appeal.status, appeal.routed_at) == (Appeal.Status.SUBMITTED, None)
    assert appeal.attachments.get().content_type == "application/pdf"
    panel = page.locator("#appeal")
    facts = page.locator("#appeal-facts")
    expect(panel.locator(".appeal-status .badge")).to_have_text(appeal.get_status_display())
    expect_moment(fact(facts, "Submitted").locator("time"), appeal.submitted_at, ZONE)
    # Not routed yet: no date is promised, because routing sets the final ones.
    for term in ("We will reply by", "Decision expected by"):
        expect(fact(facts, term)).to_contain_text(BEING_SET)
        expect(fact(facts, term).locator("time")).to_have_count(0)
    expect(panel.locator(".requested-outcomes li")).to_have_text(
        ["Lift the action completely", "Release my held funds"]
    )
    expect(panel.get_by_text("residence-permit.pdf")).to_be_visible()
    # The status panel, refreshed with the panel, says the appeal is there and when it came.
    you_appealed = status.locator("p", has_text="You appealed on")
    expect(you_appealed).to_contain_text(f"Your appeal: {appeal.get_status_display().lower()}.")
    expect_day_of(you_appealed.locator("time").last, appeal.submitted_at, ZONE)
    expect(status.get_by_role("link", name="Appeal this decision")).to_have_count(0)
    assert_no_axe_violations(page)

    # --- The worker routes it: the final dates appear in place, without a reload ----------------
    routing.route_appeal(appeal.pk)
    appeal.refresh_from_db()
    assert appeal.assigned_to == reviewer
    first_response = _clock(appeal, AppealClock.Kind.FIRST_RESPONSE)
    decision = _clock(appeal, AppealClock.Kind.DECISION)
    reply_by = fact(facts, "We will reply by").locator("time")
    expect(reply_by).to_be_visible(timeout=10_000)  # the panel asks every 3 s until then
    expect_moment(reply_by, first_response.due_at, ZONE)
    expect_moment(fact(facts, "Decision expected by").locator("time"), decision.due_at, ZONE)
    expect(facts).not_to_contain_text("Being set")

    # --- The reviewer asks a question: the first reply is in, the decision clock pauses ---------
    appeal_services.request_information(appeal, reviewer=reviewer, question=QUESTION)
    page.reload()
    appeal.refresh_from_db()
    first_response.refresh_from_db()
    decision.refresh_from_db()
    assert appeal.status == Appeal.Status.AWAITING_FREELANCER
    assert first_response.stopped_at is not None and decision.paused_since is not None
    expect(panel.locator(".appeal-status .badge")).to_have_text(appeal.get_status_display())
    expect(page.get_by_text(QUESTION)).to_be_visible()
    replied = fact(facts, "We will reply by")
    expect(replied).to_contain_text("We replied on")
    expect_moment(replied.locator("time"), first_response.stopped_at, ZONE)
    paused = fact(facts, "Decision expected by")
    expect(paused).to_contain_text("Paused while we wait for your answer")
    expect_moment(paused.locator("time"), decision.paused_since, ZONE)
    assert_no_axe_violations(page)

    # --- The freelancer answers: the clock runs again, with its new deadline -------------------
    page.get_by_label("Your answer to the question above").fill(ANSWER)
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("A reviewer is looking at your appeal.")).to_be_visible()
    appeal.refresh_from_db()
    decision.refresh_from_db()
    assert appeal.status == Appeal.Status.IN_REVIEW and decision.paused_since is None
    expect(panel.locator(".appeal-status .badge")).to_have_text(appeal.get_status_display())
    expect_moment(fact(facts, "Decision expected by").locator("time"), decision.due_at, ZONE)
    expect(panel.locator(".timeline")).to_contain_text("Clock resumed")

    # --- The reviewer overturns: the case page shows a lifted action, with nothing left --------
    appeal_services.decide_appeal(
        Appeal.objects.get(pk=appeal.pk),
        outcome=Appeal.Outcome.OVERTURNED,
        reasons=REASONS,
        versions=[version],
        decided_by=reviewer,
    )
    page.reload()
    appeal.refresh_from_db()
    action = EnforcementAction.objects.get(pk=action.pk)
    assert (appeal.status, action.status) == (
        Appeal.Status.DECIDED,
        EnforcementAction.Status.LIFTED,
    )
    expect(panel.locator(".appeal-status .badge")).to_have_text(appeal.get_status_display())
    expect_moment(fact(facts, "Decided").locator("time"), appeal.decided_at, ZONE)
    expect(facts.locator("dt:text-is('We will reply by')")).to_have_count(0)
    outcome = page.locator(".appeal-decision")
    expect(outcome).to_contain_text(appeal.get_outcome_display())
    expect(outcome).to_contain_text(REASONS)
    expect_moment(
        outcome.locator("p.muted", has_text="Decided on").locator("time"), appeal.decided_at, ZONE
    )
    expect(fact(outcome, "The action").locator(".badge")).to_have_text(action.get_status_display())
    released = f"{floatformat(action.funds_released_amount, '2g')} {action.funds_currency}"
    assert action.funds_released_amount == action.funds_held_amount
    expect(fact(outcome, "Money held")).to_contain_text(f"{released} released")
    expect(outcome.get_by_text("Correction written on")).to_have_count(len(notices))
    expect(status.locator(".badge")).to_have_text(action.get_status_display())
    expect(status).to_contain_text("This action was lifted: it no longer restricts your account.")
    expect(restricted.locator("dt:text-is('Ends')")).to_have_count(0)
    expect(restricted.locator("dt:text-is('What you cannot do')")).to_have_count(0)
    expect(restricted).to_contain_text("What you could not do while it was in effect")
    expect_moment(fact(restricted, "Ended").locator("time"), action.lifted_at(), ZONE)
    expect(page.locator("#funds dt:text-is('Release date')")).to_have_count(0)
    expect(page.get_by_role("link", name="Appeal this decision")).to_have_count(0)
    assert_no_axe_violations(page)

    # --- The standing page agrees: no strike counts, no end date, the appeal decided -----------
    page.get_by_role("link", name="Back to your account standing").click()
    expect(page.locator("#summary-heading")).to_have_text("No restriction is in effect")
    expect_standing_matches(page, action, ZONE)
    expect(page.locator("main")).not_to_contain_text("counting until")
    assert_no_axe_violations(page)

    # --- ...and the inbox has the decision ------------------------------------------------------
    page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    expect(
        page.get_by_role("link", name=f"Decision on your appeal #{appeal.pk}: Overturned")
    ).to_be_visible()
    assert_no_axe_violations(page)
    assert console_errors == []


def test_the_freelancer_journey_on_a_390_px_phone(browser: Browser, base_url, live_server):
    freelancer = FreelancerFactory(email="amara@example.test", time_zone=ZONE)
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

    sign_in(phone, freelancer.email)
    expect(phone).to_have_url(re.compile(r"/standing/$"))
    expect_standing_matches(phone, action, ZONE)
    no_horizontal_scroll()
    assert_no_axe_violations(phone)

    phone.goto(action.get_absolute_url())
    no_horizontal_scroll()
    status = phone.locator("#status-panel")
    expect_moment(status.locator("strong time"), action.appeal_deadline, ZONE)
    expect_moment(fact(phone.locator("#restricted"), "Ends").locator("time"), action.ends_at, ZONE)
    assert_no_axe_violations(phone)

    # The appeal is reachable from the top of the page and fits the screen.
    status.get_by_role("link", name="Appeal this decision").click()
    form = phone.locator("#appeal-form")
    form.get_by_label(re.compile("Why is this decision wrong")).fill("I was paid on the platform.")
    form.get_by_label("Lift the action completely").check()
    form.get_by_label("Correct the facts on record and what clients were told").check()
    no_horizontal_scroll()
    form.get_by_role("button", name="Send my appeal").click()
    expect(phone.get_by_text("We received your appeal.")).to_be_visible()
    appeal = Appeal.objects.get(action=action)
    assert appeal.requested_outcomes == ["lift", "correct_record"]
    assert appeal.routed_at is None  # no worker here: no deadline is promised before it is final
    facts = phone.locator("#appeal-facts")
    expect(fact(facts, "We will reply by")).to_contain_text(BEING_SET)
    expect(facts.locator("time")).to_have_count(1)  # only when it was submitted
    expect_moment(fact(facts, "Submitted").locator("time"), appeal.submitted_at, ZONE)
    no_horizontal_scroll()
    assert_no_axe_violations(phone)

    # Withdrawing is reachable on the phone too, and needs the tick box.
    phone.get_by_text("Withdraw my appeal", exact=True).click()
    phone.get_by_label(re.compile("^I understand that I cannot appeal")).check()
    phone.get_by_role("button", name="Yes, withdraw my appeal").click()
    expect(phone.get_by_text("Your appeal was withdrawn.")).to_be_visible()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.WITHDRAWN
    expect(phone.locator("#appeal .appeal-status .badge")).to_have_text(appeal.get_status_display())
    no_horizontal_scroll()
    assert_no_axe_violations(phone)
    assert csp_violations(errors) == []
    context.close()
