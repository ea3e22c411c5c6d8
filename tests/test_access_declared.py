"""Deny by default: every view of ours declares who may use it, and object URLs are scoped."""

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import AdminFactory, make_action

OUR_APPS = ("accounts", "enforcement", "appeals", "notifications", "config")
# Third-party views with their own access control: allauth's flows (by module) and everything
# the Django admin site mounts (by its namespace: its views come from several modules, and
# RecourseAdminSite wraps them with the staff and MFA checks).
EXEMPT_MODULES = ("allauth.",)
EXEMPT_NAMESPACES = ("admin:",)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, object]]:
    """(route, namespaced name, view) for every URL; unnamed ones are `namespace:(unnamed)`."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield (
                prefix + str(entry.pattern),
                namespace + (entry.name or "(unnamed)"),
                entry.callback,
            )


def _module(view) -> str:
    return getattr(view, "__module__", "") or ""


ALL_VIEWS = list(_walk(get_resolver().url_patterns))
UNDECLARED = [
    (route, name, f"{_module(view)}.{getattr(view, '__name__', view)}")
    for route, name, view in ALL_VIEWS
    if not hasattr(view, "access")
    and not _module(view).startswith(EXEMPT_MODULES)
    and not name.startswith(EXEMPT_NAMESPACES)
]


def test_every_view_declares_who_may_use_it():
    assert UNDECLARED == [], (
        "These views declare no access; decorate them with public, signed_in, "
        "freelancer_required or staff_required from accounts/decorators.py:\n"
        + "\n".join(f"  /{route}  {name}  {where}" for route, name, where in UNDECLARED)
    )


def test_the_walk_sees_the_views_of_our_apps():
    ours = {name for _route, name, view in ALL_VIEWS if _module(view).startswith(OUR_APPS)}
    assert {
        "home",
        "healthz",
        "accounts:profile",
        "enforcement:staff-home",
        "enforcement:standing",
        "appeals:case-detail",
        "enforcement:rule-list",
    } <= ours


def test_declared_access_levels_are_known_values():
    # "api-token": the intake API's operations (django-ninja views, marked in enforcement/api/),
    # which authenticate a detection system's bearer token instead of a session.
    known = {"public", "signed-in", "freelancer", "api-token"}
    levels = {view.access for _route, _name, view in ALL_VIEWS if hasattr(view, "access")}
    assert {level for level in levels if not level.startswith("staff:")} <= known


TOKEN_VIEWS = [
    (route, name) for route, name, view in ALL_VIEWS if view.__dict__.get("access") == "api-token"
]


def test_the_walk_sees_the_token_authenticated_api():
    assert {name for _route, name in TOKEN_VIEWS} >= {"api-v1:create_action", "api-v1:get_action"}
    assert all(route.startswith("api/v1/") for route, _name in TOKEN_VIEWS)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), TOKEN_VIEWS)
def test_token_authenticated_views_refuse_requests_without_a_token(client, route, name):
    """Whatever the method, a request without a bearer token is refused (401), or the method is
    not served (405); never answered, even with a session."""
    client.force_login(AdminFactory())
    url = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)
    answers = {"get": client.get(url).status_code} | {
        method: getattr(client, method)(url, data="{}", content_type="application/json").status_code
        for method in ("post", "put", "patch", "delete")
    }
    assert set(answers.values()) <= {401, 405}, answers
    assert 401 in answers.values(), answers


# --- Freelancer URLs of someone else's objects answer 404 ---------------------------------------

# Freelancer URLs that take one of the freelancer's enforcement actions: the case page and every
# freelancer view routed by `<int:action_pk>` (found by the walk, so new ones are covered).
FREELANCER_ACTION_URLS = ["appeals:case-detail"] + sorted(
    name
    for route, name, view in ALL_VIEWS
    if getattr(view, "access", None) == "freelancer" and "<int:action_pk>" in route
)


def _visit(client, url: str):
    """GET, or POST (empty form) for the views that only accept POST."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", FREELANCER_ACTION_URLS)
def test_another_freelancers_action_is_not_found(client, freelancer, other_freelancer, url_name):
    theirs = make_action(other_freelancer)
    mine = make_action(freelancer)
    client.force_login(freelancer)
    assert _visit(client, reverse(url_name, args=[mine.pk])).status_code != 404
    assert _visit(client, reverse(url_name, args=[theirs.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", FREELANCER_ACTION_URLS)
def test_a_guessed_action_id_that_does_not_exist_is_not_found(client, freelancer, url_name):
    mine = make_action(freelancer)
    client.force_login(freelancer)
    assert _visit(client, reverse(url_name, args=[mine.pk + 10_000])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", FREELANCER_ACTION_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name):
    response = _visit(client, reverse(url_name, args=[make_action().pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", FREELANCER_ACTION_URLS)
def test_staff_do_not_use_freelancer_pages(client, reviewer, url_name):
    client.force_login(reviewer)
    assert _visit(client, reverse(url_name, args=[make_action().pk])).status_code == 403
