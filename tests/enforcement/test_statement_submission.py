"""Optional submission to the DSA Transparency Database: batches of at most 100 POSTed with a
bearer token through an outbox (claim, retry with backoff), each statement submitted once and its
result recorded — with a real HTTP receiver and a real Celery worker on Redis."""

import json
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import IntegrityError, transaction
from django.utils import timezone

from enforcement import export, services
from enforcement.models import StatementBatch, StatementSubmission
from tests.factories import copy_actions, make_action
from tests.notifications.receiver import Receiver

Status = StatementBatch.Status
TOKEN = "X|test-token-for-the-sandbox"


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def submission_on(settings, receiver):
    settings.TDB_SUBMIT_URL = receiver.url
    settings.TDB_SUBMIT_TOKEN = TOKEN
    return receiver


def _wait_until(condition, *, seconds: float = 30) -> bool:
    """Poll until `condition` holds or the deadline passes (a bound, not an assertion on time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_submits_each_statement_once_with_the_bearer_token(
    celery_on_redis, submission_on
):
    receiver = submission_on
    actions = [make_action() for _ in range(3)]

    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        assert services.submit_statements() == 1
        assert _wait_until(
            lambda: StatementBatch.objects.filter(status=Status.SUBMITTED).count() == 1
        )
        # The sweep again: nothing new to submit, nothing sent twice.
        assert services.submit_statements() == 0
        time.sleep(1)

    [request] = receiver.requests
    assert request.header("Authorization") == f"Bearer {TOKEN}"
    assert request.header("Content-Type") == "application/json"
    body = json.loads(request.body)
    assert sorted(s["puid"] for s in body["statements"]) == sorted(a.puid for a in actions)
    assert all(export.problems(s) == [] for s in body["statements"])
    for action in actions:
        submission = StatementSubmission.objects.get(action=action)
        assert submission.puid == action.puid
        assert submission.result.startswith("Accepted (HTTP 200)")
    batch = StatementBatch.objects.get()
    assert (batch.attempts, batch.last_status_code) == (1, 200)
    assert batch.submitted_at is not None


@pytest.mark.django_db
def test_batches_hold_at_most_100_statements(submission_on, celery_in_memory):
    template = make_action()
    copy_actions(template, [{} for _ in range(150)])
    assert services.submit_statements() == 2
    sizes = sorted(b.statements.count() for b in StatementBatch.objects.all())
    assert sizes == [51, 100]
    assert StatementSubmission.objects.count() == 151


@pytest.mark.django_db
def test_a_server_error_is_retried_later_and_the_result_recorded(submission_on, celery_in_memory):
    receiver = submission_on
    receiver.answer(503)
    action = make_action()
    services.submit_statements()
    batch = StatementBatch.objects.get()

    assert services.submit_batch(batch.pk) == Status.PENDING
    batch.refresh_from_db()
    assert batch.last_status_code == 503
    assert batch.next_attempt_at > timezone.now()
    assert "Not accepted yet (attempt 1): HTTP 503" in action.tdb_submission.result
    # Not due yet: a duplicate message does nothing.
    assert services.submit_batch(batch.pk) is None

    later = batch.next_attempt_at + timedelta(seconds=1)
    assert services.submit_batch(batch.pk, now=later) == Status.SUBMITTED
    action.tdb_submission.refresh_from_db()
    assert action.tdb_submission.result.startswith("Accepted")
    assert len(receiver.requests) == 2


@pytest.mark.django_db
def test_a_refusal_is_recorded_and_not_retried(submission_on, celery_in_memory):
    receiver = submission_on
    receiver.answer(422)
    action = make_action()
    services.submit_statements()
    batch = StatementBatch.objects.get()
    assert services.submit_batch(batch.pk) == Status.FAILED
    action.tdb_submission.refresh_from_db()
    assert action.tdb_submission.result.startswith("Refused (HTTP 422): receiver says no")
    assert services.submit_statements() == 0
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_statement_cannot_be_put_in_two_batches():
    action = make_action()
    first, second = StatementBatch.objects.create(), StatementBatch.objects.create()
    StatementSubmission.objects.create(action=action, puid=action.puid, batch=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementSubmission.objects.create(action=action, puid=action.puid, batch=second)


@pytest.mark.django_db
def test_nothing_is_submitted_unless_configured(settings):
    settings.TDB_SUBMIT_URL = ""
    make_action()
    assert services.submit_statements() == 0
    assert not StatementBatch.objects.exists()
