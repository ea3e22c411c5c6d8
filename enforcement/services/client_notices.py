"""What clients were told: notices the marketplace records at any time, and the marketplace's
acknowledgement that it showed a client the correction (the delivered ledger, see reversal)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import record_audit
from enforcement.models import ClientCorrection, ClientNotice, EnforcementAction
from enforcement.services.issuing import ClientNoticeInput
from enforcement.services.reversal import correct_client_notices

# A notice "shown" a little in the future is a clock skew, not a prophecy.
CLOCK_SKEW = timedelta(minutes=5)
# Which correction a notice recorded after the action was reversed gets at once.
_CHANGE_BY_STATUS = {
    EnforcementAction.Status.LIFTED: "lifted",
    EnforcementAction.Status.WITHDRAWN: "withdrawn",
    EnforcementAction.Status.MODIFIED: "reduced",
}


class NoticeConflict(Exception):
    """A different notice was already recorded for this client at this time."""

    def __init__(self, notice: ClientNotice) -> None:
        super().__init__(f"Client notice #{notice.pk} differs.")
        self.notice = notice


class NothingToAcknowledge(Exception):
    """The notice has no correction (yet): there is nothing the client could have been shown."""


def record_client_notice(
    action: EnforcementAction, notice: ClientNoticeInput, *, source
) -> tuple[ClientNotice, bool]:
    """Record what a client was shown about `action`; idempotent on (client, time shown).

    Returns (notice, created). A notice recorded after the action was lifted, withdrawn or
    reduced is corrected at once (its correction is queued for the marketplace like any other).
    """
    errors: dict[str, list[str]] = {}
    if not notice.client_reference.strip():
        errors["client_reference"] = ["Name the client by the marketplace's reference."]
    if notice.shown_at > timezone.now() + CLOCK_SKEW:
        errors["shown_at"] = ["A notice cannot have been shown in the future."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        # One notice per client and time, even for two identical requests at once.
        locked = EnforcementAction.objects.select_for_update().get(pk=action.pk)
        existing = ClientNotice.objects.filter(
            action=locked, client_reference=notice.client_reference, shown_at=notice.shown_at
        ).first()
        if existing is not None:
            same = (existing.client_name, existing.text, existing.contract_reference) == (
                notice.client_name,
                notice.text,
                notice.contract_reference,
            )
            if not same:
                raise NoticeConflict(existing)
            return existing, False
        created = ClientNotice.objects.create(
            action=locked,
            client_name=notice.client_name,
            client_reference=notice.client_reference,
            contract_reference=notice.contract_reference,
            shown_at=notice.shown_at,
            text=notice.text,
            recorded_by_source=source,
        )
        record_audit(
            actor=None,
            verb="client_notice.recorded",
            obj=created,
            summary=f"Notice to client {notice.client_reference} on action #{locked.pk} recorded",
            data={"source": source.name if source else None, "action": locked.pk},
        )
        change = _CHANGE_BY_STATUS.get(locked.status)
        if change is not None:
            correct_client_notices(locked, change=change, by=None)
    return created, True


def acknowledge_correction(notice: ClientNotice, *, source) -> ClientCorrection:
    """The marketplace showed the client the correction of `notice`. Idempotent: the first
    acknowledgement's time stays (the database allows setting it once)."""
    with transaction.atomic(durable=True):
        correction = ClientCorrection.objects.filter(notice=notice).first()
        if correction is None:
            raise NothingToAcknowledge(f"Client notice #{notice.pk} has no correction.")
        now = timezone.now()
        if ClientCorrection.objects.filter(pk=correction.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        ):
            record_audit(
                actor=None,
                verb="client_correction.acknowledged",
                obj=correction,
                summary=f"The marketplace showed client {notice.client_reference or notice.pk} "
                "the correction",
                data={"source": source.name if source else None, "notice": notice.pk},
            )
    correction.refresh_from_db()
    return correction
