"""`{{ moment|when }}` and `{{ day|day }}`: every date on every page in one format, in the
viewer's time zone (built in: no `{% load %}` needed; see TEMPLATES in settings)."""

from django import template

from infra.dates import format_day, format_when

register = template.Library()


@register.filter
def when(moment) -> str:
    return format_when(moment)


@register.filter
def day(value) -> str:
    return format_day(value)
