"""`make run` uses an embedded SQLite database: every migration must apply there and the demo
must seed, not only on PostgreSQL where the rest of the suite runs (a JSON lookup that SQLite
lacks once broke a data migration)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "RECOURSE_DATA_DIR": str(data_dir),
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_every_migration_applies_on_sqlite_and_the_demo_seeds(tmp_path):
    migrated = _manage("migrate", "--no-input", "-v0", data_dir=tmp_path)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    assert (tmp_path / "recourse.sqlite3").exists()

    seeded = _manage("seed_demo", data_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "Demo data:" in seeded.stdout
