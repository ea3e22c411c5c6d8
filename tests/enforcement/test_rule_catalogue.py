"""The public rule catalogue: every published version with its history and a readable diff."""

import re
from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import RuleFactory, RuleVersionFactory, published_version

pytestmark = pytest.mark.django_db

V1_TEXT = "Do not ask clients to pay outside the marketplace, for example by bank transfer."
V2_TEXT = "Do not ask or pressure clients to pay outside the marketplace."
DRAFT_TEXT = "A draft wording nobody outside the team may see yet."


@pytest.fixture
def rule():
    rule = RuleFactory(key="TOS-4.2", title="Payments stay on the marketplace")
    now = timezone.now()
    published_version(
        rule,
        text=V1_TEXT,
        examples="Not allowed: sharing your bank details.",
        published_at=now - timedelta(days=400),
        effective_from=now - timedelta(days=390),
    )
    published_version(
        rule,
        text=V2_TEXT,
        examples="Not allowed: sharing your bank details.",
        change_summary="Pressure counts too; the example moved to the examples.",
        published_at=now - timedelta(days=100),
        effective_from=now - timedelta(days=90),
    )
    RuleVersionFactory(rule=rule, draft=True, text=DRAFT_TEXT)
    return rule


def _version_url(key: str, number: int) -> str:
    return reverse("enforcement:rule-version", args=[key, number])


def _marked(content: str, tag: str) -> list[str]:
    """The visible words inside each <ins> or <del>, without the screen-reader labels."""
    found = re.findall(rf"<{tag}>(.*?)</{tag}>", content, flags=re.S)
    return [re.sub(r'<span class="visually-hidden"[^>]*>.*?</span>', "", f) for f in found]


def test_the_rule_list_is_public_and_shows_the_version_in_force(client, rule):
    response = client.get(reverse("enforcement:rule-list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "TOS-4.2 Payments stay on the marketplace" in content
    assert f'<a href="{_version_url("TOS-4.2", 2)}">Version 2</a> in force since' in content


def test_the_rule_list_announces_a_version_that_takes_effect_later(client, rule):
    now = timezone.now()
    published_version(
        rule,
        text="Coming wording.",
        change_summary="Clarified.",
        published_at=now - timedelta(days=1),
        effective_from=now + timedelta(days=30),
    )
    content = client.get(reverse("enforcement:rule-list")).content.decode()
    assert f'<a href="{_version_url("TOS-4.2", 2)}">Version 2</a> in force since' in content
    assert f'<a href="{_version_url("TOS-4.2", 3)}">Version 3</a> takes effect on' in content


def test_the_rule_page_lists_the_full_history_with_change_summaries(client, rule):
    response = client.get(reverse("enforcement:rule-detail", args=["TOS-4.2"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert _version_url("TOS-4.2", 1) in content
    assert _version_url("TOS-4.2", 2) in content
    assert "Pressure counts too; the example moved to the examples." in content
    assert "First version" in content
    assert "Replaced" in content
    assert "In force" in content


def test_a_version_page_shows_its_exact_text_and_dates(client, rule):
    v1 = rule.versions.get(number=1)
    response = client.get(_version_url("TOS-4.2", 1))
    content = response.content.decode()
    assert response.status_code == 200
    # The binding English text, marked as English (the statement's own partial shows it).
    assert (
        f'<blockquote class="rule-text" cite="{settings.SITE_URL}{_version_url("TOS-4.2", 1)}" '
        f'lang="en">{V1_TEXT}</blockquote>'
    ) in content
    assert "Not allowed: sharing your bank details." in content
    for moment in (v1.effective_from, v1.published_at):
        utc = timezone.localtime(moment, UTC)  # anonymous visitors see UTC
        assert f"{utc.day} {utc:%B %Y, %H:%M} UTC" in content
    assert "This version has been replaced." in content


def test_the_diff_marks_added_and_removed_words_between_v1_and_v2(client, rule):
    response = client.get(_version_url("TOS-4.2", 2))
    content = response.content.decode()
    added = " ".join(_marked(content, "ins"))
    removed = " ".join(_marked(content, "del"))
    assert "or pressure" in added
    assert "bank transfer" in removed
    assert "pressure" not in removed
    assert "bank transfer" not in added
    assert '<span class="visually-hidden" lang="en">[added: </span>' in content
    assert '<span class="visually-hidden" lang="en">[removed: </span>' in content
    assert "The examples did not change." in content


def test_the_first_version_has_no_diff(client, rule):
    content = client.get(_version_url("TOS-4.2", 1)).content.decode()
    assert "Changes from" not in content
    assert "<ins>" not in content


def test_a_version_not_yet_in_effect_says_so(client, rule):
    now = timezone.now()
    published_version(
        rule,
        text="Coming wording.",
        change_summary="Clarified.",
        published_at=now - timedelta(days=1),
        effective_from=now + timedelta(days=30),
    )
    content = client.get(_version_url("TOS-4.2", 3)).content.decode()
    assert "This version is not yet in effect" in content
    assert f'Until then, <a href="{_version_url("TOS-4.2", 2)}">version 2</a> applies.' in content


def test_draft_versions_are_never_listed_or_shown(client, rule):
    for url in (
        reverse("enforcement:rule-list"),
        reverse("enforcement:rule-detail", args=["TOS-4.2"]),
        _version_url("TOS-4.2", 2),
    ):
        assert DRAFT_TEXT not in client.get(url).content.decode()
    # The draft would become version 3 once published; until then there is no version 3.
    assert client.get(_version_url("TOS-4.2", 3)).status_code == 404


def test_a_rule_with_only_a_draft_is_not_in_the_catalogue(client):
    rule = RuleFactory(key="TOS-9.9", title="Not yet published")
    RuleVersionFactory(rule=rule, draft=True, text=DRAFT_TEXT)
    assert "TOS-9.9" not in client.get(reverse("enforcement:rule-list")).content.decode()
    assert client.get(reverse("enforcement:rule-detail", args=["TOS-9.9"])).status_code == 404
    assert client.get(_version_url("TOS-9.9", 1)).status_code == 404


def test_an_unknown_rule_key_is_not_found(client, rule):
    assert client.get(reverse("enforcement:rule-detail", args=["TOS-404"])).status_code == 404
    assert client.get(_version_url("TOS-404", 1)).status_code == 404


def test_an_unknown_version_number_is_not_found(client, rule):
    assert client.get(_version_url("TOS-4.2", 99)).status_code == 404


def test_signed_in_people_see_the_same_catalogue(client, freelancer, rule):
    client.force_login(freelancer)
    assert client.get(_version_url("TOS-4.2", 2)).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        reverse("enforcement:rule-list"),
        reverse("enforcement:rule-detail", args=["TOS-4.2"]),
        reverse("enforcement:rule-version", args=["TOS-4.2", 1]),
        reverse("enforcement:redress"),
    ],
)
def test_post_is_not_allowed(client, rule, url):
    assert client.post(url).status_code == 405


def test_the_redress_page_is_public(client):
    response = client.get(reverse("enforcement:redress"))
    assert response.status_code == 200
    assert b"out-of-court dispute settlement body" in response.content
