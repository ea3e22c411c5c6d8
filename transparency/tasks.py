"""Celery tasks of the transparency report: thin adapters run by beat."""

from celery import shared_task

from transparency.aggregation import refresh_figures
from transparency.report import warm_cache


@shared_task
def refresh_transparency_figures() -> int:
    days = refresh_figures()
    if days:
        warm_cache()  # the first visitor after a rebuild need not pay for the sums
    return len(days)
