import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers


class UserTimeZoneMiddleware:
    """Render dates in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # Threads serve many people: never leak one person's zone into the next request.
            timezone.deactivate()


class PrivateByDefaultMiddleware:
    """`Cache-Control: no-store, private` on every response unless its view opted out with
    `@cache_public` and the visitor is not signed in: pages with personal data must never be
    kept by a shared proxy, nor by the browser's cache on a shared computer.

    A public page varies on Accept-Language and Cookie: its language comes from them.

    Static files never reach it (WhiteNoise answers them earlier, with its own long-lived
    headers). A view that set its own Cache-Control keeps it, with no-store and private added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if getattr(request, "_cache_public", False) and not signed_in:
            # The same address answers in the visitor's language (the switcher's cookie, else
            # Accept-Language): a shared cache must keep one copy per language, never hand a
            # Spanish reader the Russian page.
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._cache_public = getattr(view_func, "cache_public", False)


class LoginThrottleMiddleware:
    """A login refused for too many failed attempts answers 429 with Retry-After (allauth shows
    the form again with its error, status 200): a client, a script or a proxy reads the status,
    and the person still sees the form and why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        retry_after = getattr(request, "login_retry_after", None)
        if retry_after is not None and response.status_code == 200:
            response.status_code = 429
            response.reason_phrase = "Too Many Requests"
            response["Retry-After"] = str(retry_after)
        return response


# Session keys of the staff session clock (epoch seconds).
SESSION_STARTED = "recourse_auth_started_at"
SESSION_SEEN = "recourse_last_seen_at"
# The last-seen time is written at most this often, so that a page view is not a session write.
SEEN_RESOLUTION_SECONDS = 60


def start_session_clock(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: every sign-in starts the absolute lifetime afresh."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


class StaffSessionTimeoutMiddleware:
    """Staff sessions end after `STAFF_SESSION_IDLE_MINUTES` without a request and, whatever the
    activity, `STAFF_SESSION_MAX_HOURS` after sign-in. Freelancers keep Django's session age.

    An expired session is signed out (and audit-logged) before the view runs; the person lands
    on the sign-in page with a message and, for a page they were opening, a `next` back to it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff_member():
            expired = self._expired(request)
            if expired:
                return self._sign_out(request, user, expired)
        return self.get_response(request)

    def _expired(self, request) -> str:
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None or seen is None:
            # A session from before these keys existed: its clock starts now.
            session[SESSION_STARTED] = started or now
            session[SESSION_SEEN] = now
            return ""
        if now - started > settings.STAFF_SESSION_MAX_HOURS * 3600:
            return "lifetime"
        if now - seen > settings.STAFF_SESSION_IDLE_MINUTES * 60:
            return "idle"
        if now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SESSION_SEEN] = now
        return ""

    def _sign_out(self, request, user, why: str):
        from accounts.models import record_audit

        record_audit(
            actor=user,
            verb=f"session.expired_{why}",
            obj=user,
            summary=(
                f"{user}'s staff session ended: "
                + (
                    f"no activity for {settings.STAFF_SESSION_IDLE_MINUTES} minutes."
                    if why == "idle"
                    else f"{settings.STAFF_SESSION_MAX_HOURS} hours since sign-in."
                )
            ),
        )
        logout(request)
        messages.info(
            request,
            "You were signed out after a period without activity. Sign in again to continue."
            if why == "idle"
            else "Staff sessions last at most "
            f"{settings.STAFF_SESSION_MAX_HOURS} hours. Sign in again to continue.",
        )
        login = reverse(settings.LOGIN_URL)
        if request.method == "GET" and not getattr(request, "htmx", False):
            return redirect(f"{login}?next={request.get_full_path()}")
        if getattr(request, "htmx", False):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(login)
        return redirect(login)


class UserLanguageMiddleware:
    """A signed-in person reads the portal in the language of their setting; everyone else in
    the one LocaleMiddleware picked (the switcher's cookie, else the browser's Accept-Language).
    Sits after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = supported_language(user.preferred_language)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


def supported_language(code: str | None) -> str | None:
    """The shipped language for `code` (its own or its base language's), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None
