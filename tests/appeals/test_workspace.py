"""Issue #17, the reviewer workspace: macros with placeholders and effects (and the leads' pages
for them), the separate note composer, the live poll and presence, confirm steps, previews."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AuditEvent
from appeals import services
from appeals.macros import check_macro_body, render_macro
from appeals.models import Appeal, AppealClock, Macro, Message
from appeals.operations import claims
from appeals.uploads import validate_upload
from demo.data import MACROS
from notifications.models import Notification
from tests.appeals.hostile_files import pdf_bytes, png_bytes
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    hand_over,
    make_action,
    make_appeal,
    make_queue,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

Status = Appeal.Status
PLACEHOLDER_BODY = (
    "Dear {{ freelancer.first_name }}, under {{ action.rule }} we need your proof of address "
    "for appeal {{ appeal.id }}. We decide by {{ deadline }}. {{ reviewer.first_name }}"
)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


@pytest.fixture
def appeal(freelancer, reviewer):
    freelancer.display_name = "Amara Okafor"
    freelancer.time_zone = "Europe/Lisbon"
    freelancer.save()
    action = make_action(freelancer, decided_by=ReviewerFactory())
    return make_appeal(action, claimed_by=reviewer)


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


def _macro(effect: str = Macro.Effect.MESSAGE, body: str = PLACEHOLDER_BODY, **fields) -> Macro:
    return Macro.objects.create(
        title=fields.pop("title", f"Macro {effect}"), body=body, effect=effect, **fields
    )


def _in_queue_of(appeal: Appeal, *members) -> None:
    """File the appeal in a queue `members` work: the reviewer scope (`for_reviewer`) then lets
    them open it without holding it."""
    Appeal.objects.filter(pk=appeal.pk).update(queue=make_queue(members=members))


def _loaded(appeal: Appeal) -> Appeal:
    return (
        Appeal.objects.select_related("freelancer", "action__reason_code__rule")
        .prefetch_related("clocks")
        .get(pk=appeal.pk)
    )


# --- The sandboxed renderer ---------------------------------------------------------------------


def test_placeholders_are_filled_in_for_the_appeal_in_the_freelancers_time_zone(appeal, reviewer):
    reviewer.display_name = "Riley Reviewer"
    loaded = _loaded(appeal)
    text = render_macro(_macro(), loaded, reviewer=reviewer)

    action = loaded.action
    assert text.startswith("Dear Amara, under ")
    assert f"{action.reason_code.rule.key} {action.rule_title}" in text
    assert f"for appeal {appeal.pk}." in text
    deadline = loaded.decision_expected_by()
    assert deadline is not None
    # The freelancer's zone (Lisbon: WET/WEST), not the server's.
    assert re.search(r"We decide by \d{1,2} \w+ 2\d{3}, \d\d:\d\d WES?T\.", text), text
    assert text.endswith("Riley")


@pytest.mark.parametrize(
    "body",
    [
        "{{ freelancer.password }}",
        "{{ appeal.action.account.email }}",
        "{{ settings.SECRET_KEY }}",
    ],
)
def test_a_macro_naming_anything_but_the_placeholders_is_refused(body):
    with pytest.raises(ValidationError, match="placeholder that does not exist"):
        check_macro_body(body)


@pytest.mark.parametrize(
    "body",
    [
        "{% debug %}",
        "{{ freelancer.first_name.__class__ }}",
        "{% load static %}{% static 'x' %}",
        "{% include 'base.html' %}",
        "{% url 'home' %}",
        "{{ deadline|safe }}",
        "{% if x %}unclosed",
    ],
)
def test_a_macro_using_tags_or_filters_outside_the_sandbox_is_refused(body):
    with pytest.raises(ValidationError, match="cannot be filled in"):
        check_macro_body(body)


def test_the_sandbox_allows_if_and_text_filters():
    check_macro_body(
        "{% if freelancer.first_name %}Dear {{ freelancer.first_name|upper }}{% endif %}"
    )


def test_the_renderer_sees_only_strings_even_if_given_a_model(appeal, reviewer):
    """Even a hand-built context cannot reach beyond the names it holds: the engine has no tag
    that loads anything, and an unknown name renders as nothing."""
    loaded = _loaded(appeal)
    macro = _macro(body="[{{ freelancer.email }}][{{ action.account }}]")
    assert render_macro(macro, loaded, reviewer=reviewer) == "[][]"


def test_every_demo_macro_passes_the_sandbox_check():
    for _title, body, effect in MACROS:
        check_macro_body(body)
        assert effect in Macro.Effect.values


# --- Macros on a case: preview and effect -------------------------------------------------------


def test_the_preview_fills_in_the_text_and_names_the_effect(as_reviewer, appeal):
    macro = _macro(Macro.Effect.INFO_REQUEST)
    response = as_reviewer.get(
        _url("appeals:macro-preview", appeal.pk), {"macro": macro.pk}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="macro-preview"')
    assert "Dear Amara" in content and "{{" not in content
    assert "Ask the freelancer and pause the clock" in content


def test_a_message_macro_sends_the_edited_text_to_the_freelancer(as_reviewer, appeal):
    macro = _macro(Macro.Effect.MESSAGE)
    response = as_reviewer.post(
        _url("appeals:macro-apply", appeal.pk), {"macro": macro.pk, "body": "Edited: hello."}
    )

    assert response.status_code == 302
    [message] = appeal.messages.all()
    assert (message.kind, message.body) == (Message.Kind.MESSAGE, "Edited: hello.")
    assert Notification.objects.filter(
        recipient=appeal.freelancer, kind=Notification.Kind.NEW_MESSAGE
    ).exists()


def test_an_info_request_macro_asks_and_pauses_the_decision_clock(as_reviewer, appeal):
    macro = _macro(Macro.Effect.INFO_REQUEST)
    body = render_macro(macro, _loaded(appeal), reviewer=appeal.assigned_to)
    response = as_reviewer.post(
        _url("appeals:macro-apply", appeal.pk), {"macro": macro.pk, "body": body}
    )

    assert response.status_code == 302
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.status == Status.AWAITING_FREELANCER
    [question] = appeal.messages.all()
    assert question.kind == Message.Kind.INFO_REQUEST
    clock = AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.DECISION)
    assert clock.paused_since is not None and clock.due_at is None


def test_a_note_macro_adds_an_internal_note_without_a_claim(client, appeal):
    outsider = ReviewerFactory()
    _in_queue_of(appeal, outsider)
    client.force_login(outsider)
    macro = _macro(Macro.Effect.INTERNAL_NOTE)

    response = client.post(
        _url("appeals:macro-apply", appeal.pk), {"macro": macro.pk, "body": "Checked the IDs."}
    )

    assert response.status_code == 302
    [note] = appeal.messages.all()
    assert note.is_internal and note.author == outsider
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED
    assert not Notification.objects.filter(
        recipient=appeal.freelancer,
        kind__in=[Notification.Kind.NEW_MESSAGE, Notification.Kind.INFO_REQUESTED],
    ).exists()


def test_a_message_macro_from_someone_not_holding_the_appeal_is_refused(client, appeal):
    colleague = ReviewerFactory()
    _in_queue_of(appeal, colleague)
    client.force_login(colleague)
    macro = _macro(Macro.Effect.MESSAGE)

    response = client.post(
        _url("appeals:macro-apply", appeal.pk), {"macro": macro.pk, "body": "Hello."}
    )

    assert response.status_code == 422
    assert "Your text is kept below." in response.content.decode()
    assert not appeal.messages.exists()


def test_a_retired_or_other_queue_or_other_language_macro_is_not_offered_nor_applied(
    as_reviewer, appeal
):
    retired = _macro(title="Retired", is_active=False)
    other_queue = _macro(title="Other queue", queue=make_queue("Elsewhere"))
    other_language = _macro(title="Polish", language="pl" if appeal.language != "pl" else "de")
    offered = _macro(title="For everyone")

    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert f'value="{offered.pk}"' in page
    for macro in (retired, other_queue, other_language):
        assert f">{macro.title}</option>" not in page
        response = as_reviewer.post(
            _url("appeals:macro-apply", appeal.pk), {"macro": macro.pk, "body": "Hello."}
        )
        assert response.status_code == 422
    assert not appeal.messages.exists()


# --- The note composer -------------------------------------------------------------------------


def test_the_reply_form_has_no_internal_checkbox_and_the_note_has_its_own_form(as_reviewer, appeal):
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()

    assert 'name="internal"' not in page
    assert f'action="{_url("appeals:review-note", appeal.pk)}"' in page
    assert 'class="review-form composer composer-note"' in page
    # A reply posted with the old checkbox is a reply: the note is its own form.
    as_reviewer.post(_url("appeals:review-message", appeal.pk), {"body": "Hi", "internal": "on"})
    assert appeal.messages.get().kind == Message.Kind.MESSAGE


def test_an_empty_note_is_refused_beside_the_field(as_reviewer, appeal):
    response = as_reviewer.post(_url("appeals:review-note", appeal.pk), {"body": ""})
    assert response.status_code == 422
    assert 'id="note_body_error"' in response.content.decode() or "required" in (
        response.content.decode()
    )
    assert not appeal.messages.exists()


# --- The live case and presence ----------------------------------------------------------------


def _marker(page: str) -> str:
    return re.search(r'\?marker=([^"]+)"', page).group(1).replace("&amp;", "&")


def test_an_idle_poll_answers_204_after_one_query(as_reviewer, appeal):
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    live_url = _url("appeals:review-live", appeal.pk) + "?marker=" + _marker(page)

    with CaptureQueriesContext(connection) as queries:
        response = as_reviewer.get(live_url)

    assert response.status_code == 204
    # Session and user are read by the middleware; the poll itself reads only the marker.
    poll_queries = [q["sql"] for q in queries if "appeals_appeal" in q["sql"]]
    assert len(poll_queries) == 1, poll_queries
    # All in: session, user, roles and the marker (bench/live_poll.py measures the same 4).
    assert len(queries) <= 4, [q["sql"] for q in queries]


def test_a_new_message_status_or_claim_change_reaches_the_open_page(as_reviewer, appeal, reviewer):
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    live_url = _url("appeals:review-live", appeal.pk) + "?marker=" + _marker(page)

    services.post_message(appeal, author=appeal.freelancer, body="Here is my bill.")
    response = as_reviewer.get(live_url)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<section id="thread" aria-labelledby="thread-heading" hx-swap-oob="true">' in content
    assert "Here is my bill." in content
    assert "The case changed while you had it open" in content
    assert 'id="live-poll" hidden hx-swap-oob="true"' in content
    new_url = _url("appeals:review-live", appeal.pk) + "?marker=" + _marker(content)
    assert as_reviewer.get(new_url).status_code == 204

    services.request_information(appeal, reviewer=reviewer, question="And the lease?")
    changed = as_reviewer.get(new_url).content.decode()
    assert "Waiting for the freelancer" in changed
    assert (
        'id="appeal-status" aria-labelledby="appeal-status-heading" hx-swap-oob="true"' in changed
    )


def test_a_second_reviewer_sees_the_presence_banner_and_the_first_learns_it_at_the_next_poll(
    client, as_reviewer, appeal, reviewer
):
    reviewer.display_name = "Riley Reviewer"
    reviewer.save()
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert "Also open now by" not in page

    other = ReviewerFactory(display_name="Quinn Other")
    _in_queue_of(appeal, reviewer, other)
    from django.test import Client

    second = Client()
    second.force_login(other)
    their_page = second.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert "Also open now by Riley Reviewer." in their_page

    poll = as_reviewer.get(_url("appeals:review-live", appeal.pk) + "?marker=" + _marker(page))
    assert poll.status_code == 200
    assert "Also open now by Quinn Other." in poll.content.decode()
    # Only the people changed, not the case: the page must not claim it did.
    assert "The case changed while you had it open" not in poll.content.decode()


def _slots(content: str) -> set[str]:
    """The composer slots a live answer replaces (swapped out of band)."""
    return set(
        re.findall(r'<div id="composer-(\w+)" class="composer-slot" hx-swap-oob="true">', content)
    )


def _poll(client, appeal: Appeal, page: str) -> str:
    response = client.get(_url("appeals:review-live", appeal.pk) + "?marker=" + _marker(page))
    assert response.status_code == 200
    return response.content.decode()


def test_the_live_poll_replaces_only_the_composers_that_no_longer_apply(
    as_reviewer, appeal, reviewer
):
    """Asked, answered, taken by another reviewer, decided: each change replaces the forms that
    no longer apply, and never the ones that still do (their typed text stays in the page)."""
    _in_queue_of(appeal, reviewer)
    _macro(title="Note macro", effect=Macro.Effect.INTERNAL_NOTE, body="Checked.")
    _macro(title="Message macro", body="Thank you.")
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert set(re.findall(r'<div id="composer-(\w+)" class="composer-slot"', page)) == {
        "reply",
        "macro",
        "ask",
        "decide",
        "reassign",
    }
    assert "Message macro" in page

    # The holder asks: the question form goes while waiting; reply and decision stay as typed.
    services.request_information(appeal, reviewer=reviewer, question="Your bill, please?")
    asked = _poll(as_reviewer, appeal, page)
    assert _slots(asked) == {"ask"}
    assert "A question is waiting for the freelancer's answer." in asked
    assert 'name="question"' not in asked
    # Only the decision form's "not answered yet" line follows the status.
    assert '<p id="decide-waiting" hx-swap-oob="true">' in asked

    # The freelancer answers: the question form is back, the rest untouched.
    services.post_message(appeal, author=appeal.freelancer, body="Attached.")
    answered = _poll(as_reviewer, appeal, asked)
    assert _slots(answered) == {"ask"}
    assert 'name="question"' in answered
    assert '<p id="decide-waiting" hx-swap-oob="true" hidden>' in answered

    # Another reviewer takes the case: reply, question and decision go; a claim is offered
    # nowhere (Quinn holds it); only internal-note macros remain; the note composer is untouched.
    quinn = ReviewerFactory(display_name="Quinn Other")
    _in_queue_of(appeal, reviewer, quinn)
    hand_over(appeal, quinn)
    taken = _poll(as_reviewer, appeal, answered)
    assert _slots(taken) == {"reply", "macro", "ask", "decide", "reassign"}
    assert "Quinn Other holds this appeal: only they reply to the freelancer" in taken
    for gone in ('name="body" ', 'name="question"', 'class="decision-form"'):
        assert gone not in taken
    assert "Note macro" in taken and "Message macro" not in taken
    assert 'id="note_body"' not in taken  # the note composer is never replaced

    # Quinn decides: everything that was for an open appeal goes.
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons="The messages show the request.",
        versions=list(appeal.action.cited_versions.all()),
        decided_by=quinn,
    )
    decided = _poll(as_reviewer, appeal, taken)
    assert _slots(decided) == {"reply", "macro", "ask", "decide", "reassign"}
    assert "This appeal is decided: nothing more can be sent or decided." in decided
    assert "Canned reply" not in decided


def test_a_withdrawal_replaces_the_holders_composers_and_a_new_message_replaces_none(
    as_reviewer, appeal
):
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    services.post_message(appeal, author=appeal.freelancer, body="One more thing.")
    message = _poll(as_reviewer, appeal, page)
    assert _slots(message) == set()
    assert "One more thing." in message

    services.withdraw_appeal(appeal, by=appeal.freelancer, reason="Sorted out.")
    withdrawn = _poll(as_reviewer, appeal, message)
    assert _slots(withdrawn) == {"reply", "macro", "ask", "decide", "reassign"}
    assert "This appeal is withdrawn: nothing more can be sent or decided." in withdrawn
    assert 'class="decision-form"' not in withdrawn


def test_a_reviewer_who_does_not_hold_the_case_gets_the_claim_not_the_reply(
    client, appeal, reviewer
):
    other = ReviewerFactory(display_name="Quinn Other")
    _in_queue_of(appeal, reviewer, other)
    client.force_login(other)
    page = client.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert f"{reviewer} holds this appeal: only they reply to the freelancer" in page
    for absent in ('aria-keyshortcuts="r"', 'aria-keyshortcuts="i"', 'class="decision-form"'):
        assert absent not in page
    assert 'aria-keyshortcuts="n"' in page

    # Released to the queue while Quinn has the page open: the poll offers the claim.
    claims.release_appeal(appeal, by=reviewer)
    released = _poll(client, appeal, page)
    assert "Nobody holds this appeal: claim it (above)" in released
    assert "Claim this appeal</button>" in released
    assert _slots(released) == {"reply", "ask", "reassign"}


def test_the_live_poll_is_404_for_an_unknown_appeal_and_403_for_a_freelancer(client, appeal):
    client.force_login(appeal.freelancer)
    assert client.get(_url("appeals:review-live", appeal.pk)).status_code == 403
    client.force_login(ReviewerFactory())
    assert client.get(_url("appeals:review-live", appeal.pk + 999)).status_code == 404


# --- Confirm steps ------------------------------------------------------------------------------


def test_a_decision_without_the_confirm_tick_is_refused_and_records_nothing(as_reviewer, appeal):
    data = {
        "outcome": Appeal.Outcome.OVERTURNED,
        "reasons": "The invoice shows the client paid through the marketplace.",
        "versions": [v.pk for v in appeal.action.cited_versions.all()],
    }
    response = as_reviewer.post(_url("appeals:review-decide", appeal.pk), data)

    content = response.content.decode()
    assert response.status_code == 422
    assert "Tick this box to confirm: this step cannot be undone." in content
    assert escape(data["reasons"]) in content  # what the reviewer typed stays
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED

    response = as_reviewer.post(_url("appeals:review-decide", appeal.pk), data | {"confirm": "on"})
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Status.DECIDED


def test_release_asks_first_on_a_page_of_its_own(as_reviewer, appeal, reviewer):
    url = _url("appeals:review-release", appeal.pk)
    response = as_reviewer.post(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert f"Release appeal #{appeal.pk} to its queue?" in content
    assert '<input type="hidden" name="confirm" value="yes">' in content
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == reviewer

    assert as_reviewer.post(url, {"confirm": "yes"}).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None


def test_a_lead_reassigns_from_the_workspace_after_a_confirm_step(client, appeal, reviewer):
    lead = make_reviewer(factory=LeadFactory)
    target = make_reviewer(display_name="Tara Target")
    client.force_login(lead)
    url = _url("appeals:review-reassign", appeal.pk)

    page = client.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert f'action="{url}"' in page
    asked = client.post(url, {"to": target.pk})
    assert "Reassign appeal" in asked.content.decode()
    assert f'name="to" value="{target.pk}"' in asked.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == reviewer

    assert client.post(url, {"to": target.pk, "confirm": "yes"}).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == target


def test_a_reviewer_cannot_reassign(as_reviewer, appeal):
    target = make_reviewer()
    response = as_reviewer.post(
        _url("appeals:review-reassign", appeal.pk), {"to": target.pk, "confirm": "yes"}
    )
    assert response.status_code == 403
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    assert _url("appeals:review-reassign", appeal.pk) not in page


# --- Shortcuts ----------------------------------------------------------------------------------


def test_the_shortcuts_are_announced_and_listed(as_reviewer, appeal):
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()
    for key in ("r", "n", "i", "c"):
        assert f'aria-keyshortcuts="{key}"' in page
    assert "Keyboard shortcuts" in page and "<kbd>?</kbd>" in page
    assert "/static/js/workspace.js" in page
    assert "<script>" not in page and " style=" not in page


# --- Previews ----------------------------------------------------------------------------------


def _upload(name: str, content: bytes):
    return validate_upload(SimpleUploadedFile(name, content))


def test_images_and_pdfs_are_previewed_inline(as_reviewer, freelancer, reviewer):
    appeal = make_appeal(
        make_action(freelancer, decided_by=ReviewerFactory()),
        uploads=[_upload("bill.pdf", pdf_bytes()), _upload("photo.png", png_bytes((40, 30)))],
        claimed_by=reviewer,
    )
    pdf, png = appeal.attachments.order_by("id")
    page = as_reviewer.get(_url("appeals:review-detail", appeal.pk)).content.decode()

    assert f'<img src="{_url("appeals:attachment-preview", pdf.pk)}"' in page
    assert f'<img src="{png.get_absolute_url()}"' in page

    preview = as_reviewer.get(_url("appeals:attachment-preview", pdf.pk))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "image/png"
    assert preview.content.startswith(b"\x89PNG\r\n\x1a\n")
    # Drawn once, then kept in the cache by the file's hash (attachments never change).
    assert cache.get(f"pdf-first-page:{pdf.sha256}:640") == preview.content
    # Only PDFs have a drawn preview; a freelancer gets none.
    assert as_reviewer.get(_url("appeals:attachment-preview", png.pk)).status_code == 404
    as_reviewer.force_login(freelancer)
    assert as_reviewer.get(_url("appeals:attachment-preview", pdf.pk)).status_code == 403


# --- Leads manage macros -----------------------------------------------------------------------


def test_a_lead_creates_edits_retires_and_restores_a_macro_and_each_change_is_audited(client, lead):
    client.force_login(lead)
    queue = make_queue("Payments")
    assert client.get(_url("appeals:macro-list")).status_code == 200

    response = client.post(
        _url("appeals:macro-create"),
        {
            "title": "Ask for the invoice",
            "body": "Dear {{ freelancer.first_name }}, please send the invoice.",
            "effect": Macro.Effect.INFO_REQUEST,
            "queue": queue.pk,
            "language": "de",
        },
    )
    assert response.status_code == 302
    macro = Macro.objects.get(title="Ask for the invoice")
    assert (macro.effect, macro.queue, macro.language) == ("info_request", queue, "de")

    client.post(
        _url("appeals:macro-edit", macro.pk),
        {"title": macro.title, "body": "Please send the invoice.", "effect": "message"},
    )
    client.post(_url("appeals:macro-set-active", macro.pk), {"active": "no"})
    assert not Macro.objects.get(pk=macro.pk).is_active
    client.post(_url("appeals:macro-set-active", macro.pk), {"active": "yes"})
    assert Macro.objects.get(pk=macro.pk).is_active

    events = AuditEvent.objects.filter(
        object_type="appeals.macro", object_id=str(macro.pk)
    ).order_by("id")
    verbs = list(events.filter(verb__startswith="macro.").values_list("verb", flat=True))
    assert verbs == ["macro.created", "macro.changed", "macro.retired", "macro.restored"]
    # A macro is configuration too (issue #11): each save also writes its `config.*` event.
    config_verbs = list(events.filter(verb__startswith="config.").values_list("verb", flat=True))
    assert config_verbs == ["config.created", "config.changed", "config.changed", "config.changed"]
    changed = AuditEvent.objects.get(verb="macro.changed", object_id=str(macro.pk))
    assert set(changed.data["after"]) == {"body", "effect", "queue", "language"}


def test_a_bad_macro_re_renders_with_the_text_typed_and_the_error_beside_it(client, lead):
    client.force_login(lead)
    typed = "Hello {{ freelancer.pasword }}"
    response = client.post(
        _url("appeals:macro-create"), {"title": "Typo", "body": typed, "effect": "message"}
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert "placeholder that does not exist" in content
    assert escape(typed) in content
    assert not Macro.objects.exists()
    assert not AuditEvent.objects.filter(object_type="appeals.macro").exists()


def test_reviewers_cannot_manage_macros(as_reviewer):
    macro = _macro()
    assert as_reviewer.get(_url("appeals:macro-list")).status_code == 403
    assert as_reviewer.post(_url("appeals:macro-create"), {}).status_code == 403
    assert as_reviewer.post(_url("appeals:macro-set-active", macro.pk), {}).status_code == 403
    assert Macro.objects.get(pk=macro.pk).is_active


# --- Constant queries ---------------------------------------------------------------------------


def _grown_case(size: int, *, reviewer) -> Appeal:
    """An appeal whose thread, previews and account history grow with `size`: messages with
    PDF and PNG attachments, notes, and other actions with appeals on the same account."""
    freelancer = FreelancerFactory()
    decider = ReviewerFactory()
    for index in range(size):
        other = make_action(freelancer, decided_by=decider)
        if index % 2 == 0:
            make_appeal(other)
    appeal = make_appeal(
        make_action(freelancer, decided_by=decider),
        uploads=[_upload("permit.pdf", pdf_bytes()), _upload("photo.png", png_bytes())],
        claimed_by=reviewer,
    )
    for index in range(size):
        services.post_message(
            appeal,
            author=freelancer,
            body=f"File {index}.",
            uploads=[_upload(f"bill-{index}.pdf", pdf_bytes()), _upload("p.png", png_bytes())],
        )
        services.post_message(appeal, author=reviewer, body=f"Note {index}.", internal=True)
    _macro(title=f"Macro for {size}")
    return appeal


def _count(client, url: str, status: int = 200) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status
    return len(queries)


def test_the_workspace_and_its_live_update_run_the_same_queries_as_the_case_grows(
    as_reviewer, reviewer
):
    small, large = _grown_case(1, reviewer=reviewer), _grown_case(15, reviewer=reviewer)
    assert large.attachments.count() == 32 and large.messages.count() == 30

    def costs(appeal: Appeal) -> tuple[int, int, int]:
        page_url = _url("appeals:review-detail", appeal.pk)
        page = as_reviewer.get(page_url).content.decode()
        assert page.count("<img ") == 2 * appeal.messages.exclude(kind="internal_note").count() + 2
        live_url = _url("appeals:review-live", appeal.pk)
        return (
            _count(as_reviewer, page_url),
            _count(as_reviewer, f"{live_url}?marker=stale"),
            _count(as_reviewer, f"{live_url}?marker={_marker(page)}", status=204),
        )

    assert costs(small) == costs(large)
