"""The database keeps the promises too: writes that go around the services are refused, on
PostgreSQL (the test database) and on SQLite (the embedded `make run`, in a child process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from enforcement import services
from tests.enforcement.guard_probes import PROBES, refusal
from tests.factories import ReviewerFactory, make_action

ROOT = Path(__file__).resolve().parents[2]


def issued_and_corrected():
    """An issued action whose client notice was corrected (the action was lifted)."""
    action = make_action()
    with transaction.atomic():
        services.lift_action(action, by=ReviewerFactory(), reason="Overturned on appeal.")
    return action


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PROBES))
def test_postgresql_refuses_a_write_around_the_services(name):
    action = issued_and_corrected()
    assert refusal(PROBES[name], action) is not None, f"{name} went through"


@pytest.mark.django_db
def test_the_marketplace_acknowledgement_of_a_correction_can_be_set_once():
    from django.utils import timezone

    from enforcement.models import ClientCorrection

    action = issued_and_corrected()
    corrections = ClientCorrection.objects.filter(notice__action=action)
    assert corrections.update(acknowledged_at=timezone.now()) == 1


_SQLITE_RUN = """
import json, django
django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from enforcement import services
from tests.enforcement.guard_probes import PROBES, refusal
from tests.factories import ReviewerFactory, make_action
action = make_action()
with transaction.atomic():
    services.lift_action(action, by=ReviewerFactory(), reason="Overturned on appeal.")
print(json.dumps({name: refusal(probe, action) for name, probe in PROBES.items()}))
"""


def test_sqlite_refuses_the_same_writes(tmp_path):
    inherited = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_", "CACHE_URL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    env.update(RECOURSE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run(
        [sys.executable, "-c", _SQLITE_RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    refusals = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(refusals) == set(PROBES)
    let_through = [name for name, message in refusals.items() if message is None]
    assert let_through == []
