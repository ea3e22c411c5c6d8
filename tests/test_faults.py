"""The short fault-injection run (bench/faults.py --short), in the suite.

The harness starts and owns its servers (a PostgreSQL cluster made by initdb on a free port, a
redis-server on a free port, an SMTP sink, a webhook receiver) and real `celery` workers and beat;
it never touches the suite's database or Redis. During an 80-second burst of filings, messages,
decisions, webhooks, emails and SLA breaches it SIGKILLs workers, restarts Redis and PostgreSQL
and kills beat, then checks every effect from the database, the SMTP sink and the receiver.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.fault


def test_faults_lose_nothing_and_duplicate_nothing():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "CACHE_", "MAIL_", "PYTEST"))
    }
    done = subprocess.run(
        [sys.executable, "bench/faults.py", "--short"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-4000:]
    report = json.loads(lines[-1])

    # Every fault of the short profile was injected.
    assert report["faults"] == {
        "worker_kills": 6,
        "redis_restarts": 2,
        "postgres_restarts": 2,
        "beat_kills": 2,
    }
    # The burst did every kind of work, and the workers did all of it.
    operations, effects = report["operations"], report["effects"]
    assert operations["actions_issued_and_appealed"] >= 20
    assert operations["messages"] >= 1
    assert operations["decisions"] >= 1
    assert operations["clocks_made_due"] >= 1
    assert effects["appeals_routed"] == operations["actions_issued_and_appealed"]
    assert effects["emails"] >= operations["actions_issued_and_appealed"] * 2
    assert effects["webhook_deliveries"] >= operations["actions_issued_and_appealed"]
    assert effects["breaches_recorded"] == operations["clocks_made_due"]
    # Nothing lost, nothing duplicated, nothing left behind.
    assert report["lost"] == {"total": 0}, report
    assert report["duplicated"] == {"total": 0}, report
    assert not any(report["left_pending"].values()), report
    assert done.returncode == 0, done.stderr[-4000:]
