"""Attempts to break the database guards around the services: ORM writes and raw SQL.

Each probe takes an issued action and tries one forbidden write; it must raise IntegrityError.
Shared by the PostgreSQL tests (in process) and the SQLite run (a child process, see
test_database_guards.py), so both databases face the same attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from enforcement.models import (
    ActionEvent,
    ClientCorrection,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
)
from enforcement.services.issuing import action_row
from tests.factories import RuleVersionFactory, action_request


def _through():
    return EnforcementAction.cited_versions.through


def evidence_update(action):
    EvidenceItem.objects.filter(action=action).update(summary="Rewritten.")


def evidence_delete(action):
    EvidenceItem.objects.filter(action=action).delete()


def evidence_raw_update(action):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enforcement_evidenceitem SET summary = 'x' WHERE action_id = %s", [action.pk]
        )


def notice_update(action):
    ClientNotice.objects.filter(action=action).update(text="We never said that.")


def notice_delete(action):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM enforcement_clientnotice WHERE action_id = %s", [action.pk])


def correction_update(action):
    ClientCorrection.objects.filter(notice__action=action).update(text="Rewritten.")


def correction_delete(action):
    ClientCorrection.objects.filter(notice__action=action).delete()


def correction_second_acknowledgement(action):
    corrections = ClientCorrection.objects.filter(notice__action=action)
    corrections.update(acknowledged_at=timezone.now())  # the first one is allowed
    corrections.update(acknowledged_at=timezone.now() + timedelta(days=1))


def cited_version_delete(action):
    _through().objects.filter(enforcementaction_id=action.pk).delete()


def cited_version_swap(action):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_through()._meta.db_table} SET ruleversion_id = ruleversion_id "  # noqa: S608
            "WHERE enforcementaction_id = %s",
            [action.pk],
        )


def cite_a_draft(action):
    draft = RuleVersionFactory(draft=True)
    _through().objects.create(enforcementaction_id=action.pk, ruleversion_id=draft.pk)


def cite_a_version_not_yet_in_force(action):
    later = RuleVersionFactory(
        published_at=timezone.now(), effective_from=timezone.now() + timedelta(days=30)
    )
    _through().objects.create(enforcementaction_id=action.pk, ruleversion_id=later.pk)


def short_appeal_window(action):
    EnforcementAction.objects.filter(pk=action.pk).update(
        appeal_deadline=action.notified_at + timedelta(days=1)
    )


def short_appeal_window_raw(action):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enforcement_enforcementaction SET notified_at = appeal_deadline WHERE id = %s",
            [action.pk],
        )


def create_with_short_appeal_window(action):
    request = action_request(action.account)
    row = _row(request)
    row.appeal_deadline = row.notified_at + timedelta(days=182)
    row.save()


def _row(request) -> EnforcementAction:
    return action_row(
        request,
        version=request.cited_versions[0],
        notified_at=timezone.now(),
        decided_by_id=action_decider(),
        status=EnforcementAction.Status.ACTIVE,
    )


def action_decider() -> int:
    return EnforcementAction.objects.values_list("decided_by_id", flat=True).first()


def create_without_evidence(action):
    """An action created with the ORM, cited version and all, but no evidence."""
    request = action_request(action.account)
    row = _row(request)
    row.save()
    row.cited_versions.set(request.cited_versions)
    if connection.vendor == "postgresql":
        # The check is deferred to the commit; this makes the commit's checks run now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    else:
        ActionEvent.objects.create(action=row, kind=ActionEvent.Kind.ISSUED)


PROBES: dict[str, Callable] = {
    probe.__name__: probe
    for probe in (
        evidence_update,
        evidence_delete,
        evidence_raw_update,
        notice_update,
        notice_delete,
        correction_update,
        correction_delete,
        correction_second_acknowledgement,
        cited_version_delete,
        cited_version_swap,
        cite_a_draft,
        cite_a_version_not_yet_in_force,
        short_appeal_window,
        short_appeal_window_raw,
        create_with_short_appeal_window,
        create_without_evidence,
    )
}


def refusal(probe: Callable, action) -> str | None:
    """The database's refusal of `probe` (its message), or None if the write went through."""
    try:
        with transaction.atomic():
            probe(action)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except IntegrityError as exc:
        return str(exc) or type(exc).__name__
    return None
