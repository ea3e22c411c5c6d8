"""The DSA Transparency Database export: valid statements, batches of at most 100, one PUID per
action, no personal data."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from enforcement import export
from enforcement.choices import DecisionMonetary
from enforcement.models import EnforcementAction, EvidenceItem
from tests.factories import make_action

pytestmark = pytest.mark.django_db


def _export(tmp_path, **options) -> list[dict]:
    today = timezone.localdate()
    call_command(
        "export_statements",
        since=options.get("since", (today - timedelta(days=1)).isoformat()),
        until=options.get("until", (today + timedelta(days=1)).isoformat()),
        output=str(tmp_path),
        stdout=io.StringIO(),
    )
    return [json.loads(path.read_text()) for path in sorted(tmp_path.glob("statements-*.json"))]


def test_every_demo_statement_exports_valid_and_without_personal_data(tmp_path):
    call_command("seed_demo", verbosity=0)
    files = _export(tmp_path, since="2000-01-01")
    statements = [item for body in files for item in body["statements"]]
    assert len(statements) == EnforcementAction.objects.count() > 0
    for item in statements:
        assert export.problems(item) == [], item["puid"]
    raw = json.dumps(files)
    for user in User.objects.all():
        assert user.email not in raw
    assert "@" not in raw


def test_factory_statements_of_every_kind_export_valid(tmp_path, freelancer):
    make_action(freelancer)
    make_action(freelancer, restriction_type="permanent_termination", ends_at=None)
    make_action(freelancer, decision_monetary=DecisionMonetary.SUSPENSION)
    illegal = make_action(
        freelancer,
        decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
        illegal_content_legal_ground="§ 263 StGB (fraud), Germany",
        illegal_content_explanation="Invoices for work never done were sent to clients.",
        source_type="SOURCE_TRUSTED_FLAGGER",
        source_identity="Trusted Flagger Association e.V.",
    )
    (body,) = _export(tmp_path)
    assert len(body["statements"]) == 4
    for item in body["statements"]:
        assert export.problems(item) == []
        assert item["automated_detection"] in ("Yes", "No")
        assert item["decision_ground_reference_url"].startswith("http")
    (exported,) = [i for i in body["statements"] if i["puid"] == illegal.puid]
    assert exported["illegal_content_legal_ground"] == "§ 263 StGB (fraud), Germany"
    assert exported["illegal_content_explanation"].startswith("Invoices")
    assert exported["source_identity"] == "Trusted Flagger Association e.V."
    assert "incompatible_content_ground" not in exported
    own_initiative = [i for i in body["statements"] if i["source_type"] == "SOURCE_VOLUNTARY"]
    assert all("source_identity" not in i for i in own_initiative)


def test_the_export_rules_refuse_an_identity_on_own_initiative():
    assert "source_identity: not allowed with SOURCE_VOLUNTARY" in export.problems(
        {"source_type": "SOURCE_VOLUNTARY", "source_identity": "Someone"}
    )


def _fields(item: EvidenceItem) -> dict:
    return {
        f.attname: getattr(item, f.attname)
        for f in EvidenceItem._meta.concrete_fields
        if f.attname not in {"id", "action_id"}
    }


def test_batches_hold_at_most_100_statements_and_each_puid_once(tmp_path, freelancer):
    action = make_action(freelancer)
    clones = []
    for _ in range(230):
        clone = EnforcementAction.objects.get(pk=action.pk)
        clone.pk = None
        clone.puid = EnforcementAction._meta.get_field("puid").default()
        clones.append(clone)
    created = EnforcementAction.objects.bulk_create(clones)
    # Every action has its evidence and cited version (the database refuses one without).
    evidence = list(action.evidence_items.all())
    EvidenceItem.objects.bulk_create(
        EvidenceItem(**{**_fields(item), "action_id": clone.pk})
        for clone in created
        for item in evidence
    )
    through = EnforcementAction.cited_versions.through
    through.objects.bulk_create(
        through(enforcementaction_id=clone.pk, ruleversion_id=version.pk)
        for clone in created
        for version in action.cited_versions.all()
    )
    files = _export(tmp_path)
    assert [len(body["statements"]) for body in files] == [100, 100, 31]
    puids = [item["puid"] for body in files for item in body["statements"]]
    assert len(set(puids)) == 231


def test_the_end_date_goes_to_each_restriction_kind_the_action_sets(freelancer):
    action = make_action(freelancer, decision_monetary=DecisionMonetary.SUSPENSION)
    (batch,) = export.batches(EnforcementAction.objects.filter(pk=action.pk))
    (item,) = batch
    end = action.ends_at.date().isoformat()
    assert item["end_date_monetary_restriction"] == end
    if action.decision_account:
        assert item["end_date_account_restriction"] == end
    if not action.decision_visibility:
        assert "end_date_visibility_restriction" not in item


def test_the_rules_catch_invalid_statements(freelancer):
    (batch,) = export.batches(EnforcementAction.objects.filter(pk=make_action(freelancer).pk))
    good = batch[0]
    assert export.problems({**good, "puid": "has space"}) == ["puid: only letters, digits, - and _"]
    assert export.problems({**good, "automated_detection": True})
    without = {key: value for key, value in good.items() if key != "content_type_other"}
    assert export.problems({**without, "content_type": ["CONTENT_TYPE_OTHER"]}) == [
        "content_type_other: required with CONTENT_TYPE_OTHER"
    ]
    illegal = {**good, "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}
    assert "illegal_content_legal_ground: required for illegal content" in export.problems(illegal)
    early = {**good, "end_date_account_restriction": "1999-01-01"}
    assert "end_date_account_restriction: before the application date" in export.problems(early)


def test_a_bad_date_is_refused_with_the_option_named(tmp_path):
    with pytest.raises(CommandError, match="--since"):
        call_command("export_statements", since="yesterday", output=str(tmp_path))


# --- The admin action ----------------------------------------------------------------------------


def _admin_export(client, actions):
    from django.urls import reverse

    return client.post(
        reverse("admin:enforcement_enforcementaction_changelist"),
        {"action": "export_statements", "_selected_action": [a.pk for a in actions]},
    )


def test_the_admin_exports_the_selected_actions_as_one_batch(client, freelancer):
    from tests.factories import AdminFactory

    admin = AdminFactory()
    chosen = [make_action(freelancer), make_action(freelancer)]
    make_action(freelancer)
    client.force_login(admin)
    response = _admin_export(client, chosen)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="statements-')
    body = json.loads(response.content)
    assert sorted(item["puid"] for item in body["statements"]) == sorted(a.puid for a in chosen)
    assert all(export.problems(item) == [] for item in body["statements"])
    assert freelancer.email not in response.content.decode()
    from accounts.models import AuditEvent

    assert AuditEvent.objects.filter(verb="statement.exported", actor=admin).count() == 2


def test_the_admin_refuses_more_than_a_batch(client, freelancer, monkeypatch):
    from tests.factories import AdminFactory

    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    chosen = [make_action(freelancer) for _ in range(3)]
    client.force_login(AdminFactory())
    response = _admin_export(client, chosen)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Select at most 2 actions" in m for m in messages)
