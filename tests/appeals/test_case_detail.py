"""The case page: the complete statement of reasons, to its owner only, in constant queries."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from enforcement.choices import AutomatedDecision
from enforcement.models import EnforcementAction, EvidenceItem
from tests.factories import ReasonCodeFactory, ReviewerFactory, make_action, published_version

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")  # the factories' time zone for every person


def _url(action: EnforcementAction) -> str:
    return reverse("appeals:case-detail", args=[action.pk])


def _shown(dt: datetime) -> str:
    """A date and time as the page shows it to a freelancer in Berlin."""
    local = timezone.localtime(dt, BERLIN)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def _page(client, action: EnforcementAction) -> str:
    response = client.get(_url(action))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def action(freelancer):
    return make_action(freelancer, evidence=2, client_notices=2)


@pytest.fixture
def signed_in(client, freelancer):
    client.force_login(freelancer)
    return client


# --- Every element of the statement of reasons -------------------------------------------------


def test_what_is_restricted_where_and_until_when(signed_in, action):
    content = _page(signed_in, action)
    assert "Temporary suspension" in content
    assert "Sending proposals" in content
    assert "Messaging clients" in content
    assert "In Germany, France" in content
    assert _shown(action.starts_at) in content
    assert _shown(action.ends_at) in content
    assert "Europe/Berlin" in content


def test_an_action_without_territorial_scope_applies_everywhere(signed_in, freelancer):
    action = make_action(freelancer, territorial_scope=[])
    assert "Everywhere the marketplace operates" in _page(signed_in, action)


def test_the_dsa_decision_fields_are_spelled_out(signed_in, action):
    content = _page(signed_in, action)
    assert "Account suspended" in content
    assert "Payments suspended" in content
    assert "Incompatible with the terms of service" in content
    assert "Scams and fraud" in content
    assert "Business user" in content
    assert escape(action.incompatible_content_ground) in content
    assert action.puid in content


def test_the_exact_text_of_the_cited_version_and_its_public_link(signed_in, action):
    version = action.cited_versions.get()
    content = _page(signed_in, action)
    assert escape(version.text) in content
    assert escape(version.examples) in content
    assert f'href="{version.get_absolute_url()}"' in content
    assert f"{version.rule.key} {escape(version.rule.title)}, version {version.number}" in content


def test_every_cited_version_is_shown(signed_in, freelancer):
    version = published_version(text="Pay for marketplace work through the marketplace.")
    other = published_version(text="One person per account; do not share your sign-in.")
    action = make_action(freelancer, version=version, cited_versions=[version, other])
    content = _page(signed_in, action)
    assert "Pay for marketplace work through the marketplace." in content
    assert "One person per account; do not share your sign-in." in content
    assert f'href="{other.get_absolute_url()}"' in content


def test_the_reason_its_explanation_and_what_you_can_do(signed_in, action):
    content = _page(signed_in, action)
    assert escape(action.reason_code.title) in content
    assert escape(action.reason_code.explanation) in content
    assert escape(action.reason_code.what_you_can_do) in content


def test_the_facts(signed_in, action):
    assert escape(action.facts) in _page(signed_in, action)


def test_each_evidence_summary_with_its_redaction_and_reason(signed_in, action):
    content = _page(signed_in, action)
    items = list(action.evidence_items.all())
    assert len(items) == 2
    for item in items:
        assert escape(item.summary) in content
    partly = next(i for i in items if i.redaction == EvidenceItem.Redaction.PARTIAL)
    assert "Partly withheld" in content
    assert "Shown in full" in content
    assert escape(partly.redaction_reason) in content


def test_internal_evidence_detail_never_appears(signed_in, action):
    response = signed_in.get(_url(action))
    whole = response.serialize().decode()  # headers and body
    assert "INTERNAL-ONLY" not in whole
    for item in action.evidence_items.all():
        assert item.internal_detail
        assert item.internal_detail not in whole
        assert escape(item.internal_detail) not in whole


def test_automated_detection_and_a_partly_automated_decision_in_plain_words(signed_in, action):
    content = _page(signed_in, action)
    assert "Detected by an automated system:</strong> yes." in content
    assert "partly automated, reviewed by a person" in content
    assert "A notice from someone else" in content


def test_a_fully_automated_decision_says_no_person_took_part(signed_in, freelancer):
    action = make_action(
        freelancer, automated_detection=False, automated_decision=AutomatedDecision.FULLY
    )
    content = _page(signed_in, action)
    assert "Detected by an automated system:</strong> no." in content
    assert "fully automated. No person took part in this decision" in content


def test_funds_held_with_currency_release_condition_and_date(signed_in, action):
    content = _page(signed_in, action)
    assert "1,240.50 EUR" in content
    assert escape(action.funds_release_condition) in content
    release = action.funds_release_on
    assert f"{release.day} {release:%B %Y}" in content


def test_no_funds_held_says_so(signed_in, freelancer):
    action = make_action(freelancer, funds_held_amount=0, funds_currency="")
    assert "No money is held because of this action." in _page(signed_in, action)


def test_what_each_client_was_told_and_when(signed_in, action):
    content = _page(signed_in, action)
    notices = list(action.client_notices.all())
    assert len(notices) == 2
    for notice in notices:
        assert escape(notice.client_name) in content
        assert escape(notice.text) in content
        assert _shown(notice.shown_at) in content


def test_no_client_notice_says_no_client_was_told(signed_in, freelancer):
    action = make_action(freelancer, client_notices=0)
    assert "None of your clients was told about this action." in _page(signed_in, action)


def test_the_appeal_deadline_and_the_form_to_appeal(signed_in, action):
    content = _page(signed_in, action)
    assert "You can appeal until <strong><time" in content
    assert _shown(action.appeal_deadline) in content
    # The form itself is tested with the appeals (tests/appeals/test_freelancer_pages.py).
    appeal_panel = content[content.index('id="appeal"') : content.index('id="redress"')]
    assert f'action="{reverse("appeals:appeal-create", args=[action.pk])}"' in appeal_panel


def test_out_of_court_redress(signed_in, action):
    content = _page(signed_in, action)
    assert "out-of-court dispute settlement body" in content
    assert "Article 21 of the EU Digital Services Act" in content
    assert "The courts." in content
    assert "Digital Services Coordinator" in content


def test_the_timeline_of_events(signed_in, action):
    action.change_status(
        EnforcementAction.Status.MODIFIED, actor=None, reason="Restriction narrowed to proposals."
    )
    content = _page(signed_in, action)
    issued = action.events.get(kind="issued")
    assert "Action issued" in content
    assert escape(issued.reason) in content
    assert _shown(issued.at) in content
    assert "Trust &amp; Safety team" in content
    assert "Automated system" in content
    assert "Restriction narrowed to proposals." in content
    assert "from “In effect” to “Modified”" in content


# --- Access -----------------------------------------------------------------------------------


def test_another_freelancers_action_is_not_found(signed_in, other_freelancer):
    theirs = make_action(other_freelancer)
    response = signed_in.get(_url(theirs))
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_a_guessed_id_is_not_found(signed_in, action):
    missing = EnforcementAction.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    response = signed_in.get(reverse("appeals:case-detail", args=[missing]))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, action):
    response = client.get(_url(action))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={_url(action)}"


def test_staff_cannot_open_a_case_as_a_freelancer(client, reviewer, action):
    client.force_login(reviewer)
    assert client.get(_url(action)).status_code == 403


def test_post_is_not_allowed(signed_in, action):
    assert signed_in.post(_url(action)).status_code == 405


# --- htmx, CSP and query budget ---------------------------------------------------------------


def test_an_htmx_request_gets_only_the_status_panel(signed_in, action):
    response = signed_in.get(_url(action), headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="status-panel"')
    assert "<html" not in content
    assert "In effect" in content
    assert "INTERNAL-ONLY" not in content


def test_the_page_is_served_under_a_csp_whose_nonce_every_script_carries(signed_in, action):
    response = signed_in.get(_url(action))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self'" in policy
    content = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert scripts, "htmx is loaded"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert " style=" not in content
    assert "<style" not in content
    assert not re.search(r"\son[a-z]+=", content), "no inline event handlers"


def _query_count(client, action: EnforcementAction) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(action))
    assert response.status_code == 200
    return len(queries)


def test_queries_are_the_same_for_1_and_for_30_evidence_items_notices_and_versions(
    signed_in, freelancer
):
    decided_by = ReviewerFactory()
    version = published_version()
    reason_code = ReasonCodeFactory(rule=version.rule)
    small = make_action(
        freelancer,
        version=version,
        reason_code=reason_code,
        decided_by=decided_by,
        evidence=1,
        client_notices=1,
    )
    others = [published_version() for _ in range(29)]
    large = make_action(
        freelancer,
        version=version,
        reason_code=reason_code,
        decided_by=decided_by,
        cited_versions=[version, *others],
        evidence=30,
        client_notices=30,
    )
    assert (large.evidence_items.count(), large.client_notices.count()) == (30, 30)
    assert large.cited_versions.count() == 30
    signed_in.get(_url(small))  # warm up per-process caches
    assert _query_count(signed_in, large) == _query_count(signed_in, small)
