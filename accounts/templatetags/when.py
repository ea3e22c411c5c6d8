"""`{{ moment|when }}` and `{{ day|day }}`: every date on every page in one format, in the
viewer's time zone; `{{ label|in_sentence }}`: a choice's label inside a sentence of the
active language (infra/words.py). Built in: no `{% load %}` needed; see TEMPLATES in settings."""

from django import template

from infra.dates import format_day, format_when
from infra.words import in_sentence as _in_sentence

register = template.Library()


@register.filter
def when(moment) -> str:
    return format_when(moment)


@register.filter
def day(value) -> str:
    return format_day(value)


@register.filter
def in_sentence(label) -> str:
    """A label inside a sentence: lower case, except where the language capitalises nouns."""
    return _in_sentence(label)
