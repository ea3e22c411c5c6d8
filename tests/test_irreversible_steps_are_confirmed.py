"""Irreversible steps need an explicit confirmation that works without JavaScript.

Each form carries a required tick box (the browser will not submit without it) and the view checks
it again: a post without it changes nothing and re-renders the same form with the error beside the
box and what the person typed kept. Rule versions are published through a preview page in the
admin (tests/enforcement/test_rule_versions.py covers that step).
"""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from appeals import services
from appeals.models import Appeal
from enforcement.models import EnforcementAction
from tests.factories import EnforcerFactory, ReviewerFactory, make_action, make_appeal

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
