"""Only the reviewer holding an appeal writes to the freelancer, asks for information or decides.

Internal notes are open to every reviewer, and a second review is by definition someone else's.
A former holder (claim lapsed, released or reassigned) is refused with a message that says why,
and nothing is recorded. The claim and release buttons of the review page are tested here too.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from appeals import services
from appeals.models import Appeal, AppealClock, AppealEvent, Message
from appeals.operations import claims
from appeals.services import AppealRefused
from enforcement.models import EnforcementAction
from notifications.models import Notification
from tests.factories import (
    LeadFactory,
    ReviewerFactory,
    claim,
    hand_over,
    in_queue,
    make_action,
    make_appeal,
)

pytestmark = pytest.mark.django_db

Status = Appeal.Status
Kind = AppealEvent.Kind
REASONS = "The invoice shows the client paid through the marketplace. We were wrong."
NOT_HELD = "You do not hold this appeal: claim it first."
HELD_BY_ANOTHER = "Another reviewer holds this appeal, so nothing was recorded."


@pytest.fixture
def original_decider(db):
    return ReviewerFactory(display_name="Olga Original")


@pytest.fixture
def holder(db):
    return ReviewerFactory(display_name="Hana Holder")


@pytest.fixture
def appeal(freelancer, original_decider, reviewer, holder):
    """In a queue whose members are `reviewer` and `holder` (and the original decider, who
    still never opens it: see `for_reviewer`)."""
    appeal = make_appeal(make_action(freelancer, decided_by=original_decider))
    return in_queue(appeal, reviewer, holder, original_decider)


def _message(appeal: Appeal, reviewer) -> object:
    return services.post_message(appeal, author=reviewer, body="We are looking at your appeal.")


def _request(appeal: Appeal, reviewer) -> object:
    return services.request_information(appeal, reviewer=reviewer, question="The invoice?")


def _decision(appeal: Appeal, reviewer) -> object:
    return services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=reviewer,
    )


HOLDERS_WORK: dict[str, Callable] = {
    "message": _message,
    "request-information": _request,
    "decision": _decision,
}


def _snapshot(appeal: Appeal) -> dict:
    """Everything the holder's work changes, to prove that a refused attempt changed nothing."""
    fresh = Appeal.objects.get(pk=appeal.pk)
    action = EnforcementAction.objects.get(pk=appeal.action_id)
    return {
        "appeal": (
            fresh.status,
            fresh.outcome,
            fresh.decided_by_id,
            fresh.assigned_to_id,
            fresh.claimed_at,
            fresh.lease_expires_at,
        ),
        "events": list(appeal.events.values_list("kind", "to_status")),
        "messages": list(Message.objects.filter(appeal=appeal).values_list("kind", "body")),
        "notifications": list(
            Notification.objects.filter(appeal=appeal).values_list("kind", flat=True)
        ),
        "clocks": list(
            AppealClock.objects.filter(appeal=appeal).values_list(
                "kind", "stopped_at", "paused_since", "due_at"
            )
        ),
        "action": (action.status, action.funds_released_amount),
    }


# --- A reviewer who does not hold the appeal -----------------------------------------------------


@pytest.mark.parametrize("work", HOLDERS_WORK.values(), ids=HOLDERS_WORK.keys())
def test_a_reviewer_cannot_speak_ask_or_decide_on_an_appeal_nobody_holds(appeal, reviewer, work):
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused, match=NOT_HELD):
        work(appeal, reviewer)

    assert _snapshot(appeal) == before
    assert before["appeal"][0] == Status.SUBMITTED


@pytest.mark.parametrize("work", HOLDERS_WORK.values(), ids=HOLDERS_WORK.keys())
def test_a_reviewer_cannot_speak_ask_or_decide_on_an_appeal_another_reviewer_holds(
    appeal, reviewer, holder, work
):
    claim(appeal, holder)
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused) as refused:
        work(appeal, reviewer)

    assert refused.value.messages == [HELD_BY_ANOTHER]
    # Nothing changed, not even the holder's lease.
    assert _snapshot(appeal) == before


@pytest.mark.parametrize("work", HOLDERS_WORK.values(), ids=HOLDERS_WORK.keys())
def test_the_holder_speaks_asks_and_decides(appeal, holder, work):
    claim(appeal, holder)

    work(appeal, holder)

    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.status in (Status.IN_REVIEW, Status.AWAITING_FREELANCER, Status.DECIDED)
    assert fresh.assigned_to == holder


def test_a_lead_too_must_claim_before_deciding(appeal):
    lead = LeadFactory()
    with pytest.raises(AppealRefused, match=NOT_HELD):
        _decision(appeal, lead)
    claim(appeal, lead)
    _decision(appeal, lead)
    assert Appeal.objects.get(pk=appeal.pk).decided_by == lead


# --- Former holders -----------------------------------------------------------------------------


@pytest.mark.parametrize("work", HOLDERS_WORK.values(), ids=HOLDERS_WORK.keys())
def test_a_former_holder_whose_claim_lapsed_is_refused_with_the_reason(appeal, holder, work):
    claim(appeal, holder)
    later = timezone.now() + timedelta(minutes=settings.APPEAL_LEASE_MINUTES + 1)
    assert claims.expire_leases(now=later) == 1
    before = _snapshot(appeal)

    with time_machine.travel(later, tick=False), pytest.raises(AppealRefused) as refused:
        work(appeal, holder)

    [message] = refused.value.messages
    assert message.startswith(NOT_HELD)
    assert "your claim ended" in message
    assert f"no activity for {settings.APPEAL_LEASE_MINUTES} minutes" in message
    assert "nothing was recorded" in message
    assert _snapshot(appeal) == before
    assert appeal.events.filter(kind=Kind.LEASE_EXPIRED).count() == 1


def test_a_former_holder_can_work_the_appeal_again_once_they_claim_it_again(appeal, holder):
    claim(appeal, holder)
    claims.expire_leases(now=timezone.now() + timedelta(days=1))
    with pytest.raises(AppealRefused, match=NOT_HELD):
        _decision(appeal, holder)

    claim(appeal, holder)
    _decision(appeal, holder)

    assert Appeal.objects.get(pk=appeal.pk).decided_by == holder
    moves = list(appeal.events.exclude(kind=Kind.STATUS).values_list("kind", flat=True))
    assert moves == [Kind.CLAIMED, Kind.LEASE_EXPIRED, Kind.CLAIMED]


@pytest.mark.parametrize("work", HOLDERS_WORK.values(), ids=HOLDERS_WORK.keys())
def test_a_former_holder_who_released_the_appeal_is_refused(appeal, holder, work):
    claim(appeal, holder)
    claims.release_appeal(appeal, by=holder)
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused, match=NOT_HELD):
        work(appeal, holder)
    assert _snapshot(appeal) == before


@pytest.mark.parametrize("work", HOLDERS_WORK.values(), ids=HOLDERS_WORK.keys())
def test_a_former_holder_whose_appeal_a_lead_reassigned_is_refused(appeal, holder, reviewer, work):
    claim(appeal, holder)
    claims.reassign_appeal(appeal, to=reviewer, by=LeadFactory())
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused) as refused:
        work(appeal, holder)
    assert refused.value.messages == [HELD_BY_ANOTHER]
    assert _snapshot(appeal) == before


def test_the_holders_work_renews_the_claim(appeal, holder):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        claim(appeal, holder)
    lease = timedelta(minutes=settings.APPEAL_LEASE_MINUTES)
    with time_machine.travel(start + lease - timedelta(minutes=1), tick=False):
        _message(appeal, holder)

    renewed = Appeal.objects.get(pk=appeal.pk).lease_expires_at
    assert renewed == start + 2 * lease - timedelta(minutes=1)
    # So the sweep at the first lease's end leaves it with its holder.
    assert claims.expire_leases(now=start + lease) == 0
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == holder


# --- Internal notes and second reviews need no claim ----------------------------------------------


def test_any_reviewer_may_add_an_internal_note_without_touching_the_claim(appeal, reviewer, holder):
    claim(appeal, holder)
    lease = Appeal.objects.get(pk=appeal.pk).lease_expires_at

    note = services.post_message(
        appeal, author=reviewer, body="Same device as in March.", internal=True
    )

    assert (note.kind, note.author) == (Message.Kind.INTERNAL_NOTE, reviewer)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.assigned_to, fresh.lease_expires_at, fresh.status) == (
        holder,
        lease,
        Status.SUBMITTED,
    )


def test_a_reviewer_may_add_an_internal_note_to_an_appeal_nobody_holds(appeal, reviewer):
    services.post_message(appeal, author=reviewer, body="Worth a look.", internal=True)
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None
    assert appeal.messages.get().kind == Message.Kind.INTERNAL_NOTE


@pytest.fixture
def proposed(freelancer, original_decider, holder):
    """A permanent termination upheld by its holder, waiting for a second reviewer."""
    action = make_action(
        freelancer,
        decided_by=original_decider,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    appeal = make_appeal(action, claimed_by=holder)
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(action.cited_versions.all()),
        decided_by=holder,
    )
    return Appeal.objects.get(pk=appeal.pk)


def test_a_second_reviewer_approves_without_holding_the_appeal(proposed, holder, reviewer):
    assert proposed.assigned_to == holder

    services.approve_decision(proposed, approver=reviewer)

    decided = Appeal.objects.get(pk=proposed.pk)
    assert (decided.status, decided.decided_by, decided.approved_by) == (
        Status.DECIDED,
        holder,
        reviewer,
    )


def test_a_second_reviewer_returns_without_holding_the_appeal_and_the_holder_keeps_it(
    proposed, holder, reviewer
):
    services.return_decision(proposed, approver=reviewer, reason="The invoice was not weighed.")

    returned = Appeal.objects.get(pk=proposed.pk)
    assert (returned.status, returned.assigned_to) == (Status.IN_REVIEW, holder)
    # The holder goes on; the second reviewer may not decide in their place.
    with pytest.raises(AppealRefused, match="Another reviewer holds this appeal"):
        _decision(returned, reviewer)
    _decision(returned, holder)
    assert Appeal.objects.get(pk=proposed.pk).outcome == Appeal.Outcome.OVERTURNED


def test_after_a_hand_over_the_new_holder_decides_and_the_old_one_is_refused(
    appeal, holder, reviewer
):
    claim(appeal, holder)
    hand_over(appeal, reviewer)

    with pytest.raises(AppealRefused, match="Another reviewer holds this appeal"):
        _decision(appeal, holder)
    _decision(appeal, reviewer)
    assert Appeal.objects.get(pk=appeal.pk).decided_by == reviewer


# --- The claim and release buttons of the review page ------------------------------------------


def _detail(appeal: Appeal) -> str:
    return reverse("appeals:review-detail", args=[appeal.pk])


def _claim_url(appeal: Appeal) -> str:
    return reverse("appeals:review-claim", args=[appeal.pk])


def _release_url(appeal: Appeal) -> str:
    return reverse("appeals:review-release", args=[appeal.pk])


def _claim_box(content: str) -> str:
    start = content.index('<div class="claim-box" id="claim">')
    return content[start : content.index("</div>", start)]


def test_the_page_offers_a_claim_button_while_nobody_holds_the_appeal(client, reviewer, appeal):
    client.force_login(reviewer)
    box = _claim_box(client.get(_detail(appeal)).content.decode())

    assert "Nobody holds this appeal. Claim it to reply, ask for information or decide." in box
    assert f'<form method="post" action="{_claim_url(appeal)}">' in box
    assert "Claim this appeal</button>" in box
    assert _release_url(appeal) not in box


def test_claiming_from_the_page_makes_the_reviewer_the_holder(client, reviewer, appeal):
    client.force_login(reviewer)

    response = client.post(_claim_url(appeal))

    assert response.status_code == 302
    assert response.url == _detail(appeal)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.assigned_to == reviewer
    assert fresh.lease_expires_at > timezone.now()
    claimed = appeal.events.get(kind=Kind.CLAIMED)
    assert claimed.actor == reviewer
    content = client.get(response.url).content.decode()
    assert "You hold this appeal now. Activity keeps your claim." in content
    box = _claim_box(content)
    assert "You hold this appeal." in box
    assert f'<form method="post" action="{_release_url(appeal)}">' in box
    assert "Release to the queue…</button>" in box
    assert _claim_url(appeal) not in box


def test_claiming_over_htmx_sends_the_browser_to_the_updated_page(client, reviewer, appeal):
    client.force_login(reviewer)
    response = client.post(_claim_url(appeal), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == _detail(appeal)
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == reviewer


def test_after_claiming_from_the_page_the_reviewer_can_ask_for_information(
    client, reviewer, appeal
):
    client.force_login(reviewer)
    ask = reverse("appeals:review-request-info", args=[appeal.pk])

    refused = client.post(ask, {"question": "Could you send the invoice?"})
    assert refused.status_code == 422
    assert NOT_HELD in refused.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED

    client.post(_claim_url(appeal))
    asked = client.post(ask, {"question": "Could you send the invoice?"})
    assert asked.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Status.AWAITING_FREELANCER


def test_releasing_from_the_page_returns_the_appeal_to_the_queue(client, reviewer, appeal):
    claim(appeal, reviewer)
    client.force_login(reviewer)

    response = client.post(_release_url(appeal), {"confirm": "yes"}, follow=True)

    assert response.status_code == 200
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.assigned_to, fresh.claimed_at, fresh.lease_expires_at) == (None, None, None)
    released = appeal.events.get(kind=Kind.RELEASED)
    assert released.actor == reviewer
    content = response.content.decode()
    assert "You released this appeal; it is back in its queue." in content
    assert "Claim this appeal</button>" in _claim_box(content)


def test_the_page_tells_a_reviewer_who_holds_the_appeal_and_offers_no_button(
    client, reviewer, holder, appeal
):
    claim(appeal, holder)
    client.force_login(reviewer)

    box = _claim_box(client.get(_detail(appeal)).content.decode())

    assert f"{holder} holds this appeal." in box
    assert "You can add internal notes" in box
    assert "<button" not in box


def test_a_reviewer_cannot_claim_or_release_an_appeal_another_reviewer_holds(
    client, reviewer, holder, appeal
):
    claim(appeal, holder)
    events = appeal.events.count()
    client.force_login(reviewer)

    claimed = client.post(_claim_url(appeal), follow=True).content.decode()
    released = client.post(_release_url(appeal), {"confirm": "yes"}, follow=True).content.decode()

    assert "Another reviewer holds this appeal." in claimed
    assert "Only the holder or a lead can release this appeal." in released
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == holder
    assert appeal.events.count() == events


def test_a_non_holders_decision_from_the_page_is_refused_and_records_nothing(
    client, reviewer, holder, appeal
):
    claim(appeal, holder)
    before = _snapshot(appeal)
    client.force_login(reviewer)

    response = client.post(
        reverse("appeals:review-decide", args=[appeal.pk]),
        {
            "outcome": Appeal.Outcome.OVERTURNED,
            "reasons": REASONS,
            "versions": [v.pk for v in appeal.action.cited_versions.all()],
            "confirm": "on",
        },
    )

    assert response.status_code == 422
    assert HELD_BY_ANOTHER in response.content.decode()
    assert _snapshot(appeal) == before


def test_the_original_decider_cannot_open_or_claim_from_the_page(client, original_decider, appeal):
    """Even as a member of the appeal's queue: the page is a 404 and the claim records nothing
    (each attempt audit-logged; see tests/appeals/test_reviewer_scope.py)."""
    client.force_login(original_decider)

    assert client.get(_detail(appeal)).status_code == 404
    assert client.post(_claim_url(appeal)).status_code == 404

    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None
    assert not appeal.events.filter(kind=Kind.CLAIMED).exists()
    assert (
        AuditEvent.objects.filter(verb="appeal.decider_refused", actor=original_decider).count()
        == 2
    )


def test_a_closed_appeal_has_no_claim_button_and_cannot_be_claimed(client, reviewer, appeal):
    services.withdraw_appeal(appeal, by=appeal.freelancer)
    client.force_login(reviewer)

    assert "<button" not in _claim_box(client.get(_detail(appeal)).content.decode())
    response = client.post(_claim_url(appeal), follow=True)
    assert "Only open appeals can be claimed." in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None


@pytest.mark.parametrize("name", ["appeals:review-claim", "appeals:review-release"])
def test_claim_and_release_are_post_only_and_for_reviewers_only(client, freelancer, appeal, name):
    url = reverse(name, args=[appeal.pk])
    anonymous = client.post(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("account_login"))

    client.force_login(freelancer)
    assert client.post(url).status_code == 403

    client.force_login(ReviewerFactory())
    assert client.get(url).status_code == 405
    assert client.post(reverse(name, args=[appeal.pk + 999])).status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None
