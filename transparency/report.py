"""The transparency report of a period, read from the daily figures only.

One `Report` feeds the page, its charts, the CSV and JSON downloads and the public API, so all
of them show the same numbers. Whatever the number of actions and appeals, building a report
costs three queries: the figures' version, and the rule and reason titles (two more in a
language other than English: their published translations); the sums over at most a year of
daily rows (three more queries) are cached until the daily figures next change. The page caches
its rendered body too (`transparency.pages`).

Titles and labels are in the active language; the downloads and the API build the report in
English (`english_report`), so their documented schema is the same for everyone.

Small-number protection: a count of fewer than `settings.TRANSPARENCY_MIN_COUNT` (default 10)
cases is shown as "< 10" and is `null` in downloads, and so is every share, rate or time
computed from it (a share of a known total would give the count away).
"""

from __future__ import annotations

import calendar
import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from appeals.models import Appeal
from enforcement.choices import AutomatedDecision
from enforcement.models import (
    EnforcementAction,
    ReasonCode,
    ReasonCodeTranslation,
    Rule,
    RuleVersionTranslation,
)
from transparency.aggregation import STAFF_SOURCE, UNROUTED_QUEUE
from transparency.models import AggregationState, DailyFigure

Z_95 = 1.959963984540054
LAST_12_MONTHS = "last-12-months"
# A period's summed figures stay cached this long at most (a rebuild changes the key anyway).
FIGURES_CACHE_SECONDS = 24 * 3600
PERIOD_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$"
)


class PeriodError(ValueError):
    """A period the report does not know; the message is in the active language (English for
    the downloads and the API, see `english_report`)."""


@dataclass(frozen=True)
class Period:
    slug: str
    label: str
    first: date
    last: date


def parse_period(slug: str, today: date | None = None) -> Period:
    """ "2026", "2026-Q4", "2026-11" or "last-12-months" (the 365 days up to today). The label
    is in the active language."""
    today = today or timezone.localdate()
    if slug == LAST_12_MONTHS:
        return Period(slug, _("The last 12 months"), today - timedelta(days=364), today)
    match = PERIOD_PATTERN.match(slug or "")
    if not match:
        raise PeriodError(_("Choose a period such as 2026, 2026-Q4, 2026-11 or last-12-months."))
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise PeriodError(_("Choose a year between 2000 and 2100."))
    if match["quarter"]:
        quarter = int(match["quarter"])
        first = date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        label = _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
        return Period(slug, label, first, last)
    if match["month"]:
        month = int(match["month"])
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        # "December 2026", "Декабрь 2026 г.", "diciembre de 2026": the locale's own format.
        return Period(slug, formats.date_format(first, "YEAR_MONTH_FORMAT"), first, last)
    return Period(slug, str(year), date(year, 1, 1), date(year, 12, 31))


def period_choices(first: date | None, today: date) -> list[Period]:
    """Last 12 months, then every year, quarter and month from the first figure to today."""
    choices = [parse_period(LAST_12_MONTHS, today)]
    if first is None:
        return choices
    for year in range(today.year, first.year - 1, -1):
        choices.append(parse_period(str(year), today))
        for quarter in range(4, 0, -1):
            period = parse_period(f"{year}-Q{quarter}", today)
            if period.first <= today and period.last >= first:
                choices.append(period)
        for month in range(12, 0, -1):
            period = parse_period(f"{year}-{month:02d}", today)
            if period.first <= today and period.last >= first:
                choices.append(period)
    return choices


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def percentile_hours(histogram: Counter, fraction: float) -> int | None:
    """Nearest-rank percentile of whole-hour buckets: the smallest h with at least
    ceil(fraction × n) cases taking at most h hours."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = math.ceil(fraction * total)
    seen = 0
    for hours in sorted(histogram, key=int):
        seen += histogram[hours]
        if seen >= rank:
            return int(hours)
    return None  # pragma: no cover - the loop always reaches the rank


@dataclass
class Column:
    id: str
    label: str
    kind: str = "count"  # count, share, hours, text, flag


class Name(str):
    """A name as the records spell it (a rule's or reason's title, a queue, a detection
    source): not translated, so the page marks it `lang="en"`."""

    __slots__ = ()


@dataclass(frozen=True)
class Cell:
    text: str
    lang: str = ""  # "en" for a `Name`, else the page's language


@dataclass
class Table:
    id: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    chart: dict | None = None

    def display_rows(self, minimum: int) -> list[list[Cell]]:
        return [
            [
                Cell(
                    display(row.get(c.id), c, minimum),
                    "en" if isinstance(row.get(c.id), Name) else "",
                )
                for c in self.columns
            ]
            for row in self.rows
        ]


SUPPRESSED = object()


def display(value, column: Column, minimum: int) -> str:
    """A cell as the page shows it, in the active language."""
    if value is SUPPRESSED:
        if column.kind == "count":
            return _("< %(minimum)s") % {"minimum": minimum}
        return _("withheld")
    if value is None:
        return "—"
    if column.kind == "share":
        # Rounded first: number_format cuts the digits beyond the one shown (66.67 -> "66.6").
        return _("%(percent)s %%") % {"percent": formats.number_format(round(value * 100, 1), 1)}
    if column.kind == "hours":
        return _("%(hours)s h") % {"hours": value}
    if column.kind == "flag":
        return _("Markedly higher") if value else ""
    if column.kind == "count":
        return f"{value:,}".replace(",", " ")
    return str(value)


def plain(value):
    """A cell as downloads carry it: withheld cells are null."""
    if value is SUPPRESSED:
        return None
    if isinstance(value, float):
        return round(value, 4)
    return value


@dataclass
class Report:
    period: Period
    minimum: int
    tables: list[Table]
    figures_until: date | None
    figures_from: date | None = None

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.id == table_id)

    def as_json(self) -> dict:
        return {
            "schema": "recourse-transparency/1",
            "period": self.period.slug,
            "label": self.period.label,
            "first_day": self.period.first.isoformat(),
            "last_day": self.period.last.isoformat(),
            "minimum_count": self.minimum,
            "tables": [
                {
                    "id": t.id,
                    "title": t.title,
                    "columns": [c.id for c in t.columns],
                    "rows": [{c.id: plain(row.get(c.id)) for c in t.columns} for row in t.rows],
                }
                for t in self.tables
            ],
        }

    def csv_rows(self) -> list[list]:
        """Long format, one line per cell: table, row (its first column), column, value."""
        lines: list[list] = [["table", "row", "column", "value"]]
        for t in self.tables:
            key_column = t.columns[0].id
            for row in t.rows:
                for c in t.columns[1:]:
                    value = plain(row.get(c.id))
                    if value is None:
                        continue  # withheld cells are left out
                    lines.append([t.id, row[key_column], c.id, value])
        return lines


class _Counts:
    def __init__(self, minimum: int) -> None:
        self.minimum = minimum
        self.counts: dict[tuple[str, str], tuple[int, int]] = {}
        self.hours: dict[tuple[str, str], Counter] = {}

    def raw(self, metric: str, key: str = "") -> int:
        return self.counts.get((metric, key), (0, 0))[0]

    def keys(self, metric: str) -> list[str]:
        return sorted(k for m, k in self.counts if m == metric)

    def shown(self, n: int):
        return SUPPRESSED if 0 < n < self.minimum else n

    def share(self, n: int, total: int):
        if self.shown(n) is SUPPRESSED or self.shown(total) is SUPPRESSED:
            return SUPPRESSED
        return n / total if total else None


@dataclass
class PeriodFigures:
    """A period's daily figures summed, with the first and last day that has figures: all a
    report reads from `DailyFigure`, and what the cache holds."""

    counts: dict[tuple[str, str], tuple[int, int]]
    hours: dict[tuple[str, str], Counter]
    first_day: date | None
    last_day: date | None


def _read_figures(period: Period) -> PeriodFigures:
    in_period = DailyFigure.objects.filter(day__gte=period.first, day__lte=period.last)
    counts = {
        (row["metric"], row["key"]): (row["n"], row["w"])
        for row in in_period.values("metric", "key").annotate(
            n=Sum("count"), w=Sum("within_target")
        )
    }
    hours: dict[tuple[str, str], Counter] = {}
    for metric, key, bucket, n in _merged_histograms(period):
        hours.setdefault((metric, key), Counter())[bucket] += n
    span = DailyFigure.objects.aggregate(first=Min("day"), last=Max("day"))
    return PeriodFigures(counts, hours, span["first"], span["last"])


@dataclass(frozen=True)
class FiguresState:
    """What the daily figures are: `version` changes at every rebuild of any day (None before
    the first); `changes_until` is the moment up to which changes have been folded in, the
    "figures as of" time (None before the first refresh)."""

    version: uuid.UUID | None
    changes_until: datetime | None


def figures_state() -> FiguresState:
    """One query: the aggregation state's version and time, read together (one row)."""
    row = AggregationState.objects.values_list("figures_version", "changes_until").first()
    return FiguresState(*row) if row else FiguresState(None, None)


def period_figures(period: Period, state: FiguresState | None = None) -> PeriodFigures:
    """The period's figures, from the cache when the daily figures have not been rebuilt since
    they were summed (the key carries `AggregationState.figures_version`, a new random value
    at every rebuild), else summed from the daily rows and cached."""
    version = (state or figures_state()).version
    if version is None:
        return _read_figures(period)
    key = f"transparency:figures:{version}:{period.first.isoformat()}:{period.last.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = _read_figures(period)
        cache.set(key, figures, timeout=FIGURES_CACHE_SECONDS)
    return figures


def warm_cache(today: date | None = None) -> None:
    """Sum and cache the default period (the last 12 months), as the page's first request
    would: run by the beat task right after a refresh that rebuilt days."""
    period_figures(parse_period(LAST_12_MONTHS, today))


def english_report(slug: str, today: date | None = None) -> Report:
    """The report as the downloads and the API carry it: titles and labels in English whatever
    the visitor's language, so that the documented schema stays the same for everyone. Raises
    PeriodError (its message in English)."""
    with translation.override("en"):
        return build_report(parse_period(slug, today))


def build_report(
    period: Period, *, minimum: int | None = None, state: FiguresState | None = None
) -> Report:
    """The report of `period`, its titles and labels in the active language."""
    minimum = settings.TRANSPARENCY_MIN_COUNT if minimum is None else minimum
    c = _Counts(minimum)
    figures = period_figures(period, state)
    c.counts = figures.counts
    c.hours = figures.hours
    until = figures.last_day
    rule_titles = dict(Rule.objects.values_list("key", "title"))
    reason_titles = dict(ReasonCode.objects.values_list("code", "title"))
    rules_translated, reasons_translated = _translated_titles(translation.get_language())

    tables = [
        _actions_by(
            c,
            "type",
            "actions_by_type",
            _("Actions by restriction type"),
            _("Enforcement actions that started in the period, by restriction type."),
            {key: str(label) for key, label in EnforcementAction.RestrictionType.choices},
        ),
        _actions_by(
            c,
            "rule",
            "actions_by_rule",
            _("Actions by rule"),
            _("Enforcement actions that started in the period, by rule."),
            rule_titles,
            rules_translated,
        ),
        _actions_by(
            c,
            "reason",
            "actions_by_reason",
            _("Actions by reason code"),
            _("Enforcement actions that started in the period, by reason code."),
            reason_titles,
            reasons_translated,
        ),
        _automation(c),
        _appeals(c),
        _outcomes(c),
        _reversals(
            c,
            "rule",
            "reversal_by_rule",
            _("Reversal rate by rule"),
            rule_titles,
            rules_translated,
        ),
        _reversals(
            c,
            "reason",
            "reversal_by_reason",
            _("Reversal rate by reason code"),
            reason_titles,
            reasons_translated,
        ),
        _reversals(
            c,
            "source",
            "reversal_by_source",
            _("Reversal rate by detection source"),
            {},
            translated={STAFF_SOURCE: _("Staff (no automated detector)")},
        ),
        _response_times(c),
        _terminations(c),
    ]
    return Report(
        period=period,
        minimum=minimum,
        tables=tables,
        figures_until=until,
        figures_from=figures.first_day,
    )


def _merged_histograms(period: Period) -> list[tuple[str, str, str, int]]:
    """(metric, key, hours, cases) over the period, the daily histograms summed by the database:
    a few thousand rows for a year instead of every day's JSON parsed here."""
    table = DailyFigure._meta.db_table
    if connection.vendor == "postgresql":
        each, value = "CROSS JOIN LATERAL jsonb_each_text(f.hours) h", "h.value::integer"
    else:
        each, value = ", json_each(f.hours) h", "CAST(h.value AS INTEGER)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT f.metric, f.key, h.key, SUM({value}) FROM {table} f {each} "  # noqa: S608
            "WHERE f.day >= %s AND f.day <= %s AND f.metric LIKE %s GROUP BY 1, 2, 3",
            [period.first, period.last, "time.%"],
        )
        return [(metric, key, hours, int(n)) for metric, key, hours, n in cursor.fetchall()]


def first_figure_day() -> date | None:
    return DailyFigure.objects.aggregate(first=Min("day"))["first"]


def _label(key: str, titles: dict, translated: dict | None = None) -> str:
    """ "TOS-2.1 — Off-platform payments": the key and the title as the records spell them (a
    `Name`), unless this module names the key itself in the active language (`translated`)."""
    if translated and key in translated:
        return translated[key]
    title = titles.get(key)
    return Name(f"{key} — {title}" if title and title != key else (title or key))


def _translated_titles(language: str | None) -> tuple[dict, dict]:
    """({rule key: label}, {reason code: label}) in `language`, from the latest published
    translation in force of each rule that has one (the titles its statements show); empty in
    English, where the records' own titles are the text."""
    if not language or language == settings.LANGUAGE_CODE:
        return {}, {}
    now = timezone.now()
    rules: dict[str, str] = {}
    for key, title in (
        RuleVersionTranslation.objects.filter(
            language=language, published_at__isnull=False, version__effective_from__lte=now
        )
        .order_by("version__rule__key", "-version__number")
        .values_list("version__rule__key", "title")
    ):
        rules.setdefault(key, f"{key} — {title}")
    reasons: dict[str, str] = {}
    for code, title in (
        ReasonCodeTranslation.objects.filter(
            translation__language=language,
            published_at__isnull=False,
            translation__version__effective_from__lte=now,
        )
        .order_by("reason_code__code", "-translation__version__number")
        .values_list("reason_code__code", "title")
    ):
        reasons.setdefault(code, f"{code} — {title}")
    return rules, reasons


def _actions_by(
    c: _Counts,
    dimension: str,
    table_id: str,
    title: str,
    description: str,
    titles: dict,
    translated: dict | None = None,
) -> Table:
    total = c.raw("actions")
    table = Table(
        table_id,
        title,
        description,
        [
            Column("key", _("Key"), "text"),
            Column("label", _("Name"), "text"),
            Column("actions", _("Actions")),
            Column("share", _("Share of all actions"), "share"),
        ],
    )
    for key in c.keys(f"actions.{dimension}"):
        n = c.raw(f"actions.{dimension}", key)
        table.rows.append(
            {
                "key": key,
                "label": (
                    _label(key, titles, translated) if dimension != "type" else titles.get(key, key)
                ),
                "actions": c.shown(n),
                "share": c.share(n, total),
            }
        )
    table.rows.sort(key=lambda r: -c.raw(f"actions.{dimension}", r["key"]))
    if dimension == "type":
        table.chart = {"value": "actions", "label": "label", "kind": "count"}
    return table


def _automation(c: _Counts) -> Table:
    total = c.raw("actions")
    table = Table(
        "automation",
        _("Automation and late notices"),
        _(
            "How actions were detected and decided, and how many took effect before the "
            "freelancer received the statement of reasons."
        ),
        [
            Column("key", _("Key"), "text"),
            Column("label", _("What"), "text"),
            Column("actions", _("Actions")),
            Column("share", _("Share of all actions"), "share"),
        ],
    )
    rows = [
        (
            "detected_automatically",
            _("Detected by automation"),
            c.raw("actions.detection", "automated"),
        ),
        ("detected_by_people", _("Detected by people"), c.raw("actions.detection", "human")),
        (
            "decided_fully_automated",
            _("Decided fully by automation"),
            c.raw("actions.decision", AutomatedDecision.FULLY),
        ),
        (
            "decided_partly_automated",
            _("Decided partly by automation"),
            c.raw("actions.decision", AutomatedDecision.PARTIALLY),
        ),
        (
            "decided_not_automated",
            _("Decided by people alone"),
            c.raw("actions.decision", AutomatedDecision.NOT_AUTOMATED),
        ),
        (
            "late_notice",
            _("Restriction before the statement (late notice)"),
            c.raw("actions.late_notice"),
        ),
    ]
    for key, label, n in rows:
        table.rows.append(
            {"key": key, "label": label, "actions": c.shown(n), "share": c.share(n, total)}
        )
    return table


def _appeals(c: _Counts) -> Table:
    decided = sum(c.raw("appeals.decided", o) for o in Appeal.Outcome.values)
    table = Table(
        "appeals",
        _("Appeals filed, decided and withdrawn"),
        _("Appeals filed, decided and withdrawn in the period (each on the day it happened)."),
        [
            Column("key", _("Key"), "text"),
            Column("label", _("What"), "text"),
            Column("appeals", _("Appeals")),
        ],
    )
    for key, label, n in (
        ("filed", _("Filed"), c.raw("appeals.filed")),
        ("decided", _("Decided"), decided),
        ("withdrawn", _("Withdrawn"), c.raw("appeals.withdrawn")),
    ):
        table.rows.append({"key": key, "label": label, "appeals": c.shown(n)})
    return table


def _outcomes(c: _Counts) -> Table:
    decided = sum(c.raw("appeals.decided", o) for o in Appeal.Outcome.values)
    table = Table(
        "appeal_outcomes",
        _("Appeal outcomes"),
        _("How the appeals decided in the period ended."),
        [
            Column("key", _("Key"), "text"),
            Column("label", _("Outcome"), "text"),
            Column("appeals", _("Appeals")),
            Column("share", _("Share of decided appeals"), "share"),
        ],
        chart={"value": "share", "label": "label", "kind": "share"},
    )
    for key, label in (
        ("upheld", _("Upheld")),
        ("overturned", _("Overturned")),
        ("modified", _("Modified")),
    ):
        n = c.raw("appeals.decided", key)
        table.rows.append(
            {"key": key, "label": label, "appeals": c.shown(n), "share": c.share(n, decided)}
        )
    return table


def _reversals(
    c: _Counts,
    dimension: str,
    table_id: str,
    title: str,
    titles: dict,
    translated: dict | None = None,
) -> Table:
    table = Table(
        table_id,
        title,
        _(
            "Decided appeals that overturned or modified the action, with a %(level)s %% "
            "(Wilson) interval. “Markedly higher” means even the interval's lower end lies above "
            "the upper end of the interval of all the others together."
        )
        % {"level": 95},
        [
            Column("key", _("Key"), "text"),
            Column("label", _("Name"), "text"),
            Column("decided", _("Appeals decided")),
            Column("reversed", _("Reversed")),
            Column("rate", _("Reversal rate"), "share"),
            Column("ci_low", _("%(level)s %% interval, low") % {"level": 95}, "share"),
            Column("ci_high", _("%(level)s %% interval, high") % {"level": 95}, "share"),
            Column("markedly_higher", _("Flag"), "flag"),
        ],
        chart={
            "value": "rate",
            "label": "label",
            "kind": "share",
            "low": "ci_low",
            "high": "ci_high",
        },
    )
    keys = c.keys(f"decisions.{dimension}")
    all_decided = sum(c.raw(f"decisions.{dimension}", k) for k in keys)
    all_reversed = sum(c.raw(f"reversals.{dimension}", k) for k in keys)
    for key in keys:
        n = c.raw(f"decisions.{dimension}", key)
        x = c.raw(f"reversals.{dimension}", key)
        row = {
            "key": key,
            "label": _label(key, titles, translated),
            "decided": c.shown(n),
            "reversed": c.shown(x),
        }
        if c.shown(n) is SUPPRESSED or c.shown(x) is SUPPRESSED:
            row |= {
                "rate": SUPPRESSED,
                "ci_low": SUPPRESSED,
                "ci_high": SUPPRESSED,
                "markedly_higher": SUPPRESSED,
            }
        else:
            low, high = wilson_interval(x, n)
            rest_n, rest_x = all_decided - n, all_reversed - x
            flagged = rest_n >= c.minimum and low > wilson_interval(rest_x, rest_n)[1]
            row |= {"rate": x / n, "ci_low": low, "ci_high": high, "markedly_higher": flagged}
        table.rows.append(row)
    table.rows.sort(key=lambda r: -c.raw(f"decisions.{dimension}", r["key"]))
    return table


def _response_times(c: _Counts) -> Table:
    table = Table(
        "response_times",
        _("Time to first response and to decision, per queue"),
        _(
            "Elapsed hours (rounded up) from filing to the first response and to the decision, "
            "for clocks that stopped in the period, and the share within the queue's SLA target."
        ),
        [
            Column("key", _("Queue and measure"), "text"),
            Column("queue", _("Queue"), "text"),
            Column("measure", _("Measure"), "text"),
            Column("cases", _("Appeals")),
            Column("median_hours", _("Median"), "hours"),
            Column("p90_hours", _("90th percentile"), "hours"),
            Column("within_target", _("Within the SLA target"), "share"),
        ],
        chart={"value": "median_hours", "label": "chart_label", "kind": "hours"},
    )
    # The row key (the downloads' identifier) stays English in every language; the page shows
    # the queue and the measure in their own columns, and the chart a translated label.
    measures = (
        ("time.first_response", "first response", _("First response")),
        ("time.decision", "decision", _("Decision")),
    )
    queues = sorted({k for m, k in c.counts if m.startswith("time.")})
    for queue in queues:
        shown_queue = _("Not routed") if queue == UNROUTED_QUEUE else Name(queue)
        for metric, key_label, label in measures:
            n, within = c.counts.get((metric, queue), (0, 0))
            if n == 0:
                continue
            histogram = c.hours.get((metric, queue), Counter())
            row = {
                "key": f"{queue}: {key_label}",
                "queue": shown_queue,
                "measure": label,
                "cases": c.shown(n),
                "chart_label": _("%(queue)s: %(measure)s")
                % {"queue": shown_queue, "measure": label.lower()},
            }
            if c.shown(n) is SUPPRESSED:
                row |= {
                    "median_hours": SUPPRESSED,
                    "p90_hours": SUPPRESSED,
                    "within_target": SUPPRESSED,
                }
            else:
                row |= {
                    "median_hours": percentile_hours(histogram, 0.5),
                    "p90_hours": percentile_hours(histogram, 0.9),
                    "within_target": within / n,
                }
            table.rows.append(row)
    return table


def _terminations(c: _Counts) -> Table:
    table = Table(
        "terminations",
        _("Permanent terminations and client corrections"),
        _(
            "Terminations proposed, confirmed by a second person, withdrawn and overturned on "
            "appeal, and the corrections recorded for clients who had been told about an action "
            "that was later reversed or reduced."
        ),
        [
            Column("key", _("Key"), "text"),
            Column("label", _("What"), "text"),
            Column("count", _("Count")),
        ],
    )
    for key, label, n in (
        ("proposed", _("Terminations proposed"), c.raw("terminations", "proposed")),
        ("confirmed", _("Terminations confirmed"), c.raw("terminations", "confirmed")),
        ("withdrawn", _("Terminations withdrawn"), c.raw("terminations", "withdrawn")),
        (
            "overturned",
            _("Terminations overturned on appeal"),
            c.raw("terminations", "overturned"),
        ),
        ("client_corrections", _("Client corrections recorded"), c.raw("client_corrections")),
    ):
        table.rows.append({"key": key, "label": label, "count": c.shown(n)})
    return table
