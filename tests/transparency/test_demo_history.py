"""`seed_demo` gives the report a year of history in which one detector stands out."""

import pytest
from django.core.management import call_command

from transparency.aggregation import refresh_figures
from transparency.report import build_report, parse_period

pytestmark = pytest.mark.django_db


def test_the_demo_year_flags_the_login_anomaly_detector_and_only_it():
    call_command("seed_demo", verbosity=0)
    refresh_figures()
    report = build_report(parse_period("last-12-months")).as_json()
    (by_source,) = [t for t in report["tables"] if t["id"] == "reversal_by_source"]
    flagged = {row["key"] for row in by_source["rows"] if row["markedly_higher"]}
    assert flagged == {"Login anomaly detector"}
    (appeals,) = [t for t in report["tables"] if t["id"] == "appeals"]
    assert {row["key"]: row["appeals"] for row in appeals["rows"]}["decided"] > 500
    # Running the seed again adds no second history.
    before = report
    call_command("seed_demo", verbosity=0)
    refresh_figures()
    assert build_report(parse_period("last-12-months")).as_json() == before
