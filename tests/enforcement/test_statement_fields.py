"""The Transparency Database's conditional rules, enforced when an action is issued."""

import pytest

from enforcement import services
from enforcement.choices import ContentType
from enforcement.models import EnforcementAction
from tests.factories import ReviewerFactory, action_request

pytestmark = pytest.mark.django_db


def _refusal(request) -> dict:
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=ReviewerFactory())
    assert not EnforcementAction.objects.exists()
    return refused.value.message_dict


def test_other_content_without_saying_what_it_is_is_refused_with_the_field_named(freelancer):
    request = action_request(freelancer)
    request.content_type = [ContentType.OTHER]
    request.content_type_other = " "
    assert "content_type_other" in _refusal(request)


def test_facts_with_an_email_address_are_refused(freelancer):
    request = action_request(freelancer)
    request.facts = "The client wrote to jane.doe@example.com about the payment."
    assert "facts" in _refusal(request)


def test_other_content_is_described_by_default_and_kept_only_with_other(freelancer):
    issued = services.issue_action(action_request(freelancer), issued_by=ReviewerFactory())
    assert ContentType.OTHER in issued.content_type
    assert issued.content_type_other
    request = action_request(freelancer)
    request.content_type = [ContentType.TEXT]
    text = services.issue_action(request, issued_by=ReviewerFactory())
    assert text.content_type_other == ""
