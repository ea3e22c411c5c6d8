import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("recourse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Bookkeeping lines that Celery writes at INFO for every task ("Received task", "Task …
# succeeded in 0.007s") and beat for every tick ("Scheduler: Sending due task"). With sweeps
# every few seconds they bury what matters, so they are DEBUG unless LOG_LEVEL=DEBUG; a failing
# task still logs at ERROR, and tasks log their real work themselves.
CHATTY_LOGGERS = ("celery.app.trace", "celery.worker.strategy", "celery.beat")


def quiet_bookkeeping(**_kwargs) -> None:
    import logging

    if os.environ.get("LOG_LEVEL", "INFO").upper() != "DEBUG":
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


from celery.signals import after_setup_logger  # noqa: E402

after_setup_logger.connect(quiet_bookkeeping, weak=False)
