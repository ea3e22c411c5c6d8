"""Load test: 200 simulated people for 60 s against gunicorn, on a seeded PostgreSQL database.

    python3 -m uv run python bench/load.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_load \
        CACHE_URL=redis://127.0.0.1:6379/8 python3 -m uv run python bench/load.py --seconds 60

1. Creates the database if missing and migrates; seeds it with the existing commands when it is
   new: `seed_demo --freelancers N` (bulk freelancers with 1-3 actions each, default 20,000) and
   `bench/seed_scale.py` (default 100,000 appeals, 5,000 open, in 20 queues with 500 reviewers).
2. Picks the people: freelancers with actions not yet appealed, and scale reviewers (capacity
   raised so "claim next" always has room), and opens a session for each (LOAD_SESSIONS file).
3. `collectstatic`, then starts gunicorn with `gunicorn.conf.py` on a free port of
   127.0.0.1 (REQUIRE_STAFF_MFA=false: the sessions have no second factor; DEBUG=false).
4. Runs `locust -f bench/locustfile.py` headless and bounded (`-u USERS -r RATE --run-time`),
   with CSV output, then prints one JSON line per endpoint (requests, failures, p50/p95/p99 ms)
   and a total line (error count, p95 of all GETs, load average before and after, gunicorn
   settings). Celery does not run: appeals filed during the test queue their routing message in
   the broker (CELERY_BROKER_URL, default memory://, so nothing is left behind).

`--workers`/`--threads` override the gunicorn config (GUNICORN_WORKERS / GUNICORN_THREADS) to
compare settings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recourse_load")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["REQUIRE_STAFF_MFA"] = "false"

from support import create_database_if_missing, emit  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(freelancers: int, appeals: int, open_appeals: int) -> None:
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "--verbosity=0"], cwd=ROOT, check=True)
    subprocess.run(
        [*run, "seed_demo", f"--freelancers={freelancers}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [sys.executable, "bench/seed_scale.py", str(appeals), f"--open={open_appeals}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def sessions(freelancer_count: int, reviewer_count: int, path: Path) -> dict:
    """A signed-in session per simulated person, and what each one can act on."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from accounts.models import ReviewerProfile, User
    from appeals.models import Appeal
    from enforcement.models import EnforcementAction

    def session_for(user: User) -> dict:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return {"session": store.session_key, "csrf": _get_new_csrf_string()}

    from django.utils import timezone

    # Actions a freelancer can still appeal: none yet, and the window open.
    unappealed = EnforcementAction.objects.filter(
        appeal__isnull=True, appeal_deadline__gt=timezone.now()
    )
    people = list(
        User.objects.filter(
            email__endswith="@bulk.recourse.test", enforcement_actions__in=unappealed
        )
        .distinct()
        .order_by("pk")[:freelancer_count]
    )
    freelancers = []
    for user in people:
        every = list(EnforcementAction.objects.filter(account=user).values_list("pk", flat=True))
        appealable = list(unappealed.filter(account=user).values_list("pk", flat=True))
        freelancers.append({**session_for(user), "actions": every, "appealable": appealable})

    reviewers = []
    scale_reviewers = User.objects.filter(
        email__startswith="reviewer", email__endswith="@scale.bench.recourse.test"
    ).order_by("pk")[:reviewer_count]
    for user in scale_reviewers:
        ReviewerProfile.objects.filter(user=user).update(capacity=1000, is_available=True)
        held = list(
            Appeal.objects.open()
            .filter(assigned_to=user, status=Appeal.Status.IN_REVIEW)
            .values_list("pk", flat=True)[:3]
        )
        reviewers.append({**session_for(user), "held": held})
    data = {"freelancers": freelancers, "reviewers": reviewers}
    path.write_text(json.dumps(data))
    return data


def warm_up(port: int, session_file: Path) -> None:
    """Until every gunicorn worker answers, then each page a few times per worker: a worker's
    first requests load templates and lazy imports (seconds on a busy machine), which is not
    what the test measures."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import Request, urlopen

    people = json.loads(session_file.read_text())
    freelancer, reviewer = people["freelancers"][0], people["reviewers"][0]
    pages = [
        ("/healthz", None),
        ("/standing/", freelancer),
        (f"/standing/actions/{freelancer['actions'][0]}/", freelancer),
        ("/staff/queue/", reviewer),
    ]
    if reviewer["held"]:
        pages.append((f"/staff/appeals/{reviewer['held'][0]}/", reviewer))

    def get(url: str, person: dict | None) -> int:
        request = Request(f"http://127.0.0.1:{port}{url}")
        if person:
            request.add_header("Cookie", f"sessionid={person['session']}")
        try:
            with urlopen(request, timeout=120) as response:
                return response.status
        except OSError:
            return 0

    deadline = time.monotonic() + 300
    while get("/healthz", None) != 200 and time.monotonic() < deadline:
        time.sleep(1)
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(3):
            list(pool.map(lambda page: get(*page), pages * 8))


def _ms(value: str) -> float:
    return 0.0 if value in ("", "N/A") else float(value)


def summarise(csv_prefix: Path) -> list[dict]:
    rows = []
    with open(f"{csv_prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "name": row["Name"],
                    "method": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": _ms(row["50%"]),
                    "p95_ms": _ms(row["95%"]),
                    "p99_ms": _ms(row["99%"]),
                    "rps": round(_ms(row["Requests/s"]), 1),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20, help="users started per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--freelancers", type=int, default=20_000, help="seeded bulk freelancers")
    parser.add_argument("--appeals", type=int, default=100_000, help="seeded appeals")
    parser.add_argument("--open", type=int, default=5_000, help="open appeals among them")
    parser.add_argument("--skip-seed", action="store_true", help="the database is seeded")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()

    create_database_if_missing(os.environ["DATABASE_URL"])
    if not args.skip_seed:
        seed(args.freelancers, args.appeals, args.open)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    session_file = out / "load-sessions.json"
    reviewers = max(1, args.users // 10)
    sessions(args.users - reviewers + 50, reviewers, session_file)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DEBUG": "false"},
    )

    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "LOAD_SESSIONS": str(session_file),
    }
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    log = Path(tempfile.gettempdir()) / f"load-gunicorn-{port}.log"
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        warm_up(port, session_file)
        load_before = os.getloadavg()
        prefix = out / "locust"
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                "bench/locustfile.py",
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.rate),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--exit-code-on-error",
                "0",
                "--only-summary",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=(out / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        seconds = time.monotonic() - started
        load_after = os.getloadavg()
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=60)

    rows = summarise(prefix)
    for row in rows:
        if row["name"] != "Aggregated":
            emit(
                name="load endpoint",
                **{k: v for k, v in row.items() if k != "name"},
                endpoint=row["name"],
            )
    total = next(row for row in rows if row["name"] == "Aggregated")
    gets = [row for row in rows if row["method"] == "GET"]
    import runpy

    saved = dict(os.environ)
    os.environ.update(env)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    os.environ.clear()
    os.environ.update(saved)
    emit(
        name="load",
        users=args.users,
        seconds=round(seconds, 1),
        requests=total["requests"],
        errors=total["failures"],
        rps=total["rps"],
        p50_ms=total["p50_ms"],
        p95_ms=total["p95_ms"],
        p99_ms=total["p99_ms"],
        worst_get_p95_ms=max(row["p95_ms"] for row in gets),
        gunicorn={"workers": conf["workers"], "threads": conf["threads"]},
        load_average_before=[round(x, 2) for x in load_before],
        load_average_after=[round(x, 2) for x in load_after],
        csv=f"{prefix}_stats.csv",
        gunicorn_log=str(log),
    )


if __name__ == "__main__":
    main()
