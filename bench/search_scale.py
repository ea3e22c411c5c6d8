"""Time the staff search on a database seeded by `seed_scale.py` (e.g. 1,000,000 appeals).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/search_scale.py --out bench/out/search-1m   # --repeat 30

Migrates first (the search's GIN indexes are built on the seeded rows). Every seeded appeal
shares one statement, which no real data set does, so the script first gives a sample of rows
distinct words (idempotent): one appeal in 1,000 mentions a "chargeback", one in 2,000 gets a
message about an "escrow" (messages are append-only, so it is a new one), one action in 1,000
has "counterfeit" facts, and one freelancer a marketplace id. Then, in-process through Django's
test client as the bench reviewer of all 20 queues and the bench lead: search by id, email,
marketplace id, name, a rare word (and its next page), a word in messages, filters without
words (with `--worst-case`, also a word in every statement). Each search gets 3 warm-up
requests, `--repeat` timed requests, and 5 with every query captured (count, SQL time, the
heaviest query's `EXPLAIN (ANALYZE, BUFFERS)` in `<out>/explain/`). One JSON line per search
on stdout and in `<out>/search.jsonl`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DEBUG"] = "false"

import django  # noqa: E402
from support import emit  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from appeals.models import Appeal, Queue  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import pages_scale  # noqa: E402

DOMAIN = "scale.bench.recourse.test"


def prepare() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appeals_appeal SET statement = 'The chargeback of order ' || id || "
            "' was the client''s mistake; the bank reversed it.' "
            "WHERE id % 1000 = 7 AND statement NOT LIKE 'The chargeback%'"
        )
        # Messages are append-only (a trigger refuses UPDATE): add one to a sample of appeals.
        cursor.execute(
            "INSERT INTO appeals_message (appeal_id, author_id, kind, body, created_at) "
            "SELECT ap.id, ap.freelancer_id, 'message', "
            "'The escrow release for milestone ' || ap.id || ' is attached.', now() "
            "FROM appeals_appeal ap WHERE ap.id % 2000 = 11 AND NOT EXISTS ("
            "SELECT 1 FROM appeals_message m WHERE m.appeal_id = ap.id "
            "AND m.body LIKE 'The escrow%')"
        )
        cursor.execute(
            "UPDATE enforcement_enforcementaction SET facts = 'Listings offered counterfeit "
            "goods (case ' || id || ').' WHERE id % 1000 = 3 AND facts NOT LIKE 'Listings%'"
        )
        cursor.execute(
            f"UPDATE accounts_user SET marketplace_id = 'mk-bench-77' "
            f"WHERE email = 'f00077777@{DOMAIN}' AND marketplace_id IS NULL"
        )
        cursor.execute("ANALYZE appeals_appeal")
        cursor.execute("ANALYZE appeals_message")
        cursor.execute("ANALYZE enforcement_enforcementaction")
        cursor.execute("ANALYZE accounts_user")
        cursor.execute("ANALYZE accounts_user_groups")
    return {
        "appeals": Appeal.objects.count(),
        "chargeback_appeals": Appeal.objects.filter(statement__startswith="The chargeback").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--worst-case",
        action="store_true",
        help="also a word in every statement (ranks all 1M: seconds per request)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "search-scale")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    jsonl = args.out / "search.jsonl"
    jsonl.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    counts = prepare()
    emit(name="dataset", **counts)
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        REQUIRE_STAFF_MFA=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        run(args)
    pages_jsonl = args.out / "pages.jsonl"  # pages_scale.measure writes there
    if pages_jsonl.exists():
        pages_jsonl.replace(jsonl)


def run(args) -> None:
    every = User.objects.get(email=f"all@{DOMAIN}")
    lead = User.objects.get(email=f"lead@{DOMAIN}")
    as_all, as_lead = pages_scale.client_for(every), pages_scale.client_for(lead)
    url = reverse("appeals:search")
    appeal = Appeal.objects.order_by("-id").values_list("id", flat=True)[12345]
    freelancer_email = f"f00012345@{DOMAIN}"
    queue = Queue.objects.filter(name="Scale 03").values_list("id", flat=True).first()
    first = as_all.get(url, {"q": "chargeback", "kind": "appeal"}).content.decode()
    match = re.search(r'<a href="\?([^"]*)" rel="next"', first)
    next_page = url + "?" + match.group(1).replace("&amp;", "&") if match else None
    searches = [
        ("search: appeal id", as_all, {"q": str(appeal)}),
        ("search: email", as_all, {"q": freelancer_email}),
        ("search: marketplace id", as_lead, {"q": "mk-bench-77"}),
        ("search: name", as_lead, {"q": "Freelancer 123456"}),
        ("search: rare word, all kinds", as_all, {"q": "chargeback"}),
        ("search: rare word, appeals", as_all, {"q": "chargeback", "kind": "appeal"}),
        ("search: word in messages", as_all, {"q": "escrow", "kind": "appeal"}),
        ("search: action facts (lead)", as_lead, {"q": "counterfeit", "kind": "action"}),
        (
            "search: filters only (status, queue)",
            as_all,
            {"kind": "appeal", "status": "submitted", "queue": queue},
        ),
    ]
    if args.worst_case:
        searches.append(
            ("search: word in every statement (worst case)", as_all, {"q": "marketplace"})
        )
    for name, client, params in searches:
        pages_scale.measure(
            name, lambda c=client, p=params: c.get(url, p), repeat=args.repeat, out=args.out
        )
    if next_page:
        pages_scale.measure(
            "search: rare word, appeals, next page",
            lambda: as_all.get(next_page),
            repeat=args.repeat,
            out=args.out,
        )


if __name__ == "__main__":
    main()
