"""Deployment checks of accounts (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Caches every gunicorn worker (and every host) shares. allauth counts failed logins and
# sign-ups in the default cache: in a per-process cache each worker counts alone, so the limit
# multiplies by the number of workers, and a dummy cache turns it off.
SHARED_CACHE_BACKENDS = frozenset(
    {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
        "django.core.cache.backends.db.DatabaseCache",
    }
)


@register(Tags.security, Tags.caches, deploy=True)
def shared_cache_for_rate_limits(app_configs, **kwargs) -> list[Error]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        Error(
            f"The default cache ({backend or 'none'}) is not shared between processes, so "
            "login and sign-up throttling counts per gunicorn worker (or not at all).",
            hint="Set CACHE_URL=redis://... (README: Accounts hardening).",
            id="accounts.E001",
        )
    ]
