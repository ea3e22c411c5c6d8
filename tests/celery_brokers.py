"""Which broker the project's Celery app talks to in a test, and how to switch it cleanly.

Celery reads CELERY_BROKER_URL from the environment at each new connection, so a test switches
brokers by setting the variable, then forgetting the pooled connections. kombu keeps its pools
in a registry per broker URL, and Celery's cached pools point into it: both are reset, never
restored, because a restored pool may be one that `kombu.pools.reset()` has closed meanwhile
(the next `.delay()` then fails with "Acquire on closed pool"). The fixtures are in
tests/conftest.py: `celery_in_memory` and `celery_on_redis`.
"""

import os

from kombu import pools

from config.celery import app as celery_app


def _redis_broker_url() -> str:
    """The suite's Redis broker (scripts/test.sh exports one), else REDIS_URL (each developer's
    own database, so parallel runs never take each other's tasks), else the local Redis, db 15."""
    configured = os.environ.get("CELERY_BROKER_URL", "")
    if configured.startswith(("redis://", "rediss://")):
        return configured
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


# Read once, at import, before any test points CELERY_BROKER_URL elsewhere.
REDIS_BROKER_URL = _redis_broker_url()


def forget_broker_connections() -> None:
    """Close and forget every pooled broker connection: the next one goes to the broker the
    environment names now."""
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def use_broker(monkeypatch, url: str) -> None:
    """Point the project's Celery app at `url` for the rest of the test (monkeypatch restores
    the variable; the fixtures forget the connections again afterwards)."""
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    forget_broker_connections()


def purge_default_queue() -> None:
    """Drop messages an interrupted earlier run left: they name rows of another database."""
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(celery_app.conf.task_default_queue)
