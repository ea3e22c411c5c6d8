"""Every view declares who may use it with exactly one of these decorators.

Each sets `view.access` so that tests can walk the URL resolver and fail on any view of ours
that declares nothing (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import Role

View = Callable[..., HttpResponse]


def _mark(view: View, access: str) -> View:
    view.access = access  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    """Anyone, signed in or not (the rule catalogue, health checks)."""
    return _mark(view, "public")


def signed_in(view: View) -> View:
    """Any signed-in person, whatever their role (their own settings, the home redirect)."""
    return _mark(login_required(view), "signed-in")


def freelancer_required(view: View) -> View:
    """Signed-in freelancers. Object access inside the view is still scoped to the user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_role(Role.FREELANCER):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _mark(login_required(wrapper), "freelancer")


def staff_mfa_missing(user) -> bool:
    if not settings.REQUIRE_STAFF_MFA:
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def staff_required(permission: str) -> Callable[[View], View]:
    """Reviewers, leads and admins holding `permission`, with TOTP set up when required."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(permission):
                raise PermissionDenied
            if staff_mfa_missing(request.user):
                messages.warning(
                    request,
                    "Staff pages need two-factor authentication. Set up an authenticator app "
                    "to continue.",
                )
                return redirect("mfa_activate_totp")
            return view(request, *args, **kwargs)

        return _mark(login_required(wrapper), f"staff:{permission}")

    return decorator


def cache_public(view: View) -> View:
    """Opt a page out of the `no-store, private` default (`accounts.middleware.
    PrivateByDefaultMiddleware`): it shows nothing personal to a visitor who is not signed in
    (home, rules, the transparency report, feeds, the health check). A signed-in person's copy
    still gets `no-store, private`, since the page header names them."""
    view.cache_public = True  # type: ignore[attr-defined]
    return view
