"""The case bundle: one JSON, one PDF and a ZIP with the attachments, for a dispute body.

The JSON is served in the request; the PDF and the ZIP are prepared by a worker (a `CaseFile`,
tests/appeals/test_case_files.py): these tests render them with the function the task calls."""

import hashlib
import io
import json
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from appeals.models import Attachment, CaseFile
from appeals.services import case_files
from tests.appeals.case_bundle_scenario import (
    DECISION_REASONS,
    INTERNAL_NOTE,
    REVIEWER_MESSAGE,
    decided_case,
)
from tests.factories import make_action

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded files go to a folder of this test, not the project's var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


@pytest.fixture
def action(freelancer):
    return make_action(freelancer, client_notices=1)


@pytest.fixture
def appeal(action, reviewer):
    return decided_case(action, reviewer)


def _url(action, fmt: str) -> str:
    return reverse("appeals:case-bundle", args=[action.pk, fmt])


def _rendered(action, fmt: str) -> bytes:
    """The PDF or ZIP as the worker prepares it for the freelancer (the task's function)."""
    case_file, _ = case_files.request_case_file(
        action, by=action.account, audience=CaseFile.Audience.FREELANCER, fmt=fmt
    )
    assert case_files.render_case_file(case_file.pk) == CaseFile.Status.READY
    case_file.refresh_from_db()
    with case_file.file.open("rb") as handle:
        return handle.read()


def _internal_details(action) -> list[str]:
    details = [item.internal_detail for item in action.evidence_items.all()]
    assert all(details)
    return details


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_json_bundle_has_the_rule_text_the_appeal_and_the_decision_and_no_internal_notes(
    client, freelancer, action, appeal
):
    client.force_login(freelancer)
    response = client.get(_url(action, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    raw = response.content.decode()
    bundle = json.loads(raw)
    version = action.primary_version()
    assert bundle["statement_of_reasons"]["rules"][0]["text"] == version.text
    assert bundle["statement_of_reasons"]["puid"] == action.puid
    assert bundle["statement_of_reasons"]["automated_detection"] in ("Yes", "No")
    assert bundle["appeal"]["statement"] == appeal.statement
    assert bundle["decision"]["reasons"] == DECISION_REASONS
    assert [m["text"] for m in bundle["conversation"]] == [REVIEWER_MESSAGE]
    assert bundle["client_notices"][0]["correction"]["text"]
    assert bundle["redress"]["out_of_court_bodies"]
    assert INTERNAL_NOTE not in raw
    assert "internal-device-graph" not in raw
    for detail in _internal_details(action):
        assert detail not in raw
    visible = Attachment.objects.get(appeal=appeal, message__isnull=True)
    assert bundle["attachments"] == [
        {
            "file": f"attachments/{visible.pk}-invoice.txt",
            "name": "invoice.txt",
            "content_type": visible.content_type,
            "size": visible.size,
            "sha256": visible.sha256,
            "uploaded_at": visible.created_at.isoformat(),
        }
    ]


def test_the_pdf_bundle_is_a4_searchable_numbered_and_leaves_out_internal_notes(action, appeal):
    reader = PdfReader(io.BytesIO(_rendered(action, "pdf")))
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    assert _flat(action.primary_version().text) in text
    assert _flat(DECISION_REASONS) in text
    assert action.puid in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "INTERNAL-NOTE" not in text
    assert "INTERNAL-ONLY" not in text
    assert "internal-device-graph" not in text
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_the_zip_bundle_holds_the_json_the_pdf_and_the_visible_attachments_with_their_hashes(
    action, appeal
):
    archive = zipfile.ZipFile(io.BytesIO(_rendered(action, "zip")))
    bundle = json.loads(archive.read("case.json"))
    assert archive.read("case.pdf").startswith(b"%PDF")
    files = [name for name in archive.namelist() if name.startswith("attachments/")]
    assert files == [item["file"] for item in bundle["attachments"]]
    for item in bundle["attachments"]:
        assert hashlib.sha256(archive.read(item["file"])).hexdigest() == item["sha256"]
    assert not any("internal-device-graph" in name for name in archive.namelist())


def test_an_undecided_appeal_says_the_decision_is_pending(client, freelancer, reviewer):
    action = make_action(freelancer)
    decided_case(action, reviewer, decide=False)
    client.force_login(freelancer)
    bundle = json.loads(client.get(_url(action, "json")).content)
    assert bundle["decision"] is None
    pdf = PdfReader(io.BytesIO(_rendered(action, "pdf")))
    assert "Pending: the appeal has not been decided yet." in _flat(
        " ".join(page.extract_text() for page in pdf.pages)
    )


def test_an_action_without_an_appeal_has_a_bundle_too(client, freelancer):
    action = make_action(freelancer)
    client.force_login(freelancer)
    bundle = json.loads(client.get(_url(action, "json")).content)
    assert bundle["appeal"] is None and bundle["decision"] is None


@pytest.mark.parametrize("fmt", ["json", "pdf", "zip"])
def test_other_freelancer_gets_404(client, other_freelancer, action, appeal, fmt):
    client.force_login(other_freelancer)
    assert client.get(_url(action, fmt)).status_code == 404


def test_an_unknown_format_is_404(client, freelancer, action):
    client.force_login(freelancer)
    assert client.get(_url(action, "docx")).status_code == 404


def test_wrong_method_is_405(client, freelancer, action):
    client.force_login(freelancer)
    assert client.post(_url(action, "json")).status_code == 405


def test_a_reviewer_downloads_the_same_bundle_without_internal_notes(client, reviewer, appeal):
    client.force_login(reviewer)
    response = client.get(reverse("appeals:review-bundle", args=[appeal.pk, "json"]))
    assert response.status_code == 200
    raw = response.content.decode()
    assert DECISION_REASONS in raw and INTERNAL_NOTE not in raw


def test_a_freelancer_cannot_use_the_reviewer_bundle(client, freelancer, appeal):
    client.force_login(freelancer)
    response = client.get(reverse("appeals:review-bundle", args=[appeal.pk, "json"]))
    assert response.status_code in (403, 404)


def test_the_case_page_links_to_the_json_and_offers_to_prepare_the_pdf_and_the_zip(
    client, freelancer, action
):
    client.force_login(freelancer)
    html = client.get(action.get_absolute_url()).content.decode()
    assert _url(action, "json") in html
    assert f'action="{reverse("appeals:case-file-request", args=[action.pk])}"' in html
    for fmt in ("pdf", "zip"):
        assert f'name="format" value="{fmt}"' in html


@pytest.mark.parametrize("fmt", ["pdf", "zip"])
def test_the_old_pdf_and_zip_addresses_lead_to_the_case_file_section(
    client, freelancer, reviewer, action, appeal, fmt
):
    client.force_login(freelancer)
    response = client.get(_url(action, fmt))
    assert response.status_code == 302
    assert response["Location"] == action.get_absolute_url() + "#case-bundle"
    client.force_login(reviewer)
    response = client.get(reverse("appeals:review-bundle", args=[appeal.pk, fmt]))
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:review-detail", args=[appeal.pk]) + (
        "#case-bundle"
    )


def test_the_bundle_reads_a_constant_number_of_queries(client, freelancer, action, appeal):
    client.force_login(freelancer)
    with CaptureQueriesContext(connection) as few:
        client.get(_url(action, "json"))
    bigger = make_action(freelancer, client_notices=4, evidence=5)
    decided_case(bigger, appeal.decided_by, extra_messages=4)
    with CaptureQueriesContext(connection) as many:
        client.get(_url(bigger, "json"))
    assert len(many) == len(few)
