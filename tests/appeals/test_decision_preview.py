"""The decision preview shows the reviewer, before anything is final, the exact correction each
client would be sent (issue #11: generated from what changed and what still applies)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from appeals.models import Appeal
from enforcement.models import ClientCorrection, EnforcementAction
from tests.factories import make_action, make_appeal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

REASONS = "The invoice shows the client paid through the marketplace."


def _decision(appeal: Appeal, outcome: str, **extra) -> dict:
    return {
        "outcome": outcome,
        "reasons": REASONS,
        "versions": [v.pk for v in appeal.action.cited_versions.all()],
        **extra,
    }


def test_the_preview_shows_each_clients_correction_and_the_decision_sends_exactly_that(
    client, freelancer, reviewer
):
    # Another restriction stays in force: the correction must say so, not "good standing".
    make_action(freelancer, restriction_type=EnforcementAction.RestrictionType.PAYOUT_HOLD)
    appeal = make_appeal(make_action(freelancer, client_notices=2), claimed_by=reviewer)
    client.force_login(reviewer)
    url = reverse("appeals:review-decide", args=[appeal.pk])
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    assert 'name="preview"' in page and "formnovalidate" in page

    response = client.post(url, _decision(appeal, Appeal.Outcome.OVERTURNED, preview="1"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Preview: Overturned: the action is lifted (not recorded yet)" in content
    assert REASONS in content  # what the reviewer typed stays in the form
    assert "Client 1 Ltd" in content and "Client 2 Ltd" in content
    assert "Another restriction still applies to their account (payout hold)." in content
    assert "good standing" not in content
    # Nothing was recorded by the preview.
    appeal.refresh_from_db()
    assert appeal.is_open()
    assert not ClientCorrection.objects.exists()

    client.post(url, _decision(appeal, Appeal.Outcome.OVERTURNED, confirm="on"))
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DECIDED
    sent = list(ClientCorrection.objects.filter(notice__action=appeal.action).order_by("id"))
    assert len(sent) == 2
    for correction in sent:
        assert f"<q>{escape(correction.text)}</q>" in content


def test_a_modification_preview_states_the_reduced_restriction(client, freelancer, reviewer):
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("appeals:review-decide", args=[appeal.pk]),
        _decision(
            appeal,
            Appeal.Outcome.MODIFIED,
            restriction_type=EnforcementAction.RestrictionType.WARNING,
            preview="1",
        ),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "was reviewed and reduced: it is now a warning" in content
    assert appeal.action.status == EnforcementAction.Status.ACTIVE
    assert not ClientCorrection.objects.exists()


def test_an_upheld_preview_sends_no_correction(client, freelancer, reviewer):
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("appeals:review-decide", args=[appeal.pk]),
        _decision(appeal, Appeal.Outcome.UPHELD, preview="1"),
    )
    content = response.content.decode()
    assert "No client is sent a correction: the action stays as it is." in content
    appeal.refresh_from_db()
    assert appeal.is_open()


def test_an_invalid_preview_shows_the_errors_and_keeps_the_text(client, freelancer, reviewer):
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("appeals:review-decide", args=[appeal.pk]),
        {"outcome": "", "reasons": "KEEP-ME", "preview": "1"},
    )
    assert response.status_code == 422
    assert "KEEP-ME" in response.content.decode()
