"""German (issue #18, shipped): a choice's label inside a sentence keeps its capital in German,
where every noun has one, and is lower-cased in the other languages (infra/words.py); the
statement, the standing page and the notices a German reader gets read that way."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from enforcement import services
from enforcement.models import EnforcementAction
from infra.words import in_sentence, lazy_in_sentence
from notifications.models import Notification
from tests.factories import FreelancerFactory, make_action

SUSPENSION = EnforcementAction.RestrictionType.TEMPORARY_SUSPENSION


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "temporary suspension"),
        ("ru", "временная приостановка"),
        ("es", "suspensión temporal"),
        ("de", "Vorübergehende Sperrung"),
    ],
)
def test_a_label_inside_a_sentence_is_lower_case_except_in_german(language, expected):
    with translation.override(language):
        assert in_sentence(SUSPENSION.label) == expected


def test_the_lazy_label_is_resolved_in_the_language_it_is_read_in():
    label = lazy_in_sentence(SUSPENSION.label)
    with translation.override("de"):
        assert str(label) == "Vorübergehende Sperrung"
    with translation.override("en"):
        assert str(label) == "temporary suspension"


@pytest.mark.django_db
def test_a_german_reader_reads_the_statement_and_standing_with_the_noun_capitalised(client):
    freelancer = FreelancerFactory(preferred_language="de")
    action = make_action(freelancer, ends_at=timezone.now() + timedelta(days=7))
    client.force_login(freelancer)
    statement = client.get(action.get_absolute_url()).content.decode()
    assert '<html lang="de"' in statement
    assert "Diese Maßnahme (Vorübergehende Sperrung) gilt bis zum" in statement
    assert "vorübergehende sperrung" not in statement
    standing = client.get(reverse("enforcement:standing")).content.decode()
    assert "Ihr Konto ist derzeit beschränkt" in standing
    assert "(Vorübergehende Sperrung)" in standing
    assert "vorübergehende sperrung" not in standing


@pytest.mark.django_db
def test_a_german_readers_notices_name_the_restriction_with_its_capital():
    freelancer = FreelancerFactory(preferred_language="de")
    now = timezone.now()
    make_action(freelancer, ends_at=now + timedelta(days=1))
    issued = Notification.objects.get(recipient=freelancer, kind=Notification.Kind.ACTION_ISSUED)
    assert issued.subject == "Neue Entscheidung zu Ihrem Konto: Vorübergehende Sperrung"
    services.expire_ended_actions(now=now + timedelta(days=2))
    ended = Notification.objects.get(recipient=freelancer, kind=Notification.Kind.ACTION_ENDED)
    assert ended.subject.startswith("Ihre Maßnahme „Vorübergehende Sperrung“ ist beendet")


@pytest.mark.django_db
def test_the_decision_notice_names_the_restriction_in_the_recipients_language():
    # Composed while English is active (a staff request, a worker): the label is resolved in
    # the recipient's language, not in the one active when the action was issued.
    freelancer = FreelancerFactory(preferred_language="ru")
    with translation.override("en"):
        make_action(freelancer)
    issued = Notification.objects.get(recipient=freelancer, kind=Notification.Kind.ACTION_ISSUED)
    assert issued.subject.endswith(": временная приостановка")
