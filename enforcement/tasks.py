from celery import shared_task

from enforcement import services


@shared_task
def expire_ended_actions() -> int:
    return services.expire_ended_actions()


@shared_task
def take_effect_due() -> int:
    """Confirmed terminations whose notice period ended take effect; every minute from beat."""
    return services.take_effect_due()
