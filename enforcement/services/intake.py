"""Detection systems: their intake sources (tokens) and the idempotent intake of their actions."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import record_audit
from enforcement.models import (
    EnforcementAction,
    IntakeSource,
)
from enforcement.services.issuing import ActionRequest, issue_action


@transaction.atomic
def create_intake_source(source: IntakeSource, *, by) -> str:
    """Save a new (unsaved) source with a fresh token; returns the token, readable only now."""
    source.created_by = by
    token = source.set_new_token()
    source.save()
    record_audit(
        actor=by,
        verb="intake_source.created",
        obj=source,
        summary=f"Intake source {source} created (token {source.token_hint}…)",
    )
    return token


@transaction.atomic
def revoke_intake_source(source: IntakeSource, *, by) -> bool:
    """Stop the source's token (the API answers 401). False if it was revoked already: two
    admins revoking at once write one audit row."""
    if not IntakeSource.objects.filter(pk=source.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        return False
    record_audit(
        actor=by,
        verb="intake_source.revoked",
        obj=source,
        summary=f"Intake source {source} revoked (token {source.token_hint}…)",
    )
    return True


@transaction.atomic
def replace_intake_token(source: IntakeSource, *, by) -> str:
    """A new token for an active source (the old one stops working); returns it."""
    old_hint = source.token_hint
    token = source.set_new_token()
    source.save(update_fields=["token_hash", "token_hint"])
    record_audit(
        actor=by,
        verb="intake_source.token_replaced",
        obj=source,
        summary=f"New token {source.token_hint}… for {source} (replaces {old_hint}…)",
    )
    return token


# --- Intake from detection systems --------------------------------------------------------------


class IntakeConflict(Exception):
    """The source already sent a different action under this external id."""

    def __init__(self, action: EnforcementAction) -> None:
        super().__init__(f"External id already used for action #{action.pk}.")
        self.action = action


def submit_from_source(req: ActionRequest, *, decided_by=None) -> tuple[EnforcementAction, bool]:
    """Issue the action a detection system sent, idempotently on (source, external id).

    The same request again returns the action it created (`created` False); a different request
    under the same id raises `IntakeConflict`. Concurrent retries race on the database's unique
    constraint: one inserts, the others wait for it, fail, and find its row. `req` must carry
    `intake_source`, `external_id` and `request_fingerprint` (a hash of the request body).
    """
    existing = _sent_before(req)
    if existing is not None:
        return _replay(existing, req), False
    try:
        with transaction.atomic(durable=True):
            return issue_action(req, issued_by=decided_by), True
    except IntegrityError:
        existing = _sent_before(req)
        if existing is None:
            raise
        return _replay(existing, req), False


def _sent_before(req: ActionRequest) -> EnforcementAction | None:
    return EnforcementAction.objects.filter(
        intake_source=req.intake_source, external_id=req.external_id
    ).first()


def _replay(existing: EnforcementAction, req: ActionRequest) -> EnforcementAction:
    if existing.request_fingerprint != req.request_fingerprint:
        raise IntakeConflict(existing)
    return existing
