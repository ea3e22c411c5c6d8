"""Submitting statements of reasons to the DSA Transparency Database (issue #15, optional).

Off unless `TDB_SUBMIT_URL` is set. The beat sweep (`submit_statements`) puts every issued
statement not yet submitted into a `StatementBatch` of at most 100 — a statement's
`StatementSubmission` row is unique per action and per PUID, so a statement is submitted once
even when two sweeps run at once — and queues the batch after commit. `submit_batch` claims a
batch with a conditional update, POSTs `{"statements": [...]}` with the bearer token, and records
the result on the batch and on each statement: 2xx submitted; 4xx refused (the database
validates the whole batch, so a retry cannot help: failed, its answer kept); network errors and
5xx retried with the webhooks' backoff up to `TDB_MAX_ATTEMPTS`. A worker that dies mid-POST
loses its lease and the sweep sends the batch again (the database refuses a PUID it already
has, which then shows in the result).

Reversals are not re-submitted: the database's API creates statements and has no update of a
submitted one (see README).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from enforcement import export
from enforcement.models import EnforcementAction, StatementBatch, StatementSubmission
from infra.queueing import enqueue
from notifications.webhooks import backoff

logger = logging.getLogger(__name__)
Status = StatementBatch.Status
TASK = "enforcement.tasks.submit_statement_batch"
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 30
RESULT_EXCERPT = 4000


def submission_enabled() -> bool:
    return bool(settings.TDB_SUBMIT_URL)


def queue_new_batches(*, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Put statements not yet submitted into batches (≤ 100 each, at most `limit` batches);
    returns the new batches' ids, queued after commit."""
    if not submission_enabled():
        return []
    now = now or timezone.now()
    created: list[int] = []
    for _ in range(limit):
        with transaction.atomic():
            actions = list(
                EnforcementAction.objects.filter(tdb_submission__isnull=True, created_at__lte=now)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "puid")[: export.BATCH_SIZE]
            )
            if not actions:
                break
            batch = StatementBatch.objects.create(created_at=now, next_attempt_at=now)
            try:
                with transaction.atomic():
                    StatementSubmission.objects.bulk_create(
                        StatementSubmission(action_id=pk, puid=puid, batch=batch)
                        for pk, puid in actions
                    )
            except IntegrityError:
                # Another sweep took some of them first: leave them to it.
                batch.delete()
                break
            created.append(batch.pk)
            transaction.on_commit(lambda pk=batch.pk: enqueue(TASK, pk))
    return created


def _take_back_lapsed(now: datetime) -> list[int]:
    """Batches whose sending worker died: due again (or failed after the last attempt)."""
    lapsed = list(
        StatementBatch.objects.filter(status=Status.SENDING, claimed_until__lte=now).values_list(
            "pk", "attempts"
        )
    )
    again = []
    for pk, attempts in lapsed:
        gave_up = attempts >= settings.TDB_MAX_ATTEMPTS
        if (
            StatementBatch.objects.filter(
                pk=pk, status=Status.SENDING, claimed_until__lte=now
            ).update(
                status=Status.FAILED if gave_up else Status.PENDING,
                claimed_until=None,
                next_attempt_at=now,
                last_error="The worker sending this batch stopped; it is sent again.",
            )
            and not gave_up
        ):
            again.append(pk)
    return again


def submit_statements(*, now: datetime | None = None) -> int:
    """The beat sweep: new batches, and batches due for a retry (or lost with a worker or the
    broker) queued again. Returns the number queued."""
    if not submission_enabled():
        return 0
    now = now or timezone.now()
    new = queue_new_batches(now=now)
    _take_back_lapsed(now)
    due = list(
        StatementBatch.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .exclude(pk__in=new)
        .values_list("pk", flat=True)
    )
    for pk in due:
        enqueue(TASK, pk)
    return len(new) + len(due)


def _post(body: bytes) -> tuple[int | None, str]:
    headers = {
        "Authorization": f"Bearer {settings.TDB_SUBMIT_TOKEN}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = client.post(settings.TDB_SUBMIT_URL, content=body, headers=headers)
        return response.status_code, response.text[:RESULT_EXCERPT]
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"[:RESULT_EXCERPT]


def submit_batch(batch_id: int, *, now: datetime | None = None) -> str | None:
    """Send one batch if it is due and nobody holds it; its new status, or None (nothing to do)."""
    if not submission_enabled():
        return None
    now = now or timezone.now()
    claimed = StatementBatch.objects.filter(
        pk=batch_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_until=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    batch = StatementBatch.objects.get(pk=batch_id)
    actions = EnforcementAction.objects.filter(tdb_submission__batch_id=batch_id)
    statements = [item for page in export.batches(actions) for item in page]
    body = json.dumps({"statements": statements}, ensure_ascii=False).encode()
    status_code, text = _post(body)
    finished = timezone.now()

    if status_code is not None and 200 <= status_code < 300:
        fields = {"status": Status.SUBMITTED, "submitted_at": finished, "last_error": ""}
        result = f"Accepted (HTTP {status_code}) on {finished:%Y-%m-%d %H:%M:%S %Z}."
    elif status_code is not None and 400 <= status_code < 500 and status_code not in (408, 429):
        fields = {"status": Status.FAILED, "last_error": f"HTTP {status_code}: {text}"}
        result = f"Refused (HTTP {status_code}): {text}"
    elif batch.attempts >= settings.TDB_MAX_ATTEMPTS:
        error = f"HTTP {status_code}: {text}" if status_code else text
        fields = {"status": Status.FAILED, "last_error": error}
        result = f"Gave up after {batch.attempts} attempts: {error}"
    else:
        error = f"HTTP {status_code}: {text}" if status_code else text
        fields = {
            "status": Status.PENDING,
            "next_attempt_at": finished + backoff(batch.attempts),
            "last_error": error,
        }
        result = f"Not accepted yet (attempt {batch.attempts}): {error}"
    with transaction.atomic():
        still_ours = StatementBatch.objects.filter(
            pk=batch_id, status=Status.SENDING, attempts=batch.attempts
        ).update(claimed_until=None, last_status_code=status_code, **fields)
        if not still_ours:
            logger.warning("Statement batch %s finished after its lease lapsed; ignored", batch_id)
            return None
        StatementSubmission.objects.filter(batch_id=batch_id).update(result=result)
    return fields["status"]
