"""Translations of published rule versions and their reason codes: drafted and published in the
admin, immutable once published (the database refuses, whatever path writes), shown on the
statement of reasons beside the binding English text."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import AuditEvent
from enforcement import services
from enforcement.models import ReasonCodeTranslation, RuleVersionTranslation
from tests.factories import (
    FreelancerFactory,
    ReasonCodeFactory,
    RuleVersionFactory,
    make_action,
    published_version,
)

pytestmark = pytest.mark.django_db

RU_TITLE = "Оплата вне маркетплейса"
RU_TEXT = "Фрилансер не может просить клиента платить в обход маркетплейса."
RU_REASON = "Оплата договорена вне маркетплейса"
RU_EXPLANATION = "Мы установили, что оплата работы была договорена вне маркетплейса."
RU_ADVICE = "Покажите, что оплата прошла через маркетплейс, или объясните обстоятельства."


@pytest.fixture
def version():
    return published_version(text="A freelancer may not ask a client to pay off the marketplace.")


@pytest.fixture
def reason(version):
    return ReasonCodeFactory(rule=version.rule, title="Payment arranged off the marketplace")


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _draft_in_admin(client, version, reason) -> RuleVersionTranslation:
    response = client.post(
        reverse("admin:enforcement_ruleversiontranslation_add"),
        {
            "version": version.pk,
            "language": "ru",
            "title": RU_TITLE,
            "text": RU_TEXT,
            "examples": "",
            "reasons-TOTAL_FORMS": "1",
            "reasons-INITIAL_FORMS": "0",
            "reasons-MIN_NUM_FORMS": "0",
            "reasons-MAX_NUM_FORMS": "1000",
            "reasons-0-reason_code": reason.pk,
            "reasons-0-title": RU_REASON,
            "reasons-0-explanation": RU_EXPLANATION,
            "reasons-0-what_you_can_do": RU_ADVICE,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return RuleVersionTranslation.objects.get(version=version, language="ru")


def _publish_in_admin(client, translation) -> None:
    response = client.post(
        reverse("admin:enforcement_ruleversiontranslation_changelist"),
        {"action": "publish", "_selected_action": [translation.pk]},
    )
    assert response.status_code == 302


@pytest.fixture
def published(as_admin, version, reason) -> RuleVersionTranslation:
    translation = _draft_in_admin(as_admin, version, reason)
    _publish_in_admin(as_admin, translation)
    translation.refresh_from_db()
    return translation


def test_a_translation_drafted_and_published_in_the_admin_is_published_with_its_reasons(
    published, admin_user
):
    assert published.is_published
    assert published.published_by == admin_user
    [reason] = published.reasons.all()
    assert reason.published_at == published.published_at
    assert AuditEvent.objects.filter(
        verb="rule_version_translation.published", object_id=str(published.pk)
    ).exists()
    assert AuditEvent.objects.filter(
        verb="rule_version_translation.drafted", object_id=str(published.pk)
    ).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE enforcement_ruleversiontranslation SET text = 'changed' WHERE id = %s",
        "DELETE FROM enforcement_ruleversiontranslation WHERE id = %s",
        "UPDATE enforcement_reasoncodetranslation SET explanation = 'changed' "
        "WHERE translation_id = %s",
        "DELETE FROM enforcement_reasoncodetranslation WHERE translation_id = %s",
    ],
)
def test_the_database_refuses_to_change_a_published_translation(published, statement):
    with (
        pytest.raises(IntegrityError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [published.pk])
    published.refresh_from_db()
    assert published.text == RU_TEXT
    assert published.reasons.get().explanation == RU_EXPLANATION


def test_a_queryset_update_around_the_models_is_refused_too(published):
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersionTranslation.objects.filter(pk=published.pk).update(title="changed")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReasonCodeTranslation.objects.filter(translation=published).update(title="changed")


def test_a_draft_translation_can_still_be_corrected(as_admin, version, reason):
    translation = _draft_in_admin(as_admin, version, reason)
    RuleVersionTranslation.objects.filter(pk=translation.pk).update(title="Исправлено")
    translation.refresh_from_db()
    assert translation.title == "Исправлено"


def test_the_admin_shows_a_published_translation_read_only(as_admin, published):
    url = reverse("admin:enforcement_ruleversiontranslation_change", args=[published.pk])
    response = as_admin.post(url, {"title": "changed", "text": "changed", "language": "ru"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title == RU_TITLE


def test_a_translation_of_a_draft_version_cannot_be_published(admin_user):
    draft = RuleVersionFactory(draft=True)
    translation = RuleVersionTranslation.objects.create(
        version=draft, language="es", title="Título", text="Texto"
    )
    with pytest.raises(Exception, match="Publish the rule version"):
        services.publish_rule_translation(translation, published_by=admin_user)


def _statement(client, action, language: str) -> str:
    client.force_login(action.account)
    response = client.get(
        reverse("appeals:case-detail", args=[action.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_statement_shows_the_translation_beside_the_binding_english(
    client, published, version, reason
):
    freelancer = FreelancerFactory(preferred_language="ru")
    action = make_action(freelancer, version=version, reason_code=reason)
    page = _statement(client, action, "ru")
    rule = page[page.index('id="rule"') : page.index('id="reason"')]
    assert RU_TITLE in rule
    assert f'<blockquote class="rule-text" lang="ru">{RU_TEXT}</blockquote>' in rule
    assert "Юридически обязательным является текст на английском языке" in rule
    assert re.search(
        r'<blockquote class="rule-text"[^>]*lang="en">' + re.escape(version.text), rule
    )
    why = page[page.index('id="reason"') : page.index('id="facts"')]
    assert RU_REASON in why and RU_EXPLANATION in why and RU_ADVICE in why
    # The binding English reason stays on the page, marked as English.
    assert '<div lang="en">' in why and "Payment arranged off the marketplace" in why


def test_without_a_translation_the_statement_says_so_and_shows_the_english(
    client, published, version, reason
):
    freelancer = FreelancerFactory(preferred_language="es")
    action = make_action(freelancer, version=version, reason_code=reason)
    page = _statement(client, action, "es")
    rule = page[page.index('id="rule"') : page.index('id="reason"')]
    assert "Esta versión de la norma no está traducida a su idioma" in rule
    assert RU_TEXT not in page
    assert re.search(
        r'<blockquote class="rule-text"[^>]*lang="en">' + re.escape(version.text), rule
    )
    why = page[page.index('id="reason"') : page.index('id="facts"')]
    assert "Esta explicación no está traducida a su idioma" in why


def test_an_unpublished_translation_is_never_shown(client, as_admin, version, reason):
    _draft_in_admin(as_admin, version, reason)
    freelancer = FreelancerFactory(preferred_language="ru")
    action = make_action(freelancer, version=version, reason_code=reason)
    page = _statement(client, action, "ru")
    assert RU_TEXT not in page
    assert "Эта редакция правила не переведена на ваш язык" in page
