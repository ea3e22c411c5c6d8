"""Notification emails: sent once from the outbox, retried when the server fails, never lost."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from appeals import services as appeal_services
from appeals.models import Appeal
from appeals.operations.routing import route_appeal
from config.celery import app as celery_app
from notifications import services, tasks
from notifications.models import Notification
from notifications.services import MAX_EMAIL_ATTEMPTS, STALE_CLAIM, notify, send_email
from tests.factories import ReviewerFactory, make_action, make_appeal
from tests.notifications.mailers import CountingEmailBackend

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
FAILING = {"default": {"BACKEND": "tests.notifications.mailers.FailingEmailBackend"}}
COUNTING = {"default": {"BACKEND": "tests.notifications.mailers.CountingEmailBackend"}}
EmailStatus = Notification.EmailStatus
REASONS = "The invoice of 3 May shows the client paid through the marketplace."
INTERNAL_NOTE = "INTERNAL-NOTE: the detector flags this device for three other accounts."


@pytest.fixture(autouse=True)
def locmem_mailer(settings):
    settings.MAILERS = LOCMEM


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


def _notification(recipient, **fields) -> Notification:
    defaults = {
        "kind": Notification.Kind.NEW_MESSAGE,
        "subject": "New message about your appeal #7",
        "body": "Could you send the invoice for the March contract?",
        "url": "/standing/actions/7/#appeal",
    }
    return Notification.objects.create(recipient=recipient, **(defaults | fields))


def _html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def _row(notification: Notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


# --- Sending once -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_a_notification_sends_one_email_with_text_and_html_parts(freelancer):
    notification = _notification(freelancer)

    assert send_email(notification.pk) is True

    [message] = mail.outbox
    assert message.to == [freelancer.email]
    assert message.subject == "[Recourse] New message about your appeal #7"
    assert message.extra_headers["X-Recourse-Notification"] == str(notification.pk)
    link = f"{django_settings.SITE_URL}/standing/actions/7/#appeal"
    assert notification.body in message.body
    assert link in message.body
    html = _html(message)
    assert notification.body in html
    assert f'href="{link}"' in html
    row = _row(notification)
    assert (row.email_status, row.email_attempts, row.email_last_error) == (EmailStatus.SENT, 1, "")
    assert row.email_sent_at is not None


@pytest.mark.django_db
def test_sending_twice_sends_one_email(freelancer):
    notification = _notification(freelancer)

    assert send_email(notification.pk) is True
    assert send_email(notification.pk) is False

    assert len(mail.outbox) == 1
    assert _row(notification).email_attempts == 1


@pytest.mark.django_db
def test_the_task_delivers_once_even_when_it_runs_twice(freelancer):
    notification = _notification(freelancer)

    tasks.send_notification_email.apply(args=[notification.pk])
    tasks.send_notification_email.apply(args=[notification.pk])

    assert len(mail.outbox) == 1
    assert _row(notification).email_status == EmailStatus.SENT


@pytest.mark.django_db
def test_an_email_claimed_by_another_worker_is_not_sent_again(freelancer):
    notification = _notification(freelancer)
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING, email_claimed_at=timezone.now(), email_attempts=1
    )

    assert send_email(notification.pk) is False
    assert mail.outbox == []


# --- Failures and the re-drive -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_mail_server_leaves_the_email_pending_with_the_error(freelancer, settings):
    settings.MAILERS = FAILING
    notification = _notification(freelancer)

    with pytest.raises(ConnectionRefusedError):
        send_email(notification.pk)

    row = _row(notification)
    assert (row.email_status, row.email_attempts) == (EmailStatus.PENDING, 1)
    assert row.email_last_error == (
        "ConnectionRefusedError: The mail server refused the connection."
    )
    assert row.email_sent_at is None

    settings.MAILERS = LOCMEM
    assert send_email(notification.pk) is True
    assert len(mail.outbox) == 1
    row = _row(notification)
    assert (row.email_status, row.email_attempts) == (EmailStatus.SENT, 2)


@pytest.mark.django_db
def test_after_the_last_attempt_the_email_is_marked_failed_and_left_alone(freelancer, settings):
    settings.MAILERS = FAILING
    notification = _notification(freelancer)

    for _attempt in range(MAX_EMAIL_ATTEMPTS):
        with pytest.raises(ConnectionRefusedError):
            send_email(notification.pk)

    row = _row(notification)
    assert (row.email_status, row.email_attempts) == (EmailStatus.FAILED, MAX_EMAIL_ATTEMPTS)
    settings.MAILERS = LOCMEM
    assert send_email(notification.pk) is False
    assert services.pending_email_ids(older_than=timedelta(0)) == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_stale_claim_is_redriven_and_a_fresh_claim_is_not(freelancer):
    now = timezone.now()
    stale = _notification(freelancer)
    fresh = _notification(freelancer)
    Notification.objects.filter(pk=stale.pk).update(
        email_status=EmailStatus.SENDING,
        email_claimed_at=now - STALE_CLAIM - timedelta(seconds=1),
        created_at=now - timedelta(minutes=30),
    )
    Notification.objects.filter(pk=fresh.pk).update(
        email_status=EmailStatus.SENDING,
        email_claimed_at=now - timedelta(seconds=30),
        created_at=now - timedelta(minutes=30),
    )

    assert services.pending_email_ids() == [stale.pk]

    assert _row(stale).email_status == EmailStatus.PENDING
    assert _row(fresh).email_status == EmailStatus.SENDING
    assert send_email(stale.pk) is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_resend_after_a_lost_sent_record_carries_the_same_message_id(freelancer):
    """A worker killed after the SMTP server took the email, before "sent" was recorded, leaves
    a stale claim: the re-drive sends the email again (at least once). Both copies carry the
    notification's one Message-ID, so mail systems recognise the second as the same message."""
    notification = _notification(freelancer)
    assert send_email(notification.pk) is True
    # The crash: "sent" never recorded, and the claim has gone stale.
    Notification.objects.filter(pk=notification.pk).update(
        email_status=EmailStatus.SENDING,
        email_claimed_at=timezone.now() - STALE_CLAIM - timedelta(seconds=1),
        created_at=timezone.now() - timedelta(minutes=30),
    )
    assert services.pending_email_ids() == [notification.pk]
    assert send_email(notification.pk) is True

    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.message()["Message-ID"] == services.email_message_id(notification.pk)
    assert services.email_message_id(notification.pk) != services.email_message_id(
        notification.pk + 1
    )


@pytest.mark.django_db
def test_pending_emails_are_redriven_once_old_enough_oldest_first(freelancer):
    now = timezone.now()
    just_created = _notification(freelancer)
    older = _notification(freelancer)
    oldest = _notification(freelancer)
    sent = _notification(freelancer)
    Notification.objects.filter(pk=older.pk).update(created_at=now - timedelta(minutes=5))
    Notification.objects.filter(pk=oldest.pk).update(created_at=now - timedelta(hours=2))
    Notification.objects.filter(pk=sent.pk).update(
        created_at=now - timedelta(hours=3), email_status=EmailStatus.SENT
    )

    # A notification from the last minute still has its own task on the way.
    assert services.pending_email_ids() == [oldest.pk, older.pk]
    assert just_created.pk not in services.pending_email_ids()


def test_the_redrive_runs_every_minute_as_a_registered_task():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["redrive-pending-emails"]
    assert schedule["task"] == tasks.redrive_pending_emails.name
    assert schedule["schedule"] == timedelta(seconds=60)
    assert tasks.send_notification_email.name in celery_app.tasks


# --- What the emails say ---------------------------------------------------------------------


def _decided_appeal(freelancer, outcome: str = Appeal.Outcome.OVERTURNED) -> Appeal:
    decider = ReviewerFactory()
    appeal = make_appeal(make_action(freelancer), claimed_by=decider)
    return appeal_services.decide_appeal(
        appeal,
        outcome=outcome,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=decider,
    )


def _send_all_pending() -> None:
    for notification_id in Notification.objects.filter(
        email_status=EmailStatus.PENDING
    ).values_list("pk", flat=True):
        send_email(notification_id)


REDRESS = (
    "out-of-court dispute settlement body",
    "Article 21 of the EU Digital Services Act",
    "courts",
    "Digital Services Coordinator",
)


@pytest.mark.parametrize("outcome", [Appeal.Outcome.OVERTURNED, Appeal.Outcome.UPHELD])
@pytest.mark.django_db
def test_the_decision_email_carries_the_reasons_and_the_external_redress_options(
    freelancer, outcome
):
    appeal = _decided_appeal(freelancer, outcome)
    decision = Notification.objects.get(appeal=appeal, kind=Notification.Kind.DECISION)

    send_email(decision.pk)

    [message] = mail.outbox
    html = _html(message)
    for part in (message.body, html):
        assert REASONS in part
        for route in REDRESS:
            assert route in part
        assert "/redress/" in part
        assert appeal.get_absolute_url() in part


@pytest.mark.django_db
def test_other_emails_do_not_carry_the_redress_paragraph(freelancer):
    appeal = make_appeal(make_action(freelancer))
    route_appeal(appeal.pk)  # routing records the "appeal received" notice
    received = Notification.objects.get(kind=Notification.Kind.APPEAL_RECEIVED)

    send_email(received.pk)

    [message] = mail.outbox
    assert "dispute settlement" not in message.body
    assert "dispute settlement" not in _html(message)
    assert received.body in message.body


@pytest.mark.django_db
def test_no_internal_note_or_internal_evidence_reaches_any_email(freelancer, reviewer):
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    route_appeal(appeal.pk)  # routing records the "appeal received" notice
    appeal_services.post_message(appeal, author=reviewer, body=INTERNAL_NOTE, internal=True)
    appeal_services.post_message(appeal, author=reviewer, body="I am looking at your case.")
    appeal_services.request_information(appeal, reviewer=reviewer, question="The invoice?")
    appeal_services.post_message(appeal, author=reviewer, body=INTERNAL_NOTE + " 2", internal=True)
    appeal_services.post_message(appeal, author=freelancer, body="Attached.")
    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=reviewer,
    )

    _send_all_pending()

    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == [
        "action_issued",
        "appeal_received",
        "decision",
        "freelancer_replied",  # to the reviewer holding it (issue #12)
        "info_requested",
        "new_message",
    ]
    assert len(mail.outbox) == 6
    internal_details = list(appeal.action.evidence_items.values_list("internal_detail", flat=True))
    for message in mail.outbox:
        for part in (message.subject, message.body, _html(message)):
            assert "INTERNAL-NOTE" not in part
            assert "INTERNAL-ONLY" not in part
            for detail in internal_details:
                assert detail not in part


@pytest.mark.django_db
def test_the_html_part_escapes_the_text_and_loads_nothing_from_elsewhere(freelancer):
    hostile = 'Don\'t <script>alert(1)</script><img src="https://tracker.example/p.gif"> & more'
    notification = _notification(freelancer, body=hostile, subject="Hello <b>there</b>")

    send_email(notification.pk)

    [message] = mail.outbox
    html = _html(message)
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;there&lt;/b&gt;" in html
    assert not re.search(r"<(script|img|link|style|iframe|object)\b", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*\b(src|style|on\w+)=", html, re.IGNORECASE)
    assert '<html lang="en">' in html
    # Plain text is not HTML: it shows the words as written.
    assert hostile in message.body
    assert "Hello <b>there</b>" in message.body


@pytest.mark.django_db
def test_a_multi_line_body_keeps_its_lines_in_both_parts(freelancer):
    notification = _notification(freelancer, body="First line.\nSecond line.")
    send_email(notification.pk)

    [message] = mail.outbox
    assert "First line.\nSecond line." in message.body
    assert "First line.<br>Second line." in _html(message)


# --- A real worker on Redis ----------------------------------------------------------------------


@pytest.fixture
def counting_mailer(settings):
    """Emails a worker sends are counted per notification, across the worker's thread."""
    settings.MAILERS = COUNTING
    CountingEmailBackend.reset()
    yield CountingEmailBackend
    CountingEmailBackend.reset()


def _wait_for_email_status(notification: Notification, status: str, *, attempts: int = 300):
    for _ in range(attempts):
        current = Notification.objects.values_list("email_status", flat=True).get(
            pk=notification.pk
        )
        if current == status:
            return current
        time.sleep(0.05)
    return current


def _wait_for_notification(appeal, kind: str, timeout: float = 20.0) -> Notification:
    deadline = time.monotonic() + timeout
    while (found := Notification.objects.filter(appeal=appeal, kind=kind).first()) is None:
        assert time.monotonic() < deadline, f"no {kind} notification after {timeout} s"
        time.sleep(0.05)
    return found


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_appeal_received_email_once_after_commit(
    celery_on_redis, counting_mailer, freelancer
):
    from celery.contrib.testing.worker import start_worker

    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        appeal = make_appeal(make_action(freelancer))
        # The worker routes the appeal, and routing records the notice with its deadlines.
        received = _wait_for_notification(appeal, Notification.Kind.APPEAL_RECEIVED)
        assert _wait_for_email_status(received, EmailStatus.SENT) == EmailStatus.SENT

        # A duplicate delivery of the task, then a later email: the solo worker takes them in
        # order, so once the later one is sent the duplicate has run.
        tasks.send_notification_email.delay(received.pk)
        later = notify(
            freelancer,
            kind=Notification.Kind.NEW_MESSAGE,
            subject="A later message",
            body="Sent after the duplicate.",
        )
        assert _wait_for_email_status(later, EmailStatus.SENT) == EmailStatus.SENT

    [email] = CountingEmailBackend.sent_for(received.pk)
    assert email.to == [freelancer.email]
    assert received.body in email.body
    assert len(CountingEmailBackend.sent_for(later.pk)) == 1
    assert Notification.objects.get(pk=received.pk).email_attempts == 1
    assert celery_on_redis.connection_for_write().transport_cls == "redis"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_redrives_an_email_whose_task_was_lost(
    celery_on_redis, counting_mailer, freelancer
):
    from celery.contrib.testing.worker import start_worker

    # As if the broker was down when the notification committed: a row and no task.
    lost = _notification(freelancer)
    Notification.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        tasks.redrive_pending_emails.delay()
        assert _wait_for_email_status(lost, EmailStatus.SENT) == EmailStatus.SENT

    assert len(CountingEmailBackend.sent_for(lost.pk)) == 1


@pytest.mark.django_db
def test_a_redriven_email_is_queued_again_only_after_the_redrive_age(freelancer, settings):
    """A backlog (a broker that was down) drains through the queue: each re-drive run queues
    only what it has not queued in the last REDRIVE_AFTER_SECONDS, not the whole backlog again
    (the fault run found re-drives every few seconds flooding the queue with copies)."""
    settings.REDRIVE_AFTER_SECONDS = 60
    now = timezone.now()
    backlog = [_notification(freelancer) for _ in range(3)]
    Notification.objects.filter(pk__in=[n.pk for n in backlog]).update(
        created_at=now - timedelta(minutes=10)
    )

    assert services.pending_email_ids() == [n.pk for n in backlog]
    assert services.pending_email_ids() == []  # queued a moment ago: not again

    # One of them is still pending a redrive age later (its message was lost): queued again.
    Notification.objects.filter(pk=backlog[0].pk).update(
        email_requeued_at=now - timedelta(seconds=61)
    )
    assert services.pending_email_ids() == [backlog[0].pk]


@pytest.mark.django_db
def test_redrive_ages_and_the_stale_claim_follow_the_settings(freelancer, settings):
    settings.REDRIVE_AFTER_SECONDS = 5
    settings.EMAIL_CLAIM_STALE_SECONDS = 10
    now = timezone.now()
    pending, stale = _notification(freelancer), _notification(freelancer)
    Notification.objects.filter(pk=pending.pk).update(created_at=now - timedelta(seconds=6))
    Notification.objects.filter(pk=stale.pk).update(
        created_at=now - timedelta(seconds=30),
        email_status=EmailStatus.SENDING,
        email_claimed_at=now - timedelta(seconds=11),
    )

    assert services.pending_email_ids() == [stale.pk, pending.pk]
