"""Where a page's time goes: pyinstrument over the load test's GET pages, in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_load \
        python3 -m uv run python bench/profile_pages.py          # after bench/load.py

Signs in one freelancer and one reviewer of bench/load.py's session file, requests each GET page
of the load test `--repeat` times (after 3 warm-up requests) through Django's test client under
pyinstrument, and writes the text profile of each page to bench/out/profile-<page>.txt. Prints one
JSON line per page: wall and CPU time per request, and the share of it spent in SQL (the database
driver), in template rendering and in the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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

from support import emit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client, override_settings
    from pyinstrument import Profiler

    people = json.loads((args.out / "load-sessions.json").read_text())
    freelancer, reviewer = people["freelancers"][0], people["reviewers"][0]
    pages = {
        "standing": ("/standing/", freelancer),
        "case": (f"/standing/actions/{freelancer['actions'][0]}/", freelancer),
        "queue": ("/staff/queue/", reviewer),
    }
    if reviewer["held"]:
        pages["review"] = (f"/staff/appeals/{reviewer['held'][0]}/", reviewer)

    storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        ALLOWED_HOSTS=["*"], STORAGES={**django.conf.settings.STORAGES, "staticfiles": storage}
    ):
        for name, (url, person) in pages.items():
            client = Client()
            client.cookies["sessionid"] = person["session"]
            for _ in range(3):
                assert client.get(url).status_code == 200, url
            profiler = Profiler(interval=0.0005)
            started = time.perf_counter()
            profiler.start()
            for _ in range(args.repeat):
                client.get(url)
            profiler.stop()
            per_request = (time.perf_counter() - started) / args.repeat
            session = profiler.last_session
            text = profiler.output_text(unicode=False, color=False, show_all=False)
            (args.out / f"profile-{name}.txt").write_text(text)

            def share(*needles: str, frame=None, session=session) -> float:
                """Seconds of the profile in frames whose file path contains a needle (their
                own time and their callees', counted once at the outermost such frame)."""
                frame = frame or session.root_frame()
                if frame is None:
                    return 0.0
                if any(n in (frame.file_path or "") for n in needles):
                    return frame.time
                return sum(
                    share(*needles, frame=child, session=session) for child in frame.children
                )

            total = session.duration or 1
            sql = share("psycopg", "django/db/backends")
            templates = share("django/template")
            emit(
                name="profile",
                page=name,
                url=url,
                ms_per_request=round(per_request * 1000, 1),
                cpu_ms_per_request=round(session.cpu_time / args.repeat * 1000, 1),
                sql_share=round(sql / total, 2),
                template_share=round(templates / total, 2),
                profile=str(args.out / f"profile-{name}.txt"),
            )


if __name__ == "__main__":
    main()
