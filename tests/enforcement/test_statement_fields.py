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


# --- Illegal content and the notifier's identity (issue #15, item 1) ----------------------------

ILLEGAL = "DECISION_GROUND_ILLEGAL_CONTENT"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision_ground": ILLEGAL}, "illegal_content_legal_ground"),
        ({"decision_ground": ILLEGAL}, "illegal_content_explanation"),
        (
            {"decision_ground": ILLEGAL, "illegal_content_legal_ground": "StGB § 263 (fraud)"},
            "illegal_content_explanation",
        ),
        ({"illegal_content_legal_ground": "StGB § 263"}, "illegal_content_legal_ground"),
        ({"illegal_content_explanation": "Fraud."}, "illegal_content_explanation"),
        (
            {
                "decision_ground": ILLEGAL,
                "illegal_content_legal_ground": "StGB § 263",
                "illegal_content_explanation": "Reported by officer jo@police.example.",
            },
            "illegal_content_explanation",
        ),
        ({"decision_ground": "DECISION_GROUND_OTHER"}, "decision_ground"),
        ({"source_type": "SOURCE_VOLUNTARY", "source_identity": "Flagger"}, "source_identity"),
        ({"source_identity": "x" * 501}, "source_identity"),
        ({"source_identity": "flagger@example.org"}, "source_identity"),
    ],
    ids=[
        "illegal without legal ground",
        "illegal without explanation",
        "illegal with ground only",
        "legal ground on terms ground",
        "explanation on terms ground",
        "e-mail in explanation",
        "unknown ground",
        "identity on own initiative",
        "identity too long",
        "e-mail as identity",
    ],
)
def test_each_invalid_combination_is_refused_with_the_field_named(freelancer, changes, field):
    request = action_request(freelancer, **changes)
    assert field in _refusal(request)


def test_an_illegal_content_decision_with_its_legal_ground_is_issued_and_shown(client, freelancer):
    request = action_request(
        freelancer,
        decision_ground=ILLEGAL,
        illegal_content_legal_ground="§ 263 StGB (fraud), Germany",
        illegal_content_explanation="Invoices for work never done were sent to three clients.",
        source_type="SOURCE_TRUSTED_FLAGGER",
        source_identity="Trusted Flagger Association e.V.",
    )
    action = services.issue_action(request, issued_by=ReviewerFactory())
    assert action.decision_ground == ILLEGAL
    assert action.source_identity == "Trusted Flagger Association e.V."
    client.force_login(freelancer)
    content = client.get(action.get_absolute_url()).content.decode()
    assert "§ 263 StGB (fraud), Germany" in content
    assert "Invoices for work never done were sent to three clients." in content
