"""Small display helpers for the freelancer and public pages."""

import re
from datetime import date

from django import template
from django.utils import translation
from django.utils.translation import gettext_noop

from enforcement import redress
from enforcement.models import EnforcementAction
from enforcement.redress import OutOfCourtBody
from infra.dates import format_day

register = template.Library()

# Names for the EU/EEA codes accepted in `territorial_scope` (enforcement.choices.EEA_COUNTRIES).
EEA_COUNTRY_NAMES = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DE": "Germany",
    "DK": "Denmark",
    "EE": "Estonia",
    "ES": "Spain",
    "FI": "Finland",
    "FR": "France",
    "GR": "Greece",
    "HR": "Croatia",
    "HU": "Hungary",
    "IE": "Ireland",
    "IS": "Iceland",
    "IT": "Italy",
    "LI": "Liechtenstein",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "LV": "Latvia",
    "MT": "Malta",
    "NL": "Netherlands",
    "NO": "Norway",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SE": "Sweden",
    "SI": "Slovenia",
    "SK": "Slovakia",
}


@register.filter
def country_names(codes: list[str]) -> str:
    """`["DE", "FR"]` → "Germany, France" (unknown codes are shown as they are)."""
    return ", ".join(EEA_COUNTRY_NAMES.get(code, code) for code in codes)


@register.filter
def action_status_label(value: str) -> str:
    """The label of a stored status value, as the timeline shows `from` and `to`."""
    return dict(EnforcementAction.Status.choices).get(value, value)


@register.simple_tag
def out_of_court_bodies() -> list[OutOfCourtBody]:
    return redress.out_of_court_bodies()


@register.simple_tag
def out_of_court_register_url() -> str:
    return redress.register_url()


# Reasons the system itself writes on timeline events (stored in English, the record's
# language): shown to the freelancer in their language. Anything a person wrote stays as written.
SYSTEM_REASONS = {
    gettext_noop("Confirmed by a second member of staff."),
    gettext_noop("The action was withdrawn."),
    gettext_noop("The notice period is over and the termination was confirmed."),
    gettext_noop("The restriction reached its end date."),
    gettext_noop("The restriction ended."),
    gettext_noop("The action was lifted."),
    gettext_noop("Part of the held funds released."),
}


_FUNDS_RELEASED = re.compile(
    r"^(?P<amount>\d+(?:\.\d+)?) (?P<currency>[A-Z]{3}) released\.\s*(?P<rest>.*)$"
)
_CORRECTIONS = re.compile(r"^(?P<count>\d+) client correction\(s\) queued for the marketplace\.$")
_RELEASE_DATE = re.compile(r"^Release date (?P<day>\d{4}-\d{2}-\d{2})\.$")
# A decision on appeal applied to the action: "Appeal #12: <the reviewer's reasons>".
_APPEAL_DECISION = re.compile(r"^Appeal #(?P<number>\d+): (?P<reasons>.+)$", re.S)


@register.filter
def system_reason(text: str) -> str:
    """A reason the system wrote, in the reader's language; anything else as written."""
    if text in SYSTEM_REASONS:
        return translation.gettext(text)
    if match := _FUNDS_RELEASED.match(text):
        released = translation.gettext("%(amount)s %(currency)s released.") % match.groupdict()
        rest = match["rest"]
        return f"{released} {system_reason(rest)}".strip() if rest else released
    if match := _CORRECTIONS.match(text):
        count = int(match["count"])
        return translation.ngettext(
            "%(count)s client correction queued for the marketplace.",
            "%(count)s client corrections queued for the marketplace.",
            count,
        ) % {"count": count}
    if match := _RELEASE_DATE.match(text):
        return translation.gettext("Release date %(day)s.") % {
            "day": format_day(date.fromisoformat(match["day"]))
        }
    if match := _APPEAL_DECISION.match(text):
        # The reasons are the reviewer's words, shown as written.
        return translation.gettext("Appeal #%(number)s: %(reasons)s") % match.groupdict()
    return text


@register.filter
def translated(version):
    """A rule version's published translation into the reader's language, or None (also for
    no version: a rule in the catalogue that is not in force yet)."""
    if version is None:
        return None
    return version.translation_in(translation.get_language())


@register.filter
def reason_translated(action):
    """The action's reason code in the reader's language, or None."""
    return action.reason_translation(translation.get_language())
