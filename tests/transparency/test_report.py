"""The report computed over a generated history with known answers, compared exactly."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal
from enforcement.models import EnforcementAction
from tests.factories import make_action
from tests.transparency.dataset import D2, build_history
from transparency.aggregation import recompute_days, refresh_figures
from transparency.models import DailyFigure
from transparency.report import build_report, parse_period, percentile_hours, wilson_interval

pytestmark = pytest.mark.django_db

MARCH = parse_period("2026-03")


@pytest.fixture
def history():
    data = build_history()
    recompute_days(date(2026, 3, 1), date(2026, 3, 31))
    return data


def rows(report, table_id: str) -> dict:
    """A table of the report as its download carries it, by row key."""
    (table,) = [t for t in report.as_json()["tables"] if t["id"] == table_id]
    return {row["key"]: row for row in table["rows"]}


def test_wilson_interval_matches_the_published_formula():
    assert tuple(round(v, 4) for v in wilson_interval(20, 30)) == (0.4878, 0.8077)
    assert tuple(round(v, 4) for v in wilson_interval(10, 40)) == (0.1419, 0.4019)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_percentiles_are_nearest_rank_over_whole_hours():
    from collections import Counter

    histogram = Counter({"2": 15, "5": 10, "30": 5})
    assert percentile_hours(histogram, 0.5) == 2
    assert percentile_hours(histogram, 0.9) == 30
    assert percentile_hours(Counter(), 0.5) is None


def test_periods_parse_to_their_first_and_last_day():
    assert (parse_period("2026-Q4").first, parse_period("2026-Q4").last) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert parse_period("2024-02").last == date(2024, 2, 29)
    assert parse_period("last-12-months", date(2026, 12, 7)).first == date(2025, 12, 8)


def test_actions_by_type_rule_and_reason_count_exactly_and_withhold_small_cells(history):
    report = build_report(MARCH)
    by_type = rows(report, "actions_by_type")
    assert by_type["temporary_suspension"]["actions"] == 30
    assert by_type["warning"]["actions"] == 40
    assert by_type["payout_hold"]["actions"] is None  # 4 < 10: withheld
    assert by_type["payout_hold"]["share"] is None
    assert by_type["warning"]["share"] == round(40 / 74, 4)
    assert rows(report, "actions_by_rule")["TOS-2.1"]["actions"] == 44
    assert rows(report, "actions_by_reason")["off-platform-payment"]["actions"] == 30
    automation = rows(report, "automation")
    assert automation["detected_automatically"]["actions"] == 30 + 4
    assert automation["detected_by_people"]["actions"] == 40
    assert automation["late_notice"]["actions"] == 12


def test_appeals_and_outcomes(history):
    report = build_report(MARCH)
    appeals = rows(report, "appeals")
    assert (appeals["filed"]["appeals"], appeals["decided"]["appeals"]) == (73, 70)
    assert appeals["withdrawn"]["appeals"] is None  # 3 withdrawn: fewer than 10
    outcomes = rows(report, "appeal_outcomes")
    assert outcomes["overturned"]["appeals"] == 28
    assert outcomes["modified"]["appeals"] is None  # 2
    assert outcomes["upheld"]["appeals"] == 40
    assert outcomes["upheld"]["share"] == round(40 / 70, 4)


def test_reversal_rates_by_source_have_wilson_intervals_and_flag_the_outlier(history):
    by_source = rows(build_report(MARCH), "reversal_by_source")
    x, y = by_source["Detector X"], by_source["Detector Y"]
    assert (x["decided"], x["reversed"], x["rate"]) == (30, 20, round(20 / 30, 4))
    assert (x["ci_low"], x["ci_high"]) == (0.4878, 0.8077)
    assert x["markedly_higher"] is True
    assert (y["decided"], y["reversed"], y["rate"], y["ci_low"], y["ci_high"]) == (
        40,
        10,
        0.25,
        0.1419,
        0.4019,
    )
    assert y["markedly_higher"] is False


def test_reversal_rates_by_rule_and_reason(history):
    report = build_report(MARCH)
    assert rows(report, "reversal_by_rule")["TOS-1.1"]["reversed"] == 20
    assert rows(report, "reversal_by_rule")["TOS-2.1"]["rate"] == 0.25
    assert rows(report, "reversal_by_reason")["account-sharing"]["decided"] == 40


def test_response_times_per_queue_median_p90_and_share_within_target(history):
    times = rows(build_report(MARCH), "response_times")
    first = times["Payments queue: first response"]
    assert (first["cases"], first["median_hours"], first["p90_hours"]) == (30, 2, 30)
    assert first["within_target"] == round(25 / 30, 4)


def test_a_higher_minimum_withholds_more(history):
    report = build_report(MARCH, minimum=50)
    assert rows(report, "actions_by_type")["warning"]["actions"] is None
    assert rows(report, "reversal_by_source")["Detector X"]["rate"] is None


def test_recomputing_a_day_twice_changes_nothing(history):
    before = list(DailyFigure.objects.values_list("day", "metric", "key", "count", "hours"))
    recompute_days(date(2026, 3, 20), date(2026, 3, 20))
    recompute_days(date(2026, 3, 20), date(2026, 3, 20))
    after = list(DailyFigure.objects.values_list("day", "metric", "key", "count", "hours"))
    assert sorted(before) == sorted(after)


def test_a_decision_recorded_late_moves_the_day_it_was_decided_on(history):
    refresh_figures()
    unappealed = EnforcementAction.objects.filter(
        restriction_type="payout_hold", appeal__isnull=True, starts_at=D2
    ).first()
    appeal = Appeal.objects.create(
        action=unappealed,
        freelancer_id=unappealed.account_id,
        statement="Please look again.",
        requested_outcomes=["lift"],
        submitted_at=D2,
    )
    refresh_figures()
    assert DailyFigure.objects.get(day=D2.date(), metric="appeals.filed").count == 44
    # The decision reaches Recourse today, dated 25 March (e.g. imported from a paper file).
    Appeal.objects.filter(pk=appeal.pk).update(
        status="decided",
        outcome="overturned",
        decision_reasons="Late.",
        decided_by=history["decider"],
        decided_at=datetime(2026, 3, 25, 12, tzinfo=UTC),
        updated_at=timezone.now(),
    )
    days = refresh_figures()
    assert date(2026, 3, 25) in days
    assert (
        DailyFigure.objects.get(
            day=date(2026, 3, 25), metric="appeals.decided", key="overturned"
        ).count
        == 1
    )
    assert rows(build_report(MARCH), "appeals")["decided"]["appeals"] == 71


def test_the_page_shows_withheld_cells_and_the_tables(client, history):
    response = client.get(reverse("transparency:report"), {"period": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reversal rate by detection source" in html
    assert "&lt; 10" in html
    assert "Markedly higher" in html
    assert "<script" not in html.split("</head>")[1]


def test_an_unknown_period_rerenders_the_form_with_the_error(client):
    response = client.get(reverse("transparency:report"), {"period": "2026-Q9"})
    assert response.status_code == 400
    assert "2026-Q9" in response.content.decode()
    assert "Choose a period" in response.content.decode()


def test_downloads_leave_withheld_cells_out(client, history):
    text = client.get(reverse("transparency:report-csv"), {"period": "2026-03"}).content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["table", "row", "column", "value"]
    assert ["actions_by_type", "warning", "actions", "40"] in lines
    assert not [line for line in lines if line[:3] == ["actions_by_type", "payout_hold", "actions"]]
    data = json.loads(
        client.get(reverse("transparency:report-json"), {"period": "2026-03"}).content
    )
    assert data["schema"] == "recourse-transparency/1"
    assert data["minimum_count"] == 10


def test_the_public_api_answers_without_a_token_and_refuses_a_bad_period(client, history):
    response = client.get("/api/v1/transparency", {"period": "2026-Q1"})
    assert response.status_code == 200
    assert response.json()["first_day"] == "2026-01-01"
    assert client.get("/api/v1/transparency", {"period": "soon"}).status_code == 400
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/transparency" in spec["paths"]
    assert not spec["paths"]["/api/v1/transparency"]["get"].get("security")


def test_the_page_costs_the_same_queries_for_a_small_and_a_large_history(client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("transparency:report"), {"period": "2026"}).status_code == 200
        return len(queries)

    DailyFigure.objects.create(day=date(2026, 1, 1), metric="actions", key="", count=1)
    small = count()
    DailyFigure.objects.bulk_create(
        DailyFigure(
            day=date(2026, 1, 1) + timedelta(days=i),
            metric="actions.rule",
            key=f"TOS-{i % 40}.1",
            count=i,
        )
        for i in range(1, 300)
    )
    assert count() == small


def test_the_lead_dashboard_links_to_the_same_figures(client, lead):
    client.force_login(lead)
    html = client.get(reverse("appeals:dashboard")).content.decode()
    assert f'href="{reverse("transparency:report")}#response_times"' in html


def test_the_public_navigation_has_a_transparency_link(client):
    html = client.get(reverse("enforcement:rule-list")).content.decode()
    assert f'<a href="{reverse("transparency:report")}"' in html


def _report_queries(period) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        data = build_report(period).as_json()
    return data, len(queries)


def test_a_period_is_summed_once_then_read_from_the_cache_until_a_day_is_rebuilt(history):
    first, summed = _report_queries(MARCH)
    again, cached = _report_queries(MARCH)
    assert again == first
    # The figures' version, the rule titles and the reason titles: the sums are not re-read.
    assert cached == 3 < summed

    unappealed = EnforcementAction.objects.filter(
        restriction_type="payout_hold", appeal__isnull=True, starts_at=D2
    ).first()
    Appeal.objects.create(
        action=unappealed,
        freelancer_id=unappealed.account_id,
        statement="Please look again.",
        requested_outcomes=["lift"],
        submitted_at=D2,
    )
    # Before the day is rebuilt the report says what the daily figures say (still cached)...
    assert _report_queries(MARCH)[0] == first
    recompute_days(D2.date(), D2.date())
    # ...and after, the new appeal is counted: the rebuild changed the cache key.
    after, queries = _report_queries(MARCH)
    assert queries == summed
    assert _filed(after) == _filed(first) + 1


def _filed(data: dict) -> int:
    (table,) = [t for t in data["tables"] if t["id"] == "appeals"]
    return {row["key"]: row for row in table["rows"]}["filed"]["appeals"]


def test_the_beat_task_warms_the_default_period_after_a_refresh(history):
    from transparency.tasks import refresh_transparency_figures

    assert refresh_transparency_figures() > 0
    _, queries = _report_queries(parse_period("last-12-months"))
    assert queries == 3


def test_the_page_from_the_cache_costs_the_same_queries_for_a_small_and_a_large_history(client):
    def count() -> int:
        client.get(reverse("transparency:report"), {"period": "2026"})  # sums and caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("transparency:report"), {"period": "2026"}).status_code == 200
        return len(queries)

    recompute_days(date(2026, 1, 1), date(2026, 1, 1))
    small = count()
    for i in range(1, 40):
        make_action(starts_at=datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=i))
    recompute_days(date(2026, 1, 1), date(2026, 2, 15))
    assert DailyFigure.objects.filter(metric="actions").count() >= 39
    assert count() == small <= 4
