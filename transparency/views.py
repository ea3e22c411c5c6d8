import csv

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.decorators import cache_public, public
from transparency.charts import bar_chart
from transparency.report import (
    LAST_12_MONTHS,
    PeriodError,
    build_report,
    parse_period,
    period_choices,
)


@cache_public
@public
@require_safe
def report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    slug = request.GET.get("period", LAST_12_MONTHS)
    error = ""
    try:
        period = parse_period(slug, today)
    except PeriodError as exc:
        error, period = str(exc), parse_period(LAST_12_MONTHS, today)
    result = build_report(period)
    sections = [
        (table, table.display_rows(result.minimum), bar_chart(table, result.minimum))
        for table in result.tables
    ]
    return render(
        request,
        "transparency/report.html",
        {
            "report": result,
            "sections": sections,
            "choices": period_choices(result.figures_from, today),
            "asked": slug,
            "error": error,
        },
        status=400 if error else 200,
    )


def _period_or_400(request: HttpRequest):
    try:
        return parse_period(request.GET.get("period", LAST_12_MONTHS)), None
    except PeriodError as exc:
        return None, JsonResponse(
            {"detail": [{"loc": ["query", "period"], "msg": str(exc)}]}, status=400
        )


@cache_public
@public
@require_safe
def report_json(request: HttpRequest) -> HttpResponse:
    period, error = _period_or_400(request)
    if error:
        return error
    response = JsonResponse(build_report(period).as_json(), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="transparency-{period.slug}.json"'
    return response


@cache_public
@public
@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    period, error = _period_or_400(request)
    if error:
        return error
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transparency-{period.slug}.csv"'
    csv.writer(response).writerows(build_report(period).csv_rows())
    return response
