from celery import shared_task

from notifications import services, webhooks


@shared_task(bind=True, max_retries=services.MAX_EMAIL_ATTEMPTS, acks_late=True)
def send_notification_email(self, notification_id: int) -> None:
    try:
        services.send_email(notification_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(300, 10 * 2**self.request.retries)) from exc


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """A batch recorded in one transaction (an SLA sweep's): one message for the batch, then a
    task per email here, off the sweep, each with its own retries."""
    for notification_id in notification_ids:
        send_notification_email.delay(notification_id)
    return len(notification_ids)


@shared_task
def redrive_pending_emails() -> int:
    ids = services.pending_email_ids()
    for notification_id in ids:
        send_notification_email.delay(notification_id)
    return len(ids)


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str | None:
    """Send one webhook delivery (the claim inside makes a duplicate message do nothing)."""
    return webhooks.deliver(delivery_id)


@shared_task
def redrive_webhooks() -> int:
    """Beat: enqueue due retries and deliveries whose worker died mid-send."""
    return webhooks.redrive()
