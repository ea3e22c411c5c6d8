"""`Cache-Control: no-store, private` on every page with personal data (a middleware default);
only the public pages opt out with `@cache_public`, and only for visitors who are not signed in."""

import pytest
from django.urls import get_resolver, reverse

from tests.factories import ReviewerFactory, in_queue, make_action, make_appeal
from tests.test_access_declared import _walk

pytestmark = pytest.mark.django_db

# Every view that may be kept by a cache: nothing personal for an anonymous visitor.
PUBLIC = {
    "home",
    "healthz",
    "enforcement:rule-list",
    "enforcement:rule-feed",
    "enforcement:rule-detail",
    "enforcement:rule-compare",
    "enforcement:rule-version",
    "enforcement:redress",
    "transparency:report",
    "transparency:report-csv",
    "transparency:report-json",
}


def _private(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_exactly_the_public_pages_opt_out():
    opted_out = {
        name
        for _route, name, view in _walk(get_resolver().url_patterns)
        if getattr(view, "cache_public", False)
    }
    assert opted_out == PUBLIC


def test_pages_with_personal_data_are_never_stored(client, freelancer):
    action = make_action(freelancer)
    appeal = make_appeal(action)
    client.force_login(freelancer)
    for url in [
        reverse("enforcement:standing"),
        action.get_absolute_url(),
        reverse("notifications:inbox"),
        reverse("accounts:profile"),
        reverse("appeals:case-bundle", args=[action.pk, "json"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _private(response), (url, response.get("Cache-Control"))

    reviewer = ReviewerFactory()
    in_queue(appeal, reviewer)
    client.force_login(reviewer)
    for url in [
        reverse("appeals:review-list"),
        reverse("appeals:review-detail", args=[appeal.pk]),
        reverse("enforcement:staff-home"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _private(response), (url, response.get("Cache-Control"))


def test_errors_and_redirects_are_not_stored_either(client, freelancer):
    client.force_login(freelancer)
    assert _private(client.get("/standing/actions/999999/"))
    client.logout()
    assert _private(client.get(reverse("enforcement:standing")))  # the redirect to sign in


def test_public_pages_may_be_cached_for_anonymous_visitors_only(client, freelancer):
    for url in [reverse("home"), reverse("enforcement:rule-list"), reverse("transparency:report")]:
        anonymous = client.get(url)
        assert anonymous.status_code == 200
        assert "no-store" not in anonymous.get("Cache-Control", ""), url
    client.force_login(freelancer)
    # The header of every page names the signed-in person.
    assert _private(client.get(reverse("enforcement:rule-list")))
