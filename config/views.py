"""Views of the site as a whole: the front door and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.decorators import cache_public, public
from config.celery import app


@cache_public
@public
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        if user.is_freelancer():
            return redirect("enforcement:standing")
        if user.is_staff_member():
            return redirect("enforcement:staff-home")
    return render(request, "accounts/home.html")


@cache_public
@public
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachability, for load balancers and docker-compose."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **{k: "ok" if v else "down" for k, v in checks.items()},
        },
        status=200 if healthy else 503,
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def too_many_requests(request: HttpRequest, exception=None) -> HttpResponse:
    """allauth's per-IP limits on logins and sign-ups (via `config.urls.handler429`): 429 with
    the shortest of those windows as Retry-After."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
