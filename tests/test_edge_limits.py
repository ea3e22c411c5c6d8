"""Limits at the edge (config/edge.py): over-size bodies refused before they are read, and every
answer under /api/ in JSON, with DEBUG on and off."""

import json

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from appeals.models import Message
from appeals.uploads import MAX_BYTES, MAX_FILES
from enforcement.models import EnforcementAction, IntakeSource
from tests.api.support import URL, new_source, post
from tests.factories import make_appeal

pytestmark = pytest.mark.django_db

DEBUG_MODES = pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])


@pytest.fixture
def token(db):
    return new_source("fraud-detector").token


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


@DEBUG_MODES
def test_an_over_size_api_body_is_a_json_413_and_writes_nothing(settings, token, debug):
    settings.DEBUG = debug
    # 2.7 MB, as in the security pass: valid JSON, far past the cap.
    body = json.dumps({"external_id": "x", "padding": "a" * 2_700_000}).encode()

    response = post(body, token, client=Client(raise_request_exception=False))

    assert response.status_code == 413
    detail = _json(response)["detail"]
    assert "larger than the 1 MB (1048576 bytes) this API accepts" in detail
    assert not EnforcementAction.objects.exists()


@DEBUG_MODES
def test_a_body_over_djangos_read_cap_is_a_json_413_too(settings, token, debug):
    """Whatever declared length slipped past the middleware, reading the body stops at
    DATA_UPLOAD_MAX_MEMORY_SIZE and the API says 413, not 400 HTML or a 500 traceback."""
    settings.DEBUG = debug
    settings.API_MAX_BODY_BYTES = 10 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    body = json.dumps({"padding": "a" * 60_000}).encode()

    response = post(body, token, client=Client(raise_request_exception=False))

    assert response.status_code == 413
    assert "this API accepts" in _json(response)["detail"]


@DEBUG_MODES
def test_every_api_error_is_json(settings, token, debug, monkeypatch):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)

    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404
    assert _json(missing)["detail"]

    wrong_method = client.delete(URL, headers={"Authorization": f"Bearer {token}"})
    assert wrong_method.status_code == 405
    assert _json(wrong_method)["detail"]

    malformed = post(b"{not json", token, client=client)
    assert malformed.status_code in (400, 422)
    assert _json(malformed)["detail"]

    def explode(*args, **kwargs):
        raise RuntimeError("database fell over")

    monkeypatch.setattr(IntakeSource, "hash_token", staticmethod(explode))
    crashed = client.get(f"{URL}/1", headers={"Authorization": f"Bearer {token}"})
    assert crashed.status_code == 500
    body = _json(crashed)
    assert body == {"detail": "Internal error: the request was not carried out. Try again later."}
    assert b"Traceback" not in crashed.content


@DEBUG_MODES
def test_an_upload_over_the_request_cap_is_refused_before_reading(
    settings, client, freelancer, debug
):
    settings.DEBUG = debug
    settings.UPLOAD_MAX_REQUEST_BYTES = 100_000
    appeal = make_appeal(make_action_for(freelancer))
    client.force_login(freelancer)
    big = SimpleUploadedFile("scan.txt", b"a" * 150_000, content_type="text/plain")

    response = client.post(
        reverse("appeals:appeal-message", args=[appeal.pk]),
        {"body": "Here is the scan.", "attachments": [big]},
    )

    assert response.status_code == 413
    content = response.content.decode()
    assert "Too large to send" in content
    assert "nothing was saved" in content
    assert not Message.objects.filter(appeal=appeal, body="Here is the scan.").exists()
    assert "no-store" in response["Cache-Control"]


def make_action_for(freelancer):
    from tests.factories import make_action

    return make_action(freelancer)


def test_the_upload_handler_stops_once_the_cap_has_streamed_in(settings):
    """Defence in depth for a body whose declared length is not the whole story: the handler
    counts what arrives and stops the parse at the cap."""
    from config.edge import CappedUploadHandler

    settings.UPLOAD_MAX_REQUEST_BYTES = 1000
    request = RequestFactory().post("/")
    handler = CappedUploadHandler(request)
    handler.handle_raw_input(None, {}, 900, b"boundary")
    handler.receive_data_chunk(b"a" * 600, 0)

    with pytest.raises(RequestDataTooBig):
        handler.receive_data_chunk(b"a" * 600, 600)
    assert request._upload_cut_off is True

    declared_over = CappedUploadHandler(RequestFactory().post("/"))
    with pytest.raises(RequestDataTooBig):
        declared_over.handle_raw_input(None, {}, 5000, b"boundary")


def test_the_caps_fit_what_the_upload_rules_allow():
    """Five files of the largest accepted size and their form fit in one request; the API's
    cap is what Django reads of any non-file body."""
    assert django_settings.UPLOAD_MAX_REQUEST_BYTES > MAX_FILES * MAX_BYTES
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == django_settings.API_MAX_BODY_BYTES
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "config.edge.CappedUploadHandler"


def test_gunicorn_limits_the_request_line_and_headers():
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(django_settings.BASE_DIR) / "gunicorn.conf.py"))
    assert conf["limit_request_line"] <= 8190
    assert conf["limit_request_fields"] <= 100
    assert conf["limit_request_field_size"] <= 8190
