"""Case files: the case bundle as a PDF or a ZIP, prepared by a Celery worker (issue #15).

A PDF takes over a second to render (about ten in a fresh process, while WeasyPrint loads its
fonts), so a request only records what was asked (`request_case_file`: a `CaseFile` row, audited,
its task queued after commit) and the page shows the row's progress. The JSON stays in the
request: it is fast.

The rendering (`render_case_file`) follows the outbox pattern of `StatementBatch`: the row is
claimed with a conditional update that takes a lease, each step renews the lease and records
its progress, and the result is written only if the row is still ours. A worker that dies leaves
the row rendering past its lease; `sweep_case_files` (beat) queues it again — up to
`MAX_ATTEMPTS` — re-drives queued rows whose message was lost, and deletes expired files.

The file is rendered in the requester's language and stored in the private storage, never under
a public URL. `fingerprint` records the case's state when it was collected: a file whose case
changed since is offered to be prepared again, not presented as current.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q
from django.utils import timezone, translation

from accounts.models import record_audit
from appeals import bundle
from appeals.models import (
    CASE_FILE_ACTIVE_STATUSES,
    CASE_FINGERPRINT_PARTS,
    CaseFile,
    case_file_path,
    case_fingerprint_annotations,
    case_fingerprint_of,
)
from enforcement.models import EnforcementAction
from infra.queueing import enqueue
from notifications.services import language_of

logger = logging.getLogger(__name__)
Status = CaseFile.Status
TASK = "appeals.tasks.render_case_file"
# Longer than any one step (a cold PDF takes about ten seconds); renewed at every step.
LEASE = timedelta(minutes=2)
# A queued row older than this whose worker never came: its message was lost; queue it again.
REDRIVE_AFTER = timedelta(seconds=60)
# Renderings started (a worker dying each time) before the row is given up as failed.
MAX_ATTEMPTS = 3

REQUESTED = "case_file.requested"
DOWNLOADED = "case_file.downloaded"
FAILED = "case_file.failed"


class LeaseLost(Exception):
    """The sweep took the row back (the lease lapsed): another worker renders it."""


def case_fingerprint(action_id: int) -> str:
    """The case's fingerprint now, in one query (`appeals.models.case_fingerprint_annotations`)."""
    row = (
        EnforcementAction.objects.filter(pk=action_id)
        .annotate(**case_fingerprint_annotations(OuterRef("pk")))
        .values(*CASE_FINGERPRINT_PARTS)
        .first()
    )
    return "" if row is None else case_fingerprint_of(row)


def _key(action: EnforcementAction, by, audience: str, fmt: str) -> dict:
    return {
        "action": action,
        "audience": audience,
        "format": fmt,
        "language": language_of(by),
    }


def request_case_file(
    action: EnforcementAction, *, by, audience: str, fmt: str, now: datetime | None = None
) -> tuple[CaseFile, bool]:
    """Ask for the case file of `action` in `fmt` (pdf or zip) for `audience`, in the language
    of `by`. Idempotent: one already queued or being prepared, or a ready one of the case as it
    is now, is returned instead (created=False). A new row is audited and its task queued after
    commit. The caller has checked that `by` may see the case."""
    if fmt not in CaseFile.Format.values or audience not in CaseFile.Audience.values:
        raise ValueError(f"No case file of format {fmt!r} for {audience!r}.")
    now = now or timezone.now()
    key = _key(action, by, audience, fmt)
    fingerprint = case_fingerprint(action.pk)
    with transaction.atomic(durable=True):
        existing = (
            CaseFile.objects.filter(**key)
            .unexpired(now)
            .filter(
                Q(status__in=CASE_FILE_ACTIVE_STATUSES)
                | Q(status=Status.READY, fingerprint=fingerprint)
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                case_file = CaseFile.objects.create(
                    **key,
                    requested_by=by,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + timedelta(days=settings.CASE_FILE_KEEP_DAYS),
                )
        except IntegrityError:
            # Two clicks at once: the other one's row is being prepared.
            return CaseFile.objects.get(**key, status__in=CASE_FILE_ACTIVE_STATUSES), False
        record_audit(
            actor=by,
            verb=REQUESTED,
            obj=case_file,
            summary=(
                f"{by} asked for the case file ({fmt.upper()}) of action {action.puid} "
                f"({audience}, {key['language']})."
            ),
            data={"action": action.pk, "format": fmt, "audience": audience},
        )
        transaction.on_commit(lambda: enqueue(TASK, case_file.pk))
    return case_file, True


def record_download(case_file: CaseFile, *, by) -> None:
    """Who took a copy of the case, and when (the audit log)."""
    record_audit(
        actor=by,
        verb=DOWNLOADED,
        obj=case_file,
        summary=(
            f"{by} downloaded the case file ({case_file.format.upper()}) of action "
            f"{case_file.action.puid}."
        ),
        data={
            "action": case_file.action_id,
            "format": case_file.format,
            "sha256": case_file.sha256,
        },
    )


def _progress(case_file_id: int, attempt: int, step: int, **fields) -> None:
    """Record the step now under way and renew the lease, if the row is still ours."""
    if not CaseFile.objects.filter(
        pk=case_file_id, status=Status.RENDERING, attempts=attempt
    ).update(step=step, claimed_until=timezone.now() + LEASE, **fields):
        raise LeaseLost


def _render(case_file: CaseFile, attempt: int) -> bytes:
    with translation.override(case_file.language):
        # Taken before the reads: a change made meanwhile leaves the file marked as older.
        fingerprint = case_fingerprint(case_file.action_id)
        action, appeal = bundle.load_case(case_file.action_id)
        case = bundle.build_bundle(action, appeal)
        _progress(case_file.pk, attempt, 2, fingerprint=fingerprint)
        pdf = bundle.bundle_pdf(case)
        if case_file.format == CaseFile.Format.PDF:
            return pdf
        _progress(case_file.pk, attempt, 3)
        return bundle.bundle_zip(case, appeal, pdf=pdf)


def _fail(case_file: CaseFile, attempt: int | None, error: str) -> bool:
    """Mark the row failed (if still ours) and audit it; False if someone else has it."""
    rows = CaseFile.objects.filter(pk=case_file.pk, status__in=CASE_FILE_ACTIVE_STATUSES)
    if attempt is not None:
        rows = rows.filter(attempts=attempt)
    with transaction.atomic():
        if not rows.update(
            status=Status.FAILED,
            step=0,
            claimed_until=None,
            finished_at=timezone.now(),
            error=error[:4000],
        ):
            return False
        record_audit(
            actor=None,
            verb=FAILED,
            obj=case_file,
            summary=(
                f"The case file ({case_file.format.upper()}) of action {case_file.action_id} "
                f"could not be prepared: {error}"
            ),
            data={"action": case_file.action_id, "format": case_file.format},
        )
    return True


def render_case_file(case_file_id: int, *, now: datetime | None = None) -> str | None:
    """Prepare one case file if it is queued (or its lease lapsed) and attempts remain; returns
    its new status, or None when there was nothing to do (ready, failed, held by a live worker,
    or taken back by the sweep meanwhile). Safe to run twice: the claim is conditional."""
    now = now or timezone.now()
    claimed = (
        CaseFile.objects.filter(pk=case_file_id, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RENDERING, claimed_until__lte=now))
        .update(
            status=Status.RENDERING,
            step=1,
            claimed_until=now + LEASE,
            attempts=F("attempts") + 1,
            started_at=now,
        )
    )
    if not claimed:
        return None
    case_file = CaseFile.objects.get(pk=case_file_id)
    attempt = case_file.attempts
    try:
        content = _render(case_file, attempt)
    except LeaseLost:
        logger.warning(
            "Case file %s was taken back while rendering; left to the sweep", case_file_id
        )
        return None
    except Exception as exc:
        logger.exception("Case file %s could not be rendered", case_file_id)
        _fail(case_file, attempt, f"{type(exc).__name__}: {exc}")
        return Status.FAILED
    storage = CaseFile._meta.get_field("file").storage
    name = storage.save(case_file_path(case_file, ""), ContentFile(content))
    done = CaseFile.objects.filter(
        pk=case_file_id, status=Status.RENDERING, attempts=attempt
    ).update(
        status=Status.READY,
        file=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        finished_at=timezone.now(),
        claimed_until=None,
    )
    if not done:
        storage.delete(name)
        logger.warning("Case file %s finished after its lease lapsed; discarded", case_file_id)
        return None
    return Status.READY


def sweep_case_files(*, now: datetime | None = None) -> dict[str, int]:
    """The beat sweep: renderings whose worker died are queued again (or failed after
    `MAX_ATTEMPTS`), queued rows whose message was lost are queued again, and expired rows are
    deleted with their files."""
    now = now or timezone.now()
    lapsed = list(
        CaseFile.objects.filter(status=Status.RENDERING, claimed_until__lte=now).values_list(
            "pk", "attempts"
        )
    )
    again: list[int] = []
    failed = 0
    for pk, attempts in lapsed:
        if attempts >= MAX_ATTEMPTS:
            case_file = CaseFile.objects.get(pk=pk)
            failed += _fail(
                case_file,
                attempts,
                f"The worker preparing it stopped {attempts} times; given up.",
            )
            continue
        if CaseFile.objects.filter(
            pk=pk, status=Status.RENDERING, claimed_until__lte=now, attempts=attempts
        ).update(status=Status.QUEUED, step=0, claimed_until=None):
            logger.warning("Case file %s: its worker stopped; queued again", pk)
            again.append(pk)
    again += list(
        CaseFile.objects.filter(status=Status.QUEUED, created_at__lte=now - REDRIVE_AFTER)
        .exclude(pk__in=again)
        .values_list("pk", flat=True)
    )
    for pk in again:
        enqueue(TASK, pk)
    expired = list(CaseFile.objects.filter(expires_at__lte=now))
    for case_file in expired:
        if case_file.file:
            case_file.file.delete(save=False)
        case_file.delete()
    return {"queued_again": len(again), "failed": failed, "expired": len(expired)}
