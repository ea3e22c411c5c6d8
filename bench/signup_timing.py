"""Does sign-up take the same time whether or not the email already has an account?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_signup \
        python3 -m uv run python bench/signup_timing.py --rounds 20

Creates the database if missing and migrates it, then posts the real sign-up form through
Django's test client (in-process: allauth's view, the form, password validation, the production
password hasher, the database and the email), alternating an address that has an account and a
new one, `--rounds` times each. It does so twice: with the project's form
(`accounts.signup.SignupForm`, which hashes the password in both cases) and with allauth's plain
form (what main had), so one run shows the gap and its closing on the same machine.

One JSON line per (form, case): median and p95 in milliseconds, and one line per form with the
ratio of the medians. Emails go to the dummy mailer (each case sends exactly one; see
tests/accounts/test_hardening.py). The sign-up rate limit is lifted for the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import warnings  # noqa: E402

from support import create_database_if_missing, emit, percentile  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recourse_bench_signup")
create_database_if_missing(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402

FORMS = {
    "accounts.signup.SignupForm": "project form (hashes in both cases)",
    "allauth.account.forms.SignupForm": "allauth's plain form (main before #16)",
}
PASSWORD = "a-long-unusual-passphrase-42"


def sign_up(client: Client, email: str) -> float:
    started = time.perf_counter()
    response = client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 302:
        raise SystemExit(f"sign-up of {email} answered {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, stdout=StringIO())
    existing = "already-here@bench.recourse.test"
    if not User.objects.filter(email=existing).exists():
        Client().post(
            reverse("account_signup"),
            {"email": existing, "password1": PASSWORD, "password2": PASSWORD},
        )
    limits = {**settings.ACCOUNT_RATE_LIMITS, "signup": None}
    for form, label in FORMS.items():
        with override_settings(ACCOUNT_FORMS={"signup": form}, ACCOUNT_RATE_LIMITS=limits):
            timings: dict[str, list[float]] = {"existing": [], "new": []}
            sign_up(Client(), f"warmup-{uuid.uuid4().hex}@bench.recourse.test")
            for _ in range(args.rounds):
                timings["existing"].append(sign_up(Client(), existing))
                timings["new"].append(sign_up(Client(), f"{uuid.uuid4().hex}@bench.recourse.test"))
            for case, values in timings.items():
                emit(
                    name=f"signup ({case} email)",
                    form=form,
                    label=label,
                    median_ms=round(statistics.median(values), 1),
                    p95_ms=round(percentile(values, 0.95), 1),
                    n=len(values),
                    hasher=settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1],
                )
            emit(
                name="signup existing/new median ratio",
                form=form,
                ratio=round(
                    statistics.median(timings["existing"]) / statistics.median(timings["new"]), 3
                ),
            )


if __name__ == "__main__":
    main()
