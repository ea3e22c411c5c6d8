"""Case files: the case bundle as a PDF or a ZIP, prepared by a worker (issue #15).

The model's invariants (going around the services), the use cases (request, render with its
progress, failure, idempotency, stale fingerprint, lease re-queue, expiry sweep), the views'
access and the status fragment's queries. Rendering tests call the service the task calls;
`test_a_real_worker_prepares_the_pdf_the_freelancer_asked_for` runs it through a worker."""

import hashlib
import io
import re
import time
import zipfile
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEvent
from appeals import bundle, services
from appeals.models import (
    CASE_FINGERPRINT_PARTS,
    CaseFile,
    Message,
    case_file_path,
    case_fingerprint_annotations,
)
from appeals.services import case_files
from tests.appeals.case_bundle_scenario import (
    DECISION_REASONS,
    INTERNAL_NOTE,
    REVIEWER_MESSAGE,
    decided_case,
)
from tests.factories import FreelancerFactory, ReviewerFactory, make_action

Status = CaseFile.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded files and case files go to a folder of this test, not the project's var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


@pytest.fixture
def queued(monkeypatch):
    """Tasks the services queue (by name), recorded instead of sent to a broker."""
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(case_files, "enqueue", lambda name, *args: sent.append((name, args)))
    return sent


@pytest.fixture
def action(db, freelancer):
    return make_action(freelancer, client_notices=1)


@pytest.fixture
def appeal(action, reviewer):
    return decided_case(action, reviewer)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return _flat(" ".join(page.extract_text() for page in reader.pages))


def _request(action, by, fmt="pdf", audience=CaseFile.Audience.FREELANCER):
    return case_files.request_case_file(action, by=by, audience=audience, fmt=fmt)


def _content(case_file: CaseFile) -> bytes:
    case_file.refresh_from_db()
    with case_file.file.open("rb") as handle:
        return handle.read()


# --- The model's invariants, going around the services ----------------------------------------


def _row(action, **fields) -> CaseFile:
    now = timezone.now()
    values = {
        "action": action,
        "requested_by": action.account,
        "audience": "freelancer",
        "format": "pdf",
        "language": "en",
        "fingerprint": "x",
        "created_at": now,
        "expires_at": now + timedelta(days=7),
    } | fields
    with transaction.atomic():
        return CaseFile.objects.create(**values)


READY = {
    "status": "ready",
    "file": "case-files/1/abc",
    "size": 10,
    "sha256": "a" * 64,
    "finished_at": timezone.now(),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"status": "sent"}, "case_file_status_valid"),
        ({"format": "docx"}, "case_file_format_valid"),
        ({"audience": "public"}, "case_file_audience_valid"),
        ({"language": ""}, "case_file_language_set"),
        ({"status": "ready"}, "case_file_ready_has_file"),
        (READY | {"sha256": "not-a-hash"}, "case_file_ready_has_file"),
        ({"file": "case-files/1/abc"}, "case_file_file_only_when_ready"),
        (
            {"status": "failed", "finished_at": timezone.now(), "file": "case-files/1/abc"},
            "case_file_file_only_when_ready",
        ),
        ({"status": "rendering", "step": 1}, "case_file_rendering_has_lease"),
        ({"status": "queued", "step": 1}, "case_file_step_valid"),
        (
            {"status": "rendering", "step": 0, "claimed_until": timezone.now()},
            "case_file_step_valid",
        ),
        (
            {"status": "rendering", "step": 3, "claimed_until": timezone.now()},
            "case_file_step_valid",
        ),
        ({"status": "failed"}, "case_file_failed_is_finished"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "case_file_expires_after"),
    ],
)
def test_the_database_refuses_a_case_file_that_breaks_an_invariant(action, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint):
        _row(action, **fields)


@pytest.mark.django_db
def test_the_database_accepts_the_states_the_services_write(action):
    assert _row(action).status == "queued"
    _row(action, format="zip", status="rendering", step=3, claimed_until=timezone.now())
    _row(action, status="failed", finished_at=timezone.now(), error="x")
    _row(action, **READY)


@pytest.mark.django_db
def test_only_one_case_file_per_case_format_and_language_is_prepared_at_a_time(action):
    _row(action)
    with pytest.raises(IntegrityError, match="case_file_one_active"):
        _row(action, status="rendering", step=1, claimed_until=timezone.now())
    _row(action, language="ru")  # another language
    _row(action, audience="staff")  # staff's own
    _row(action, **READY)  # a ready one besides


# --- Requesting --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_records_a_queued_row_audits_it_and_queues_the_task_after_commit(
    freelancer, action, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_file, created = _request(action, freelancer)
        assert queued == []
    assert created and case_file.status == Status.QUEUED and case_file.step == 0
    assert case_file.language == "en" and case_file.fingerprint
    assert case_file.expires_at == case_file.created_at + timedelta(days=7)
    for callback in callbacks:
        callback()
    assert queued == [("appeals.tasks.render_case_file", (case_file.pk,))]
    event = AuditEvent.objects.get(verb="case_file.requested")
    assert event.actor == freelancer and event.object_id == str(case_file.pk)
    assert event.data == {"action": action.pk, "format": "pdf", "audience": "freelancer"}


@pytest.mark.django_db
def test_a_second_click_while_it_is_queued_or_rendering_reuses_it(freelancer, action, queued):
    first, created = _request(action, freelancer)
    again, created_again = _request(action, freelancer)
    assert created and not created_again and again.pk == first.pk
    CaseFile.objects.filter(pk=first.pk).update(
        status=Status.RENDERING, step=1, claimed_until=timezone.now() + timedelta(minutes=2)
    )
    third, created_third = _request(action, freelancer)
    assert not created_third and third.pk == first.pk
    assert AuditEvent.objects.filter(verb="case_file.requested").count() == 1
    zip_file, zip_created = _request(action, freelancer, fmt="zip")
    assert zip_created and zip_file.pk != first.pk


@pytest.mark.django_db
def test_an_unknown_format_is_refused(freelancer, action):
    with pytest.raises(ValueError):
        _request(action, freelancer, fmt="docx")


# --- Rendering (the task's function, called directly) --------------------------------------------


@pytest.mark.django_db
def test_the_pdf_is_rendered_into_private_storage_with_its_hash_and_size(
    freelancer, action, appeal, queued, settings
):
    case_file, _ = _request(action, freelancer)
    assert case_files.render_case_file(case_file.pk) == Status.READY
    case_file.refresh_from_db()
    content = _content(case_file)
    assert case_file.status == Status.READY and case_file.claimed_until is None
    assert case_file.size == len(content) and content.startswith(b"%PDF")
    assert case_file.sha256 == hashlib.sha256(content).hexdigest()
    assert case_file.finished_at >= case_file.started_at
    # Private: stored under the storage's folder with a random name, and no URL.
    assert case_file.file.name.startswith(f"case-files/{action.pk}/")
    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
    text = _pdf_text(content)
    assert _flat(action.primary_version().text) in text
    assert _flat(DECISION_REASONS) in text
    assert _flat(REVIEWER_MESSAGE) in text
    assert "INTERNAL-NOTE" not in text and _flat(INTERNAL_NOTE) not in text
    assert "internal-device-graph" not in text
    for item in action.evidence_items.all():
        assert _flat(item.internal_detail)[:40] not in text


@pytest.mark.django_db
def test_each_step_is_recorded_while_the_worker_renders(
    freelancer, action, appeal, queued, monkeypatch
):
    case_file, _ = _request(action, freelancer, fmt="zip")
    seen = []
    real_pdf, real_zip = bundle.bundle_pdf, bundle.bundle_zip

    def _state():
        row = CaseFile.objects.get(pk=case_file.pk)
        seen.append((row.status, row.step, row.step_label, row.claimed_until > timezone.now()))

    def pdf(case):
        _state()
        return real_pdf(case)

    def packed(case, appeal, *, pdf=None):
        _state()
        return real_zip(case, appeal, pdf=pdf)

    monkeypatch.setattr(bundle, "bundle_pdf", pdf)
    monkeypatch.setattr(bundle, "bundle_zip", packed)
    assert case_files.render_case_file(case_file.pk) == Status.READY
    assert seen == [
        ("rendering", 2, "Rendering the PDF", True),
        ("rendering", 3, "Packing attachments", True),
    ]
    archive = zipfile.ZipFile(io.BytesIO(_content(case_file)))
    assert archive.read("case.pdf").startswith(b"%PDF")
    assert any(name.startswith("attachments/") for name in archive.namelist())
    assert not any("internal-device-graph" in name for name in archive.namelist())


@pytest.mark.django_db
def test_a_rendering_that_fails_is_marked_failed_logged_and_audited(
    freelancer, action, queued, monkeypatch, caplog
):
    case_file, _ = _request(action, freelancer)

    def broken(case):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(bundle, "bundle_pdf", broken)
    assert case_files.render_case_file(case_file.pk) == Status.FAILED
    case_file.refresh_from_db()
    assert case_file.status == Status.FAILED and not case_file.file and case_file.finished_at
    assert "pango exploded" in case_file.error
    assert f"Case file {case_file.pk} could not be rendered" in caplog.text
    event = AuditEvent.objects.get(verb="case_file.failed")
    assert event.object_id == str(case_file.pk) and "pango exploded" in event.summary
    # A new request after a failure prepares a new file.
    retry, created = _request(action, freelancer)
    assert created and retry.pk != case_file.pk


@pytest.mark.django_db
def test_a_redelivered_task_does_nothing_while_a_worker_holds_the_row(freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    CaseFile.objects.filter(pk=case_file.pk).update(
        status=Status.RENDERING,
        step=1,
        attempts=1,
        claimed_until=timezone.now() + timedelta(minutes=2),
    )
    assert case_files.render_case_file(case_file.pk) is None
    assert CaseFile.objects.get(pk=case_file.pk).status == Status.RENDERING


@pytest.mark.django_db
def test_a_ready_file_is_not_rendered_twice(freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    assert case_files.render_case_file(case_file.pk) == Status.READY
    name = CaseFile.objects.get(pk=case_file.pk).file.name
    assert case_files.render_case_file(case_file.pk) is None
    assert CaseFile.objects.get(pk=case_file.pk).file.name == name


# --- Stale files ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_whose_case_changed_is_not_current_and_is_prepared_again(
    client, freelancer, reviewer, action, queued
):
    appeal = decided_case(action, reviewer, decide=False)
    case_file, _ = _request(action, freelancer)
    case_files.render_case_file(case_file.pk)
    assert _request(action, freelancer) == (CaseFile.objects.get(pk=case_file.pk), False)
    client.force_login(freelancer)
    page = client.get(action.get_absolute_url()).content.decode()
    assert "The case has changed since this file was prepared" not in page

    # An internal note is not part of the bundle: the file stays current.
    services.post_message(appeal, author=reviewer, body="Another internal note.", internal=True)
    assert (
        case_files.case_fingerprint(action.pk) == CaseFile.objects.get(pk=case_file.pk).fingerprint
    )

    services.post_message(appeal, author=reviewer, body="A new message to the freelancer.")
    page = client.get(action.get_absolute_url()).content.decode()
    assert "The case has changed since this file was prepared" in page
    assert "Prepare the PDF again" in page
    fresh, created = _request(action, freelancer)
    assert created and fresh.pk != case_file.pk
    case_files.render_case_file(fresh.pk)
    assert "A new message to the freelancer." in _pdf_text(_content(fresh))


@pytest.mark.django_db
def test_a_decision_makes_the_file_stale(freelancer, reviewer, action, queued):
    appeal = decided_case(action, reviewer, decide=False)
    case_file, _ = _request(action, freelancer)
    case_files.render_case_file(case_file.pk)
    services.decide_appeal(
        appeal,
        outcome=appeal.Outcome.UPHELD,
        reasons="The rule was broken.",
        versions=list(action.cited_versions.all()),
        decided_by=reviewer,
    )
    case_file.refresh_from_db()
    assert case_files.case_fingerprint(action.pk) != case_file.fingerprint


# --- The sweep: dead workers, lost messages, expiry ---------------------------------------------


def _lapse(case_file, attempts=1):
    CaseFile.objects.filter(pk=case_file.pk).update(
        status=Status.RENDERING,
        step=2,
        attempts=attempts,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )


@pytest.mark.django_db
def test_a_rendering_whose_worker_died_is_queued_again_and_then_finished(
    freelancer, action, queued
):
    case_file, _ = _request(action, freelancer)
    _lapse(case_file)
    assert case_files.sweep_case_files() == {"queued_again": 1, "failed": 0, "expired": 0}
    row = CaseFile.objects.get(pk=case_file.pk)
    assert (row.status, row.step, row.claimed_until) == (Status.QUEUED, 0, None)
    assert queued == [("appeals.tasks.render_case_file", (case_file.pk,))]
    assert case_files.render_case_file(case_file.pk) == Status.READY
    assert CaseFile.objects.get(pk=case_file.pk).attempts == 2


@pytest.mark.django_db
def test_a_redelivered_task_takes_over_a_lapsed_lease(freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    _lapse(case_file)
    assert case_files.render_case_file(case_file.pk) == Status.READY


@pytest.mark.django_db
def test_a_rendering_that_keeps_killing_its_worker_is_given_up(freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    _lapse(case_file, attempts=case_files.MAX_ATTEMPTS)
    assert case_files.sweep_case_files()["failed"] == 1
    row = CaseFile.objects.get(pk=case_file.pk)
    assert row.status == Status.FAILED and "stopped 3 times" in row.error
    assert AuditEvent.objects.filter(verb="case_file.failed", object_id=str(row.pk)).exists()
    assert case_files.render_case_file(case_file.pk) is None


@pytest.mark.django_db
def test_the_sweep_queues_again_a_request_whose_message_was_lost(freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    assert case_files.sweep_case_files()["queued_again"] == 0  # young: its message is on the way
    later = timezone.now() + case_files.REDRIVE_AFTER + timedelta(seconds=1)
    assert case_files.sweep_case_files(now=later)["queued_again"] == 1
    assert queued == [("appeals.tasks.render_case_file", (case_file.pk,))]


@pytest.mark.django_db
def test_the_sweep_deletes_expired_case_files_and_their_files(freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    case_files.render_case_file(case_file.pk)
    case_file.refresh_from_db()
    storage, name = case_file.file.storage, case_file.file.name
    assert storage.exists(name)
    kept, _ = _request(action, freelancer, fmt="zip")
    assert case_files.sweep_case_files()["expired"] == 0
    later = case_file.expires_at + timedelta(seconds=1)
    CaseFile.objects.filter(pk=kept.pk).update(expires_at=later + timedelta(days=1))
    assert case_files.sweep_case_files(now=later)["expired"] == 1
    assert not CaseFile.objects.filter(pk=case_file.pk).exists()
    assert not storage.exists(name)
    assert CaseFile.objects.filter(pk=kept.pk).exists()


# --- Language --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_russian_freelancers_pdf_has_russian_headings_and_the_binding_english_rule(queued):
    freelancer = FreelancerFactory(preferred_language="ru")
    action = make_action(freelancer)
    case_file, _ = _request(action, freelancer)
    assert case_file.language == "ru"
    case_files.render_case_file(case_file.pk)
    text = _pdf_text(_content(case_file))
    assert "1. Мотивированное решение" in text
    assert "Страница 1 из" in text
    assert "Обязательный текст на английском языке" in text
    assert _flat(action.primary_version().text) in text
    assert "Statement of reasons" not in text


# --- Views: the freelancer ----------------------------------------------------------------------


def _prepare(client, action, fmt="pdf"):
    return client.post(reverse("appeals:case-file-request", args=[action.pk]), {"format": fmt})


def _status(client, action):
    return client.get(reverse("appeals:case-file-status", args=[action.pk]), **HTMX)


@pytest.mark.django_db
def test_prepare_pdf_shows_the_pending_state_then_the_download(
    client, freelancer, action, appeal, queued
):
    client.force_login(freelancer)
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Prepare PDF" in page and "Prepare ZIP" in page
    assert 'hx-trigger="every 2s"' not in page  # nothing to wait for

    response = _prepare(client, action)
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url() + "#case-bundle"
    case_file = CaseFile.objects.get(action=action)
    assert case_file.requested_by == freelancer and case_file.audience == "freelancer"
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Waiting for its turn" in page
    assert 'hx-trigger="every 2s"' in page
    assert reverse("appeals:case-file-status", args=[action.pk]) in page
    assert f'href="{action.get_absolute_url()}#case-bundle">Refresh' in page
    assert "Download the PDF" not in page

    CaseFile.objects.filter(pk=case_file.pk).update(
        status=Status.RENDERING, step=2, claimed_until=timezone.now() + timedelta(minutes=2)
    )
    fragment = _status(client, action).content.decode()
    assert "Preparing the case file… step 2 of 2: Rendering the PDF." in fragment
    assert 'hx-trigger="every 2s"' in fragment
    CaseFile.objects.filter(pk=case_file.pk).update(
        status=Status.QUEUED, step=0, claimed_until=None
    )

    case_files.render_case_file(case_file.pk)
    case_file.refresh_from_db()
    fragment = _status(client, action).content.decode()
    assert 'hx-trigger="every 2s"' not in fragment  # polling stops
    download = reverse("appeals:case-file-download", args=[case_file.pk])
    assert f'href="{download}"' in fragment
    assert re.search(r"Download the PDF \(\d+(\.\d)?\xa0KB\)", fragment)

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="case-{action.puid}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == _content(case_file)
    event = AuditEvent.objects.get(verb="case_file.downloaded")
    assert event.actor == freelancer and event.data["sha256"] == case_file.sha256


@pytest.mark.django_db
def test_a_failed_file_says_so_and_offers_to_try_again(client, freelancer, action, queued):
    client.force_login(freelancer)
    _prepare(client, action)
    CaseFile.objects.update(status=Status.FAILED, finished_at=timezone.now(), error="x")
    fragment = _status(client, action).content.decode()
    assert "The case file could not be prepared. Please try again." in fragment
    assert "Prepare the PDF again" in fragment
    assert "Download the PDF" not in fragment


@pytest.mark.django_db
def test_a_second_post_reuses_the_pending_file(client, freelancer, action, queued):
    client.force_login(freelancer)
    _prepare(client, action)
    response = _prepare(client, action)
    assert response.status_code == 302
    assert CaseFile.objects.count() == 1
    assert "already being prepared" in client.get(action.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_unknown_format_re_renders_the_page_with_an_error(client, freelancer, action):
    client.force_login(freelancer)
    response = _prepare(client, action, fmt="docx")
    assert response.status_code == 422
    assert "Choose the PDF or the ZIP case file." in response.content.decode()
    assert not CaseFile.objects.exists()


@pytest.mark.django_db
def test_the_status_without_htmx_leads_back_to_the_case_page(client, freelancer, action):
    client.force_login(freelancer)
    response = client.get(reverse("appeals:case-file-status", args=[action.pk]))
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url() + "#case-bundle"


@pytest.mark.django_db
def test_another_freelancer_gets_404_for_the_case_file_and_its_download(
    client, freelancer, other_freelancer, action, queued
):
    case_file, _ = _request(action, freelancer)
    case_files.render_case_file(case_file.pk)
    client.force_login(other_freelancer)
    assert _prepare(client, action).status_code == 404
    assert _status(client, action).status_code == 404
    download = reverse("appeals:case-file-download", args=[case_file.pk])
    assert client.get(download).status_code == 404
    assert not AuditEvent.objects.filter(verb="case_file.downloaded").exists()
    # Their own action's page does not list it either.
    theirs = make_action(other_freelancer)
    assert download not in client.get(theirs.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_freelancer_cannot_download_a_file_prepared_for_staff(
    client, freelancer, reviewer, action, appeal, queued
):
    case_file, _ = _request(action, reviewer, audience=CaseFile.Audience.STAFF)
    case_files.render_case_file(case_file.pk)
    client.force_login(freelancer)
    assert client.get(reverse("appeals:case-file-download", args=[case_file.pk])).status_code == 404
    response = client.get(reverse("appeals:review-case-file-download", args=[case_file.pk]))
    assert response.status_code in (403, 404)


@pytest.mark.django_db
def test_an_expired_file_is_not_offered_or_served(client, freelancer, action, queued):
    case_file, _ = _request(action, freelancer)
    case_files.render_case_file(case_file.pk)
    CaseFile.objects.filter(pk=case_file.pk).update(
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    client.force_login(freelancer)
    download = reverse("appeals:case-file-download", args=[case_file.pk])
    assert client.get(download).status_code == 404
    assert download not in client.get(action.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_status_fragment_reads_a_constant_number_of_queries(client, freelancer, action, queued):
    client.force_login(freelancer)
    first, _ = _request(action, freelancer)
    case_files.render_case_file(first.pk)
    with CaptureQueriesContext(connection) as few:
        assert _status(client, action).status_code == 200
    # More rows behind it: older files of both formats, failed and ready.
    for fmt in ("pdf", "zip", "pdf", "zip"):
        row = _row(action, format=fmt, status="failed", finished_at=timezone.now(), error="x")
        CaseFile.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    second, _ = _request(action, freelancer, fmt="zip")
    case_files.render_case_file(second.pk)
    with CaptureQueriesContext(connection) as many:
        assert _status(client, action).status_code == 200
    assert len(many) == len(few)


# --- Views: staff -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reviewer_prepares_and_downloads_the_case_file_of_an_appeal_in_scope(
    client, reviewer, action, appeal, queued
):
    client.force_login(reviewer)
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    assert "Prepare PDF" in page
    response = client.post(
        reverse("appeals:review-case-file-request", args=[appeal.pk]), {"format": "pdf"}
    )
    assert response.status_code == 302
    case_file = CaseFile.objects.get(action=action)
    assert case_file.audience == "staff" and case_file.requested_by == reviewer
    case_files.render_case_file(case_file.pk)
    fragment = client.get(
        reverse("appeals:review-case-file-status", args=[appeal.pk]), **HTMX
    ).content.decode()
    download = reverse("appeals:review-case-file-download", args=[case_file.pk])
    assert download in fragment
    # The case page reads the section with the appeal (its query budget): the same answer.
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    assert download in page and "The case has changed since" not in page
    Message.objects.create(appeal=appeal, author=reviewer, kind="message", body="One more.")
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    assert "The case has changed since" in page and "Prepare the PDF again" in page
    response = client.get(download)
    assert response.status_code == 200
    text = _pdf_text(b"".join(response.streaming_content))
    assert _flat(DECISION_REASONS) in text and "INTERNAL-NOTE" not in text
    assert AuditEvent.objects.filter(verb="case_file.downloaded", actor=reviewer).exists()


@pytest.mark.django_db
def test_the_original_decider_gets_404_for_the_case_file(client, freelancer, queued):
    decider = ReviewerFactory()
    action = make_action(freelancer, decided_by=decider)
    appeal = decided_case(action, ReviewerFactory())
    case_file, _ = _request(action, appeal.decided_by, audience=CaseFile.Audience.STAFF)
    case_files.render_case_file(case_file.pk)
    client.force_login(decider)
    assert (
        client.post(
            reverse("appeals:review-case-file-request", args=[appeal.pk]), {"format": "pdf"}
        ).status_code
        == 404
    )
    download = reverse("appeals:review-case-file-download", args=[case_file.pk])
    assert client.get(download).status_code == 404


# --- A real worker ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_prepares_the_pdf_the_freelancer_asked_for(client, celery_on_redis):
    freelancer = FreelancerFactory()
    action = make_action(freelancer)
    client.force_login(freelancer)
    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        assert _prepare(client, action).status_code == 302
        case_file = CaseFile.objects.get(action=action)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            case_file.refresh_from_db()
            if case_file.status in (Status.READY, Status.FAILED):
                break
            time.sleep(0.1)
    assert case_file.status == Status.READY, case_file.error
    assert _flat(action.primary_version().text) in _pdf_text(_content(case_file))


def test_a_case_file_is_stored_under_a_random_name():
    name = case_file_path(CaseFile(action_id=7), "../../etc/passwd")
    assert re.fullmatch(r"case-files/7/[0-9a-f]{32}", name)


def test_the_fingerprint_parts_are_the_annotations_in_order():
    assert tuple(case_fingerprint_annotations(OuterRef("pk"))) == CASE_FINGERPRINT_PARTS
