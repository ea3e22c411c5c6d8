"""Filing an appeal: once per action, inside the window, by the account holder, with files."""

import hashlib
import re
import threading
import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appeals.models import Appeal, AppealEvent, Attachment
from appeals.operations.routing import route_appeal
from appeals.services import AppealRefused, file_appeal
from appeals.uploads import CleanUpload, validate_upload
from enforcement.choices import AutomatedDecision
from enforcement.models import EnforcementAction
from notifications import services as notification_services
from notifications.models import Notification
from tests.appeals.hostile_files import pdf_bytes, png_bytes
from tests.factories import make_action, make_appeal

STATEMENT = "The client paid through the marketplace; the invoice is attached."


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path) -> Path:
    """Stored attachments go to a folder of this test, not the project's var/."""
    location = tmp_path / "private-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


def _stored_files(location: Path) -> list[Path]:
    return [path for path in location.rglob("*") if path.is_file()] if location.exists() else []


def _nothing_written() -> bool:
    return not (
        Appeal.objects.exists()
        or AppealEvent.objects.exists()
        or Attachment.objects.exists()
        or Notification.objects.filter(appeal__isnull=False).exists()
    )


def _clean(name: str, content: bytes) -> CleanUpload:
    return validate_upload(SimpleUploadedFile(name, content))


# --- One appeal per action --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_second_appeal_row_for_the_same_action(freelancer):
    appeal = make_appeal(make_action(freelancer))

    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(
            action=appeal.action,
            freelancer=freelancer,
            statement="A second appeal written straight to the database.",
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
        )
    assert Appeal.objects.filter(action=appeal.action).count() == 1


@pytest.mark.django_db
def test_filing_again_returns_the_same_appeal_and_writes_nothing_new(freelancer):
    action = make_action(freelancer)
    first, first_created = file_appeal(
        action,
        statement=STATEMENT,
        requested_outcomes=[Appeal.RequestedOutcome.LIFT],
        uploads=[],
        filed_by=freelancer,
    )
    again, again_created = file_appeal(
        action,
        statement="Submitted from a second tab with other words.",
        requested_outcomes=[Appeal.RequestedOutcome.REDUCE],
        uploads=[_clean("invoice.pdf", pdf_bytes())],
        filed_by=freelancer,
    )

    assert (first_created, again_created) == (True, False)
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.statement, again.requested_outcomes) == (STATEMENT, ["lift"])
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1
    assert not Attachment.objects.exists()
    # The "received" notice comes from routing (once the deadlines are final), and only once.
    assert not Notification.objects.filter(appeal__isnull=False).exists()
    route_appeal(first.pk)
    route_appeal(first.pk)
    assert Notification.objects.filter(appeal__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_filings_for_one_action_make_exactly_one_appeal(
    freelancer, celery_in_memory, private_media
):
    action = make_action(freelancer)
    start_together = threading.Barrier(8)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    upload = _clean("invoice.pdf", pdf_bytes())

    def submit() -> None:
        try:
            own_action = EnforcementAction.objects.get(pk=action.pk)
            start_together.wait()
            appeal, created = file_appeal(
                own_action,
                statement=STATEMENT,
                requested_outcomes=[Appeal.RequestedOutcome.LIFT],
                uploads=[upload],
                filed_by=freelancer,
            )
            results.append((appeal.pk, created))
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    appeal = Appeal.objects.get()
    assert [pk for pk, _created in results] == [appeal.pk] * 8
    assert sorted(created for _pk, created in results) == [False] * 7 + [True]
    assert AppealEvent.objects.filter(appeal=appeal).count() == 1
    route_appeal(appeal.pk)
    assert Notification.objects.filter(appeal=appeal).count() == 1
    assert Attachment.objects.filter(appeal=appeal).count() == 1
    assert len(_stored_files(private_media)) == 1


# --- Who may appeal, and when -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_appeal_after_the_window_closed_is_refused_with_the_closing_date(freelancer):
    action = make_action(freelancer, notified_at=timezone.now() - timedelta(days=200))
    assert action.appeal_deadline < timezone.now()

    with pytest.raises(AppealRefused) as refused:
        make_appeal(action)

    closing_date = f"{timezone.localtime(action.appeal_deadline):%d %B %Y}"
    assert closing_date in refused.value.messages[0]
    assert "closed" in refused.value.messages[0]
    assert _nothing_written()


@pytest.mark.django_db
def test_the_window_is_open_until_its_last_moment_and_closed_right_after(freelancer):
    closes_on_time = make_action(freelancer)
    one_second_late = make_action(freelancer)

    with time_machine.travel(closes_on_time.appeal_deadline, tick=False):
        assert make_appeal(closes_on_time).status == Appeal.Status.SUBMITTED
    with (
        time_machine.travel(one_second_late.appeal_deadline + timedelta(seconds=1), tick=False),
        pytest.raises(AppealRefused),
    ):
        make_appeal(one_second_late)
    assert Appeal.objects.get().action == closes_on_time


@pytest.mark.django_db
def test_the_window_lasts_at_least_six_months_after_the_notice(freelancer):
    action = make_action(freelancer, notified_at=timezone.now() - timedelta(days=182))
    assert make_appeal(action).status == Appeal.Status.SUBMITTED


@pytest.mark.django_db
def test_a_freelancer_cannot_appeal_another_freelancers_action(freelancer, other_freelancer):
    action = make_action(other_freelancer)

    with pytest.raises(AppealRefused, match="Only the account holder"):
        file_appeal(
            action,
            statement=STATEMENT,
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            uploads=[],
            filed_by=freelancer,
        )
    assert _nothing_written()


@pytest.mark.django_db
def test_a_repeat_by_another_freelancer_does_not_reveal_the_existing_appeal(
    freelancer, other_freelancer
):
    action = make_action(freelancer)
    make_appeal(action)

    with pytest.raises(AppealRefused, match="Only the account holder"):
        file_appeal(
            action,
            statement=STATEMENT,
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            uploads=[],
            filed_by=other_freelancer,
        )


@pytest.mark.parametrize(
    ("field", "statement", "requested_outcomes"),
    [
        ("statement", "", [Appeal.RequestedOutcome.LIFT]),
        ("statement", " \n\t ", [Appeal.RequestedOutcome.LIFT]),
        ("statement", "x" * 10_001, [Appeal.RequestedOutcome.LIFT]),
        ("requested_outcomes", STATEMENT, ["delete_the_marketplace"]),
        ("requested_outcomes", STATEMENT, [Appeal.RequestedOutcome.LIFT, "delete_it"]),
        ("requested_outcomes", STATEMENT, []),
    ],
    ids=["empty", "only-whitespace", "10001-chars", "unknown-outcome", "one-unknown", "none"],
)
@pytest.mark.django_db
def test_an_invalid_appeal_is_refused_and_nothing_is_written(
    freelancer, private_media, field, statement, requested_outcomes
):
    action = make_action(freelancer)

    with pytest.raises(AppealRefused) as refused:
        file_appeal(
            action,
            statement=statement,
            requested_outcomes=requested_outcomes,
            uploads=[_clean("invoice.pdf", pdf_bytes())],
            filed_by=freelancer,
        )

    assert list(refused.value.message_dict) == [field]
    assert _nothing_written()
    assert _stored_files(private_media) == []


@pytest.mark.django_db
def test_a_statement_of_exactly_ten_thousand_characters_is_accepted(freelancer):
    appeal = make_appeal(make_action(freelancer), statement="x" * 10_000)
    assert len(appeal.statement) == 10_000


# --- What filing records ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_filing_records_the_appeal_its_event_and_the_original_decider(freelancer, reviewer):
    action = make_action(freelancer, decided_by=reviewer)
    appeal = make_appeal(action, statement=f"  {STATEMENT}  ")

    appeal.refresh_from_db()
    assert appeal.statement == STATEMENT
    assert (appeal.freelancer, appeal.status) == (freelancer, Appeal.Status.SUBMITTED)
    assert appeal.original_decider == reviewer
    [event] = appeal.events.all()
    assert (event.actor, event.from_status, event.to_status) == (freelancer, "", "submitted")


@pytest.mark.django_db
def test_an_appeal_against_a_fully_automated_action_has_no_original_decider(freelancer):
    action = make_action(freelancer, automated_decision=AutomatedDecision.FULLY)
    assert action.decided_by is None
    assert make_appeal(action).original_decider is None


@pytest.mark.django_db
def test_attachments_are_stored_under_a_random_name_with_their_checksum(freelancer, private_media):
    uploads = [
        _clean("../../etc/my invoice.pdf", pdf_bytes()),
        _clean("screenshot of payment.png", png_bytes()),
    ]
    appeal = make_appeal(make_action(freelancer), uploads=uploads)

    attachments = list(appeal.attachments.order_by("id"))
    assert [a.display_name for a in attachments] == ["my invoice.pdf", "screenshot of payment.png"]
    assert len(_stored_files(private_media)) == 2
    for attachment, upload in zip(attachments, uploads, strict=True):
        directory, stored_name = attachment.file.name.rsplit("/", 1)
        assert directory == f"appeals/{appeal.pk}"
        assert re.fullmatch(r"[0-9a-f]{32}", stored_name)
        assert default_storage.exists(attachment.file.name)
        with default_storage.open(attachment.file.name, "rb") as stored:
            content = stored.read()
        assert hashlib.sha256(content).hexdigest() == attachment.sha256 == upload.sha256
        assert (attachment.size, attachment.content_type) == (len(content), upload.content_type)
        assert (attachment.uploaded_by, attachment.message) == (freelancer, None)
        assert (private_media / attachment.file.name).resolve().is_relative_to(private_media)

    shown = Appeal.objects.with_thread(internal=False).get(pk=appeal.pk)
    assert shown.statement_attachments == attachments


@pytest.mark.django_db
def test_the_appeal_received_notification_says_when_to_expect_a_reply_and_nothing_internal(
    freelancer,
):
    appeal = make_appeal(make_action(freelancer))
    route_appeal(appeal.pk)
    appeal.refresh_from_db()

    notification = Notification.objects.get(kind=Notification.Kind.APPEAL_RECEIVED)
    assert (notification.recipient, notification.kind, notification.appeal) == (
        freelancer,
        Notification.Kind.APPEAL_RECEIVED,
        appeal,
    )
    berlin = zoneinfo.ZoneInfo(freelancer.time_zone)
    assert f"{appeal.reply_expected_by().astimezone(berlin):%d %B %Y}" in notification.body
    assert f"{appeal.decision_expected_by().astimezone(berlin):%d %B %Y}" in notification.body
    assert notification.url == appeal.get_absolute_url()
    assert notification.email_status == Notification.EmailStatus.PENDING
    internal_details = appeal.action.evidence_items.values_list("internal_detail", flat=True)
    for detail in internal_details:
        assert detail not in notification.subject + notification.body
    assert "INTERNAL" not in notification.subject + notification.body


@pytest.mark.django_db
def test_the_email_is_queued_only_when_routing_commits(
    freelancer, django_capture_on_commit_callbacks, monkeypatch, celery_in_memory
):
    queued: list[int] = []
    monkeypatch.setattr(notification_services, "_enqueue", queued.append)

    action = make_action(freelancer)
    appeal = make_appeal(action)
    with django_capture_on_commit_callbacks(execute=True):
        route_appeal(appeal.pk)
        assert queued == []

    assert queued == [Notification.objects.get(appeal=appeal).pk]
