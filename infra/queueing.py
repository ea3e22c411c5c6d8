"""Sending Celery tasks by name.

A service that schedules work (route this appeal, send this email) names the task instead of
importing its module: the task module imports the services it calls, so an import the other way
would make a cycle. Every caller keeps a durable marker in the database (an unrouted appeal, a
pending email, a pending delivery) that a periodic re-drive picks up, so a broker that is down
only delays the work: `enqueue` logs and reports it instead of failing the request.
"""

from __future__ import annotations

import logging

from celery import current_app

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> bool:
    """Queue `task_name(*args)`; False (logged) when the broker cannot take it."""
    try:
        current_app.send_task(task_name, args=args)
    except Exception:
        shown = ", ".join(repr(arg) for arg in args)
        logger.exception(
            "Could not enqueue %s(%s); its re-drive will pick it up.", task_name, shown
        )
        return False
    return True
