from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, user) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person: shown in their inbox and sent once by email (an outbox row).

    The email is claimed with a conditional update (pending → sending), so a task that runs
    twice, or two workers, send it once.
    """

    class Kind(models.TextChoices):
        APPEAL_RECEIVED = "appeal_received", _("Appeal received")
        INFO_REQUESTED = "info_requested", _("Information requested")
        NEW_MESSAGE = "new_message", _("New message")
        DECISION = "decision", _("Decision")
        SLA_WARNING = "sla_warning", _("Deadline approaching")
        SLA_BREACH = "sla_breach", _("Deadline missed")
        ACTION_ISSUED = "action_issued", _("New decision on your account")
        ACTION_TOOK_EFFECT = "action_took_effect", _("Decision took effect")
        ACTION_WITHDRAWN = "action_withdrawn", _("Proposed decision withdrawn")
        # To staff: a step that waits on them.
        FREELANCER_REPLIED = "freelancer_replied", _("The freelancer wrote")
        APPEAL_WITHDRAWN = "appeal_withdrawn", _("Appeal withdrawn")
        APPROVAL_WAITING = "approval_waiting", _("Second review waiting")
        RULE_CHANGED = "rule_changed", _("A rule you were restricted under changed")
        ACTION_ENDED = "action_ended", _("Restriction ended")
        FUNDS_RELEASED = "funds_released", _("Funds released")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    # The language the subject and body were composed in (the recipient's at the time): stored
    # text stays as it was sent, and pages mark it with this `lang`; its email goes out in it.
    # Null: not recorded (rows from before it was). Nullable so that SQLite adds the column
    # without a table rebuild, which would drop the guard triggers.
    language = models.CharField(max_length=16, null=True, blank=True)
    subject = models.CharField(max_length=200)
    # Freelancer-safe text: built only from what the recipient may see.
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(
        max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    # When the re-drive last queued this email: it queues it again only after as long again, so
    # a backlog (after a broker outage) is not re-queued whole at every run while it drains.
    email_requeued_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(
                fields=["email_status", "created_at"],
                name="notification_email_due",
                condition=Q(email_status__in=["pending", "sending"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "appeal_received",
                        "info_requested",
                        "new_message",
                        "decision",
                        "sla_warning",
                        "sla_breach",
                        "action_issued",
                        "action_took_effect",
                        "action_withdrawn",
                        "freelancer_replied",
                        "appeal_withdrawn",
                        "approval_waiting",
                        "rule_changed",
                        "action_ended",
                        "funds_released",
                    ]
                ),
                name="notification_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(email_status__in=["pending", "sending", "sent", "failed"]),
                name="notification_email_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"

    def is_unread(self) -> bool:
        return self.read_at is None


# --- Webhooks to the marketplace ------------------------------------------------------------


class WebhookEndpoint(models.Model):
    """A marketplace URL that receives signed JSON events. Admins configure it; the secret signs
    each body (HMAC-SHA256, see notifications/webhooks.py) and is shown only when created."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, editable=False)
    # The event kinds it receives; empty means all of them.
    event_kinds = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.event_kinds or kind in self.event_kinds)


class WebhookEvent(models.Model):
    """One thing the marketplace must hear of, written in the transaction that made it happen
    (an outbox row). Its idempotency key lets a receiver drop the duplicates that at-least-once
    delivery can produce. Append-only."""

    class Kind(models.TextChoices):
        ACTION_CREATED = "action.created", "Action created"
        ACTION_LIFTED = "action.lifted", "Action lifted"
        ACTION_MODIFIED = "action.modified", "Action modified"
        ACTION_TOOK_EFFECT = "action.took_effect", "Proposed action took effect"
        ACTION_WITHDRAWN = "action.withdrawn", "Proposed action withdrawn"
        ACTION_EXPIRED = "action.expired", "Restriction ended on its end date"
        ACTION_FUNDS_RELEASED = "action.funds_released", "Held funds released on schedule"
        APPEAL_DECIDED = "appeal.decided", "Appeal decided"
        CLIENT_NOTICE_CORRECTED = "client_notice.corrected", "Client told of a correction"

    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    action = models.ForeignKey(
        "enforcement.EnforcementAction", on_delete=models.PROTECT, related_name="webhook_events"
    )
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class WebhookDelivery(models.Model):
    """The delivery of one event to one endpoint: retried with exponential backoff until the
    endpoint answers 2xx. `next_attempt_at` is the timer (a beat task finds due deliveries).
    `claimed_until` is, while sending, the lease of the worker sending it (a killed worker's
    delivery is taken up again once the lease lapses) and, while pending, how long a re-drive
    that just enqueued it keeps others from enqueuing it again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    event = models.ForeignKey(WebhookEvent, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "delivered", "failed"]),
                name="delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="delivery_sending_has_lease",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending_due",
            ),
            models.Index(
                fields=["claimed_until"],
                condition=Q(status="sending"),
                name="delivery_lease_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """The log of each attempt at a delivery: what the endpoint answered, or the error."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="attempt_numbered_once")
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.delivery}"
