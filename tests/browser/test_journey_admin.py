"""The admin's journey in a real browser: publishing rule versions through the preview of the
public diff. Two drafts of one rule are refused together (each would be previewed as the same
next number); one at a time, each preview gives the number the database then assigns. Every
page passes axe and logs no CSP violation. (Every admin page of every object state answering
without a 500: tests/accounts/test_admin_walk.py.)
"""

import re

import pytest
from playwright.sync_api import Page, expect

from enforcement.models import RuleVersion
from enforcement.services import draft_rule_version
from tests.browser.conftest import assert_no_axe_violations, csp_violations, sign_in
from tests.factories import AdminFactory, published_version

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
]


def _run_publish(page: Page, *drafts: RuleVersion) -> None:
    page.goto("/admin/enforcement/ruleversion/")
    for draft in drafts:
        page.locator(f'input[name="_selected_action"][value="{draft.pk}"]').check()
    page.get_by_label("Action:").select_option("publish")
    page.get_by_role("button", name="Run").click()


def test_an_admin_previews_the_public_diff_then_publishes_rule_versions_one_at_a_time(
    page: Page, live_server, console_errors
):
    current = published_version(text="Freelancers must not take payment outside the marketplace.")
    draft = draft_rule_version(
        current.rule,
        text="Freelancers must not ask for or take payment outside the marketplace.",
        change_summary="Asking for it counts too.",
        drafted_by=None,
    )
    later = draft_rule_version(
        current.rule,
        text="Freelancers must not ask for, offer or take payment outside the marketplace.",
        change_summary="Offering it counts too.",
        drafted_by=None,
    )
    admin = AdminFactory(email="ada@example.test")
    sign_in(page, admin.email)

    # --- Both drafts of the rule at once: refused, with the reason ------------------------------
    _run_publish(page, draft, later)
    expect(page.locator(".messagelist .error")).to_contain_text(
        f"Nothing was published: you selected several drafts of the same rule "
        f"({current.rule.key}: 2 drafts (ids {draft.pk}, {later.pk}))"
    )
    assert not RuleVersion.objects.filter(
        pk__in=[draft.pk, later.pk], published_at__isnull=False
    ).exists()
    assert_no_axe_violations(page)

    # --- One draft: the preview gives the number it will get and the public diff ---------------
    _run_publish(page, draft)
    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"{current.rule}: version {current.number + 1} (replaces version {current.number})"
    )
    expect(page.locator(".publish-preview ins").first).to_contain_text("ask")
    assert not RuleVersion.objects.get(pk=draft.pk).is_published
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Publish 1 version").click()
    assert not RuleVersion.objects.get(pk=draft.pk).is_published  # the box is required
    page.get_by_label(re.compile("^I have checked what the public catalogue will show")).check()
    page.get_by_role("button", name="Publish 1 version").click()
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"Published {current.rule.key} v{current.number + 1}"
    )
    published = RuleVersion.objects.get(pk=draft.pk)
    assert published.number == current.number + 1

    # --- The next draft is previewed against the version just published, as number N+2 ---------
    _run_publish(page, later)
    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"{current.rule}: version {published.number + 1} (replaces version {published.number})"
    )
    expect(page.locator(".publish-preview ins").first).to_contain_text("offer")
    assert_no_axe_violations(page)

    page.goto(published.get_absolute_url())
    expect(page.locator(".diff ins").first).to_contain_text("ask for or")
    assert_no_axe_violations(page)
    assert csp_violations(console_errors) == []
