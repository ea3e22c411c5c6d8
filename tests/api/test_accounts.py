"""PUT /api/v1/accounts/{marketplace_id} and its deactivation: the marketplace keeps accounts in
sync, idempotently, with the intake API's tokens and 4xx answers."""

import json
from datetime import date

import pytest
from django.test import Client

from accounts.models import AuditEvent, Role, TrackRecord, User
from tests.api.support import new_source, row_counts
from tests.factories import FreelancerFactory

pytestmark = pytest.mark.django_db


def put(marketplace_id: str, body, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().put(
        f"/api/v1/accounts/{marketplace_id}",
        data=raw,
        content_type="application/json",
        headers=headers,
    )


def deactivate(marketplace_id: str, body, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(
        f"/api/v1/accounts/{marketplace_id}/deactivate",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def amara(**overrides) -> dict:
    body = {
        "email": "Amara@Example.test",
        "name": "Amara Okafor",
        "language": "en",
        "time_zone": "Africa/Lagos",
        "member_since": "2020-03-14",
        "earnings_to_date": {"amount": "182450.00", "currency": "USD"},
        "completed_contracts": 214,
        "badges": ["top_rated"],
        "client_feedback_score": 4.93,
    }
    body.update(overrides)
    return body


@pytest.fixture
def token():
    return new_source("marketplace-accounts").token


def _events(marketplace_id: str):
    user = User.objects.get(marketplace_id=marketplace_id)
    return AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))


def _sync_events(marketplace_id: str) -> list[AuditEvent]:
    """The sync's own events. Creating a User (and giving it the freelancer group) also writes the
    configuration audit's `config.*` events (issue #11): those are counted apart, not here."""
    return list(_events(marketplace_id).filter(verb__startswith="account."))


def _config_verbs(marketplace_id: str) -> list[str]:
    return sorted(
        _events(marketplace_id).filter(verb__startswith="config.").values_list("verb", flat=True)
    )


def test_a_new_account_is_created_with_its_track_record_and_is_a_freelancer(token):
    response = put("mk-amara", amara(), token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "amara@example.test"
    assert body["earnings_to_date"] == {"amount": "182450.00", "currency": "USD"}
    assert body["badges"] == ["top_rated"]
    assert body["long_standing"] is True
    user = User.objects.get(marketplace_id="mk-amara")
    assert user.display_name == "Amara Okafor"
    assert user.time_zone == "Africa/Lagos"
    assert user.member_since == date(2020, 3, 14)
    assert user.has_role(Role.FREELANCER)
    assert not user.has_usable_password()
    record = user.track_record
    assert record.completed_contracts == 214
    assert str(record.client_feedback_score) == "4.93"
    assert [e.verb for e in _sync_events("mk-amara")] == ["account.synced"]
    assert _config_verbs("mk-amara") == ["config.created", "config.members_changed"]


def test_the_same_put_again_answers_200_and_writes_nothing(token):
    first = put("mk-amara", amara(), token)
    before = row_counts()
    synced_at = TrackRecord.objects.get().synced_at

    again = put("mk-amara", amara(), token)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert row_counts() == before
    assert TrackRecord.objects.get().synced_at == synced_at
    assert len(_sync_events("mk-amara")) == 1
    assert _config_verbs("mk-amara") == ["config.created", "config.members_changed"]


def test_a_changed_put_updates_the_account_and_audits_what_changed(token):
    put("mk-amara", amara(), token)

    response = put(
        "mk-amara",
        amara(badges=["top_rated_plus"], completed_contracts=215, name="Amara O."),
        token,
    )

    assert response.status_code == 200
    assert response.json()["badges"] == ["top_rated_plus"]
    events = _sync_events("mk-amara")
    assert len(events) == 2
    assert events[0].data["changed"] == ["badges", "completed_contracts", "display_name"]
    assert User.objects.get(marketplace_id="mk-amara").display_name == "Amara O."


def test_an_account_known_from_the_admin_gets_its_track_record(token):
    existing = FreelancerFactory(marketplace_id="mk-jonas", email="jonas@example.test")

    response = put("mk-jonas", amara(email="jonas@example.test", name="Jonas"), token)

    assert response.status_code == 200
    existing.refresh_from_db()
    assert existing.display_name == "Jonas"
    assert existing.track_record.completed_contracts == 214


def test_an_email_of_another_account_answers_409_and_writes_nothing(token):
    FreelancerFactory(marketplace_id="mk-other", email="taken@example.test")
    before = row_counts()

    response = put("mk-amara", amara(email="taken@example.test"), token)

    assert response.status_code == 409
    assert "email" in response.json()["detail"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"email": "not-an-address"}, ["body", "email"]),
        ({"badges": ["top_rated", "top_rated"]}, ["body", "badges"]),
        ({"badges": ["gold_star"]}, ["body", "badges", 0]),
        (
            {"earnings_to_date": {"amount": "-1", "currency": "USD"}},
            ["body", "earnings_to_date", "amount"],
        ),
        (
            {"earnings_to_date": {"amount": "10", "currency": "usd"}},
            ["body", "earnings_to_date", "currency"],
        ),
        ({"client_feedback_score": 5.5}, ["body", "client_feedback_score"]),
        ({"member_since": "2999-01-01"}, ["body", "member_since"]),
        ({"time_zone": "Mars/Olympus"}, ["body", "time_zone"]),
        ({"language": "xx"}, ["body", "language"]),
        ({"completed_contracts": "12"}, ["body", "completed_contracts"]),
        ({"name": "A\x00B"}, ["body", "name"]),
        ({"nickname": "Ama"}, ["body", "nickname"]),
    ],
)
def test_an_invalid_body_answers_422_with_the_field_path_and_writes_nothing(token, change, path):
    before = row_counts()

    response = put("mk-amara", amara(**change), token)

    assert response.status_code == 422, response.content
    assert path in [error["loc"] for error in response.json()["detail"]]
    assert row_counts() == before


def test_a_missing_field_and_a_bad_marketplace_id_answer_422(token):
    body = amara()
    del body["earnings_to_date"]
    assert put("mk-amara", body, token).status_code == 422
    response = put("bad%20id", amara(), token)
    assert response.status_code == 422
    assert ["path", "marketplace_id"] in [e["loc"] for e in response.json()["detail"]]
    assert not User.objects.exists()


def test_malformed_json_answers_400_and_no_token_401(token):
    assert put("mk-amara", b"{not json", token).status_code == 400
    assert put("mk-amara", amara(), None).status_code == 401
    assert put("mk-amara", amara(), "rcs_wrong").status_code == 401
    assert not User.objects.exists()


def test_deactivation_is_recorded_once_keeps_sign_in_and_a_put_opens_it_again(token):
    put("mk-amara", amara(), token)

    first = deactivate("mk-amara", {"reason": "Closed at the member's request."}, token)
    again = deactivate("mk-amara", {"reason": "Closed again."}, token)

    assert first.status_code == again.status_code == 200
    assert first.json()["deactivated_at"] is not None
    assert again.json()["deactivated_at"] == first.json()["deactivated_at"]
    user = User.objects.get(marketplace_id="mk-amara")
    assert user.is_active  # they can still sign in, read their statements and appeal
    assert user.track_record.deactivation_reason == "Closed at the member's request."
    assert [e.verb for e in _sync_events("mk-amara")] == ["account.deactivated", "account.synced"]

    reopened = put("mk-amara", amara(), token)
    assert reopened.status_code == 200
    assert reopened.json()["deactivated_at"] is None
    assert _sync_events("mk-amara")[0].data["reactivated"] is True


def test_deactivating_an_unknown_account_answers_404(token):
    assert deactivate("mk-nobody", {}, token).status_code == 404
    assert deactivate("mk-nobody", {"reason": 5}, token).status_code == 422


def test_get_reads_the_synced_account(token):
    put("mk-amara", amara(), token)
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/accounts/mk-amara", headers=headers).json()["name"] == (
        "Amara Okafor"
    )
    assert Client().get("/api/v1/accounts/mk-none", headers=headers).status_code == 404
