import csv

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.decorators import cache_public, public
from transparency.pages import rendered_report
from transparency.report import (
    LAST_12_MONTHS,
    PeriodError,
    english_report,
    figures_state,
    parse_period,
    period_choices,
)


@cache_public
@public
@require_safe
def report(request: HttpRequest) -> HttpResponse:
    """The report in the visitor's language. The version of the figures and the time they are
    as of come from one row, read first; the body is rendered for that version (or comes from
    the cache under it), so the page never claims a later time than its figures."""
    today = timezone.localdate()
    slug = request.GET.get("period", LAST_12_MONTHS)
    error = ""
    try:
        period = parse_period(slug, today)
    except PeriodError as exc:
        error, period = str(exc), parse_period(LAST_12_MONTHS, today)
    state = figures_state()
    body, figures_from = rendered_report(period, state)
    return render(
        request,
        "transparency/report.html",
        {
            "period": period,
            "body": body,
            "as_of": state.changes_until,
            "choices": period_choices(figures_from, today),
            "asked": slug,
            "error": error,
        },
        status=400 if error else 200,
    )


def _report_or_400(request: HttpRequest):
    """The downloads: in English whatever the visitor's language (a stable schema)."""
    try:
        return english_report(request.GET.get("period", LAST_12_MONTHS)), None
    except PeriodError as exc:
        return None, JsonResponse(
            {"detail": [{"loc": ["query", "period"], "msg": str(exc)}]}, status=400
        )


@cache_public
@public
@require_safe
def report_json(request: HttpRequest) -> HttpResponse:
    result, error = _report_or_400(request)
    if error:
        return error
    response = JsonResponse(result.as_json(), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-{result.period.slug}.json"'
    )
    return response


@cache_public
@public
@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    result, error = _report_or_400(request)
    if error:
        return error
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-{result.period.slug}.csv"'
    )
    csv.writer(response).writerows(result.csv_rows())
    return response
