from django.contrib import messages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import public, signed_in, staff_required
from accounts.forms import ProfileForm
from enforcement.models import EnforcementAction


@public
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated:
        if user.is_freelancer():
            return redirect("enforcement:standing")
        if user.is_staff_member():
            return redirect("accounts:staff-home")
    return render(request, "accounts/home.html")


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
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@staff_required("accounts.use_staff_pages")
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    recent = EnforcementAction.objects.with_summary().select_related("account")[:25]
    return render(request, "accounts/staff_home.html", {"recent_actions": recent})
