from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
        APPEAL_RECEIVED = "appeal_received", "Appeal received"
        INFO_REQUESTED = "info_requested", "Information requested"
        NEW_MESSAGE = "new_message", "New message"
        DECISION = "decision", "Decision"
        SLA_WARNING = "sla_warning", "Deadline approaching"
        SLA_BREACH = "sla_breach", "Deadline missed"

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
