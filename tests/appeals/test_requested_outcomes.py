"""A freelancer may ask for several outcomes at once (lift, reduce, release funds, correct what
clients were told): stored as a set, shown on the case page, to the reviewer and in the case file."""

import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import escape

from appeals.models import Appeal
from tests.factories import in_queue, make_action, make_appeal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

Outcome = Appeal.RequestedOutcome
LABELS = dict(Outcome.choices)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


def test_several_requested_outcomes_are_stored_as_a_set_and_shown_everywhere(
    client, freelancer, reviewer
):
    action = make_action(freelancer)
    client.force_login(freelancer)
    # Chosen out of order and one twice: stored once each, in the order of the choices.
    response = client.post(
        reverse("appeals:appeal-create", args=[action.pk]),
        {
            "statement": "The client paid through the marketplace.",
            "requested_outcomes": [Outcome.CORRECT_RECORD, Outcome.LIFT, Outcome.RELEASE_FUNDS],
        },
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get(action=action)
    assert appeal.requested_outcomes == [
        Outcome.LIFT,
        Outcome.RELEASE_FUNDS,
        Outcome.CORRECT_RECORD,
    ]
    chosen = [LABELS[Outcome.LIFT], LABELS[Outcome.RELEASE_FUNDS], LABELS[Outcome.CORRECT_RECORD]]

    case_page = client.get(reverse("appeals:case-detail", args=[action.pk])).content.decode()
    for label in chosen:
        assert f"<li>{escape(label)}</li>" in case_page
    assert f"<li>{escape(LABELS[Outcome.REDUCE])}</li>" not in case_page

    bundle = json.loads(
        client.get(reverse("appeals:case-bundle", args=[action.pk, "json"])).content
    )
    assert bundle["appeal"]["requested_outcomes"] == chosen

    # A reviewer opens only the appeals of their queues: routing filed this one in theirs.
    in_queue(appeal, reviewer)
    client.force_login(reviewer)
    response = client.get(reverse("appeals:review-detail", args=[appeal.pk]))
    assert response.status_code == 200
    review_page = response.content.decode()
    for label in chosen:
        assert f"<li>{escape(label)}</li>" in review_page


def test_the_form_offers_every_outcome_as_a_checkbox(client, freelancer):
    action = make_action(freelancer)
    client.force_login(freelancer)
    page = client.get(reverse("appeals:case-detail", args=[action.pk])).content.decode()
    for value in Outcome.values:
        assert f'type="checkbox" name="requested_outcomes" value="{value}"' in page


def test_the_database_refuses_an_appeal_that_asks_for_nothing(freelancer):
    action = make_action(freelancer)
    appeal = make_appeal(action)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(requested_outcomes=[])
