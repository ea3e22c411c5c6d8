"""schemathesis against the served OpenAPI document, in process: whatever it sends, the API
answers without a server error and every answer matches the document."""

import json
import warnings
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from enforcement.models import EnforcementAction
from tests.api.support import make_world, new_source, row_counts, valid_body
from tests.factories import FreelancerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

MAX_EXAMPLES = int(__import__("os").environ.get("SCHEMA_EXAMPLES", "60"))


@contextmanager
def database_connection_kept():
    """The WSGI handler closes the database connection at the end of each request, which would
    close the test's transaction; Django's test client disconnects the same signal handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# schemathesis makes the tests from the document when the module is collected, so the handler is
# built here, before tests/conftest.py serves static files from the source folders: WhiteNoise
# then warns that STATIC_ROOT was never collected, which does not concern an API.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    application = get_wsgi_application()
with database_connection_kept():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(max_examples=MAX_EXAMPLES)


@pytest.fixture(autouse=True)
def _connection_kept():
    with database_connection_kept():
        yield


# Every built-in check runs except positive_data_acceptance: a body can match the document and
# still be refused with 422, because the document cannot say which accounts, rules, reason codes
# and deciders exist, nor the enforcement rules across fields (an end after the start, a reason
# code of the cited rule...). Negative data must still be rejected (negative_data_rejection).
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def token(db):
    return new_source("schemathesis").token


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_the_api_conforms_to_its_document(case, token):
    before = row_counts()
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=EXCLUDED
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert row_counts() == before


def test_created_replayed_conflicting_and_read_answers_match_the_document(token):
    """The answers random data rarely reaches: 201, 200, 409 and a GET of an existing action."""
    world = make_world(FreelancerFactory())
    headers = {"Authorization": f"Bearer {token}"}
    body = valid_body(world)
    create = schema["/api/v1/actions"]["POST"]

    created = create.Case(body=body, media_type="application/json").call_and_validate(
        headers=headers
    )
    replayed = create.Case(body=body, media_type="application/json").call_and_validate(
        headers=headers
    )
    conflict = create.Case(
        body={**body, "facts": "Something else."}, media_type="application/json"
    ).call_and_validate(headers=headers)
    action_id = json.loads(created.content)["id"]
    read = (
        schema["/api/v1/actions/{action_id}"]["GET"]
        .Case(path_parameters={"action_id": action_id})
        .call_and_validate(headers=headers)
    )

    assert [r.status_code for r in (created, replayed, conflict, read)] == [201, 200, 409, 200]
    assert EnforcementAction.objects.filter(pk=action_id).exists()


def test_account_sync_answers_match_the_document(token):
    """Created, replayed, conflicting (409), read and deactivated accounts, as documented."""
    headers = {"Authorization": f"Bearer {token}"}
    FreelancerFactory(marketplace_id="mk-other", email="taken@example.test")
    body = {
        "email": "amara@example.test",
        "name": "Amara Okafor",
        "member_since": "2020-03-14",
        "earnings_to_date": {"amount": "182450.00", "currency": "USD"},
        "completed_contracts": 214,
        "badges": ["top_rated"],
        "client_feedback_score": "4.93",
    }
    sync = schema["/api/v1/accounts/{marketplace_id}"]["PUT"]

    def put(payload):
        return sync.Case(
            path_parameters={"marketplace_id": "mk-amara"},
            body=payload,
            media_type="application/json",
        ).call_and_validate(headers=headers)

    created, replayed = put(body), put(body)
    conflict = put({**body, "email": "taken@example.test"})
    read = (
        schema["/api/v1/accounts/{marketplace_id}"]["GET"]
        .Case(path_parameters={"marketplace_id": "mk-amara"})
        .call_and_validate(headers=headers)
    )
    closed = (
        schema["/api/v1/accounts/{marketplace_id}/deactivate"]["POST"]
        .Case(
            path_parameters={"marketplace_id": "mk-amara"},
            body={"reason": "Closed."},
            media_type="application/json",
        )
        .call_and_validate(headers=headers)
    )

    assert [r.status_code for r in (created, replayed, conflict, read, closed)] == [
        201,
        200,
        409,
        200,
        200,
    ]
