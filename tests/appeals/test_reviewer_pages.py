"""The reviewer's pages: the appeal list, the case view with everything staff may see, its forms."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AuditEvent
from appeals import services
from appeals.models import Appeal, AppealEvent, Macro
from appeals.uploads import CleanUpload, validate_upload
from demo.data import MACROS
from enforcement.models import ClientCorrection, EnforcementAction
from tests.factories import (
    FreelancerFactory,
    ReasonCodeFactory,
    ReviewerFactory,
    claim,
    give_track_record,
    hand_over,
    in_queue,
    make_action,
    make_appeal,
    make_queue,
    published_version,
)

pytestmark = pytest.mark.django_db

Status = Appeal.Status
APPROVE = {"approve-confirm": "on"}
REASONS = "The invoice you sent shows the client paid through the marketplace. We were wrong."
INTERNAL_NOTE = "INTERNAL: same device as an account closed in March; do not tell them."
ALREADY_DECIDED = "This appeal was already decided, so nothing was recorded."
MACRO_BODY = "Thank you for your appeal. Could you send us the invoice for this contract?"


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
def original_decider(db):
    return ReviewerFactory(display_name="Olga Original")


@pytest.fixture
def second_reviewer(db):
    return ReviewerFactory(display_name="Sam Second")


@pytest.fixture
def action(freelancer, original_decider):
    return make_action(freelancer, decided_by=original_decider, client_notices=2)


@pytest.fixture
def appeal(action, reviewer, second_reviewer):
    """An appeal the `reviewer` persona (signed in by `as_reviewer`) holds, in a queue that
    `second_reviewer` is a member of too."""
    appeal = make_appeal(action, uploads=[_text_upload("invoice-3-may.txt")], claimed_by=reviewer)
    return in_queue(appeal, reviewer, second_reviewer)


@pytest.fixture
def macro(db):
    return Macro.objects.create(title="Ask for the invoice", body=MACRO_BODY)


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


def _text_upload(name: str = "note.txt") -> CleanUpload:
    return validate_upload(SimpleUploadedFile(name, b"Paid via the marketplace on 3 May.\n"))


def _url(name: str, appeal: Appeal | None = None) -> str:
    return reverse(name, args=[appeal.pk] if appeal else [])


def _decision(action: EnforcementAction, outcome: str = Appeal.Outcome.OVERTURNED) -> dict:
    return {
        "outcome": outcome,
        "reasons": REASONS,
        "versions": [version.pk for version in action.cited_versions.all()],
        "confirm": "on",
    }


def _page(client, appeal: Appeal) -> str:
    response = client.get(_url("appeals:review-detail", appeal))
    assert response.status_code == 200
    return response.content.decode()


# --- Who may use each view ------------------------------------------------------------------

GET_VIEWS = [
    "appeals:review-list",
    "appeals:review-detail",
    "appeals:macro-preview",
    "appeals:review-live",
]
POST_VIEWS = [
    "appeals:review-message",
    "appeals:review-note",
    "appeals:macro-apply",
    "appeals:review-request-info",
    "appeals:review-decide",
    "appeals:review-approve",
    "appeals:review-return",
    "appeals:review-claim",
    "appeals:review-release",
]


def _view_url(name: str, appeal: Appeal, macro: Macro) -> str:
    if name == "appeals:review-list":
        return _url(name)
    if name == "appeals:macro-preview":
        return f"{_url(name, appeal)}?macro={macro.pk}"
    return _url(name, appeal)


@pytest.mark.parametrize("name", GET_VIEWS + POST_VIEWS)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, appeal, macro, name):
    url = _view_url(name, appeal, macro)
    response = client.post(url) if name in POST_VIEWS else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", GET_VIEWS + POST_VIEWS)
def test_a_freelancer_gets_403_even_for_their_own_appeal(client, appeal, macro, name):
    client.force_login(appeal.freelancer)
    url = _view_url(name, appeal, macro)
    response = client.post(url) if name in POST_VIEWS else client.get(url)
    assert response.status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("name", GET_VIEWS)
def test_a_reviewer_gets_each_page(as_reviewer, appeal, macro, name):
    assert as_reviewer.get(_view_url(name, appeal, macro)).status_code == 200


@pytest.mark.parametrize("name", GET_VIEWS + POST_VIEWS)
def test_the_wrong_method_gets_405(as_reviewer, appeal, macro, name):
    url = _view_url(name, appeal, macro)
    response = as_reviewer.get(url) if name in POST_VIEWS else as_reviewer.post(url)
    assert response.status_code == 405


def test_an_unknown_appeal_is_404(as_reviewer, appeal):
    assert (
        as_reviewer.get(reverse("appeals:review-detail", args=[appeal.pk + 999])).status_code == 404
    )


# --- The case view --------------------------------------------------------------------------


def test_the_reviewer_sees_the_internal_evidence_detail_marked_as_internal(as_reviewer, appeal):
    content = _page(as_reviewer, appeal)
    for item in appeal.action.evidence_items.all():
        assert escape(item.summary) in content
        assert escape(item.internal_detail) in content
    assert "Internal — never shown to the freelancer" in content


def test_the_reviewer_sees_internal_notes_labelled_and_apart_from_messages(
    as_reviewer, appeal, reviewer
):
    services.post_message(appeal, author=reviewer, body="Please send the invoice.")
    services.post_message(appeal, author=reviewer, body=INTERNAL_NOTE, internal=True)

    content = _page(as_reviewer, appeal)

    assert "Please send the invoice." in content
    assert escape(INTERNAL_NOTE) in content
    assert "Internal note — never shown to the freelancer" in content
    assert content.count("thread-internal_note") == 1


def test_the_case_view_shows_the_statement_the_attachments_the_decider_and_the_clock(
    as_reviewer, appeal, original_decider
):
    content = _page(as_reviewer, appeal)

    assert escape(appeal.statement) in content
    assert "invoice-3-may.txt" in content
    attachment = appeal.attachments.get()
    assert attachment.get_absolute_url() in content
    assert f"{original_decider} ({original_decider.email})" in content
    assert "Decision promised by" in content
    assert "Lift the action completely" in content
    for notice in appeal.action.client_notices.all():
        assert escape(notice.text) in content
    # The appeal's own timeline: filing is its first event.
    assert "Appeal filed." in content


def test_the_case_view_lists_the_accounts_other_actions_and_their_appeals(
    as_reviewer, appeal, freelancer, original_decider
):
    earlier = make_action(freelancer, decided_by=original_decider)
    earlier_appeal = make_appeal(earlier)
    unappealed = make_action(freelancer, decided_by=original_decider)

    content = _page(as_reviewer, appeal)

    assert f"#{earlier.pk}" in content
    assert _url("appeals:review-detail", earlier_appeal) in content
    assert f"#{unappealed.pk}" in content
    assert "No appeal" in content


def test_the_original_decider_gets_a_404_and_the_attempt_is_audited(
    client, appeal, original_decider
):
    client.force_login(original_decider)

    response = client.get(_url("appeals:review-detail", appeal))

    assert response.status_code == 404
    assert "Olga Original" not in response.content.decode()
    refused = AuditEvent.objects.get(verb="appeal.decider_refused")
    assert (refused.actor, refused.object_id) == (original_decider, str(appeal.pk))


def test_the_decision_form_preselects_the_versions_the_action_cited(as_reviewer, appeal):
    not_cited = published_version()
    [cited] = appeal.action.cited_versions.all()

    content = _page(as_reviewer, appeal)

    checkboxes = re.findall(r'name="versions" value="(\d+)"[^>]*?( checked)?>', content)
    assert dict(checkboxes) == {str(cited.pk): " checked", str(not_cited.pk): ""}


def test_an_htmx_request_gets_only_the_review_panel(as_reviewer, appeal):
    response = as_reviewer.get(_url("appeals:review-detail", appeal), HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="review-panel"')
    assert "<html" not in content
    assert "<h1>" not in content  # the workspace (both panes), not the page around it
    assert "The action under appeal" in content


# --- Deciding ---------------------------------------------------------------------------------


def test_deciding_to_overturn_lifts_the_action_releases_the_funds_and_corrects_the_clients(
    as_reviewer, appeal, reviewer
):
    action = appeal.action
    response = as_reviewer.post(_url("appeals:review-decide", appeal), _decision(action))

    assert response.status_code == 302
    assert response.url == _url("appeals:review-detail", appeal)
    appeal.refresh_from_db()
    action.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decided_by) == (
        Status.DECIDED,
        Appeal.Outcome.OVERTURNED,
        reviewer,
    )
    assert appeal.decision_reasons == REASONS
    assert action.status == EnforcementAction.Status.LIFTED
    assert action.funds_released_amount == action.funds_held_amount > 0
    assert ClientCorrection.objects.filter(notice__action=action).count() == 2

    content = as_reviewer.get(response.url).content.decode()
    assert "Decision recorded and the freelancer notified." in content
    assert "Decision: Overturned" in content
    assert escape(REASONS) in content
    assert "Correction written on" in content


@pytest.mark.parametrize("second", ["holder-again", "another-reviewer"])
def test_a_second_decision_gets_a_clear_message_and_records_nothing(
    client, appeal, reviewer, second_reviewer, second
):
    client.force_login(reviewer)
    client.post(_url("appeals:review-decide", appeal), _decision(appeal.action))
    # The holder submitting again (a second tab), or another reviewer with the page still open.
    client.force_login(reviewer if second == "holder-again" else second_reviewer)

    response = client.post(
        _url("appeals:review-decide", appeal),
        _decision(appeal.action, outcome=Appeal.Outcome.UPHELD),
    )

    assert response.status_code == 422
    assert ALREADY_DECIDED in response.content.decode()
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.decided_by) == (Appeal.Outcome.OVERTURNED, reviewer)
    assert AppealEvent.objects.filter(appeal=appeal, to_status=Status.DECIDED).count() == 1


def test_the_original_decider_cannot_decide_by_posting_and_nothing_changes(
    client, appeal, original_decider
):
    client.force_login(original_decider)
    events = AppealEvent.objects.count()

    response = client.post(_url("appeals:review-decide", appeal), _decision(appeal.action))

    assert response.status_code == 404
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.decided_by) == (Status.SUBMITTED, "", None)
    assert appeal.action.status == EnforcementAction.Status.ACTIVE
    assert AppealEvent.objects.count() == events
    assert not ClientCorrection.objects.exists()


def test_an_incomplete_decision_over_htmx_shows_the_errors_in_the_panel(as_reviewer, appeal):
    response = as_reviewer.post(
        _url("appeals:review-decide", appeal),
        {"outcome": Appeal.Outcome.OVERTURNED, "reasons": ""},
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert content.lstrip().startswith('<div id="review-panel"')
    assert "This field is required." in content
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


def test_a_decision_over_htmx_sends_the_browser_to_the_updated_page(as_reviewer, appeal):
    response = as_reviewer.post(
        _url("appeals:review-decide", appeal), _decision(appeal.action), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("appeals:review-detail", appeal)


@pytest.fixture
def termination_appeal(freelancer, original_decider, reviewer, second_reviewer):
    action = make_action(
        freelancer,
        decided_by=original_decider,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    return in_queue(make_appeal(action, claimed_by=reviewer), reviewer, second_reviewer)


def test_upholding_a_termination_needs_another_reviewers_approval(
    client, termination_appeal, reviewer, second_reviewer
):
    appeal = termination_appeal
    client.force_login(reviewer)
    client.post(
        _url("appeals:review-decide", appeal),
        _decision(appeal.action, outcome=Appeal.Outcome.UPHELD),
    )
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SECOND_REVIEW
    content = _page(client, appeal)
    assert "You proposed this decision, so you cannot approve it yourself" in content
    assert _url("appeals:review-approve", appeal) not in content

    response = client.post(_url("appeals:review-approve", appeal), APPROVE, follow=True)

    assert "A second review needs a different reviewer from the first one." in (
        response.content.decode()
    )
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SECOND_REVIEW

    client.force_login(second_reviewer)
    assert _url("appeals:review-approve", appeal) in _page(client, appeal)
    response = client.post(_url("appeals:review-approve", appeal), APPROVE)

    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, appeal.approved_by) == (
        Status.DECIDED,
        reviewer,
        second_reviewer,
    )


def test_the_second_reviewer_returns_a_proposal_with_a_reason(
    client, termination_appeal, reviewer, second_reviewer
):
    appeal = termination_appeal
    client.force_login(reviewer)
    client.post(
        _url("appeals:review-decide", appeal),
        _decision(appeal.action, outcome=Appeal.Outcome.UPHELD),
    )
    client.force_login(second_reviewer)

    empty = client.post(_url("appeals:review-return", appeal), {"reason": ""})
    assert empty.status_code == 422
    response = client.post(
        _url("appeals:review-return", appeal), {"reason": "Ask for proof of address first."}
    )

    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Status.IN_REVIEW
    # The reason is deliberation among reviewers: an internal note on the page, not the event.
    content = _page(client, appeal)
    assert "Ask for proof of address first." in content
    assert content.count("thread-internal_note") == 1
    returned = appeal.events.filter(to_status=Status.IN_REVIEW).latest("id")
    assert "proof of address" not in returned.reason


# --- Messages, questions and canned replies ------------------------------------------------


def test_a_reviewer_writes_an_internal_note_from_the_page(as_reviewer, appeal):
    response = as_reviewer.post(_url("appeals:review-note", appeal), {"body": INTERNAL_NOTE})

    assert response.status_code == 302
    [note] = appeal.messages.all()
    assert note.is_internal
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


def test_a_reviewer_asks_for_information_and_the_page_says_the_clock_is_paused(as_reviewer, appeal):
    response = as_reviewer.post(
        _url("appeals:review-request-info", appeal),
        {"question": "Please send the invoice for contract C-1."},
        follow=True,
    )

    assert Appeal.objects.get(pk=appeal.pk).status == Status.AWAITING_FREELANCER
    content = response.content.decode()
    assert "Waiting for the freelancer" in content
    assert "A question is waiting for the freelancer" in content
    # Deciding without the answer stays possible (a freelancer who never replies must not
    # block the appeal), and the page says the question is still open.
    assert "The freelancer has not answered your question yet. You can still decide" in content
    assert 'action="' + _url("appeals:review-decide", appeal) + '"' in content


def test_a_message_to_a_decided_appeal_is_refused_with_a_clear_message(
    as_reviewer, appeal, second_reviewer
):
    hand_over(appeal, second_reviewer)
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=second_reviewer,
    )

    response = as_reviewer.post(_url("appeals:review-message", appeal), {"body": "Hello?"})

    assert response.status_code == 422
    assert ALREADY_DECIDED in response.content.decode()
    assert not appeal.messages.exists()


def test_previewing_a_macro_over_htmx_returns_the_text_filled_in(as_reviewer, appeal, macro):
    response = as_reviewer.get(
        _url("appeals:macro-preview", appeal), {"macro": macro.pk}, HTTP_HX_REQUEST="true"
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="macro-preview"')
    assert f"{escape(MACRO_BODY)}</textarea>" in content
    assert "<html" not in content


def test_previewing_a_macro_without_javascript_renders_the_whole_page_filled_in(
    as_reviewer, appeal, macro
):
    response = as_reviewer.get(_url("appeals:macro-preview", appeal), {"macro": macro.pk})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" in content
    assert f"{escape(MACRO_BODY)}</textarea>" in content
    assert f'<option value="{macro.pk}" selected>' in content


def test_an_empty_or_unknown_macro_choice_changes_nothing(as_reviewer, appeal, macro):
    for choice in ("", "not-a-number", str(macro.pk + 99)):
        fragment = as_reviewer.get(
            _url("appeals:macro-preview", appeal), {"macro": choice}, HTTP_HX_REQUEST="true"
        )
        page = as_reviewer.get(_url("appeals:macro-preview", appeal), {"macro": choice})
        assert fragment.status_code == 204
        assert page.status_code == 422
        assert MACRO_BODY not in page.content.decode()


def test_an_inactive_macro_cannot_be_previewed(as_reviewer, appeal, macro):
    Macro.objects.filter(pk=macro.pk).update(is_active=False)
    response = as_reviewer.get(_url("appeals:macro-preview", appeal), {"macro": macro.pk})
    assert response.status_code == 422


# --- Constant queries -------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _busy_appeal(size: int, *, reviewer, decider, version, reason_code) -> Appeal:
    """An appeal with `size` messages with attachments, events, and an account history of `size`
    other actions (strikes on some, expired on others) with appeals in every state (open,
    decided each way, withdrawn), and a synced track record with badges."""
    freelancer = FreelancerFactory()
    give_track_record(
        freelancer, years=7, earnings="120000", badges=["top_rated", "expert_vetted"], score="4.9"
    )
    common = {"version": version, "reason_code": reason_code, "decided_by": decider}
    now = timezone.now()
    outcomes = [Appeal.Outcome.UPHELD, Appeal.Outcome.OVERTURNED, None, "withdrawn"]
    for index in range(size):
        other = make_action(
            freelancer,
            strike_count=index % 3,
            strikes_expire_on=(now + timedelta(days=90 * (index % 5 + 1))).date()
            if index % 3
            else None,
            **common,
        )
        if index % 2:
            continue
        past = make_appeal(other, claimed_by=reviewer)
        outcome = outcomes[(index // 2) % len(outcomes)]
        if outcome == "withdrawn":
            services.withdraw_appeal(past, by=freelancer, reason="Sorted out.")
        elif outcome is not None:
            services.decide_appeal(
                past, outcome=outcome, reasons="Read.", versions=[version], decided_by=reviewer
            )
    appeal = make_appeal(
        make_action(freelancer, **common),
        uploads=[_text_upload() for _ in range(min(size, 5))],
        claimed_by=reviewer,
    )
    for index in range(size):
        services.request_information(appeal, reviewer=reviewer, question=f"Question {index}?")
        services.post_message(
            appeal, author=freelancer, body=f"Answer {index}.", uploads=[_text_upload()]
        )
        services.post_message(
            appeal, author=reviewer, body=f"Note {index}.", uploads=[_text_upload()], internal=True
        )
    return appeal


def _history_shown(page: str, appeal: Appeal) -> None:
    """The track record and every action of the account are on the page."""
    track = page[page.index('<section id="track-record"') :]
    track = track[: track.index("</section>")]
    assert "Member since" in track and "120000" in track and "Expert-Vetted" in track
    count = EnforcementAction.objects.filter(account=appeal.freelancer).count()
    assert track.count('<th scope="row">') == count
    strikes = EnforcementAction.objects.filter(account=appeal.freelancer, strike_count__gt=0)
    assert track.count("(action #") == strikes.count()


def test_the_case_view_runs_the_same_queries_for_1_or_30_messages_events_and_actions(
    as_reviewer, reviewer, original_decider
):
    version = published_version()
    common = {
        "reviewer": reviewer,
        "decider": original_decider,
        "version": version,
        "reason_code": ReasonCodeFactory(rule=version.rule),
    }
    small = _busy_appeal(1, **common)
    large = _busy_appeal(30, **common)
    assert large.events.count() >= 60 and large.messages.count() == 90

    assert EnforcementAction.objects.filter(account=large.freelancer).count() == 31
    assert Appeal.objects.filter(freelancer=large.freelancer, status=Status.DECIDED).count() >= 6
    for appeal in (small, large):
        _history_shown(_page(as_reviewer, appeal), appeal)

    small_count = _queries(as_reviewer, _url("appeals:review-detail", small))
    assert small_count == _queries(as_reviewer, _url("appeals:review-detail", large))
    # Issue #13's budget for the case page: session, user, permissions and roles (one query),
    # the appeal with its action and clocks, thread, files, events, the statement's four
    # prefetches, other actions, the inbox badge, and the two pickers of the open appeal.
    assert small_count <= 15


def test_a_decided_case_runs_the_same_queries_for_1_or_30_and_stays_within_15(
    as_reviewer, reviewer, original_decider
):
    version = published_version()
    common = {
        "reviewer": reviewer,
        "decider": original_decider,
        "version": version,
        "reason_code": ReasonCodeFactory(rule=version.rule),
    }
    counts = []
    for size in (1, 30):
        appeal = _busy_appeal(size, **common)
        services.decide_appeal(
            appeal,
            outcome=Appeal.Outcome.OVERTURNED,
            reasons="The evidence does not show a breach.",
            versions=[version],
            decided_by=reviewer,
        )
        response = as_reviewer.get(_url("appeals:review-detail", appeal))
        assert version.rule.title in response.content.decode()
        counts.append(_queries(as_reviewer, _url("appeals:review-detail", appeal)))
    assert counts[0] == counts[1] <= 15


def test_the_appeal_list_runs_the_same_queries_for_1_or_30_appeals(
    as_reviewer, reviewer, original_decider
):
    version = published_version()
    reason_code = ReasonCodeFactory(rule=version.rule)
    queue = make_queue(members=[reviewer])

    def appeals(count: int) -> None:
        for _ in range(count):
            appeal = make_appeal(
                make_action(version=version, reason_code=reason_code, decided_by=original_decider)
            )
            in_queue(appeal, queue=queue)

    appeals(1)
    one = _queries(as_reviewer, _url("appeals:review-list"))
    appeals(29)
    thirty = _queries(as_reviewer, _url("appeals:review-list"))

    assert one == thirty
    content = as_reviewer.get(_url("appeals:review-list")).content.decode()
    assert content.count("Appeal #") == 30


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_open_appeals_oldest_first_and_filters_by_status(
    as_reviewer, original_decider, reviewer
):
    queue = make_queue(members=[reviewer])
    oldest, newest, decided = (
        in_queue(make_appeal(decided_by=original_decider), queue=queue) for _ in range(3)
    )
    claim(decided, reviewer)
    services.decide_appeal(
        decided,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons=REASONS,
        versions=list(decided.action.cited_versions.all()),
        decided_by=reviewer,
    )

    content = as_reviewer.get(_url("appeals:review-list")).content.decode()
    assert content.index(f"Appeal #{oldest.pk}<") < content.index(f"Appeal #{newest.pk}<")
    assert f"Appeal #{decided.pk}<" not in content
    assert oldest.action.reason_code.code in content
    assert escape(str(oldest.freelancer)) in content

    content = as_reviewer.get(_url("appeals:review-list"), {"status": "decided"}).content.decode()
    assert f"Appeal #{decided.pk}<" in content
    assert f"Appeal #{oldest.pk}<" not in content
    assert '<option value="decided" selected>' in content


# --- Demo data ----------------------------------------------------------------------------------


def test_the_demo_seed_adds_its_canned_replies_once_and_keeps_a_leads_edits(db):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    first_title, *_ = MACROS[0]
    Macro.objects.filter(title=first_title).update(body="Edited by a lead.")

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())

    assert Macro.objects.count() == len(MACROS)
    assert Macro.objects.get(title=first_title).body == "Edited by a lead."
