"""A statement of reasons is a snapshot (issue #11, item 3): editing every editable field of the
catalogue afterwards changes nothing an issued statement shows, on the freelancer's page, in the
API or in the case file."""

import re

import pytest
from django.urls import reverse

from enforcement.models import ReasonCode, Rule
from tests.api.support import get, make_world, post, valid_body

pytestmark = pytest.mark.django_db

# Per-request values that are not part of the statement.
_VOLATILE = re.compile(r'(nonce|csrfmiddlewaretoken|value|content)="[^"]*"|"X-CSRFToken": "[^"]*"')


def _page(client, action_id: int) -> str:
    response = client.get(reverse("appeals:case-detail", args=[action_id]))
    assert response.status_code == 200
    return _VOLATILE.sub("", response.content.decode())


def _edit_every_catalogue_field(rule: Rule, reason: ReasonCode) -> None:
    ReasonCode.objects.filter(pk=reason.pk).update(
        title="Renamed reason",
        explanation="A rewritten explanation that was never shown.",
        what_you_can_do="Rewritten advice that was never shown.",
        category="STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    )
    Rule.objects.filter(pk=rule.pk).update(title="A renamed rule")


def test_editing_every_catalogue_field_changes_no_issued_statement(client, freelancer):
    world = make_world(freelancer)
    created = post(valid_body(world), world.token)
    assert created.status_code == 201, created.content
    action_id = created.json()["id"]
    client.force_login(freelancer)
    page_before, api_before = _page(client, action_id), get(action_id, world.token).json()
    reason = ReasonCode.objects.select_related("rule").get(code=api_before["reason_code"])
    assert reason.title in page_before
    assert reason.rule.title in page_before

    _edit_every_catalogue_field(reason.rule, reason)

    page_after = _page(client, action_id)
    assert "Renamed reason" not in page_after
    assert "never shown" not in page_after
    assert "A renamed rule" not in page_after
    assert page_after == page_before
    assert get(action_id, world.token).json() == api_before
