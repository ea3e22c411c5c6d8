"""The demo freelancer downloads the case file of a decided appeal as a PDF; another freelancer
gets 404 for it."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from accounts.models import User
from demo.data import DEMO_FREELANCER, DEMO_PASSWORD, SECOND_FREELANCER
from enforcement.models import EnforcementAction
from tests.appeals.case_bundle_scenario import DECISION_REASONS, INTERNAL_NOTE, decided_case
from tests.browser.conftest import (
    assert_no_axe_violations,
    csp_violations,
    page_for_another_person,
    sign_in,
)
from tests.factories import ReviewerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
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


def test_the_freelancer_downloads_the_case_file_pdf_and_another_freelancer_gets_404(
    page: Page, browser: Browser, base_url: str, decided_demo_action, console_errors
):
    action = decided_demo_action
    sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    page.goto(action.get_absolute_url())
    section = page.locator("#case-bundle")
    expect(section.get_by_role("heading", name="Download the case file")).to_be_visible()
    assert_no_axe_violations(page)

    with page.expect_download() as info:
        section.get_by_role("link", name="Case file (PDF)").click()
    download = info.value
    assert download.suggested_filename == f"case-{action.puid}.pdf"
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
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
    response = other.request.get(f"{base_url}/standing/actions/{action.pk}/bundle.pdf")
    assert response.status == 404
    assert not response.body().startswith(b"%PDF")
