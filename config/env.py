"""Small typed readers for environment variables that fail loudly on malformed values."""

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not an IANA time zone.") from None
    return value


def mailer_from_url(url: str) -> dict:
    """Turn MAIL_URL into a MAILERS entry: console:, locmem:, smtp://host:port, smtps://..."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
    }
    if parts.scheme in backends:
        return {"BACKEND": backends[parts.scheme]}
    if parts.scheme in {"smtp", "smtps", "smtp+tls"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"MAIL_URL={url!r} has no host.")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise ImproperlyConfigured(f"MAIL_URL={url!r} has a malformed port.") from None
        options: dict = {"host": parts.hostname, "port": port}
        if parts.username:
            options["username"] = unquote(parts.username)
            options["password"] = unquote(parts.password or "")
        if parts.scheme == "smtps":
            options["use_ssl"] = True
        elif parts.scheme == "smtp+tls":
            options["use_tls"] = True
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    raise ImproperlyConfigured(
        f"MAIL_URL={url!r}: use console:, locmem:, dummy:, smtp://, smtps:// or smtp+tls://."
    )


def local_secret_key(path) -> str:
    """A random key for local runs, created once per data folder and readable only by its owner."""
    import secrets

    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


def env_out_of_court_bodies(name: str, default: list[dict]) -> list[dict]:
    """A JSON list of certified out-of-court dispute settlement bodies:
    `[{"name": "...", "languages": ["de", "en"], "url": "https://..."}, ...]`."""
    import json

    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        bodies = json.loads(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not valid JSON.") from None
    if not isinstance(bodies, list):
        raise ImproperlyConfigured(f"{name} must be a JSON list of bodies.")
    checked = []
    for index, body in enumerate(bodies):
        if not isinstance(body, dict) or set(body) != {"name", "languages", "url"}:
            raise ImproperlyConfigured(
                f"{name}[{index}] must have exactly the keys name, languages and url."
            )
        name_ok = isinstance(body["name"], str) and body["name"].strip()
        languages_ok = isinstance(body["languages"], list) and all(
            isinstance(code, str) and code.strip() for code in body["languages"]
        )
        url_ok = isinstance(body["url"], str) and body["url"].startswith("https://")
        if not (name_ok and languages_ok and url_ok):
            raise ImproperlyConfigured(
                f"{name}[{index}] needs a name, a list of language codes and an https:// url."
            )
        checked.append(
            {"name": body["name"].strip(), "languages": body["languages"], "url": body["url"]}
        )
    return checked
