"""A published rule version is immutable at every layer: model, queryset, SQL and admin."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from enforcement import services
from enforcement.models import RuleVersion
from tests.factories import RuleFactory, RuleVersionFactory, published_version

pytestmark = pytest.mark.django_db

ORIGINAL_TEXT = "Payments for marketplace work go through the marketplace."


@pytest.fixture
def published():
    return published_version(text=ORIGINAL_TEXT)


def _draft(rule, *, text="Draft wording of the rule.", change_summary="", effective_from=None):
    return services.draft_rule_version(
        rule,
        text=text,
        change_summary=change_summary,
        effective_from=effective_from,
        drafted_by=None,
    )


def _text_in_database(version: RuleVersion) -> str:
    return RuleVersion.objects.values_list("text", flat=True).get(pk=version.pk)


# --- Published versions cannot change ----------------------------------------------------------


def test_saving_a_changed_published_version_is_refused(published):
    published.text = "Rewritten in place."
    with pytest.raises(ValueError, match="immutable"):
        published.save()
    assert _text_in_database(published) == ORIGINAL_TEXT


def test_deleting_a_published_version_is_refused(published):
    with pytest.raises(ValueError, match="never be deleted"):
        published.delete()
    assert RuleVersion.objects.filter(pk=published.pk).exists()


def test_queryset_update_of_a_published_version_is_refused_by_the_database(published):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        RuleVersion.objects.filter(pk=published.pk).update(text="Rewritten in place.")
    assert _text_in_database(published) == ORIGINAL_TEXT


def test_queryset_delete_of_a_published_version_is_refused_by_the_database(published):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        RuleVersion.objects.filter(pk=published.pk).delete()
    assert RuleVersion.objects.filter(pk=published.pk).exists()


def test_raw_sql_update_of_a_published_version_is_refused(published):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enforcement_ruleversion SET text = %s WHERE id = %s",
            ["Rewritten in place.", published.pk],
        )
    assert _text_in_database(published) == ORIGINAL_TEXT


def test_raw_sql_cannot_unpublish_a_version_to_edit_it(published):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enforcement_ruleversion SET published_at = NULL, number = NULL WHERE id = %s",
            [published.pk],
        )
    assert RuleVersion.objects.get(pk=published.pk).is_published


def test_raw_sql_delete_of_a_published_version_is_refused(published):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM enforcement_ruleversion WHERE id = %s", [published.pk])
    assert RuleVersion.objects.filter(pk=published.pk).exists()


# --- Drafts --------------------------------------------------------------------------------------


def test_a_draft_can_be_edited():
    draft = _draft(RuleFactory())
    draft.text = "Better wording."
    draft.save()
    RuleVersion.objects.filter(pk=draft.pk).update(examples="An example.")
    draft.refresh_from_db()
    assert (draft.text, draft.examples) == ("Better wording.", "An example.")


def test_a_draft_can_be_deleted():
    draft = _draft(RuleFactory())
    draft.delete()
    assert not RuleVersion.objects.filter(pk=draft.pk).exists()


def test_a_draft_has_no_number_and_is_not_published():
    draft = _draft(RuleFactory())
    assert draft.number is None
    assert not draft.is_published
    assert str(draft).endswith("(draft)")


def test_drafting_a_version_without_text_is_refused():
    with pytest.raises(ValidationError):
        _draft(RuleFactory(), text="   ")


# --- Publishing ----------------------------------------------------------------------------------


def test_publishing_assigns_consecutive_numbers(admin_user):
    rule = RuleFactory()
    numbers = []
    for index in range(3):
        draft = _draft(rule, text=f"Wording {index}", change_summary=f"Change {index}")
        # A discarded draft in between leaves no gap in the published numbers.
        _draft(rule, text="Abandoned idea").delete()
        numbers.append(services.publish_rule_version(draft, published_by=admin_user).number)
    assert numbers == [1, 2, 3]


def test_publishing_records_who_and_when_and_audits_it(admin_user):
    draft = _draft(RuleFactory())
    published = services.publish_rule_version(draft, published_by=admin_user)
    assert published.published_by == admin_user
    assert published.published_at is not None
    assert published.effective_from == published.published_at
    assert AuditEvent.objects.filter(
        verb="rule_version.published", object_id=str(published.pk)
    ).exists()


def test_publishing_refuses_an_effective_date_in_the_past(admin_user):
    draft = _draft(RuleFactory(), effective_from=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        services.publish_rule_version(draft, published_by=admin_user)
    assert "effective_from" in refused.value.message_dict
    assert not RuleVersion.objects.get(pk=draft.pk).is_published


def test_publishing_accepts_an_effective_date_in_the_future(admin_user):
    later = timezone.now() + timedelta(days=30)
    draft = _draft(RuleFactory(), effective_from=later)
    assert services.publish_rule_version(draft, published_by=admin_user).effective_from == later


def test_a_later_version_needs_a_change_summary(admin_user):
    rule = published_version().rule
    draft = _draft(rule, change_summary="  ")
    with pytest.raises(ValidationError) as refused:
        services.publish_rule_version(draft, published_by=admin_user)
    assert "change_summary" in refused.value.message_dict
    assert not RuleVersion.objects.get(pk=draft.pk).is_published


def test_the_first_version_needs_no_change_summary(admin_user):
    draft = _draft(RuleFactory(), change_summary="")
    assert services.publish_rule_version(draft, published_by=admin_user).number == 1


def test_publishing_a_version_twice_is_refused(admin_user):
    draft = _draft(RuleFactory())
    services.publish_rule_version(draft, published_by=admin_user)
    with pytest.raises(ValidationError, match="already published"):
        services.publish_rule_version(draft, published_by=admin_user)


# --- Which version is in force ------------------------------------------------------------------


def test_in_force_at_picks_the_version_whose_effective_date_has_come():
    now = timezone.now()
    rule = RuleFactory()
    first = RuleVersionFactory(
        rule=rule,
        number=1,
        published_at=now - timedelta(days=100),
        effective_from=now - timedelta(days=90),
    )
    second = RuleVersionFactory(
        rule=rule,
        number=2,
        change_summary="Clarified.",
        published_at=now - timedelta(days=20),
        effective_from=now - timedelta(days=10),
    )
    RuleVersionFactory(rule=rule, draft=True)

    def in_force(when):
        return list(RuleVersion.objects.in_force_at(when).filter(rule=rule))

    assert in_force(now - timedelta(days=95)) == []
    assert in_force(now - timedelta(days=90)) == [first]
    # Published but not yet effective: the older text still applies.
    assert in_force(now - timedelta(days=15)) == [first]
    assert in_force(now - timedelta(days=10)) == [second]
    assert in_force(now) == [second]


def test_a_version_published_for_a_future_date_takes_over_only_on_that_date(admin_user):
    now = timezone.now()
    current = published_version()
    later = now + timedelta(days=7)
    draft = _draft(current.rule, change_summary="Tightened.", effective_from=later)
    upcoming = services.publish_rule_version(draft, published_by=admin_user)

    assert list(RuleVersion.objects.in_force_at(now).filter(rule=current.rule)) == [current]
    assert list(
        RuleVersion.objects.in_force_at(later + timedelta(seconds=1)).filter(rule=current.rule)
    ) == [upcoming]


def test_in_force_at_keeps_one_version_per_rule():
    versions = [published_version() for _ in range(3)]
    in_force = set(RuleVersion.objects.in_force_at(timezone.now()))
    assert in_force == set(versions)


# --- Admin ---------------------------------------------------------------------------------------


def _admin_change_url(version: RuleVersion) -> str:
    return reverse("admin:enforcement_ruleversion_change", args=[version.pk])


def test_admin_change_page_of_a_published_version_has_no_editable_fields(client, admin_user):
    published = published_version(text=ORIGINAL_TEXT)
    client.force_login(admin_user)
    response = client.get(_admin_change_url(published))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == []
    body = response.text
    for field in ("text", "examples", "change_summary", "effective_from", "rule"):
        assert f'name="{field}"' not in body
    assert ORIGINAL_TEXT in body


def test_admin_post_to_a_published_version_changes_nothing(client, admin_user):
    published = published_version(text=ORIGINAL_TEXT)
    client.force_login(admin_user)
    response = client.post(
        _admin_change_url(published),
        {
            "rule": published.rule_id,
            "text": "Rewritten in the admin.",
            "examples": "",
            "change_summary": "",
            "effective_from_0": "2020-01-01",
            "effective_from_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    assert _text_in_database(published) == ORIGINAL_TEXT


def test_admin_offers_no_delete_for_a_published_version(client, admin_user):
    published = published_version()
    client.force_login(admin_user)
    url = reverse("admin:enforcement_ruleversion_delete", args=[published.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert RuleVersion.objects.filter(pk=published.pk).exists()


def test_admin_can_edit_a_draft(client, admin_user):
    draft = _draft(RuleFactory())
    client.force_login(admin_user)
    response = client.post(
        _admin_change_url(draft),
        {
            "rule": draft.rule_id,
            "text": "Edited in the admin.",
            "examples": "",
            "change_summary": "",
            "effective_from_0": "",
            "effective_from_1": "",
        },
    )
    assert response.status_code == 302
    assert _text_in_database(draft) == "Edited in the admin."


PUBLISH = {"action": "publish", "post": "yes", "confirm": "on"}


def test_admin_publish_action_publishes_a_draft(client, admin_user):
    draft = _draft(RuleFactory())
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:enforcement_ruleversion_changelist"),
        {**PUBLISH, "_selected_action": [draft.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.number, draft.published_by) == (1, admin_user)
    assert f"Published {draft}" in response.text


def test_admin_publish_action_reports_a_refusal(client, admin_user):
    rule = published_version().rule
    draft = _draft(rule, change_summary="")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:enforcement_ruleversion_changelist"),
        {**PUBLISH, "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Say what changed" in response.text
    assert not RuleVersion.objects.get(pk=draft.pk).is_published


def test_admin_publishing_first_previews_the_public_diff_and_publishes_nothing(client, admin_user):
    current = published_version(text="Freelancers must not take payment outside the marketplace.")
    draft = _draft(
        current.rule,
        text="Freelancers must not ask for or take payment outside the marketplace.",
        change_summary="Asking counts too.",
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:enforcement_ruleversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert f"version {current.number + 1} (replaces version {current.number})" in content
    # The same word diff markup as the public version page.
    assert '<ins><span class="visually-hidden" lang="en">[added: </span> ask for or' in content
    assert "Asking counts too." in content
    assert re.search(r'<input type="checkbox" name="confirm" required[^>]*>', content)
    assert not RuleVersion.objects.get(pk=draft.pk).is_published

    # Posted back without the box ticked: still nothing published, and the preview says why.
    response = client.post(
        reverse("admin:enforcement_ruleversion_changelist"),
        {"action": "publish", "post": "yes", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 200
    assert "Tick this box to confirm" in response.content.decode()
    assert not RuleVersion.objects.get(pk=draft.pk).is_published

    client.post(
        reverse("admin:enforcement_ruleversion_changelist"),
        {**PUBLISH, "_selected_action": [draft.pk]},
    )
    published = RuleVersion.objects.get(pk=draft.pk)
    assert published.number == current.number + 1
    public = client.get(published.get_absolute_url()).content.decode()
    assert '<ins><span class="visually-hidden" lang="en">[added: </span> ask for or' in public


def test_admin_refuses_to_publish_two_drafts_of_one_rule_at_once_and_says_why(client, admin_user):
    """Both drafts would be previewed as "version N+1" against version N, though the second
    would replace the first: the publish step refuses the pair instead of showing a number or a
    diff that would not be true."""
    current = published_version(text=ORIGINAL_TEXT)
    first = _draft(current.rule, text="First rewording.", change_summary="One.")
    second = _draft(current.rule, text="Second rewording.", change_summary="Two.")
    other_rule = _draft(published_version().rule, text="Elsewhere.", change_summary="Three.")
    selected = [first.pk, second.pk, other_rule.pk]
    client.force_login(admin_user)
    changelist = reverse("admin:enforcement_ruleversion_changelist")

    preview = client.post(
        changelist, {"action": "publish", "_selected_action": selected}, follow=True
    )
    page = preview.content.decode()
    assert preview.redirect_chain == [(changelist, 302)]  # no preview page with a wrong number
    assert (
        f"Nothing was published: you selected several drafts of the same rule "
        f"({current.rule.key}: 2 drafts (ids {first.pk}, {second.pk}))"
    ) in page
    assert f"version {current.number + 1}" not in page

    # Posted as if confirmed (a stale or forged form): still refused, nothing published.
    client.post(changelist, {**PUBLISH, "_selected_action": selected}, follow=True)
    assert not RuleVersion.objects.filter(pk__in=selected, published_at__isnull=False).exists()

    # One draft of the rule at a time: it gets N+1, and the next draft's preview then says N+2.
    client.post(changelist, {**PUBLISH, "_selected_action": [first.pk]})
    assert RuleVersion.objects.get(pk=first.pk).number == current.number + 1
    page = client.post(changelist, {"action": "publish", "_selected_action": [second.pk]})
    assert (
        f"version {current.number + 2} (replaces version {current.number + 1})"
        in page.content.decode()
    )
