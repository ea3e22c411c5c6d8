"""`make run` output (issue #12): the address and logins are not buried by periodic bookkeeping."""

import logging
from pathlib import Path

import pytest

from config.celery import CHATTY_LOGGERS, quiet_bookkeeping

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def restore_levels():
    levels = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_make_run_output_periodic_bookkeeping_is_debug_by_default(monkeypatch, restore_levels):
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    quiet_bookkeeping()
    for name in CHATTY_LOGGERS:  # "Sending due task", "succeeded in 0.007s"
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
        assert logging.getLogger(name).isEnabledFor(logging.WARNING)


def test_make_run_output_log_level_debug_shows_everything(monkeypatch, restore_levels):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    quiet_bookkeeping()
    assert all(logging.getLogger(name).level == logging.NOTSET for name in CHATTY_LOGGERS)


def test_make_run_output_prints_the_address_and_logins_again_once_up():
    procfile = (ROOT / "Procfile.dev").read_text()
    assert "ready: scripts/ready.sh" in procfile
    ready = (ROOT / "scripts" / "ready.sh").read_text()
    assert "healthz" in ready and "is up at" in ready and "admin@demo.recourse.test" in ready
