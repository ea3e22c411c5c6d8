import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_cache_key, get_rates
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError

from accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    """People who sign up themselves are freelancers; staff roles are granted by admins."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user.groups.add(Group.objects.get(name=Role.FREELANCER))
        return user

    def pre_authenticate(self, request, **credentials):
        """allauth refuses a login after too many failures with a form error; remember for how
        long, so that `LoginThrottleMiddleware` answers 429 with Retry-After."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            key = self._get_login_attempts_cache_key(request, **credentials)
            request.login_retry_after = login_retry_after(request, key)
            raise


def login_retry_after(request, key: str) -> int:
    """Seconds until the failed-login limits (per IP and per address) let one more try through.

    The limits live in the shared cache as newest-first lists of attempt times (allauth's
    ratelimit); a slot frees when the oldest attempt that fills it expires."""
    now = time.time()
    wait = 1.0
    for rate in get_rates(app="allauth.account", action="login_failed"):
        cache_key = get_cache_key(
            request, app="allauth.account", action="login_failed", rate=rate, key=key
        )
        history = [at for at in cache.get(cache_key, []) if at > now - rate.duration]
        if len(history) >= rate.amount:
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return max(1, math.ceil(wait))
