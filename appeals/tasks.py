"""Celery tasks of appeals: thin adapters (ids in, a use case called), run by the worker and beat.

Nothing in appeals imports this module: services queue these tasks by name
(`infra.queueing.enqueue`), so the imports go one way, tasks → operations.
"""

from celery import shared_task

from appeals.operations import claims, routing, sla
from appeals.services import case_files


@shared_task(acks_late=True)
def route_appeal(appeal_id: int) -> None:
    routing.route_appeal(appeal_id)


@shared_task
def redrive_unrouted_appeals() -> int:
    """Anything submitted more than a minute ago and still unrouted: its message was lost."""
    ids = routing.unrouted_appeal_ids()
    for appeal_id in ids:
        route_appeal.delay(appeal_id)
    return len(ids)


@shared_task
def expire_appeal_leases() -> int:
    return claims.expire_leases()


@shared_task
def sweep_sla_clocks() -> tuple[int, int]:
    """Warnings and breaches, recorded once each; runs every 10 seconds from beat."""
    return sla.sweep()


@shared_task
def refresh_queue_sla_summaries() -> int:
    """The lead dashboard's deadline figures per queue; runs every minute from beat."""
    return sla.refresh_queue_summaries()


@shared_task(acks_late=True)
def recompute_escalated_clocks(appeal_ids: list[int]) -> int:
    return sla.recompute_escalated(appeal_ids)


@shared_task(acks_late=True)
def render_case_file(case_file_id: int) -> str | None:
    """Prepare a requested case file (PDF or ZIP). Idempotent: the row is claimed with a
    conditional update and a lease, so a redelivered message does nothing while it is held."""
    return case_files.render_case_file(case_file_id)


@shared_task
def sweep_case_files() -> dict[str, int]:
    """Case files whose worker died or whose message was lost are queued again; expired ones
    are deleted with their files. Runs every 30 seconds from beat."""
    return case_files.sweep_case_files()
