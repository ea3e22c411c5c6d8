"""The marketplace keeps accounts in sync: `sync_account` (create or update, idempotent) and
`deactivate_account`. Called by the API (`PUT /api/v1/accounts/{marketplace_id}`); every change
writes an audit event naming the intake source, an unchanged repeat writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, TrackRecord, User, record_audit


class EmailTaken(Exception):
    """Another account already uses this email address."""

    def __init__(self, other: User):
        super().__init__(other.email)
        self.other = other


@dataclass(frozen=True)
class AccountData:
    email: str
    name: str
    language: str
    time_zone: str
    member_since: date | None
    earnings_to_date: Decimal
    earnings_currency: str
    completed_contracts: int
    badges: list[str] = field(default_factory=list)
    client_feedback_score: Decimal | None = None

    def user_fields(self) -> dict:
        return {
            "email": self.email,
            "display_name": self.name,
            "preferred_language": self.language,
            "time_zone": self.time_zone,
            "member_since": self.member_since,
        }

    def record_fields(self) -> dict:
        return {
            "earnings_to_date": self.earnings_to_date,
            "earnings_currency": self.earnings_currency,
            "completed_contracts": self.completed_contracts,
            "badges": list(self.badges),
            "client_feedback_score": self.client_feedback_score,
        }


def _changes(obj, fields: dict) -> dict:
    return {name: value for name, value in fields.items() if getattr(obj, name) != value}


def sync_account(
    marketplace_id: str, data: AccountData, *, fingerprint: str, source_name: str
) -> tuple[User, bool, bool]:
    """Create or update the account `marketplace_id` as the marketplace describes it.

    Returns (user, created, changed). A PUT of an account the marketplace deactivated describes
    it as it is now, open again: it clears the deactivation.
    """
    with transaction.atomic(durable=True):
        other = User.objects.filter(email=data.email).exclude(marketplace_id=marketplace_id).first()
        if other is not None:
            raise EmailTaken(other)
        user = User.objects.select_for_update().filter(marketplace_id=marketplace_id).first()
        now = timezone.now()
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        marketplace_id=marketplace_id, password=None, **data.user_fields()
                    )
            except IntegrityError:  # a concurrent PUT of the same account or address won
                other = User.objects.filter(email=data.email).first()
                raise EmailTaken(other) from None
            user.groups.add(Group.objects.get_or_create(name=Role.FREELANCER)[0])
            TrackRecord.objects.create(
                user=user, synced_at=now, fingerprint=fingerprint, **data.record_fields()
            )
            record_audit(
                actor=None,
                verb="account.synced",
                obj=user,
                summary=f"Account {marketplace_id} created by {source_name}.",
                data={"source": source_name, "created": True},
            )
            return user, True, True

        record = TrackRecord.objects.select_for_update().filter(user=user).first()
        if record is None:
            record = TrackRecord(user=user, synced_at=now)
        user_changes = _changes(user, data.user_fields())
        record_changes = _changes(record, data.record_fields())
        reactivated = record.deactivated_at is not None
        if not (user_changes or record_changes or reactivated or record.pk is None):
            return user, False, False
        for name, value in user_changes.items():
            setattr(user, name, value)
        if user_changes:
            user.save(update_fields=list(user_changes))
        for name, value in record_changes.items():
            setattr(record, name, value)
        record.synced_at, record.fingerprint = now, fingerprint
        record.deactivated_at, record.deactivation_reason = None, ""
        record.save()
        record_audit(
            actor=None,
            verb="account.synced",
            obj=user,
            summary=f"Account {marketplace_id} updated by {source_name}"
            + (" (open again)." if reactivated else "."),
            data={
                "source": source_name,
                "changed": sorted([*user_changes, *record_changes]),
                "reactivated": reactivated,
            },
        )
        return user, False, True


def deactivate_account(user: User, *, reason: str, source_name: str) -> bool:
    """The marketplace closed the account. Returns False when it already was (nothing written).

    Sign-in here is kept: a closed account can still read its statements and appeal."""
    with transaction.atomic(durable=True):
        record = TrackRecord.objects.select_for_update().filter(user=user).first()
        now = timezone.now()
        if record is None:
            record = TrackRecord.objects.create(user=user, synced_at=now)
        if record.deactivated_at is not None:
            return False
        record.deactivated_at, record.deactivation_reason = now, reason
        record.save(update_fields=["deactivated_at", "deactivation_reason"])
        record_audit(
            actor=None,
            verb="account.deactivated",
            obj=user,
            summary=f"Account {user.marketplace_id} deactivated by {source_name}.",
            data={"source": source_name, "reason": reason},
        )
        return True
