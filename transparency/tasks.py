"""Celery tasks of the transparency report: thin adapters run by beat."""

from celery import shared_task

from transparency.aggregation import refresh_figures
from transparency.pages import warm_pages
from transparency.report import figures_state, warm_cache


@shared_task
def refresh_transparency_figures() -> int:
    days = refresh_figures()
    if days:
        warm_cache()  # the first visitor after a rebuild need not pay for the sums
        warm_pages(figures_state())  # nor for rendering the page, in any language
    return len(days)
