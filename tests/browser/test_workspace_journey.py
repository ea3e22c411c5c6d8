"""Issue #17's journey in a real browser: a lead writes a canned reply; a reviewer works three
appeals in the two-pane workspace with a macro of each effect (message, question that pauses the
clock, internal note) and the note composer; the freelancer answers while the page is open and
the answer appears without a reload; a second reviewer opening the case sees who else has it
open. Every page passes an accessibility scan and no Content-Security-Policy violation occurs."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, Page, expect

from appeals import services
from appeals.models import Appeal, AppealClock, Macro, Message
from appeals.uploads import validate_upload
from tests.appeals.hostile_files import pdf_bytes, png_bytes
from tests.browser.conftest import (
    assert_no_axe_violations,
    csp_violations,
    page_for_another_person,
    sign_in,
)
from tests.factories import (
    PASSWORD,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    in_queue,
    make_action,
    make_appeal,
    make_queue,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
]

LIVE_WAIT_MS = 15_000  # the page polls every 5 s
ANSWER = "Here is my electricity bill from November, with my name and Lisbon address."
NOTE = "Bill matches the tax form on file; address is genuine."


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


def _upload(name: str, content: bytes):
    return validate_upload(SimpleUploadedFile(name, content))


@pytest.fixture
def cases(live_server):
    decider = ReviewerFactory(display_name="Olga Original")
    appeals = []
    for index, name in enumerate(("Amara Okafor", "Jonas Berg", "Lea Roux")):
        freelancer = FreelancerFactory(display_name=name)
        uploads = (
            [_upload("permit.pdf", pdf_bytes()), _upload("photo.png", png_bytes((60, 40)))]
            if index == 0
            else []
        )
        appeals.append(make_appeal(make_action(freelancer, decided_by=decider), uploads=uploads))
    return appeals


def test_a_reviewer_works_three_appeals_with_macros_live_updates_and_presence(
    page: Page, browser: Browser, base_url: str, cases: list[Appeal], console_errors: list[str]
):
    first, second, third = cases
    reviewer = ReviewerFactory(email="riley@example.test", display_name="Riley Reviewer")
    # Reviewers open only the appeals of their queues: the three wait in Riley's.
    queue = make_queue("Payments", members=[reviewer])
    for appeal in cases:
        in_queue(appeal, queue=queue)
    lead = LeadFactory(email="lena@example.test", display_name="Lena Lead")
    Macro.objects.create(
        title="Acknowledge",
        body="Dear {{ freelancer.first_name }}, I am reviewing appeal {{ appeal.id }} and will "
        "decide by {{ deadline }}.",
        effect=Macro.Effect.MESSAGE,
    )
    Macro.objects.create(
        title="Ask for proof of address",
        body="Dear {{ freelancer.first_name }}, under {{ action.rule }} please send a proof of "
        "address from the last three months.",
        effect=Macro.Effect.INFO_REQUEST,
    )

    # --- A lead adds the third canned reply in the app -------------------------------------------
    lead_errors: list[str] = []
    lead_page = page_for_another_person(browser, base_url, lead_errors)
    sign_in(lead_page, lead.email, PASSWORD)
    lead_page.get_by_role("link", name="Canned replies").click()
    expect(lead_page.get_by_role("heading", level=1)).to_have_text("Canned replies")
    assert_no_axe_violations(lead_page)
    lead_page.get_by_role("button", name="New canned reply").click()
    lead_page.get_by_label("Title").fill("Note: documents checked")
    lead_page.get_by_label("Text").fill("Documents checked by {{ reviewer.first_name }}.")
    lead_page.get_by_label("Add as an internal note").check()
    assert_no_axe_violations(lead_page)
    lead_page.get_by_role("button", name="Create").click()
    expect(lead_page.get_by_text("Canned reply “Note: documents checked” created.")).to_be_visible()
    assert Macro.objects.get(title="Note: documents checked").effect == "internal_note"

    # --- Appeal 1: claim, preview a message macro, send it ----------------------------------------
    sign_in(page, reviewer.email, PASSWORD)
    page.goto(f"/staff/appeals/{first.pk}/")
    page.set_viewport_size({"width": 1400, "height": 900})
    conversation = page.locator(".workspace-conversation")
    case_file = page.locator(".workspace-case")
    # Two panes side by side on a wide screen.
    conversation_box, case_box = conversation.bounding_box(), case_file.bounding_box()
    assert case_box["x"] > conversation_box["x"] + conversation_box["width"] - 1
    # The attachments are previewed inline: the picture, and the PDF's first page drawn as PNG.
    for name in ("Picture attached: photo.png", "First page of the PDF permit.pdf"):
        image = page.get_by_role("img", name=name)
        expect(image).to_be_visible()
        # Visible is not loaded (a PDF page is drawn on request, slowly on a busy machine):
        # wait for the image to be decoded, then check it has pixels.
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)")
    assert_no_axe_violations(page)

    page.locator("#claim").get_by_role("button", name="Claim this appeal").click()
    expect(page.get_by_text("You hold this appeal now.")).to_be_visible()
    page.get_by_role("combobox", name=re.compile("^Canned reply")).select_option(
        label="Acknowledge"
    )
    preview = page.get_by_label(re.compile("Text, filled in for this appeal"))
    expect(preview).to_have_value(re.compile(rf"^Dear Amara, I am reviewing appeal {first.pk} "))
    assert "{{" not in preview.input_value()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send to the freelancer").last.click()
    expect(page.get_by_text("Message sent to the freelancer.")).to_be_visible()
    sent = Message.objects.get(appeal=first)
    assert sent.kind == Message.Kind.MESSAGE and sent.body.startswith("Dear Amara,")

    # --- Appeal 3: the note macro and the note composer, without a claim --------------------------
    page.goto(f"/staff/appeals/{third.pk}/")
    page.get_by_role("combobox", name=re.compile("^Canned reply")).select_option(
        label="Note: documents checked"
    )
    expect(page.get_by_label(re.compile("Text, filled in"))).to_have_value(
        "Documents checked by Riley."
    )
    page.get_by_role("button", name="Add as an internal note").click()
    expect(page.get_by_text("Internal note added.")).to_be_visible()
    # The keyboard shortcut "n" takes the reviewer to the note composer.
    page.locator("h1").click()
    page.keyboard.press("n")
    note_box = page.get_by_label("Internal note (only reviewers see it)")
    expect(note_box).to_be_focused()
    expect(note_box).to_have_attribute("aria-keyshortcuts", "n")
    note_box.fill(NOTE)
    page.get_by_role("button", name="Add the internal note").click()
    expect(page.get_by_text(NOTE)).to_be_visible()
    assert [m.kind for m in third.messages.order_by("id")] == ["internal_note"] * 2
    assert Appeal.objects.get(pk=third.pk).assigned_to is None
    assert_no_axe_violations(page)

    # --- Appeal 2: ask with the info-request macro; the clock pauses ------------------------------
    page.goto(f"/staff/appeals/{second.pk}/")
    page.locator("#claim").get_by_role("button", name="Claim this appeal").click()
    expect(page.get_by_text("You hold this appeal now.")).to_be_visible()
    page.get_by_role("combobox", name=re.compile("^Canned reply")).select_option(
        label="Ask for proof of address"
    )
    expect(page.get_by_label(re.compile("Text, filled in"))).to_have_value(
        re.compile("^Dear Jonas, under ")
    )
    page.get_by_role("button", name="Ask the freelancer and pause the clock").click()
    expect(page.get_by_text("Question sent. The clock pauses until they answer.")).to_be_visible()
    expect(page.locator("#appeal-status")).to_contain_text("Waiting for the freelancer")
    clock = AppealClock.objects.get(appeal=second, kind=AppealClock.Kind.DECISION)
    assert clock.paused_since is not None

    # --- The freelancer answers while the page is open: it appears without a reload ----------------
    services.post_message(second, author=second.freelancer, body=ANSWER)
    thread = page.locator("#thread")
    expect(thread.get_by_text(ANSWER)).to_be_visible(timeout=LIVE_WAIT_MS)
    expect(page.locator("#appeal-status")).to_contain_text("In review")
    expect(page.get_by_text("The case changed while you had it open")).to_be_visible()

    # --- A second reviewer opens the same case: both learn of each other --------------------------
    other_errors: list[str] = []
    other = page_for_another_person(browser, base_url, other_errors)
    quinn = ReviewerFactory(email="quinn@example.test", display_name="Quinn Other")
    queue.members.add(quinn)  # a colleague in the same queue may open the case Riley holds
    sign_in(other, quinn.email, PASSWORD)
    other.goto(f"/staff/appeals/{second.pk}/")
    expect(other.locator("#presence")).to_contain_text("Also open now by Riley Reviewer.")
    assert_no_axe_violations(other)
    expect(page.locator("#presence")).to_contain_text(
        "Also open now by Quinn Other.", timeout=LIVE_WAIT_MS
    )
    assert_no_axe_violations(page)

    # --- Narrow screen: one column ----------------------------------------------------------------
    page.set_viewport_size({"width": 700, "height": 900})
    conversation_box, case_box = conversation.bounding_box(), case_file.bounding_box()
    assert case_box["y"] >= conversation_box["y"] + conversation_box["height"] - 1

    errors = console_errors + lead_errors + other_errors
    assert csp_violations(errors) == []
    assert errors == []
