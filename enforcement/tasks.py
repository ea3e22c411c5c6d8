from celery import shared_task

from enforcement import services


@shared_task
def expire_ended_actions() -> int:
    """Restrictions past their end date end (releasing their funds), and funds whose release
    date came are released; from beat."""
    return services.expire_ended_actions() + services.release_scheduled_funds()


@shared_task
def take_effect_due() -> int:
    """Confirmed terminations whose notice period ended take effect; every minute from beat."""
    return services.take_effect_due()


@shared_task
def submit_statements() -> int:
    """Batch statements not yet submitted to the Transparency Database and queue due batches;
    from beat (does nothing unless TDB_SUBMIT_URL is set)."""
    return services.submit_statements()


@shared_task
def submit_statement_batch(batch_id: int) -> str | None:
    """POST one batch (the claim inside makes a duplicate message do nothing)."""
    return services.submit_batch(batch_id)
