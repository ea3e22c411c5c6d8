"""The one way Recourse writes a date or a moment for a person: pages (the `when` and `day`
template filters) and emails alike, in the reader's time zone, with the zone's abbreviation,
and in the active language: English keeps its one format; other languages write the day the
way their Django locale does (`DATE_FORMAT`: "7 декабря 2026 г.", "7 de diciembre de 2026")."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats, timezone, translation
from django.utils.functional import lazy

MOMENT_FORMAT = "j F Y, H:i T"  # 7 December 2026, 09:16 CET
DAY_FORMAT = "j F Y"  # 7 December 2026


def _formats() -> tuple[str, str]:
    """(moment format, day format) of the active language."""
    language = translation.get_language() or "en"
    if language.split("-")[0] == "en":
        return MOMENT_FORMAT, DAY_FORMAT
    day_format = formats.get_format("DATE_FORMAT", lang=language)
    return f"{day_format}, H:i T", day_format


def format_when(moment: datetime | None, zone: str | ZoneInfo | None = None) -> str:
    """A moment in `zone` (a person's time zone name), or in the active time zone."""
    if moment is None:
        return ""
    if isinstance(zone, str):
        zone = ZoneInfo(zone or "UTC")
    local = timezone.localtime(moment, zone) if timezone.is_aware(moment) else moment
    return dateformat.format(local, _formats()[0])


def format_day(day: date | datetime | None, zone: str | ZoneInfo | None = None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        if isinstance(zone, str):
            zone = ZoneInfo(zone or "UTC")
        day = timezone.localtime(day, zone) if timezone.is_aware(day) else day
    return dateformat.format(day, _formats()[1])


# For texts composed now and read later in another language (a notification's body is resolved
# in its recipient's language): the date is written when the text is, in that language.
format_day_lazy = lazy(format_day, str)
format_when_lazy = lazy(format_when, str)
