"""The report page's body, rendered once per period, language and version of the figures.

Rendering eleven tables and their SVG charts costs far more than reading the cached sums, so
the rendered body is cached too, in Django's cache, under a key that carries
`AggregationState.figures_version` (a new random value at every rebuild of any day), the
language, the minimum count and the period: a rebuild changes the key, so the page never shows
figures older than the version it read, and one language's page is never served in another.
The body holds nothing about the request or the visitor (no CSRF token, no nonce, no name);
the page around it (navigation, period form, "Figures as of", read from the same row as the
version) is rendered per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from transparency.charts import bar_chart
from transparency.report import (
    FIGURES_CACHE_SECONDS,
    LAST_12_MONTHS,
    FiguresState,
    Period,
    build_report,
    parse_period,
)


@dataclass(frozen=True)
class RenderedReport:
    body: str
    figures_from: date | None  # the first day with figures: the period menu starts there


def _key(period: Period, state: FiguresState, language: str, minimum: int) -> str:
    return (
        f"transparency:page:{state.version}:{language}:{minimum}:{period.slug}:"
        f"{period.first.isoformat()}:{period.last.isoformat()}"
    )


def _render(period: Period, state: FiguresState, minimum: int) -> RenderedReport:
    report = build_report(period, minimum=minimum, state=state)
    sections = [
        (table, table.display_rows(report.minimum), bar_chart(table, report.minimum))
        for table in report.tables
    ]
    query = urlencode({"period": period.slug})
    body = render_to_string(
        "transparency/_report_body.html",
        {
            "report": report,
            "sections": sections,
            "csv_url": f"{reverse('transparency:report-csv')}?{query}",
            "json_url": f"{reverse('transparency:report-json')}?{query}",
            # The API call, as one writes it (not words to translate).
            "api_request": f"GET /api/v1/transparency?{query}",
        },
    )
    return RenderedReport(body=str(body), figures_from=report.figures_from)


def rendered_report(period: Period, state: FiguresState) -> tuple[SafeString, date | None]:
    """(the body's HTML, the first day with figures) of `period` in the active language."""
    minimum = settings.TRANSPARENCY_MIN_COUNT
    if state.version is None:  # nothing computed yet: nothing to key a cache entry on
        rendered = _render(period, state, minimum)
    else:
        key = _key(period, state, translation.get_language() or settings.LANGUAGE_CODE, minimum)
        rendered = cache.get(key)
        if rendered is None:
            rendered = _render(period, state, minimum)
            cache.set(key, rendered, timeout=FIGURES_CACHE_SECONDS)
    # Our own template's output, stored as a plain string.
    return mark_safe(rendered.body), rendered.figures_from  # noqa: S308


def warm_pages(state: FiguresState, today: date | None = None) -> None:
    """Render and cache the default period's body in every shipped language: run by beat right
    after a refresh that rebuilt days, so that visitors rarely pay for it."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            rendered_report(parse_period(LAST_12_MONTHS, today), state)
