"""Anyone, signed out, reads the transparency report: switches period, reads a chart's table,
downloads CSV and JSON; accessible (axe) and within the strict CSP."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations, csp_violations
from tests.transparency.dataset import build_history
from transparency.aggregation import recompute_days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_visitor_reads_the_report_switches_period_and_downloads_it(
    page: Page, live_server, console_errors
):
    build_history()
    recompute_days(date(2026, 3, 1), date(2026, 3, 31))

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Transparency", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transparency report")
    assert_no_axe_violations(page)

    page.get_by_label("Period").select_option("2026-03")
    page.get_by_role("button", name="Show this period").click()
    expect(page).to_have_url(f"{live_server.url}/transparency/?period=2026-03")
    expect(page.locator("#period-heading")).to_have_text("March 2026")

    section = page.locator("#reversal_by_source")
    expect(section.get_by_role("img")).to_be_visible()  # the chart, inline SVG without script
    table = section.get_by_role("table")
    row_x = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Detector X"))
    expect(row_x.get_by_role("cell")).to_have_text(
        ["30", "20", "66.7 %", "48.8 %", "80.8 %", "Markedly higher"]
    )
    withheld = page.locator("#actions_by_type").get_by_role("row").filter(has_text="Payout hold")
    expect(withheld.get_by_role("cell").first).to_have_text("< 10")
    assert_no_axe_violations(page)

    with page.expect_download() as download_csv:
        page.get_by_role("link", name="CSV").click()
    lines = list(csv.reader(io.StringIO(Path(download_csv.value.path()).read_text())))
    assert ["reversal_by_source", "Detector X", "rate", "0.6667"] in lines
    assert not [line for line in lines if line[1] == "payout_hold" and line[2] == "actions"]

    with page.expect_download() as download_json:
        page.get_by_role("link", name="JSON").click()
    data = json.loads(Path(download_json.value.path()).read_text())
    assert data["period"] == "2026-03"
    (by_type,) = [t for t in data["tables"] if t["id"] == "actions_by_type"]
    assert {r["key"]: r["actions"] for r in by_type["rows"]}["payout_hold"] is None

    assert csp_violations(console_errors) == []
