"""The staff issuing form: who may use it, how it refuses, the preview that writes nothing, and
the confirmation that issues exactly one action."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django import db
from django.contrib.auth.models import Group
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import AuditEvent, Role
from enforcement import services
from enforcement.choices import (
    AutomatedDecision,
    ContentType,
    DecisionAccount,
    DecisionProvision,
    SourceType,
)
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    ReasonCode,
    RuleVersion,
)
from enforcement.services import SUBMISSION_VERB
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.webhooks import new_secret
from tests.factories import (
    EnforcerFactory,
    FreelancerFactory,
    LeadFactory,
    ReasonCodeFactory,
    ReviewerFactory,
    RuleVersionFactory,
    make_action,
    published_version,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

URL = reverse("enforcement:issue-action")
CONFIRM_URL = reverse("enforcement:issue-action-confirm")
BERLIN = ZoneInfo("Europe/Berlin")  # the factories' time zone for every person

FACTS = "On 3 May you asked a client, in the marketplace's messages, to pay you by bank transfer."
SUMMARY = "A message of 3 May asks the client to pay by bank transfer instead of the marketplace."
INTERNAL = "INTERNAL-ONLY detector pay-v7 score 0.97, message id 88121"


def _local(dt) -> str:
    """A moment as a datetime-local input sends it, in the enforcer's time zone (Berlin)."""
    return timezone.localtime(dt, BERLIN).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def enforcer(db):
    return EnforcerFactory(email="sam@example.test", display_name="Sam Okoro")


@pytest.fixture
def version(db) -> RuleVersion:
    return published_version(text="Pay and get paid for marketplace work only through it.")


@pytest.fixture
def reason_code(version) -> ReasonCode:
    return ReasonCodeFactory(
        rule=version.rule, code="off-platform-payment", title="Payment outside the marketplace"
    )


@pytest.fixture
def signed_in(client, enforcer):
    client.force_login(enforcer)
    return client


@pytest.fixture
def endpoint(db) -> WebhookEndpoint:
    """An endpoint that wants every event: an issued action would queue a delivery to it."""
    return WebhookEndpoint.objects.create(
        name="Marketplace", url="http://127.0.0.1:9/hooks", secret=new_secret()
    )


def form_data(person, version, code, /, **overrides) -> dict:
    """A complete, valid submission of the form (as the browser posts it)."""
    now = timezone.now()
    data = {
        "account": person.marketplace_id,
        "restriction_type": EnforcementAction.RestrictionType.TEMPORARY_SUSPENSION,
        "starts_at": _local(now - timedelta(minutes=30)),
        "ends_at": _local(now + timedelta(days=14)),
        "restricted_capabilities": ["proposals", "messaging"],
        "territorial_scope": "de, FR",
        "cited_versions": [str(version.pk)],
        "reason_code": str(code.pk),
        "facts": FACTS,
        "decision_visibility_other": "",
        "decision_monetary": "",
        "decision_monetary_other": "",
        "decision_provision": DecisionProvision.TOTAL_SUSPENSION,
        "decision_account": DecisionAccount.SUSPENDED,
        "automated_detection": "yes",
        "automated_decision": AutomatedDecision.PARTIALLY,
        "source_type": SourceType.ARTICLE_16,
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "content_type": [ContentType.TEXT],
        "funds_held_amount": "250.00",
        "funds_currency": "eur",
        "funds_release_condition": "Released when the suspension ends or an appeal succeeds.",
        "funds_release_on": (now + timedelta(days=15)).date().isoformat(),
        "strike_count": "1",
        "strikes_expire_on": (now + timedelta(days=365)).date().isoformat(),
        "termination_exception": "",
        "termination_exception_reason": "",
        "evidence-TOTAL_FORMS": "2",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "1",
        "evidence-MAX_NUM_FORMS": "30",
        "evidence-0-signal_category": EvidenceItem.SignalCategory.MESSAGES,
        "evidence-0-observed_at": _local(now - timedelta(days=2)),
        "evidence-0-summary": SUMMARY,
        "evidence-0-internal_detail": INTERNAL,
        "evidence-0-redaction": EvidenceItem.Redaction.PARTIAL,
        "evidence-0-redaction_reason": "The client's name is protected.",
        # A second row left empty: ignored.
        "evidence-1-signal_category": "",
        "evidence-1-observed_at": "",
        "evidence-1-summary": "",
        "evidence-1-internal_detail": "",
        "evidence-1-redaction": EvidenceItem.Redaction.NONE,
        "evidence-1-redaction_reason": "",
        "notices-TOTAL_FORMS": "1",
        "notices-INITIAL_FORMS": "0",
        "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "30",
        "notices-0-client_name": "Northwind Studio",
        "notices-0-client_reference": "cl-1183",
        "notices-0-contract_reference": "ct-99",
        "notices-0-text": "This freelancer's account is temporarily suspended.",
        "notices-0-shown_at": _local(now - timedelta(minutes=30)),
    }
    data.update(overrides)
    return data


def _counts() -> dict[str, int]:
    """Every kind of row that issuing an action writes."""
    return {
        model.__name__: model.objects.count()
        for model in (
            EnforcementAction,
            EvidenceItem,
            ClientNotice,
            ActionEvent,
            Notification,
            WebhookEvent,
            WebhookDelivery,
            AuditEvent,
        )
    }


def _preview(client, data):
    response = client.post(URL, data)
    assert response.status_code == 200, _errors(response)
    return response


def _errors(response) -> str:
    content = response.content.decode()
    return " | ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', content, re.S))


def _payload(response) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert match, "the preview carries the signed data to confirm"
    return match.group(1)


# --- Access -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"


@pytest.mark.parametrize("url", [URL, CONFIRM_URL])
def test_freelancers_and_reviewers_cannot_issue(client, freelancer, reviewer, url):
    for person in (freelancer, reviewer):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403


def test_enforcers_and_leads_open_the_form(client, enforcer, lead):
    for person in (enforcer, lead):
        client.force_login(person)
        response = client.get(URL)
        assert response.status_code == 200
        assert response.templates[0].name == "enforcement/staff/issue_action.html"


def test_the_nav_links_to_the_form_only_for_people_who_may_issue(client, enforcer, reviewer):
    client.force_login(enforcer)
    assert f'href="{URL}"' in client.get(reverse("enforcement:staff-home")).content.decode()
    client.force_login(reviewer)
    assert f'href="{URL}"' not in client.get(reverse("enforcement:staff-home")).content.decode()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(signed_in, method):
    assert getattr(signed_in, method)(URL).status_code == 405


def test_confirm_only_accepts_post(signed_in):
    assert signed_in.get(CONFIRM_URL).status_code == 405


def test_staff_mfa_is_required_when_on(settings, signed_in):
    settings.REQUIRE_STAFF_MFA = True
    response = signed_in.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


# --- What the form offers --------------------------------------------------------------------


def test_only_published_versions_in_force_now_are_offered(signed_in, version, reason_code):
    draft = RuleVersionFactory(rule=version.rule, draft=True, text="Draft wording")
    future = published_version(
        published_at=timezone.now() - timedelta(days=1),
        effective_from=timezone.now() + timedelta(days=30),
    )
    superseded = published_version()
    newer = published_version(
        superseded.rule,
        published_at=timezone.now() - timedelta(days=5),
        effective_from=timezone.now() - timedelta(days=2),
    )
    offered = set(
        signed_in.get(URL)
        .context["form"]
        .fields["cited_versions"]
        .queryset.values_list("pk", flat=True)
    )
    assert version.pk in offered and newer.pk in offered
    assert not offered & {draft.pk, future.pk, superseded.pk}


def test_the_version_in_force_at_a_past_start_is_offered_too(
    signed_in, freelancer, version, reason_code
):
    old = published_version()
    new = published_version(
        old.rule,
        published_at=timezone.now() - timedelta(days=5),
        effective_from=timezone.now() - timedelta(days=2),
    )
    code = ReasonCodeFactory(rule=old.rule)
    start = timezone.now() - timedelta(days=4)
    data = form_data(
        freelancer,
        old,
        code,
        starts_at=_local(start),
        ends_at=_local(start + timedelta(days=10)),
        late_notice_reason="The statement was delayed while the evidence was checked.",
    )
    assert escape(old.text) in _preview(signed_in, data).content.decode()
    form_again = signed_in.post(URL, {**data, "intent": "add-evidence"})
    offered = set(
        form_again.context["form"].fields["cited_versions"].queryset.values_list("pk", flat=True)
    )
    assert {old.pk, new.pk} <= offered


def test_reason_codes_are_active_ones_grouped_by_rule(signed_in, version, reason_code):
    other_rule_version = published_version()
    other = ReasonCodeFactory(rule=other_rule_version.rule, title="Shared account")
    retired = ReasonCodeFactory(rule=version.rule, is_active=False, title="Retired reason")
    content = signed_in.get(URL).content.decode()
    select = content[
        content.index('name="reason_code"') : content.index(
            "</select>", content.index('name="reason_code"')
        )
    ]
    assert f'<optgroup label="{version.rule.key} {escape(version.rule.title)}">' in select
    assert (
        f'<optgroup label="{other_rule_version.rule.key} {escape(other_rule_version.rule.title)}">'
        in select
    )
    assert f'value="{reason_code.pk}" data-rule="{version.rule_id}"' in select
    assert f'value="{other.pk}"' in select
    assert f'value="{retired.pk}"' not in select


def test_the_form_page_loads_its_script_with_the_nonce_and_nothing_inline(signed_in, version):
    response = signed_in.get(URL)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    content = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert any("js/issue-action.js" in tag for tag in scripts)
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert " style=" not in content
    assert not re.search(r"\son[a-z]+=", content)


def test_the_form_page_takes_the_same_queries_for_1_and_for_20_rules_and_codes(signed_in):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(URL).status_code == 200
        return len(queries)

    for _ in range(1):
        ReasonCodeFactory(rule=published_version().rule)
    signed_in.get(URL)  # warm up per-process caches
    small = count()
    for _ in range(19):
        ReasonCodeFactory(rule=published_version().rule)
    assert count() == small


# --- Invalid input: re-rendered with the reasons, nothing written -----------------------------


def test_an_unknown_account_is_refused_on_its_field(signed_in, freelancer, version, reason_code):
    before = _counts()
    response = signed_in.post(
        URL, form_data(freelancer, version, reason_code, account="nobody@example.test")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["account"] == [
        "No freelancer account has this marketplace id or email address."
    ]
    assert "Nothing was issued." in response.content.decode()
    assert _counts() == before


def test_a_staff_account_is_not_a_freelancer(signed_in, reviewer, freelancer, version, reason_code):
    response = signed_in.post(
        URL, form_data(freelancer, version, reason_code, account=reviewer.email)
    )
    assert response.status_code == 422
    assert "account" in response.context["form"].errors


def test_the_account_can_be_given_by_email(signed_in, freelancer, version, reason_code):
    response = _preview(
        signed_in, form_data(freelancer, version, reason_code, account=freelancer.email.upper())
    )
    assert "enforcement/staff/preview.html" in [t.name for t in response.templates]


def test_missing_fields_and_an_empty_evidence_summary_are_shown_where_they_belong(
    signed_in, freelancer, version, reason_code
):
    before = _counts()
    data = form_data(
        freelancer,
        version,
        reason_code,
        facts="",
        source_type="",
        **{"evidence-0-summary": "", "notices-0-text": ""},
    )
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) >= {"facts", "source_type"}
    assert "summary" in response.context["evidence_formset"].forms[0].errors
    assert "text" in response.context["notices_formset"].forms[0].errors
    content = response.content.decode()
    assert 'aria-invalid="true"' in content
    # What was typed is still there.
    assert escape("Northwind Studio") in content
    assert _counts() == before


def test_the_services_refusals_land_on_the_fields_they_are_about(
    signed_in, freelancer, version, reason_code
):
    """The form only converts; the service refuses, and its reasons go on the right field."""
    other_rule_code = ReasonCodeFactory(rule=published_version().rule)
    before = _counts()
    data = form_data(
        freelancer,
        version,
        other_rule_code,
        ends_at="",  # a temporary suspension needs an end
        funds_currency="",  # funds held need a currency
        decision_provision="",
        decision_account="",  # no decision field at all
        **{"evidence-0-redaction_reason": ""},  # withheld without a reason
    )
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "which the action does not cite" in errors["reason_code"][0]
    assert errors["ends_at"] == ["A temporary suspension needs an end date."]
    assert errors["funds_currency"] == ["Give the ISO currency of the funds held (e.g. EUR)."]
    assert response.context["forms"].decision_errors == [
        "Set at least one of the visibility, monetary, provision or account decisions."
    ]
    row = response.context["evidence_formset"].forms[0]
    assert row.errors["redaction_reason"] == ["Say why this evidence is withheld."]
    content = response.content.decode()
    assert "Set at least one of the visibility" in content
    assert _counts() == before


def test_a_version_not_in_force_at_the_start_is_refused_by_the_service(
    signed_in, freelancer, version, reason_code
):
    start = version.effective_from - timedelta(days=3)
    data = form_data(
        freelancer,
        version,
        reason_code,
        starts_at=_local(start),
        ends_at=_local(start + timedelta(days=2)),
    )
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    # Not offered at that start, so the form itself refuses the choice.
    assert "cited_versions" in response.context["form"].errors


def test_no_evidence_at_all_is_refused(signed_in, freelancer, version, reason_code):
    data = form_data(
        freelancer,
        version,
        reason_code,
        **{
            "evidence-0-signal_category": "",
            "evidence-0-observed_at": "",
            "evidence-0-summary": "",
            "evidence-0-internal_detail": "",
            "evidence-0-redaction": "none",
            "evidence-0-redaction_reason": "",
            "evidence-0-DELETE": "on",
        },
    )
    before = _counts()
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    assert response.context["evidence_formset"].non_form_errors() == [
        "Give at least one evidence item with a summary the freelancer sees."
    ]
    assert _counts() == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": "not a date"},
        {"funds_held_amount": "-5"},
        {"funds_held_amount": "12345678901234"},
        {"strike_count": "999"},
        {"territorial_scope": "US"},
        {"restriction_type": "banished"},
        {"automated_decision": AutomatedDecision.FULLY},
        {"cited_versions": ["999999"]},
        {"reason_code": "999999"},
        {"facts": "x" * 5001},
        {"evidence-TOTAL_FORMS": "abc"},
        {"evidence-0-redaction": "sometimes"},
        {"notices-0-shown_at": "yesterday"},
        {"termination_exception": "because"},
        {"starts_at": "9999-12-25T10:00", "ends_at": "9999-12-31T10:00"},
        {"funds_release_on": "9999-12-31"},
        {"evidence-0-observed_at": "1900-01-01T00:00"},
    ],
)
def test_malformed_values_are_refused_without_a_server_error(
    signed_in, freelancer, version, reason_code, overrides
):
    before = _counts()
    response = signed_in.post(URL, form_data(freelancer, version, reason_code, **overrides))
    assert response.status_code == 422
    assert _counts() == before


# --- Adding rows ------------------------------------------------------------------------------


def test_adding_an_evidence_row_keeps_what_was_typed_and_shows_no_error_yet(
    signed_in, freelancer, version, reason_code
):
    data = form_data(freelancer, version, reason_code, facts="", intent="add-evidence")
    before = _counts()
    response = signed_in.post(URL, data)
    assert response.status_code == 200
    assert response.context["evidence_formset"].total_form_count() == 3
    content = response.content.decode()
    assert 'name="evidence-2-summary"' in content
    assert escape(SUMMARY) in content
    assert "errorlist" not in content
    assert _counts() == before


def test_adding_a_client_notice_row(signed_in, freelancer, version, reason_code):
    response = signed_in.post(URL, form_data(freelancer, version, reason_code, intent="add-notice"))
    assert response.status_code == 200
    assert 'name="notices-1-client_name"' in response.content.decode()


# --- Preview ----------------------------------------------------------------------------------


def test_the_preview_is_the_freelancers_statement_and_writes_nothing(
    signed_in, freelancer, version, reason_code, endpoint, django_capture_on_commit_callbacks
):
    before = _counts()
    with django_capture_on_commit_callbacks() as callbacks:
        response = _preview(signed_in, form_data(freelancer, version, reason_code))
    assert _counts() == before
    assert callbacks == [], "no email or webhook delivery is queued"

    templates = [t.name for t in response.templates]
    assert {"enforcement/staff/preview.html", "enforcement/_statement.html"} <= set(templates)
    content = response.content.decode()
    for shown in (
        FACTS,
        SUMMARY,
        "The client&#x27;s name is protected.",
        version.text,
        reason_code.explanation,
        reason_code.what_you_can_do,
        "Northwind Studio",
        "This freelancer&#x27;s account is temporarily suspended.",
        "250.00 EUR",
        "In Germany, France",
        "Detected by an automated system:</strong> yes.",
        "partly automated, reviewed by a person",
        "Confirm and issue",
        "Change",
    ):
        assert escape(shown) in content or shown in content, shown
    assert INTERNAL not in content
    assert escape(INTERNAL) not in content


def test_the_preview_shows_dates_in_the_freelancers_time_zone(signed_in, version, reason_code):
    new_yorker = FreelancerFactory(time_zone="America/New_York")
    start = timezone.now() - timedelta(minutes=30)
    data = form_data(new_yorker, version, reason_code, starts_at=_local(start))
    content = _preview(signed_in, data).content.decode()
    shown = timezone.localtime(start.replace(second=0, microsecond=0), ZoneInfo("America/New_York"))
    assert f"{shown.day} {shown:%B %Y, %H:%M} {shown.tzname()}" in content
    assert "America/New_York" in content


def test_the_preview_renders_the_same_statement_as_the_case_page(
    signed_in, client, freelancer, version, reason_code
):
    """Same template, same content: the statement sections of the preview are those of the
    freelancer's page once the action is issued (bar the reference, times and the appeal form)."""
    preview = _preview(signed_in, form_data(freelancer, version, reason_code))
    signed_in.post(CONFIRM_URL, {"payload": _payload(preview)})
    action = EnforcementAction.objects.get()
    client.force_login(freelancer)
    page = client.get(action.get_absolute_url()).content.decode()

    def section(content: str, name: str) -> str:
        start = content.index(f'<section id="{name}"')
        return content[start : content.index("</section>", start)]

    for name in (
        "restricted",
        "rule",
        "reason",
        "facts",
        "evidence",
        "automation",
        "funds",
        "decision",
    ):
        assert section(preview.content.decode(), name) == section(page, name), name


def test_change_goes_back_to_the_filled_form(signed_in, freelancer, version, reason_code):
    preview = _preview(signed_in, form_data(freelancer, version, reason_code))
    response = signed_in.post(URL, {"intent": "change", "payload": _payload(preview)})
    assert response.status_code == 200
    assert response.templates[0].name == "enforcement/staff/issue_action.html"
    content = response.content.decode()
    assert escape(FACTS) in content
    assert escape(INTERNAL) in content  # staff's own field, on the staff form
    assert f'value="{freelancer.marketplace_id}"' in content
    assert "errorlist" not in content
    assert EnforcementAction.objects.count() == 0


# --- Confirm ----------------------------------------------------------------------------------


def test_confirm_issues_exactly_one_action_as_previewed(
    signed_in, enforcer, freelancer, version, reason_code, endpoint
):
    preview = _preview(signed_in, form_data(freelancer, version, reason_code))
    before = _counts()
    response = signed_in.post(CONFIRM_URL, {"payload": _payload(preview)})
    action = EnforcementAction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enforcement:staff-action", args=[action.pk])

    after = _counts()
    assert after["EnforcementAction"] == before["EnforcementAction"] + 1
    assert after["EvidenceItem"] == before["EvidenceItem"] + 1  # the empty row was ignored
    assert after["ClientNotice"] == before["ClientNotice"] + 1
    assert after["Notification"] == before["Notification"] + 1
    assert after["WebhookEvent"] == before["WebhookEvent"] + 1
    assert after["WebhookDelivery"] == before["WebhookDelivery"] + 1

    assert action.account == freelancer
    assert action.decided_by == enforcer
    assert action.status == EnforcementAction.Status.ACTIVE
    assert action.facts == FACTS
    assert action.territorial_scope == ["DE", "FR"]
    assert action.funds_currency == "EUR"
    assert list(action.cited_versions.all()) == [version]
    item = action.evidence_items.get()
    assert (item.summary, item.internal_detail) == (SUMMARY, INTERNAL)
    assert action.client_notices.get().client_reference == "cl-1183"
    # The start was entered in the enforcer's time zone (Berlin).
    assert _local(action.starts_at) == form_data(freelancer, version, reason_code)["starts_at"]
    assert AuditEvent.objects.filter(verb=SUBMISSION_VERB, object_id=str(action.pk)).exists()


def test_the_staff_action_page_shows_the_statement_and_the_internal_detail(
    signed_in, freelancer, version, reason_code
):
    preview = _preview(signed_in, form_data(freelancer, version, reason_code))
    response = signed_in.post(CONFIRM_URL, {"payload": _payload(preview)}, follow=True)
    content = response.content.decode()
    assert "Action #" in content and "issued. The freelancer was notified." in content
    assert escape(FACTS) in content
    assert escape(INTERNAL) in content  # staff see it, marked internal
    assert "Internal — never shown to the freelancer" in content


def test_confirming_twice_creates_one_action(signed_in, freelancer, version, reason_code):
    preview = _preview(signed_in, form_data(freelancer, version, reason_code))
    payload = _payload(preview)
    first = signed_in.post(CONFIRM_URL, {"payload": payload})
    second = signed_in.post(CONFIRM_URL, {"payload": payload}, follow=True)
    assert EnforcementAction.objects.count() == 1
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already issued from this preview" in second.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_second_confirm_waits_for_the_first_and_creates_nothing(
    client, enforcer, freelancer, version, reason_code, monkeypatch
):
    """Two confirms of one preview at once (a double click): the second waits on the first's
    lock, then finds its action. The first holds its transaction open until the second is seen
    waiting for a lock in PostgreSQL, so the race is not left to chance."""
    client.force_login(enforcer)
    payload = _payload(_preview(client, form_data(freelancer, version, reason_code)))
    second_client = Client()
    second_client.force_login(enforcer)
    original = services.issue_action
    first_inside = threading.Event()
    second_waited = []

    def issue_and_hold(req, *, issued_by):
        if threading.current_thread().name == "first":
            first_inside.set()
            second_waited.append(_another_backend_waits_for_a_lock())
        return original(req, issued_by=issued_by)

    monkeypatch.setattr(services.issuing, "issue_action", issue_and_hold)
    responses = {}

    def confirm(name, http):
        try:
            if name == "second":
                assert first_inside.wait(30)
            responses[name] = http.post(CONFIRM_URL, {"payload": payload})
        finally:
            db.connection.close()

    threads = [
        threading.Thread(target=confirm, args=("first", client), name="first"),
        threading.Thread(target=confirm, args=("second", second_client), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert second_waited == [True], "the second confirm waited for the first's lock"
    assert EnforcementAction.objects.count() == 1
    assert responses["first"]["Location"] == responses["second"]["Location"]


def _another_backend_waits_for_a_lock() -> bool:
    """Whether another connection waits on a lock (polls pg_stat_activity; at most ~30 s)."""
    with db.connection.cursor() as cursor:
        for _ in range(600):
            # Statistics views are a snapshot per transaction, and this runs inside one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            threading.Event().wait(0.05)
    return False


def test_a_new_preview_of_the_same_data_issues_a_new_action(
    signed_in, freelancer, version, reason_code
):
    data = form_data(freelancer, version, reason_code)
    signed_in.post(CONFIRM_URL, {"payload": _payload(_preview(signed_in, data))})
    signed_in.post(CONFIRM_URL, {"payload": _payload(_preview(signed_in, data))})
    assert EnforcementAction.objects.count() == 2


def test_a_tampered_payload_issues_nothing(signed_in, freelancer, version, reason_code):
    payload = _payload(_preview(signed_in, form_data(freelancer, version, reason_code)))
    response = signed_in.post(CONFIRM_URL, {"payload": payload[:-3] + "xyz"}, follow=True)
    assert EnforcementAction.objects.count() == 0
    assert "could not be read" in response.content.decode()


def test_an_old_preview_must_be_previewed_again(
    signed_in, enforcer, freelancer, version, reason_code, time_machine
):
    payload = _payload(_preview(signed_in, form_data(freelancer, version, reason_code)))
    time_machine.move_to(timezone.now() + timedelta(hours=3))
    # Three hours without a request end a staff session (STAFF_SESSION_IDLE_MINUTES): the
    # enforcer signs in again, and the preview they made before is still theirs but too old.
    signed_in.logout()
    signed_in.force_login(enforcer)
    response = signed_in.post(CONFIRM_URL, {"payload": payload}, follow=True)
    assert EnforcementAction.objects.count() == 0
    assert "more than two hours old" in response.content.decode()


def test_another_persons_preview_cannot_be_confirmed(
    signed_in, client, freelancer, version, reason_code
):
    payload = _payload(_preview(signed_in, form_data(freelancer, version, reason_code)))
    client.force_login(EnforcerFactory())
    client.post(CONFIRM_URL, {"payload": payload})
    assert EnforcementAction.objects.count() == 0


def test_a_refusal_at_confirm_time_goes_back_to_the_form(
    signed_in, freelancer, version, reason_code
):
    payload = _payload(_preview(signed_in, form_data(freelancer, version, reason_code)))
    ReasonCode.objects.filter(pk=reason_code.pk).update(is_active=False)
    response = signed_in.post(CONFIRM_URL, {"payload": payload})
    assert response.status_code == 422
    assert "reason_code" in response.context["form"].errors
    assert EnforcementAction.objects.count() == 0


# --- Permanent terminations from the form -----------------------------------------------------


def _termination(person, version, code, /, **overrides) -> dict:
    return form_data(
        person,
        version,
        code,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at="",
        restricted_capabilities=["proposals", "messaging", "payouts"],
        decision_provision=DecisionProvision.TOTAL_TERMINATION,
        decision_account=DecisionAccount.TERMINATED,
        **overrides,
    )


def test_a_termination_is_previewed_as_proposed_and_issued_pending(
    signed_in, freelancer, version, reason_code, settings
):
    settings.TERMINATION_NOTICE_DAYS = 30
    preview = _preview(signed_in, _termination(freelancer, version, reason_code))
    content = preview.content.decode()
    assert "We propose to terminate your account." in content
    assert "(30 days' notice)" in content
    assert "Confirm and issue (as a proposal)" in content
    assert EnforcementAction.objects.count() == 0

    response = signed_in.post(CONFIRM_URL, {"payload": _payload(preview)})
    action = EnforcementAction.objects.get()
    assert action.status == EnforcementAction.Status.PENDING
    assert action.confirmed_at is None
    assert response["Location"] == (
        reverse("enforcement:pending-terminations") + f"#termination-{action.pk}"
    )


def test_a_termination_under_an_exception_shows_the_exception_and_its_reason(
    signed_in, freelancer, version, reason_code
):
    reason = "A court order of 2 May obliges us to close this account."
    data = _termination(
        freelancer,
        version,
        reason_code,
        termination_exception=EnforcementAction.TerminationException.LEGAL_OBLIGATION,
        termination_exception_reason=reason,
    )
    content = _preview(signed_in, data).content.decode()
    assert "Exception:</strong> A legal obligation." in content
    assert escape(reason) in content
    assert "days' notice" not in content


def test_an_exception_without_a_reason_is_refused_on_the_reason_field(
    signed_in, freelancer, version, reason_code
):
    data = _termination(
        freelancer,
        version,
        reason_code,
        termination_exception=EnforcementAction.TerminationException.IMMINENT_FRAUD_RISK,
    )
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    assert response.context["form"].errors["termination_exception_reason"] == [
        "Say why the exception applies; the freelancer is shown this reason."
    ]


def test_a_termination_starting_at_the_end_of_time_is_refused_not_a_server_error(
    signed_in, freelancer, version, reason_code
):
    response = signed_in.post(
        URL, _termination(freelancer, version, reason_code, starts_at="9999-12-25T10:00")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["starts_at"] == [
        "Enter a date between the years 2000 and 2100."
    ]
    assert EnforcementAction.objects.count() == 0


def test_an_exception_on_a_suspension_is_refused(signed_in, freelancer, version, reason_code):
    data = form_data(
        freelancer,
        version,
        reason_code,
        termination_exception=EnforcementAction.TerminationException.LEGAL_OBLIGATION,
        termination_exception_reason="A court order.",
    )
    response = signed_in.post(URL, data)
    assert response.status_code == 422
    assert "termination_exception" in response.context["form"].errors


def test_leads_may_issue_too(client, freelancer, version, reason_code):
    lead = LeadFactory()
    assert lead.groups.filter(name=Role.LEAD).exists()
    client.force_login(lead)
    preview = _preview(client, form_data(freelancer, version, reason_code))
    client.post(CONFIRM_URL, {"payload": _payload(preview)})
    assert EnforcementAction.objects.get().decided_by == lead


def test_a_reviewer_who_gains_the_enforcer_role_may_issue(client, reviewer, freelancer):
    client.force_login(reviewer)
    assert client.get(URL).status_code == 403
    reviewer.groups.add(Group.objects.get(name=Role.ENFORCER))
    client.force_login(reviewer)
    assert client.get(URL).status_code == 200


def test_the_signed_payload_is_not_readable_as_plain_text(
    signed_in, freelancer, version, reason_code
):
    payload = _payload(_preview(signed_in, form_data(freelancer, version, reason_code)))
    assert INTERNAL not in payload
    assert signing.loads(payload, salt="enforcement.staff.issue-action")["data"]


def test_the_staff_action_page_takes_the_same_queries_for_1_and_for_30_items(
    signed_in, freelancer, version, reason_code
):
    decided_by = ReviewerFactory()
    small = make_action(
        freelancer,
        version=version,
        reason_code=reason_code,
        decided_by=decided_by,
        evidence=1,
        client_notices=1,
    )
    large = make_action(
        freelancer,
        version=version,
        reason_code=reason_code,
        decided_by=decided_by,
        cited_versions=[version, *(published_version() for _ in range(29))],
        evidence=30,
        client_notices=30,
    )
    signed_in.get(reverse("enforcement:staff-action", args=[small.pk]))  # warm up caches
    counts = []
    for action in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = signed_in.get(reverse("enforcement:staff-action", args=[action.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
