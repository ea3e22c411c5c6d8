"""Issue #17's journey in a real browser: a lead writes a canned reply; a reviewer works three
appeals in the two-pane workspace with a macro of each effect (message, question that pauses the
clock, internal note) and the note composer; the freelancer answers while the page is open and
the answer appears without a reload; a second reviewer opening the case sees who else has it
open. The second journey searches, saves a view, opens a result with the freelancer's track
record, uses the keyboard shortcuts, and sees the composers follow a change of holder by the
live poll. Every page passes an accessibility scan and no Content-Security-Policy violation
occurs."""

import re
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Browser, Page, expect

from accounts.models import TrackRecord
from appeals import services
from appeals.models import Appeal, AppealClock, Macro, Message, SavedSearch
from appeals.operations import claims
from appeals.uploads import validate_upload
from enforcement.models import EnforcementAction
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
    claim,
    give_track_record,
    in_queue,
    make_action,
    make_appeal,
    make_queue,
    make_reviewer,
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
        # The PDF's page is drawn on request: wait for it to load (a broken image never does).
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
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


def test_a_reviewer_searches_opens_a_case_reads_the_track_record_and_sees_it_change_live(
    page: Page, base_url: str, console_errors: list[str]
):
    """Search (a word of a statement, an email, #id, a filter, a saved view), a result opened on
    the case with the freelancer's track record and enforcement history, the keyboard shortcuts,
    and the composers replaced by the live poll when a lead hands the case to someone else.
    A reviewer finds nothing outside their scope, and cannot open it either."""
    riley = make_reviewer(email="riley@example.test", display_name="Riley Reviewer")
    quinn = make_reviewer(display_name="Quinn Other")
    lead = LeadFactory(display_name="Lena Lead")
    payments = make_queue("Payments", members=[riley, quinn])
    fraud = make_queue("Fraud", members=[quinn])
    decider = ReviewerFactory(display_name="Olga Original")
    amara = FreelancerFactory(email="amara@example.test", display_name="Amara Okafor")
    give_track_record(
        amara, years=7, earnings="120000", badges=["top_rated_plus"], contracts=240, score="4.9"
    )
    # Her history: an old suspension with two strikes, appealed and upheld by Riley.
    old = make_appeal(
        make_action(
            amara,
            decided_by=decider,
            strike_count=2,
            strikes_expire_on=(timezone.now() + timedelta(days=200)).date(),
        ),
        statement="I did nothing wrong.",
    )
    in_queue(old, queue=payments)
    claim(old, riley)
    services.decide_appeal(
        old,
        outcome=Appeal.Outcome.UPHELD,
        reasons="The messages show the request.",
        versions=list(old.action.cited_versions.all()),
        decided_by=riley,
    )
    current = in_queue(
        make_appeal(
            make_action(amara, decided_by=decider),
            statement="The escrow invoice from Lisbon shows the client paid through the marketplace.",
        ),
        queue=payments,
    )
    jonas = FreelancerFactory(email="jonas@example.test", display_name="Jonas Berg")
    hidden = in_queue(
        make_appeal(
            make_action(jonas, decided_by=decider),
            statement="My escrow payment was refunded by the client.",
        ),
        queue=fraud,
    )
    waiting = in_queue(make_appeal(make_action(decided_by=decider)), queue=payments)
    visible = Appeal.objects.for_reviewer(riley)
    assert not visible.filter(pk=hidden.pk).exists()

    sign_in(page, riley.email, PASSWORD)
    page.get_by_role("link", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    appeal_results = page.locator("#results-appeal")

    def search(q: str, status: str = "") -> set[int]:
        """Search as Riley types it; the ids of the appeals found."""
        page.get_by_role("textbox", name="Search").fill(q)
        page.get_by_label("Status").select_option(status)
        page.locator("form.search-form").get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(quote_plus(q)) + "(&|$)"))
        expect(appeal_results).to_be_visible()
        links = appeal_results.get_by_role("link", name=re.compile(r"^Appeal #\d+$"))
        return {int(text.split("#")[1]) for text in links.all_inner_texts()}

    # --- A word of a statement: Amara's appeal, not the one in a queue Riley does not work --------
    assert search("escrow") == {current.pk}
    assert_no_axe_violations(page)

    # --- An email: all of Amara's appeals Riley may open; Jonas's address finds nothing ------------
    assert search(amara.email) == {old.pk, current.pk}
    assert {old.pk, current.pk} == set(
        visible.filter(freelancer=amara).values_list("pk", flat=True)
    )
    expect(page.locator("#results-freelancer")).to_contain_text(amara.email)
    assert search(jonas.email) == set()
    expect(appeal_results).to_contain_text("No appeals match")
    expect(page.locator("#results-freelancer")).to_contain_text("No freelancers match")
    expect(page.locator("main")).not_to_contain_text(jonas.email)

    # --- #id: that appeal, and never one outside Riley's scope -------------------------------------
    assert hidden.pk not in search(f"#{hidden.pk}")
    found = search(f"#{old.pk}")
    assert old.pk in found and found <= set(visible.values_list("pk", flat=True))

    # --- A filter, then the view saved under a name ------------------------------------------------
    decided = set(
        visible.filter(freelancer=amara, status=Appeal.Status.DECIDED).values_list("pk", flat=True)
    )
    assert search(amara.email, status=Appeal.Status.DECIDED.value) == {old.pk} == decided
    page.get_by_label("Name of this view").fill("Amara, decided")
    page.get_by_role("button", name="Save this view").click()
    expect(page.get_by_text("Saved the view “Amara, decided”.")).to_be_visible()
    saved = SavedSearch.objects.get(owner=riley)
    assert (saved.name, saved.params) == ("Amara, decided", {"q": amara.email, "status": "decided"})
    saved_link = page.locator("#saved-views").get_by_role("link", name="Amara, decided")
    expect(saved_link).to_be_visible()
    saved_link.click()
    expect(page.get_by_role("textbox", name="Search")).to_have_value(amara.email)
    expect(appeal_results.get_by_role("link", name=re.compile(r"^Appeal #"))).to_have_text(
        [f"Appeal #{old.pk}"]
    )
    assert_no_axe_violations(page)

    # --- A reviewer cannot open an appeal outside their scope either -------------------------------
    response = page.goto(f"/staff/appeals/{hidden.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("main")).not_to_contain_text("My escrow payment")
    not_found = [e for e in console_errors if "404" in e and f"/staff/appeals/{hidden.pk}/" in e]
    for error in not_found:  # the browser logs the 404 it was asked to load
        console_errors.remove(error)

    # --- A result opened: the track record and the enforcement history, as in the database ---------
    page.goto("/staff/search/")
    assert search("escrow") == {current.pk}
    appeal_results.get_by_role("link", name=f"Appeal #{current.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Appeal #{current.pk}")
    track = page.locator("#track-record")
    record = TrackRecord.objects.select_related("user").get(user=amara)
    member_since = track.locator("dt", has_text="Member since").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(member_since).to_have_text(
        f"{date_format(amara.member_since, 'j F Y')} ({record.tenure_years()} years)"
    )
    expect(track).to_contain_text(f"{record.earnings_to_date} {record.earnings_currency}")
    expect(track).to_contain_text("240")
    for label in record.badge_labels():
        expect(track.locator(".badge", has_text=label)).to_be_visible()
    actions = EnforcementAction.objects.filter(account=amara)
    expect(track.locator("tbody tr")).to_have_count(actions.count())
    old_row = track.locator("tbody tr", has_text=re.compile(rf"#{old.action_id}\b"))
    expect(old_row).to_contain_text(f"Appeal #{old.pk}")
    expect(old_row).to_contain_text("Upheld")
    today = timezone.localdate()
    counting = sum(action.active_strike_count(today) for action in actions)
    expect(track).to_contain_text(
        f"Strikes counting now: {counting} (of {sum(a.strike_count for a in actions)} ever given)"
    )
    strikes = track.locator(".strike-timeline li")
    expect(strikes).to_have_count(actions.filter(strike_count__gt=0).count())
    expect(strikes.first).to_contain_text(f"2 strikes (action #{old.action_id})")
    assert_no_axe_violations(page)

    # --- Keyboard shortcuts, announced with aria-keyshortcuts --------------------------------------
    page.locator("#claim").get_by_role("button", name="Claim this appeal").click()
    expect(page.get_by_text("You hold this appeal now.")).to_be_visible()
    reply = page.get_by_label("Message to the freelancer")
    question = page.get_by_label("What do you need from the freelancer?")
    note = page.get_by_label("Internal note (only reviewers see it)")
    for box, key in ((reply, "r"), (question, "i"), (note, "n")):
        page.locator("h1").click()
        page.keyboard.press(key)
        expect(box).to_be_focused()
        expect(box).to_have_attribute("aria-keyshortcuts", key)
    # In the closed "Other actions" section: the key works without opening it.
    expect(page.locator("#claim-next-form button")).to_have_attribute("aria-keyshortcuts", "c")
    reply.fill("Draft reply")
    question.fill("Draft question")
    note.fill("DRAFT-NOTE: the invoice number matches the escrow record.")

    # --- A status change arrives by the poll: Riley's question, sent from another tab -------------
    # The question form no longer applies while the freelancer is asked; the reply still does.
    services.request_information(
        Appeal.objects.get(pk=current.pk), reviewer=riley, question="Which bank holds the escrow?"
    )
    expect(page.locator("#composer-ask")).to_contain_text(
        "A question is waiting for the freelancer's answer.", timeout=LIVE_WAIT_MS
    )
    expect(question).to_have_count(0)
    expect(page.locator("#decide-waiting")).to_be_visible()
    expect(reply).to_have_value("Draft reply")
    expect(page.locator("#appeal-status")).to_contain_text("Waiting for the freelancer")

    # --- A lead hands the case to Quinn while it is open: the composers follow by the live poll ----
    claims.reassign_appeal(Appeal.objects.get(pk=current.pk), to=quinn, by=lead)
    expect(page.locator("#claim")).to_contain_text(
        "Quinn Other holds this appeal.", timeout=LIVE_WAIT_MS
    )
    expect(page.locator("#composer-reply")).to_contain_text(
        "Quinn Other holds this appeal: only they reply to the freelancer"
    )
    expect(reply).to_have_count(0)
    expect(question).to_have_count(0)
    expect(page.locator("form.decision-form")).to_have_count(0)
    # The note still applies: what Riley typed in it is kept.
    expect(note).to_have_value("DRAFT-NOTE: the invoice number matches the escrow record.")
    expect(page.get_by_text("The case changed while you had it open")).to_be_visible()
    assert_no_axe_violations(page)
    page.locator("h1").click()
    page.keyboard.press("c")  # claim the next appeal of Riley's queues
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Appeal #{waiting.pk}")
    assert Appeal.objects.get(pk=waiting.pk).assigned_to == riley

    assert csp_violations(console_errors) == []
    assert console_errors == []
