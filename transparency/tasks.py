"""Celery tasks of the transparency report: thin adapters run by beat."""

from celery import shared_task

from transparency.aggregation import refresh_figures


@shared_task
def refresh_transparency_figures() -> int:
    return len(refresh_figures())
