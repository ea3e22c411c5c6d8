"""Small display helpers for the freelancer and public pages."""

from django import template
from django.utils import translation

from enforcement import redress
from enforcement.models import EnforcementAction
from enforcement.redress import OutOfCourtBody

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


@register.filter
def translated(version):
    """A cited rule version's published translation into the reader's language, or None."""
    return version.translation_in(translation.get_language())


@register.filter
def reason_translated(action):
    """The action's reason code in the reader's language, or None."""
    return action.reason_translation(translation.get_language())
