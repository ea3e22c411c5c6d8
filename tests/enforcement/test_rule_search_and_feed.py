"""The public catalogue answers "is this allowed?", compares any two versions, and has a feed."""

import pytest
from django.urls import reverse

from enforcement import services
from tests.factories import AdminFactory, RuleFactory, published_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def location_rule():
    rule = RuleFactory(key="TOS-7.1", title="Where you work from")
    published_version(rule, text="Do not use a VPN to hide where you work from.", examples="")
    admin = AdminFactory()
    for text in (
        "Do not misrepresent the country you work from.",
        "Do not misrepresent the country you work from, in your profile or to clients.",
    ):
        draft = services.draft_rule_version(
            rule, text=text, change_summary="Clearer.", narrows=True, drafted_by=admin
        )
        services.publish_rule_version(draft, published_by=admin)
    return rule


def test_a_search_finds_the_rules_in_force_that_mention_the_words(client, location_rule):
    html = client.get(reverse("enforcement:rule-list"), {"q": "country"}).content.decode()
    assert "1 rule in force mentions “country”" in html
    assert "TOS-7.1" in html


def test_a_word_no_rule_in_force_uses_is_said_plainly(client, location_rule):
    # Version 1 mentioned a VPN; the version in force does not.
    html = client.get(reverse("enforcement:rule-list"), {"q": "VPN"}).content.decode()
    assert "No published rule mentions VPN" in html
    assert "TOS-7.1" not in html.split("No published rule mentions VPN")[1]


def test_any_two_versions_compare_word_by_word(client, location_rule):
    url = reverse("enforcement:rule-compare", args=["TOS-7.1"])
    html = client.get(url, {"from": 1, "to": 3}).content.decode()
    assert "<del>" in html and "VPN" in html
    assert "in your profile or to clients" in html
    assert client.get(url, {"from": 1, "to": 9}).status_code == 400
    assert client.get(url, {"from": "x"}).status_code == 400
    assert client.post(url).status_code == 405


def test_the_atom_feed_lists_every_published_version(client, location_rule):
    response = client.get(reverse("enforcement:rule-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert body.count("<entry>") == 3
    assert "TOS-7.1 Where you work from: version 3" in body
    assert "This change narrows the rule." in body
