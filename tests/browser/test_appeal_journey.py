"""Issue #3's journey in a real browser: the demo freelancer appeals with a PDF, a reviewer who did
not take the original decision asks a question, the freelancer answers, the reviewer overturns, and
the freelancer sees the decision, the released funds and the client corrections. Every page that
this issue adds passes an accessibility scan."""

import re

import pytest
from django.core.management import call_command
from django.template.defaultfilters import floatformat
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from accounts.models import AuditEvent, User
from appeals.models import Appeal
from appeals.services import file_appeal
from demo.data import DEMO_ENFORCER, DEMO_FREELANCER, DEMO_PASSWORD
from enforcement.models import EnforcementAction
from tests.browser.conftest import assert_no_axe_violations, csp_violations, page_for_another_person
from tests.browser.test_freelancer_journey import _sign_in
from tests.factories import PASSWORD, ReviewerFactory, in_queue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server queues routing and emails after commit: in memory here, not in var/.
    pytest.mark.usefixtures("celery_in_memory"),
]

STATEMENT = (
    "I live and work in Lisbon; my passport is Nigerian and the bank account is my own, opened "
    "before I moved. My Portuguese residence permit is attached."
)
QUESTION = "Could you send a proof of address in Portugal from the last three months?"
ANSWER = "My electricity bill from last month is attached to my appeal; here it is again in words."
INTERNAL_NOTE = "Tax form on file lists a PT address; the IDV country alone proves nothing."
REASONS = (
    "Your residence permit and the tax form on file show that you live in Portugal, as your "
    "profile says. A passport from another country and a bank account abroad do not make a "
    "profile inaccurate. We were wrong to suspend your account."
)


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
def demo(live_server) -> User:
    call_command("seed_demo", verbosity=0)
    return User.objects.get(email=DEMO_FREELANCER)


@pytest.fixture
def suspension(demo: User) -> EnforcementAction:
    """Amara's suspension: it holds funds, her clients were told, and it has no appeal yet."""
    return (
        EnforcementAction.objects.for_account(demo)
        .restricting()
        .with_statement()
        .filter(funds_held_amount__gt=0, client_notices__isnull=False, appeal__isnull=True)
        .distinct()
        .get()
    )


@pytest.fixture
def second_reviewer(demo: User) -> User:
    """Riley, the demo reviewer, issued the demo cases, so someone else must decide the appeal."""
    return ReviewerFactory(email="quinn@example.test", display_name="Quinn Reviewer")


@pytest.fixture
def proof_pdf(tmp_path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "residence-permit.pdf"
    with path.open("wb") as file:
        writer.write(file)
    return str(path)


def test_an_appeal_from_filing_to_a_complete_reversal(
    page: Page,
    browser: Browser,
    base_url: str,
    suspension: EnforcementAction,
    second_reviewer: User,
    proof_pdf: str,
    console_errors: list[str],
):
    assert suspension.decided_by.email == DEMO_ENFORCER != second_reviewer.email
    case_url = suspension.get_absolute_url()
    notices = list(suspension.client_notices.all())

    # --- The freelancer files an appeal with a PDF attached --------------------------------------
    _sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/standing/$"))
    page.goto(case_url)
    appeal_panel = page.locator("#appeal")
    expect(appeal_panel.get_by_role("button", name="Send my appeal")).to_be_visible()
    assert_no_axe_violations(page)

    appeal_panel.get_by_label(re.compile("Why is this decision wrong")).fill(STATEMENT)
    appeal_panel.get_by_label("Lift the action completely").check()
    appeal_panel.get_by_label("Release my held funds").check()
    appeal_panel.get_by_label(re.compile("Supporting documents")).set_input_files(proof_pdf)
    appeal_panel.get_by_role("button", name="Send my appeal").click()

    expect(page.get_by_text("We received your appeal.")).to_be_visible()
    expect(page.locator("#appeal").get_by_text("residence-permit.pdf")).to_be_visible()
    appeal = Appeal.objects.get(action=suspension)
    assert appeal.attachments.get().content_type == "application/pdf"
    assert appeal.requested_outcomes == ["lift", "release_funds"]
    expect(page.locator("#appeal .requested-outcomes li")).to_have_text(
        ["Lift the action completely", "Release my held funds"]
    )
    assert_no_axe_violations(page)
    # Routing (a worker, not running here) files it in a queue the second reviewer works.
    in_queue(appeal, second_reviewer)

    # --- A reviewer who did not take the original decision opens it from the list ----------------
    reviewer_errors: list[str] = []
    reviewer = page_for_another_person(browser, base_url, reviewer_errors)
    _sign_in(reviewer, second_reviewer.email, PASSWORD)
    reviewer.get_by_role("link", name="Appeals", exact=True).click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Appeals to review")
    assert_no_axe_violations(reviewer)

    reviewer.get_by_role("link", name=f"Appeal #{appeal.pk}").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(f"Appeal #{appeal.pk}")
    expect(reviewer.get_by_text(STATEMENT)).to_be_visible()
    expect(reviewer.locator(".requested-outcomes li")).to_have_text(
        ["Lift the action completely", "Release my held funds"]
    )
    expect(reviewer.get_by_role("link", name="residence-permit.pdf")).to_be_visible()
    expect(reviewer.get_by_text("Internal — never shown to the freelancer").first).to_be_visible()
    expect(reviewer.get_by_text("You took the original decision")).to_have_count(0)
    assert_no_axe_violations(reviewer)

    # An internal note, from its own composer (no claim needed).
    reviewer.get_by_label("Internal note (only reviewers see it)").fill(INTERNAL_NOTE)
    reviewer.get_by_role("button", name="Add the internal note").click()
    expect(reviewer.get_by_text("Internal note added.")).to_be_visible()
    expect(reviewer.get_by_text("Internal note — never shown to the freelancer")).to_be_visible()

    # Notes need no claim; asking the freelancer does: only the holder speaks for the appeal.
    claim_box = reviewer.locator("#claim")
    expect(claim_box).to_contain_text("Nobody holds this appeal.")
    claim_box.get_by_role("button", name="Claim this appeal").click()
    expect(reviewer.get_by_text("You hold this appeal now.")).to_be_visible()
    expect(claim_box).to_contain_text("You hold this appeal.")
    expect(claim_box.get_by_role("button", name="Release to the queue…")).to_be_visible()
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == second_reviewer
    assert_no_axe_violations(reviewer)

    reviewer.get_by_label("What do you need from the freelancer?").fill(QUESTION)
    reviewer.get_by_role("button", name="Send the question").click()
    expect(
        reviewer.get_by_text("Question sent. The clock pauses until they answer.")
    ).to_be_visible()
    expect(reviewer.locator("#appeal-status")).to_contain_text("Waiting for the freelancer")

    # --- The freelancer answers; the internal note never reaches them ----------------------------
    page.goto(case_url)
    expect(page.get_by_text(QUESTION)).to_be_visible()
    # The question was the first reply, and the decision clock waits for the answer.
    expect(page.locator("#appeal")).to_contain_text("We replied on")
    expect(page.locator("#appeal")).to_contain_text("Paused while we wait for your answer")
    page.get_by_label("Your answer to the question above").fill(ANSWER)
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("A reviewer is looking at your appeal.")).to_be_visible()
    expect(page.locator("#appeal")).not_to_contain_text("Paused while we wait for your answer")
    expect(page.locator("#appeal .timeline")).to_contain_text("Clock resumed")
    assert INTERNAL_NOTE not in page.content()

    # --- The reviewer overturns with reasons ----------------------------------------------------
    reviewer.reload()
    expect(reviewer.get_by_text(ANSWER)).to_be_visible()
    reviewer.get_by_role("radio", name="Overturned: the action is lifted").check()
    reviewer.get_by_label(re.compile("Reasons, written for the freelancer")).fill(REASONS)
    cited = suspension.primary_version()
    expect(reviewer.get_by_role("checkbox", name=str(cited), exact=True)).to_be_checked()
    # Irreversible: the browser refuses to send the decision until the box is ticked.
    reviewer.get_by_role("button", name="Record the decision").click()
    confirm = reviewer.get_by_role("checkbox", name=re.compile("^I have checked the outcome"))
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    assert Appeal.objects.get(pk=appeal.pk).is_open()
    confirm.check()
    reviewer.get_by_role("button", name="Record the decision").click()
    expect(reviewer.get_by_text("Decision recorded and the freelancer notified.")).to_be_visible()
    expect(
        reviewer.get_by_role("heading", name=re.compile("^Decision: Overturned"))
    ).to_be_visible()

    # --- The freelancer sees the decision, the reasons, the funds and the corrections -----------
    page.goto(case_url)
    decision = page.locator(".appeal-decision")
    expect(decision.get_by_role("heading", name="The decision on your appeal")).to_be_visible()
    expect(decision).to_contain_text("Overturned: the action is lifted")
    expect(decision).to_contain_text(REASONS)
    released = f"{floatformat(suspension.funds_held_amount, '2g')} {suspension.funds_currency}"
    expect(decision).to_contain_text(f"{released} released")
    expect(decision.get_by_text("Correction written on")).to_have_count(len(notices))
    for notice in notices:
        expect(decision).to_contain_text(notice.client_name)
    expect(page.locator("#status-panel")).to_contain_text("This action was lifted")
    assert INTERNAL_NOTE not in page.content()
    assert_no_axe_violations(page)

    # --- ...and the decision in the inbox --------------------------------------------------------
    page.get_by_role("link", name=re.compile(r"^Inbox")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(
        page.get_by_role("link", name=f"Decision on your appeal #{appeal.pk}: Overturned")
    ).to_be_visible()
    assert_no_axe_violations(page)

    assert csp_violations(console_errors) == []
    assert csp_violations(reviewer_errors) == []
    reviewer.context.close()


def test_the_original_decider_gets_a_404_for_the_appeal_against_his_decision(
    page: Page, suspension: EnforcementAction, console_errors: list[str]
):
    appeal, _created = file_appeal(
        suspension,
        statement=STATEMENT,
        requested_outcomes=[Appeal.RequestedOutcome.LIFT],
        uploads=[],
        filed_by=suspension.account,
    )

    _sign_in(page, DEMO_ENFORCER, DEMO_PASSWORD)
    response = page.goto(reverse("appeals:review-detail", args=[appeal.pk]))

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(STATEMENT)).to_have_count(0)
    assert AuditEvent.objects.filter(
        verb="appeal.decider_refused", actor__email=DEMO_ENFORCER, object_id=str(appeal.pk)
    ).exists()
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []
