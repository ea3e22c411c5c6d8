"""Notifications: an inbox row per recipient, and its email delivered once by a Celery worker."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from infra.bulk import insert_rows
from infra.queueing import enqueue
from notifications.models import Notification

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 6
# A claim older than this is presumed lost with its worker and is re-driven (the default of
# EMAIL_CLAIM_STALE_SECONDS).
STALE_CLAIM = timedelta(minutes=5)


def language_of(recipient) -> str:
    """The shipped language a person (or a language code) reads in: their setting, else the
    site's."""
    if isinstance(recipient, str):
        code = recipient or settings.LANGUAGE_CODE
    else:
        code = getattr(recipient, "preferred_language", "") or settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return settings.LANGUAGE_CODE


@contextmanager
def in_language_of(recipient):
    """Compose what `recipient` reads (subject, body, dates) in their own language, whatever
    language the request or the worker that triggers it runs in."""
    with translation.override(language_of(recipient)):
        yield


def _zone(name: str):
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


@contextmanager
def reading_as(language: str, zone_name: str):
    """Resolve lazy texts as their reader reads them: in their language, and dates written
    lazily (`infra.dates.format_when_lazy`) in their time zone."""
    with translation.override(language), timezone.override(_zone(zone_name)):
        yield


def notify(recipient, *, kind: str, subject: str, body: str, url: str = "", appeal=None):
    """Record a notification and queue its email once the surrounding transaction commits.
    Lazy texts (gettext_lazy, format_lazy) are resolved in the recipient's language."""
    language = language_of(recipient)
    with reading_as(language, getattr(recipient, "time_zone", "")):
        subject, body = str(subject), str(body)
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        appeal=appeal,
        language=language,
        subject=subject,
        body=body,
        url=url,
    )
    transaction.on_commit(lambda: _enqueue(notification.pk))
    return notification


def notify_many(notifications: list[Notification]) -> list[Notification]:
    """Record unsaved notifications in one query (a sweep's batch) and, once the surrounding
    transaction commits, queue one message for all their emails (a thousand messages would
    take seconds to publish).

    Like `notify()`, each row records the language its recipient reads (read in one query for
    the batch) and lazy texts are resolved in it. A caller that composed a text in another
    language on purpose sets `language` itself, and it is kept."""
    _record_languages(notifications)
    created = Notification.objects.bulk_create(notifications)
    if created:
        transaction.on_commit(lambda: _enqueue_batch([n.pk for n in created]))
    return created


def _readers(recipient_ids) -> dict[int, tuple[str, str]]:
    """Each recipient's (shipped language, time zone name), in one query for a batch."""
    return {
        pk: (language_of(language or ""), zone)
        for pk, language, zone in get_user_model()
        .objects.filter(pk__in=set(recipient_ids))
        .values_list("pk", "preferred_language", "time_zone")
    }


def _record_languages(notifications: list[Notification]) -> None:
    readers = _readers(n.recipient_id for n in notifications)
    for notification in notifications:
        language, zone = readers.get(notification.recipient_id, (language_of(""), ""))
        notification.language = notification.language or language
        with reading_as(notification.language, zone):
            notification.subject = str(notification.subject)
            notification.body = str(notification.body)


# What `notify_rows` takes of each notification, in this order.
NOTIFY_ROW_FIELDS = ("recipient_id", "kind", "appeal_id", "subject", "body", "url")


def notify_rows(rows: list[tuple]) -> list[int]:
    """As `notify_many`, from plain tuples (`NOTIFY_ROW_FIELDS`: recipient id, kind, appeal id
    or None, subject, body, url): one INSERT for the whole batch without a model instance per
    row (a sweep's thousands of notices), and one message for all their emails after commit.
    Like `notify_many`, each row records its recipient's language (one query for the batch)
    and lazy subjects and bodies are resolved in it. Returns the new ids."""
    if not rows:
        return []
    readers = _readers(row[0] for row in rows)
    by_reader: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        by_reader.setdefault(readers.get(row[0], (language_of(""), "")), []).append(row)
    resolved = []
    for (language, zone), told in by_reader.items():
        with reading_as(language, zone):
            resolved += [
                (recipient, kind, appeal, language, str(subject), str(body), url)
                for recipient, kind, appeal, subject, body, url in told
            ]
    fields = ("recipient_id", "kind", "appeal_id", "language", "subject", "body", "url")
    created = sorted(insert_rows(Notification, fields, resolved))
    if created:
        transaction.on_commit(lambda: _enqueue_batch(created))
    return created


def _enqueue_batch(notification_ids: list[int]) -> None:
    # If the broker is down, the rows stay pending and the periodic re-drive sends them.
    enqueue("notifications.tasks.send_notification_emails", notification_ids)


def _enqueue(notification_id: int) -> None:
    # If the broker is down, the row stays pending and the periodic re-drive sends it.
    enqueue("notifications.tasks.send_notification_email", notification_id)


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification.read_at = timezone.now()


def mark_all_read(user) -> int:
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())


def send_email(notification_id: int) -> bool:
    """Send the notification's email if nobody has claimed it yet. Returns True if sent now.

    The claim (pending → sending) is a conditional update: a duplicate task finds nothing to
    claim and returns without sending.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.EmailStatus.PENDING
    ).update(
        email_status=Notification.EmailStatus.SENDING,
        email_claimed_at=now,
        email_attempts=F("email_attempts") + 1,
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "appeal").get(
        pk=notification_id
    )
    try:
        _build_email(notification).send()
    except Exception as exc:
        failed = notification.email_attempts >= MAX_EMAIL_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            email_status=(
                Notification.EmailStatus.FAILED if failed else Notification.EmailStatus.PENDING
            ),
            email_last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    _record_sent(notification_id)
    return True


def email_message_id(notification_id: int) -> str:
    """The notification's one Message-ID, whatever the number of attempts."""
    host = urlsplit(settings.SITE_URL).hostname or "recourse.invalid"
    return f"<notification-{notification_id}@{host}>"


def _record_sent(notification_id: int, *, attempts: int = 20) -> None:
    """The email has left: record it, through a database restart if need be. Were the record
    lost, the claim would go stale and the re-drive would send the email a second time."""
    for attempt in range(attempts):
        try:
            Notification.objects.filter(pk=notification_id).update(
                email_status=Notification.EmailStatus.SENT, email_sent_at=timezone.now()
            )
            return
        except (OperationalError, InterfaceError):
            if attempt == attempts - 1 or connection.in_atomic_block:
                raise
            logger.warning("Email %s sent; recording it failed, retrying", notification_id)
            connection.close()  # the next query opens a new connection
            time.sleep(min(5.0, 0.2 * 2**attempt))


def _build_email(notification: Notification) -> EmailMultiAlternatives:
    """The email in the language its subject and body were composed in (the recipient's when
    it was recorded: greeting, links, the redress routes, dates), so that one email never mixes
    two languages; rows from before `language` was recorded follow the recipient's setting."""
    with in_language_of(notification.language or notification.recipient):
        return _compose_email(notification)


def _compose_email(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "link": settings.SITE_URL + notification.url if notification.url else settings.SITE_URL,
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("notifications/email/notification.txt", context)
    html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=f"[Recourse] {notification.subject}",
        body=text,
        to=[notification.recipient.email],
        headers={
            "X-Recourse-Notification": str(notification.pk),
            # The same Message-ID on every attempt. An email is sent at least once: a worker
            # killed after the SMTP server took it but before "sent" was recorded sends it again
            # when its claim goes stale, and mail systems recognise the copy by this header.
            "Message-ID": email_message_id(notification.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def pending_email_ids(*, older_than: timedelta | None = None) -> list[int]:
    """Emails left behind (never enqueued: broker down at commit; or claimed by a dead worker)
    to queue again, marked as queued now: each is queued at most once per re-drive age."""
    now = timezone.now()
    if older_than is None:
        older_than = timedelta(seconds=settings.REDRIVE_AFTER_SECONDS)
    stale = timedelta(seconds=settings.EMAIL_CLAIM_STALE_SECONDS)
    Notification.objects.filter(
        email_status=Notification.EmailStatus.SENDING, email_claimed_at__lt=now - stale
    ).update(email_status=Notification.EmailStatus.PENDING)
    cutoff = now - older_than
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(
                email_status=Notification.EmailStatus.PENDING, created_at__lt=cutoff
            )
            .filter(Q(email_requeued_at__isnull=True) | Q(email_requeued_at__lt=cutoff))
            .order_by("created_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:500]
        )
        Notification.objects.filter(pk__in=ids).update(email_requeued_at=now)
    return ids
