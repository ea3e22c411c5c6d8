"""Admins create intake sources (the token is shown once), see when each was last used, revoke
them, and issue new tokens; every change is audited and the API follows at once."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from enforcement.models import IntakeSource
from tests.factories import ReviewerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:enforcement_intakesource_changelist"


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _token_in(response) -> str:
    [token] = [
        found.group(0)
        for message in response.context["messages"]
        if (found := re.search(r"rcs_[\w-]+", str(message)))
    ]
    return token


def _source(name: str = "payments-detector") -> tuple[IntakeSource, str]:
    source = IntakeSource(name=name)
    token = source.set_new_token()
    source.save()
    return source, token


def _api_status(client, token: str) -> int:
    return client.get("/api/v1/actions/1", headers={"Authorization": f"Bearer {token}"}).status_code


def test_an_admin_creates_a_source_and_sees_its_token_once(as_admin, admin_user):
    response = as_admin.post(
        reverse("admin:enforcement_intakesource_add"), {"name": "payments-detector"}, follow=True
    )

    source = IntakeSource.objects.get()
    token = _token_in(response)
    assert source.token_hash == IntakeSource.hash_token(token)
    assert source.token_hint == token[:12]
    assert source.created_by == admin_user
    assert AuditEvent.objects.filter(
        verb="intake_source.created", object_id=str(source.pk), actor=admin_user
    ).exists()
    # Only a hash is stored; the pages show the hint, never the token.
    assert token not in str(IntakeSource.objects.values().get())
    for url in [
        reverse(CHANGELIST),
        reverse("admin:enforcement_intakesource_change", args=[source.pk]),
    ]:
        page = as_admin.get(url).content.decode()
        assert token not in page
        assert source.token_hint in page
    # The token works (404: no such action, but authenticated).
    assert _api_status(as_admin, token) == 404


def test_the_list_shows_hint_creation_last_use_and_revocation(as_admin):
    used, token = _source("payments-detector")
    _api_status(as_admin, token)
    revoked, _ = _source("old-detector")
    IntakeSource.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    page = as_admin.get(reverse(CHANGELIST)).content.decode()

    for heading in ("Name", "Token hint", "Created at", "Last used at", "Revoked at"):
        assert heading in page
    used.refresh_from_db()
    assert used.last_used_at is not None
    assert used.token_hint in page and revoked.token_hint in page


def test_revoking_a_source_stops_its_token_and_is_audited(as_admin, admin_user):
    source, token = _source()
    other, other_token = _source("identity-detector")
    assert _api_status(as_admin, token) == 404

    response = as_admin.post(
        reverse(CHANGELIST), {"action": "revoke", "_selected_action": [source.pk]}, follow=True
    )

    assert response.status_code == 200
    source.refresh_from_db()
    assert source.revoked_at is not None
    assert _api_status(as_admin, token) == 401
    assert _api_status(as_admin, other_token) == 404
    assert AuditEvent.objects.filter(verb="intake_source.revoked", actor=admin_user).count() == 1

    # Revoking again changes nothing and writes no second audit row.
    as_admin.post(reverse(CHANGELIST), {"action": "revoke", "_selected_action": [source.pk]})
    assert AuditEvent.objects.filter(verb="intake_source.revoked").count() == 1


def test_a_new_token_replaces_the_old_one_and_is_shown_once(as_admin, admin_user):
    source, old_token = _source()

    response = as_admin.post(
        reverse(CHANGELIST),
        {"action": "issue_new_token", "_selected_action": [source.pk]},
        follow=True,
    )

    new_token = _token_in(response)
    assert new_token != old_token
    assert _api_status(as_admin, old_token) == 401
    assert _api_status(as_admin, new_token) == 404
    assert AuditEvent.objects.filter(verb="intake_source.token_replaced", actor=admin_user).count()
    assert new_token not in as_admin.get(reverse(CHANGELIST)).content.decode()


def test_a_revoked_source_gets_no_new_token(as_admin):
    source, token = _source()
    IntakeSource.objects.filter(pk=source.pk).update(revoked_at=timezone.now())

    response = as_admin.post(
        reverse(CHANGELIST),
        {"action": "issue_new_token", "_selected_action": [source.pk]},
        follow=True,
    )

    assert "create a new source instead" in response.content.decode()
    source.refresh_from_db()
    assert source.token_hash == IntakeSource.hash_token(token)
    assert not AuditEvent.objects.filter(verb="intake_source.token_replaced").exists()


def test_sources_cannot_be_deleted_or_renamed(as_admin):
    source, _ = _source()
    change = reverse("admin:enforcement_intakesource_change", args=[source.pk])

    as_admin.post(change, {"name": "renamed"})

    source.refresh_from_db()
    assert source.name == "payments-detector"
    delete = reverse("admin:enforcement_intakesource_delete", args=[source.pk])
    assert as_admin.post(delete, {"post": "yes"}).status_code == 403
    assert IntakeSource.objects.filter(pk=source.pk).exists()


def test_reviewers_do_not_manage_sources(client):
    client.force_login(ReviewerFactory())
    assert client.get(reverse(CHANGELIST)).status_code == 403
