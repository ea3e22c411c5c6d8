"""Configuration comes from environment variables and fails loudly on malformed values."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    local_secret_key,
    mailer_from_url,
)

VAR = "RECOURSE_TEST_SETTING"


@pytest.fixture
def env(monkeypatch):
    def set_value(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(VAR, raising=False)
        else:
            monkeypatch.setenv(VAR, value)

    return set_value


# --- Booleans ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_true_spellings_read_as_true(env, raw):
    env(raw)
    assert env_bool(VAR, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off", ""])
def test_false_spellings_read_as_false(env, raw):
    env(raw)
    assert env_bool(VAR, True) is False


def test_an_unset_boolean_takes_its_default(env):
    env(None)
    assert env_bool(VAR, True) is True


@pytest.mark.parametrize("raw", ["ture", "2", "enabled", "y e s"])
def test_a_malformed_boolean_fails_naming_the_variable(env, raw):
    env(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_bool(VAR, False)


# --- Integers ------------------------------------------------------------------------------------


def test_an_integer_is_parsed(env):
    env("42")
    assert env_int(VAR, 7) == 42


def test_an_unset_integer_takes_its_default(env):
    env(None)
    assert env_int(VAR, 7) == 7


@pytest.mark.parametrize("raw", ["forty-two", "4.2", "", "12abc"])
def test_a_malformed_integer_fails_naming_the_variable(env, raw):
    env(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_int(VAR, 7)


def test_an_integer_below_its_minimum_fails(env):
    env("30")
    with pytest.raises(ImproperlyConfigured, match="at least 185"):
        env_int(VAR, 185, minimum=185)


# --- Lists and strings ---------------------------------------------------------------------------


def test_a_list_is_split_on_commas_and_trimmed(env):
    env(" recourse.example, www.recourse.example ,, ")
    assert env_list(VAR, []) == ["recourse.example", "www.recourse.example"]


def test_an_unset_list_and_string_take_their_defaults(env):
    env(None)
    assert env_list(VAR, ["localhost"]) == ["localhost"]
    assert env_str(VAR, "fallback") == "fallback"


# --- Time zones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["UTC", "Europe/Berlin", "America/Sao_Paulo"])
def test_an_iana_time_zone_is_accepted(env, raw):
    env(raw)
    assert env_time_zone(VAR, "UTC") == raw


@pytest.mark.parametrize("raw", ["Mars/Olympus_Mons", "CEST+2", "../../etc/passwd", ""])
def test_a_malformed_time_zone_fails_naming_the_variable(env, raw):
    env(raw)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_time_zone(VAR, "UTC")


# --- Mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console:", "django.core.mail.backends.console.EmailBackend"),
        ("locmem:", "django.core.mail.backends.locmem.EmailBackend"),
        ("dummy:", "django.core.mail.backends.dummy.EmailBackend"),
    ],
)
def test_local_mail_backends_need_no_options(url, backend):
    assert mailer_from_url(url) == {"BACKEND": backend}


def test_plain_smtp_uses_port_25_by_default():
    assert mailer_from_url("smtp://mail.internal") == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "mail.internal", "port": 25},
    }


def test_smtp_with_a_port_for_a_mail_catcher():
    assert mailer_from_url("smtp://127.0.0.1:1025")["OPTIONS"] == {
        "host": "127.0.0.1",
        "port": 1025,
    }


def test_smtps_uses_ssl_on_port_465_and_decodes_credentials():
    assert mailer_from_url("smtps://alerts%40recourse.example:p%40ss%2Fword@smtp.example")[
        "OPTIONS"
    ] == {
        "host": "smtp.example",
        "port": 465,
        "username": "alerts@recourse.example",
        "password": "p@ss/word",
        "use_ssl": True,
    }


def test_smtp_with_starttls():
    options = mailer_from_url("smtp+tls://user:secret@smtp.example:587")["OPTIONS"]
    assert options == {
        "host": "smtp.example",
        "port": 587,
        "username": "user",
        "password": "secret",
        "use_tls": True,
    }


@pytest.mark.parametrize(
    "url",
    [
        "smtp://",  # no host
        "smtp://mail.internal:notaport",
        "smtp://mail.internal:99999",
        "sendmail:",
        "mail.internal:25",
        "",
    ],
)
def test_a_malformed_mail_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="MAIL_URL"):
        mailer_from_url(url)


# --- Local secret key ----------------------------------------------------------------------------


def test_the_local_secret_key_is_created_once_and_private(tmp_path: Path):
    path = tmp_path / "secret-key"
    first = local_secret_key(path)
    assert len(first) >= 50
    assert local_secret_key(path) == first
    assert path.stat().st_mode & 0o077 == 0


# --- The settings module itself ------------------------------------------------------------------


def _settings_in_a_fresh_interpreter(tmp_path: Path, *, show: str = "", **environ: str):
    """Import config.settings in a child process with `environ` (and without the service URLs
    of this test run); return (exit code, stdout, stderr). `show` names a setting to print."""
    import os
    import subprocess
    import sys

    inherited = ("DJANGO_", "DEBUG", "MAIL_URL", "TIME_ZONE", "REDIS_URL", "CELERY_", "CACHE_URL")
    child_env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    child_env.update(RECOURSE_DATA_DIR=str(tmp_path), **environ)
    code = "import config.settings as s" + (f"; print(s.{show})" if show else "")
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout.strip(), done.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("APPEAL_WINDOW_DAYS", "90"),
        ("TIME_ZONE", "Europe/Atlantis"),
        ("MAIL_URL", "pigeon://loft"),
        ("CACHE_URL", "memcached://127.0.0.1"),
        ("DATABASE_URL", "notadatabase://x"),
    ],
)
def test_the_settings_module_refuses_to_load_with_a_malformed_value(tmp_path, variable, value):
    code, _out, stderr = _settings_in_a_fresh_interpreter(tmp_path, **{variable: value})
    assert code != 0
    assert "ImproperlyConfigured" in stderr
    assert variable in stderr


def test_the_settings_module_loads_with_defaults(tmp_path):
    code, out, stderr = _settings_in_a_fresh_interpreter(tmp_path, show="CELERY_BROKER_URL")
    assert (code, out, stderr) == (0, "filesystem://", "")


def test_the_broker_is_redis_url_when_only_redis_url_is_set(tmp_path):
    _code, out, _err = _settings_in_a_fresh_interpreter(
        tmp_path, show="CELERY_BROKER_URL", REDIS_URL="redis://cache.internal:6379/0"
    )
    assert out == "redis://cache.internal:6379/0"


def test_an_explicit_broker_url_wins_over_redis_url(tmp_path):
    _code, out, _err = _settings_in_a_fresh_interpreter(
        tmp_path,
        show="CELERY_BROKER_URL",
        REDIS_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="redis://broker.internal:6379/1",
    )
    assert out == "redis://broker.internal:6379/1"


def test_the_appeal_window_defaults_to_at_least_six_months(tmp_path):
    _code, out, _err = _settings_in_a_fresh_interpreter(tmp_path, show="APPEAL_WINDOW_DAYS")
    assert int(out) >= 184


# --- Links: email links point at the address the portal serves ----------------------------------


def test_links_in_emails_follow_the_port_make_run_serves_on():
    """`make run PORT=8200` used to send links to port 8000, where nothing listened."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | {"PORT": "8200"}
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            "'config.settings'); from django.conf import settings; print(settings.SITE_URL)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert printed.stdout.strip() == "http://127.0.0.1:8200"
    run_script = (Path(__file__).resolve().parent.parent / "scripts" / "run.sh").read_text()
    assert 'SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"' in run_script
