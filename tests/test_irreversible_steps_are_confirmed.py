"""Irreversible steps need an explicit confirmation that works without JavaScript.

Each form carries a required tick box (the browser will not submit without it) and the view checks
it again: a post without it changes nothing and re-renders the same form with the error beside the
box and what the person typed kept. Rule versions are published through a preview page in the
admin (tests/enforcement/test_rule_versions.py covers that step). Releasing and reassigning an
appeal ask on a confirm page of their own instead (the last tests here).
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import AuditEvent
from appeals import services
from appeals.models import Appeal
from enforcement.models import EnforcementAction
from tests.factories import (
    EnforcerFactory,
    LeadFactory,
    ReviewerFactory,
    in_queue,
    make_action,
    make_appeal,
    make_reviewer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

REFUSED = "Tick this box to confirm: this step cannot be undone."
REASONS = "CONFIRM-ME: the invoice shows the client paid through the marketplace."


def _required_checkbox(content: str, name: str) -> None:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', content)
    assert tag is not None, f"no {name} input"
    assert 'type="checkbox"' in tag.group(0)
    assert "required" in tag.group(0)


def test_withdrawing_an_appeal_needs_the_tick_box_and_keeps_the_reason(client, freelancer):
    appeal = make_appeal(make_action(freelancer))
    client.force_login(freelancer)
    url = reverse("appeals:appeal-withdraw", args=[appeal.pk])
    page = client.get(reverse("appeals:case-detail", args=[appeal.action_id])).content.decode()
    _required_checkbox(page, "confirm")

    response = client.post(url, {"reason": "KEEP-ME: sorted out with the client."})

    assert response.status_code == 422
    content = response.content.decode()
    assert escape(REFUSED) in content
    assert "KEEP-ME: sorted out with the client." in content
    assert '<details class="appeal-withdraw" open>' in content
    appeal.refresh_from_db()
    assert appeal.status != Appeal.Status.WITHDRAWN

    client.post(url, {"reason": "sorted", "confirm": "on"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.WITHDRAWN


def test_a_decision_needs_the_tick_box_and_keeps_the_reasons(client, freelancer, reviewer):
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    _required_checkbox(page, "confirm")
    data = {
        "outcome": Appeal.Outcome.OVERTURNED,
        "reasons": REASONS,
        "versions": [v.pk for v in appeal.action.cited_versions.all()],
    }

    response = client.post(reverse("appeals:review-decide", args=[appeal.pk]), data)

    assert response.status_code == 422
    content = response.content.decode()
    assert escape(REFUSED) in content
    assert REASONS in content
    appeal.refresh_from_db()
    assert appeal.is_open()
    assert appeal.action.status == EnforcementAction.Status.ACTIVE

    client.post(reverse("appeals:review-decide", args=[appeal.pk]), data | {"confirm": "on"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DECIDED


def test_approving_a_second_review_needs_the_tick_box(client, freelancer, reviewer):
    action = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    appeal = make_appeal(action, claimed_by=reviewer)
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(action.cited_versions.all()),
        decided_by=reviewer,
    )
    approver = ReviewerFactory()
    client.force_login(approver)
    url = reverse("appeals:review-approve", args=[appeal.pk])
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    _required_checkbox(page, "approve-confirm")

    response = client.post(url, {})

    assert response.status_code == 422
    assert escape(REFUSED) in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.SECOND_REVIEW

    client.post(url, {"approve-confirm": "on"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DECIDED
    assert appeal.approved_by == approver


def test_confirming_a_termination_needs_the_tick_box(client, freelancer):
    proposed = make_action(
        freelancer,
        decided_by=EnforcerFactory(),
        in_effect=False,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    client.force_login(EnforcerFactory())
    page = client.get(reverse("enforcement:pending-terminations")).content.decode()
    _required_checkbox(page, "confirm")
    url = reverse("enforcement:confirm-termination", args=[proposed.pk])

    response = client.post(url, {})

    assert response.status_code == 422
    content = response.content.decode()
    assert escape(REFUSED) in content
    assert f'id="id_confirm_{proposed.pk}_confirm"' in content
    proposed.refresh_from_db()
    assert proposed.confirmed_at is None

    client.post(url, {"confirm": "on"})
    proposed.refresh_from_db()
    assert proposed.confirmed_at is not None


def test_withdrawing_a_termination_needs_the_tick_box_and_keeps_the_reason(client, freelancer):
    proposed = make_action(
        freelancer,
        decided_by=EnforcerFactory(),
        in_effect=False,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
    )
    client.force_login(EnforcerFactory())
    url = reverse("enforcement:withdraw-termination", args=[proposed.pk])

    response = client.post(url, {"reason": "KEEP-ME: the client withdrew the complaint."})

    assert response.status_code == 422
    content = response.content.decode()
    assert escape(REFUSED) in content
    assert "KEEP-ME: the client withdrew the complaint." in content
    proposed.refresh_from_db()
    assert proposed.status == EnforcementAction.Status.PENDING

    client.post(url, {"reason": "withdrawn", "confirm": "on"})
    proposed.refresh_from_db()
    assert proposed.status == EnforcementAction.Status.WITHDRAWN


# --- Release and reassign, from the reviewer's case and from the lead's dashboard --------------
# Both ask on a confirm page of their own (appeals/views/confirm.py); only its button posts the
# confirmation. A post made around that page, without it, is refused: nothing moves.


def _held_appeal(freelancer, holder, lead):
    return in_queue(make_appeal(make_action(freelancer), claimed_by=holder), holder, lead)


@pytest.mark.parametrize(
    ("url_name", "who", "to_other"),
    [
        ("appeals:review-release", "holder", False),
        ("appeals:review-reassign", "lead", True),
        ("appeals:release", "lead", False),
        ("appeals:reassign", "lead", True),
    ],
)
def test_release_and_reassign_posted_without_the_confirmation_change_nothing(
    client, freelancer, reviewer, url_name, who, to_other
):
    lead = LeadFactory()
    appeal = _held_appeal(freelancer, reviewer, lead)
    other = make_reviewer(display_name="Tara Target")
    client.force_login(reviewer if who == "holder" else lead)
    url = reverse(url_name, args=[appeal.pk])
    data = {"to": other.pk} if to_other else {}
    events = appeal.events.count()
    audit = AuditEvent.objects.count()

    asked = client.post(url, data)
    wrong = client.post(url, data | {"confirm": "on"})  # only the confirm page's value counts

    for response in (asked, wrong):
        assert response.status_code == 200
        content = response.content.decode()
        assert '<input type="hidden" name="confirm" value="yes">' in content
        assert f'action="{url}"' in content
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.assigned_to, fresh.lease_expires_at) == (reviewer, appeal.lease_expires_at)
    assert appeal.events.count() == events
    assert AuditEvent.objects.count() == audit

    done = client.post(url, data | {"confirm": "yes"})
    assert done.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == (other if to_other else None)
    assert appeal.events.count() == events + 1
