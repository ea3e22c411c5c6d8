"""`GET /api/v1/transparency?period=2026-Q4`: the report as JSON, public (no token).

config/urls.py mounts this router on the API (transparency and api are siblings and do not
import each other), so it shares the OpenAPI document at /api/v1/openapi.json.
"""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from transparency.report import LAST_12_MONTHS, PeriodError, english_report

router = Router(tags=["transparency"])


class PeriodIn(Schema):
    period: str = Field(
        LAST_12_MONTHS,
        max_length=20,
        description="2026, 2026-Q4, 2026-11 or last-12-months",
        examples=["2026-Q4"],
    )


class TableOut(Schema):
    id: str = Field(description="Stable table id, e.g. reversal_by_rule")
    title: str
    columns: list[str] = Field(description="Column ids, in order; the first identifies the row")
    rows: list[dict[str, str | int | float | bool | None]] = Field(
        description="One object per row, keyed by column id; null = withheld (fewer than "
        "minimum_count cases) or not applicable"
    )


class ReportOut(Schema):
    schema_: str = Field(alias="schema", description='Always "recourse-transparency/1"')
    period: str
    label: str
    first_day: str
    last_day: str
    minimum_count: int = Field(description="Cells counting fewer cases than this are null")
    tables: list[TableOut]


class FieldError(Schema):
    loc: list[str | int] = Field(description='Where the error is, e.g. ["query", "period"]')
    msg: str
    type: str = ""


class PeriodErrorOut(Schema):
    detail: list[FieldError]


@router.get(
    "/transparency",
    auth=None,
    response={200: ReportOut, 400: PeriodErrorOut, 422: PeriodErrorOut},
    url_name="transparency_report",
    summary="The public transparency report of a period",
    by_alias=True,
)
def transparency_report(request: HttpRequest, query: Query[PeriodIn]):
    try:
        result = english_report(query.period)  # titles and labels in English for everyone
    except PeriodError as exc:
        return Status(
            400, {"detail": [{"loc": ["query", "period"], "msg": str(exc), "type": "period"}]}
        )
    return result.as_json()
