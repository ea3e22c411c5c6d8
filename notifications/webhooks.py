"""Signed webhooks to the marketplace: an outbox of events, delivered at least once by Celery.

`record_event` writes the event and one delivery per interested endpoint inside the transaction
that made the change, and enqueues each delivery once that transaction commits. `deliver` claims
a delivery with a conditional update (a duplicate task finds nothing to claim), POSTs the signed
body and records the attempt; a failure is retried with exponential backoff up to a cap. Timers
are columns: `next_attempt_at` for the next retry, `claimed_until` for the lease of the worker
sending it. `redrive` (Celery beat) enqueues what is due, and takes back deliveries whose worker
died mid-send once their lease lapsed, so no event is lost.

Requests follow the Standard Webhooks specification (documented in README, "Webhooks"):
`webhook-id` (the event's idempotency key), `webhook-timestamp` and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the `whsec_` secret), so a receiver
verifies them with the maintained `standardwebhooks` library in its own language.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import record_audit
from infra.queueing import enqueue
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

SECRET_PREFIX = "whsec_"
EVENT_HEADER = "Recourse-Event"
ATTEMPT_HEADER = "Recourse-Attempt"
USER_AGENT = "Recourse-Webhooks/1"
# How much of a failing endpoint's answer is kept in the delivery log.
RESPONSE_EXCERPT_BYTES = 500
LOST_WORKER_ERROR = (
    "The worker sending this was lost mid-delivery (its lease lapsed); the endpoint may or may "
    "not have received it."
)


# --- Recording events (the outbox) --------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _action_body(action) -> dict:
    return {
        "id": action.pk,
        "puid": action.puid,
        "account": {"marketplace_id": action.account.marketplace_id},
        "restriction_type": action.restriction_type,
        "status": action.status,
        "starts_at": _iso(action.starts_at),
        "ends_at": _iso(action.ends_at),
        "takes_effect_at": _iso(action.takes_effect_at),
        # The detection system's own id for it, when it came through the intake API.
        "external_id": action.external_id or None,
        "restricted_capabilities": list(action.restricted_capabilities),
        "funds": {
            "currency": action.funds_currency or None,
            "held": _money(action.funds_held_amount),
            "released": _money(action.funds_released_amount),
            "still_held": _money(action.funds_held_amount - action.funds_released_amount),
            "released_at": _iso(action.funds_released_at),
            "release_on": action.funds_release_on.isoformat() if action.funds_release_on else None,
        },
        "corrections": [
            _correction_body(notice, notice.correction)
            for notice in action.client_notices.select_related("correction").order_by("id")
            if getattr(notice, "correction", None) is not None
        ],
    }


def _money(amount) -> str:
    return f"{Decimal(amount):.2f}"


def _correction_body(notice, correction) -> dict:
    return {
        "id": correction.pk,
        "client_notice_id": notice.pk,
        "client_reference": notice.client_reference or None,
        "client_name": notice.client_name,
        "text": correction.text,
        "created_at": _iso(correction.created_at),
        "acknowledged_at": _iso(correction.acknowledged_at),
    }


def action_payload(action) -> dict:
    """The body of action.created / action.lifted / action.modified (without the envelope that
    `record_event` adds: kind, idempotency key, occurred_at)."""
    return {"action": _action_body(action)}


def correction_payload(action, notice, text: str) -> dict:
    """The body of client_notice.corrected: one client's correction, word for word, and the
    action as it stands after the change."""
    return {
        "action": _action_body(action),
        "client_notice": {
            "id": notice.pk,
            "client_reference": notice.client_reference or None,
            "client_name": notice.client_name,
            "contract_reference": notice.contract_reference or None,
            "shown_at": _iso(notice.shown_at),
        },
        "correction": {"text": text},
    }


def appeal_payload(appeal) -> dict:
    """The body of appeal.decided: the action as it stands after the decision, and the appeal."""
    return {
        "action": _action_body(appeal.action),
        "appeal": {
            "id": appeal.pk,
            "outcome": appeal.outcome,
            "decided_at": _iso(appeal.decided_at),
        },
    }


def record_event(kind: str, action, payload: dict) -> WebhookEvent:
    """Record that the marketplace must hear of `kind` about `action`.

    Call it inside the transaction that makes the change, so that the event exists exactly when
    the change does. Writes the event (kept even when no endpoint wants it: it is the log) and a
    delivery per active endpoint that wants the kind, and enqueues each delivery after commit. A
    message lost on the way (broker down) only delays it: the row stays pending for `redrive`.
    """
    if kind not in WebhookEvent.Kind.values:
        raise ValueError(f"Unknown webhook event kind {kind!r}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "record_event must run inside the transaction that makes the change (outbox)."
        )
    now = timezone.now()
    key = uuid.uuid4()
    body = {"kind": kind, "idempotency_key": str(key), "occurred_at": _iso(now), **payload}
    event = WebhookEvent.objects.create(
        idempotency_key=key, kind=kind, action=action, payload=body, created_at=now
    )
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if e.wants(kind)]
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now)
        for endpoint in endpoints
    )
    if deliveries:
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return event


def _enqueue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        # If the broker is down, the row stays pending and the periodic re-drive enqueues it.
        enqueue("notifications.tasks.deliver_webhook", delivery_id)


# --- Signing ------------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def mask_secret(secret: str) -> str:
    """What the admin shows once the secret was handed over: enough to tell secrets apart."""
    return f"{secret[: len(SECRET_PREFIX) + 4]}…" if secret else ""


def sign(secret: str, msg_id: str, body: bytes, timestamp: datetime) -> str:
    """The `webhook-signature` header value for `body` (Standard Webhooks, `v1,<base64>`)."""
    return Webhook(secret).sign(msg_id, timestamp, body)


def verify(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    """What a receiver does with the `standardwebhooks` library: True if the headers sign
    exactly `body` with `secret` and the timestamp is within five minutes of now."""
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return False
    return True


def encode_body(event: WebhookEvent) -> bytes:
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":")).encode()


def request_headers(event: WebhookEvent, endpoint: WebhookEndpoint, body: bytes, attempt: int):
    """Standard Webhooks headers: the event's idempotency key is the `webhook-id` (the same on
    every retry and redelivery), signed with the time of sending."""
    msg_id = str(event.idempotency_key)
    sent_at = datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": sign(endpoint.secret, msg_id, body, sent_at),
        EVENT_HEADER: event.kind,
        ATTEMPT_HEADER: str(attempt),
    }


# --- Delivering -----------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from the base, capped."""
    seconds = min(
        settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
        settings.WEBHOOK_BACKOFF_CAP_SECONDS,
    )
    # Up to 10% more, so that deliveries failed together do not all come back at once.
    return timedelta(seconds=seconds * (1 + random.uniform(0, 0.1)))


def _lease() -> timedelta:
    return timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST once, following no redirect. Returns (status code, error); never raises."""
    try:
        with (
            httpx.Client(
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False
            ) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            if response.is_success:
                return response.status_code, ""
            excerpt = b""
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                    break
            text = excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace").strip()
            error = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            if response.is_redirect:
                location = response.headers.get("location", "")
                error += f" (redirects are not followed; Location: {location})"
            return response.status_code, f"{error}: {text}" if text else error
    except Exception as exc:
        # A network error, a timeout, a malformed URL: a failed attempt, logged, never raised.
        return None, f"{type(exc).__name__}: {exc}"[:2000] or type(exc).__name__


def _take_back_lapsed(deliveries, now: datetime) -> list[int]:
    """Deliveries whose sending worker died (lease lapsed): log the lost attempt and make them
    due again now (or failed, if that was the last attempt allowed). Returns the ids made due.

    Must run inside a transaction; rows another transaction holds are skipped.
    """
    lapsed = list(
        deliveries.filter(status=Status.SENDING, claimed_until__lte=now)
        .select_for_update(skip_locked=True)
        .order_by("claimed_until")
    )
    retried = []
    for delivery in lapsed:
        # The dead worker wrote nothing (its result and its attempt are one transaction).
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(
                    delivery=delivery, number=delivery.attempts, at=now, error=LOST_WORKER_ERROR
                )
            ],
            ignore_conflicts=True,
        )
        gave_up = delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.FAILED if gave_up else Status.PENDING,
            next_attempt_at=now,
            claimed_until=None,
            last_status_code=None,
            last_error=LOST_WORKER_ERROR,
        )
        if not gave_up:
            retried.append(delivery.pk)
    return retried


def deliver(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """Send one delivery if it is due and nobody holds it. Returns its new status, or None when
    there was nothing to do (not due, already delivered or failed, or another worker has it).

    `now` is the clock of the schedule (claim, lease, next attempt); the signature's timestamp
    is always the real time of sending.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _take_back_lapsed(WebhookDelivery.objects.filter(pk=delivery_id), now)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_until=now + _lease(), attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    attempt = delivery.attempts
    if not delivery.endpoint.is_active:
        return _give_up_inactive(delivery, attempt, now)
    body = encode_body(delivery.event)
    headers = request_headers(delivery.event, delivery.endpoint, body, attempt)

    started = time.monotonic()
    status_code, error = _post(delivery.endpoint.url, body, headers)
    elapsed = time.monotonic() - started
    finished = now + timedelta(seconds=elapsed)

    if status_code is not None and not error:
        fields = {"status": Status.DELIVERED, "delivered_at": finished, "last_error": ""}
    elif attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields = {"status": Status.FAILED, "last_error": error}
    else:
        fields = {
            "status": Status.PENDING,
            "next_attempt_at": finished + backoff(attempt),
            "last_error": error,
        }
    with transaction.atomic():
        # Only while the claim is still ours: if the lease lapsed meanwhile, the delivery was
        # taken back (and its attempt logged as lost); this late result changes nothing.
        still_ours = WebhookDelivery.objects.filter(
            pk=delivery_id, status=Status.SENDING, attempts=attempt
        ).update(claimed_until=None, last_status_code=status_code, **fields)
        if not still_ours:
            logger.warning(
                "Webhook delivery %s attempt %s finished after its lease lapsed (%s); ignored",
                delivery_id,
                attempt,
                status_code or error,
            )
            return None
        WebhookAttempt.objects.create(
            delivery_id=delivery_id,
            number=attempt,
            at=now,
            status_code=status_code,
            error=error,
            duration_ms=round(elapsed * 1000),
        )
    if fields["status"] == Status.FAILED:
        logger.warning(
            "Webhook delivery %s gave up after %s attempts: %s", delivery_id, attempt, error
        )
    return fields["status"]


def _give_up_inactive(delivery: WebhookDelivery, attempt: int, now: datetime) -> str:
    """An admin switched the endpoint off: nothing more is sent to it (a redeliver after it is
    switched on again sends this one)."""
    error = "The endpoint is switched off; nothing was sent."
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.FAILED, claimed_until=None, last_status_code=None, last_error=error
        )
        WebhookAttempt.objects.create(delivery=delivery, number=attempt, at=now, error=error)
    return Status.FAILED


# --- The re-drive (Celery beat) -----------------------------------------------------------------


def due_deliveries(now: datetime, limit: int = 500) -> list[WebhookDelivery]:
    """Lock (SKIP LOCKED) up to `limit` deliveries the re-drive should enqueue: those whose
    sending lease lapsed, then those pending and due that no re-drive enqueued within the last
    lease (`claimed_until` on a pending row is that hold). Call inside a transaction."""
    lapsed = list(
        WebhookDelivery.objects.filter(status=Status.SENDING, claimed_until__lte=now)
        .select_for_update(skip_locked=True)
        .order_by("claimed_until")[:limit]
    )
    due = list(
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .select_for_update(skip_locked=True)
        .order_by("next_attempt_at")[: max(limit - len(lapsed), 0)]
    )
    return lapsed + due


def redrive(now: datetime | None = None, *, limit: int = 500) -> int:
    """Enqueue deliveries that are due (a retry whose time came, a message lost with the broker)
    and take back those whose worker died mid-delivery. Two re-drives at once split the work
    (SKIP LOCKED), and a delivery enqueued here is not enqueued again for one lease. Returns the
    number enqueued."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = due_deliveries(now, limit)
        lapsed_ids = [d.pk for d in rows if d.status == Status.SENDING]
        retried = set(_take_back_lapsed(WebhookDelivery.objects.filter(pk__in=lapsed_ids), now))
        ids = [d.pk for d in rows if d.status == Status.PENDING or d.pk in retried]
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids, status=Status.PENDING).update(
                claimed_until=now + _lease()
            )
            transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


# --- Admin operations -----------------------------------------------------------------------------


def redeliver(delivery: WebhookDelivery, *, by) -> WebhookDelivery:
    """An admin sends a delivery again now, whatever its state (delivered, failed or waiting for
    a retry), unless a worker is sending it at this moment.

    Attempts are counted on (the log keeps one numbered series): a delivery that had given up
    gets one more attempt, and fails again if that one fails; one still waiting for a retry just
    becomes due now, with the retries it had left.
    """
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status == Status.SENDING:
            raise ValidationError(
                f"Delivery {current.pk} is being sent right now; wait for the attempt to finish."
            )
        now = timezone.now()
        WebhookDelivery.objects.filter(pk=current.pk).update(
            status=Status.PENDING, next_attempt_at=now, claimed_until=None
        )
        record_audit(
            actor=by,
            verb="webhook_delivery.redelivered",
            obj=current,
            summary=f"Redelivery of {current.event.kind} {current.event.idempotency_key} "
            f"to {current.endpoint} requested",
            data={"from_status": current.status, "attempts": current.attempts},
        )
        transaction.on_commit(lambda: _enqueue([current.pk]))
    current.refresh_from_db()
    return current


def rotate_secret(endpoint: WebhookEndpoint, *, by) -> str:
    """Give the endpoint a new signing secret and return it (the only time it is readable).
    Deliveries sent from now on, retries included, are signed with it."""
    secret = new_secret()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret)
        record_audit(
            actor=by,
            verb="webhook_endpoint.secret_rotated",
            obj=endpoint,
            summary=f"Signing secret of webhook endpoint {endpoint} rotated",
        )
    endpoint.secret = secret
    return secret
