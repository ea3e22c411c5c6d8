"""/healthz reports whether the database and the Celery broker can be reached."""

import os
import socket

import pytest
from django.urls import reverse

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

HEALTHZ = reverse("healthz")


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _closed_port() -> int:
    """A local port with nothing listening (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_broker(monkeypatch, url: str) -> None:
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", url)


def test_healthz_is_ok_with_the_configured_broker(client):
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_is_ok_with_redis_as_the_broker(client, monkeypatch):
    _use_broker(monkeypatch, _redis_url())
    assert celery_app.connection_for_write().transport_cls == "redis"
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_healthz_answers_503_when_the_broker_is_down(client, monkeypatch):
    _use_broker(monkeypatch, f"redis://127.0.0.1:{_closed_port()}/0")
    response = client.get(HEALTHZ)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_healthz_needs_no_sign_in_and_sets_no_session(client):
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
