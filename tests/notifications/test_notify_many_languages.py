"""Notifications written in bulk (`notify_many`: the rule-change notices, the SLA sweep) record
the language each recipient reads, like `notify()`, and each email goes out in it: a Russian
and a Spanish recipient in one batch each read their own."""

import pytest
from django.core import mail
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from enforcement import services
from notifications.models import Notification
from notifications.services import notify_many, send_email
from tests.factories import (
    AdminFactory,
    FreelancerFactory,
    ReasonCodeFactory,
    make_action,
    published_version,
)
from tests.notifications.test_email_languages import GREETING

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem_mailer(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _sent(notification: Notification):
    mail.outbox.clear()
    assert send_email(notification.pk)
    [message] = mail.outbox
    return message


def test_one_batch_records_each_recipients_language_and_resolves_lazy_texts_in_it():
    russian = FreelancerFactory(preferred_language="ru")
    spanish = FreelancerFactory(preferred_language="es")
    english = FreelancerFactory(preferred_language="en")
    subject = format_lazy(
        gettext_lazy("Rule {key} changed: version {number}"), key="TOS-1", number=2
    )
    created = notify_many(
        [
            Notification(
                recipient_id=person.pk,
                kind=Notification.Kind.RULE_CHANGED,
                subject=subject,
                body=gettext_lazy("Appeal filed."),
                url="/standing/",
            )
            for person in (russian, spanish, english)
        ]
    )

    stored = {
        n.recipient_id: n for n in Notification.objects.filter(pk__in=[c.pk for c in created])
    }
    assert (stored[russian.pk].language, stored[spanish.pk].language) == ("ru", "es")
    assert stored[english.pk].language == "en"
    assert stored[russian.pk].subject == "Правило TOS-1 изменилось: редакция 2"
    assert stored[russian.pk].body == "Жалоба подана."
    assert stored[spanish.pk].subject == "La norma TOS-1 ha cambiado: versión 2"
    assert stored[spanish.pk].body == "Recurso presentado."
    assert stored[english.pk].subject == "Rule TOS-1 changed: version 2"

    for person, language in ((russian, "ru"), (spanish, "es")):
        message = _sent(stored[person.pk])
        html = message.alternatives[0][0]
        assert f'<html lang="{language}">' in html
        assert GREETING[language] in message.body and GREETING[language] in html
        assert stored[person.pk].subject in message.subject
    assert '<html lang="en">' in _sent(stored[english.pk]).alternatives[0][0]


def test_a_language_the_caller_composed_in_is_kept():
    russian = FreelancerFactory(preferred_language="ru")
    [created] = notify_many(
        [
            Notification(
                recipient_id=russian.pk,
                kind=Notification.Kind.NEW_MESSAGE,
                language="en",
                subject="Written in English",
                body="On purpose.",
            )
        ]
    )
    created.refresh_from_db()
    assert created.language == "en"
    # One email, one language: the greeting around the English text is English too.
    assert '<html lang="en">' in _sent(created).alternatives[0][0]


def test_a_rule_change_tells_a_russian_and_a_spanish_freelancer_each_in_their_language():
    version = published_version(text="Do not use a VPN to hide where you work from.")
    reason = ReasonCodeFactory(rule=version.rule)
    people = {language: FreelancerFactory(preferred_language=language) for language in ("ru", "es")}
    for person in people.values():
        make_action(person, version=version, reason_code=reason)
    admin = AdminFactory()
    draft = services.draft_rule_version(
        version.rule,
        text="Do not misrepresent the country you work from.",
        change_summary="№ 42",
        drafted_by=admin,
    )
    services.publish_rule_version(draft, published_by=admin)

    notices = {
        language: Notification.objects.get(recipient=person, kind=Notification.Kind.RULE_CHANGED)
        for language, person in people.items()
    }
    assert notices["ru"].subject.endswith("изменилось: редакция 2")
    assert notices["es"].subject.endswith("ha cambiado: versión 2")
    for language, notice in notices.items():
        assert notice.language == language
        message = _sent(notice)
        assert f'<html lang="{language}">' in message.alternatives[0][0]
        assert GREETING[language] in message.body
