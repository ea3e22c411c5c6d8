"""What the benchmark scripts share: their database, and how they print figures.

Importable before Django is set up (the scripts create their database first).
"""

from __future__ import annotations

import json

import dj_database_url
import psycopg
from psycopg import sql


def create_database_if_missing(url: str) -> bool:
    """Create the PostgreSQL database `url` names unless it exists. False for another engine."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return False
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
    return True


def emit(**fields) -> None:
    """One measurement, as one JSON line."""
    print(json.dumps(fields), flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
