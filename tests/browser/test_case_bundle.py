"""The demo freelancer asks for the case file of a decided appeal as a PDF, sees it waiting,
a real Celery worker prepares it while the page polls, and they download it; another freelancer
gets 404 for it."""

import io
import re

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from accounts.models import User
from appeals.models import CaseFile
from demo.data import DEMO_FREELANCER, DEMO_PASSWORD, SECOND_FREELANCER
from enforcement.models import EnforcementAction
from tests.appeals.case_bundle_scenario import DECISION_REASONS, INTERNAL_NOTE, decided_case
from tests.browser.conftest import (
    assert_no_axe_violations,
    csp_violations,
    page_for_another_person,
    sign_in,
)
from tests.celery_brokers import purge_default_queue
from tests.factories import ReviewerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


@pytest.fixture
def decided_demo_action(live_server) -> EnforcementAction:
    call_command("seed_demo", verbosity=0)
    freelancer = User.objects.get(email=DEMO_FREELANCER)
    action = (
        EnforcementAction.objects.for_account(freelancer)
        .restricting()
        .filter(appeal__isnull=True)
        .first()
    )
    decided_case(action, ReviewerFactory())
    return action


def test_the_freelancer_prepares_and_downloads_the_case_file_pdf_and_another_freelancer_gets_404(
    page: Page,
    browser: Browser,
    base_url: str,
    celery_on_redis,
    decided_demo_action,
    console_errors,
):
    action = decided_demo_action
    # The demo's own tasks (routing, emails) are not this journey's: the worker below gets only
    # the case file.
    purge_default_queue()
    sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    page.goto(action.get_absolute_url())
    section = page.locator("#case-bundle")
    expect(section.get_by_role("heading", name="Download the case file")).to_be_visible()
    assert_no_axe_violations(page)

    # No worker yet: the request is recorded and the page says honestly that it waits.
    section.get_by_role("button", name="Prepare PDF").click()
    pdf = page.locator('#case-file-state .case-file[data-format="pdf"]')
    expect(pdf).to_have_attribute("data-state", "queued")
    expect(pdf).to_contain_text("Waiting for its turn")
    expect(pdf.get_by_role("link", name="Refresh")).to_be_visible()
    expect(pdf.get_by_role("link", name=re.compile("Download"))).to_have_count(0)
    assert_no_axe_violations(page)

    # A real worker prepares it; the section, polling every two seconds, offers the download.
    with start_worker(celery_on_redis, perform_ping_check=False, shutdown_timeout=30):
        expect(pdf).to_have_attribute("data-state", "ready", timeout=60_000)
    case_file = CaseFile.objects.get(action=action, format="pdf")
    link = pdf.get_by_role("link", name=re.compile(r"Download the PDF \(\d"))
    expect(link).to_be_visible()
    expect(page.locator("#case-file-state")).not_to_have_attribute("hx-trigger", "every 2s")
    assert_no_axe_violations(page)

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"case-{action.puid}.pdf"
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert len(content) == case_file.size
    reader = PdfReader(io.BytesIO(content))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert re.sub(r"\s+", " ", action.primary_version().text).strip() in text
    assert re.sub(r"\s+", " ", DECISION_REASONS) in text
    assert "INTERNAL-NOTE" not in text and INTERNAL_NOTE not in text
    for item in action.evidence_items.exclude(internal_detail=""):
        assert re.sub(r"\s+", " ", item.internal_detail)[:40] not in text
    assert csp_violations(console_errors) == []

    other_errors: list[str] = []
    other = page_for_another_person(browser, base_url, other_errors)
    sign_in(other, SECOND_FREELANCER, DEMO_PASSWORD)
    download_url = reverse("appeals:case-file-download", args=[case_file.pk])
    response = other.request.get(f"{base_url}{download_url}")
    assert response.status == 404
    assert not response.body().startswith(b"%PDF")
    response = other.goto(f"{base_url}{action.get_absolute_url()}")
    assert response.status == 404
    assert csp_violations(other_errors) == []
