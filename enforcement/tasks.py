from celery import shared_task

from enforcement import services


@shared_task
def expire_ended_actions() -> int:
    return services.expire_ended_actions()
