"""Every kind of email a freelancer receives goes out in their own language: subject, body,
greeting, links and dates, composed by the real domain paths and sent by the real delivery."""

import re
from datetime import timedelta

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from appeals import services as appeal_services
from appeals.models import Appeal
from appeals.operations.routing import route_appeal
from enforcement import services
from enforcement.choices import DecisionAccount
from enforcement.models import EnforcementAction
from notifications.models import Notification
from notifications.services import send_email
from tests.factories import (
    EnforcerFactory,
    FreelancerFactory,
    ReviewerFactory,
    action_request,
    claim,
    make_action,
    make_appeal,
)

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
FREELANCER_KINDS = {
    Kind.APPEAL_RECEIVED,
    Kind.INFO_REQUESTED,
    Kind.NEW_MESSAGE,
    Kind.DECISION,
    Kind.ACTION_ISSUED,
    Kind.ACTION_TOOK_EFFECT,
    Kind.ACTION_WITHDRAWN,
    Kind.RULE_CHANGED,
    Kind.ACTION_ENDED,
    Kind.FUNDS_RELEASED,
}
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]
GREETING = {"ru": "Здравствуйте", "es": "Hola", "uk": "Вітаю", "de": "Guten Tag"}
# What people write (a reviewer's question and reasons, a change summary) is their own text;
# here it is neutral, so that any English left is the portal's.
WRITTEN = "№ 42 — 2026-05-03"


@pytest.fixture(autouse=True)
def locmem_mailer(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def english_sentences(language: str) -> list[str]:
    """The portal's English texts of two words or more, placeholders taken out."""
    catalogue = polib.pofile(
        str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po")
    )
    texts = []
    for entry in catalogue:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for part in re.split(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>", msgid):
                part = part.strip(" .,:;()")
                if len(part.split()) >= 2:
                    texts.append(part)
    return texts


def _termination(account, **overrides) -> EnforcementAction:
    request = action_request(
        account,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
        decision_account=DecisionAccount.TERMINATED,
        **overrides,
    )
    return services.issue_action(request, issued_by=EnforcerFactory())


def every_freelancer_email(language: str) -> dict[str, Notification]:
    """Drive each path that tells a freelancer something; return one notification per kind."""
    freelancer = FreelancerFactory(preferred_language=language)
    reviewer = ReviewerFactory()
    now = timezone.now()

    # Issued, then ended on its end date (its held funds released with it).
    ending = make_action(freelancer, ends_at=now + timedelta(days=1))
    services.expire_ended_actions(now=now + timedelta(days=2))
    # Funds released on their release date while the restriction goes on.
    held = make_action(
        freelancer,
        ends_at=now + timedelta(days=30),
        funds_release_on=(now + timedelta(days=1)).date(),
    )
    services.release_scheduled_funds(now=now + timedelta(days=2))
    # A proposed termination that takes effect, and one that is withdrawn.
    make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
        decision_account=DecisionAccount.TERMINATED,
    )
    services.withdraw_termination(_termination(freelancer), by=EnforcerFactory(), reason=WRITTEN)
    # An appeal: received (routing sets its deadlines), a message, a decision.
    appeal = make_appeal(held)
    route_appeal(appeal.pk)
    claim(appeal, reviewer)
    appeal_services.post_message(appeal, author=reviewer, body=WRITTEN)
    appeal.refresh_from_db()
    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=WRITTEN,
        versions=list(held.cited_versions.all()),
        decided_by=reviewer,
    )
    # Another appeal, where the reviewer asks for information.
    asked = make_appeal(make_action(freelancer))
    claim(asked, reviewer)
    appeal_services.request_information(asked, reviewer=reviewer, question=WRITTEN)
    # The rule an action in force relies on changes.
    rule = held.reason_code.rule
    draft = services.draft_rule_version(
        rule,
        text=held.cited_versions.get().text + " 2026",
        change_summary=WRITTEN,
        drafted_by=reviewer,
    )
    services.publish_rule_version(draft, published_by=reviewer)
    assert ending.pk

    sent = {}
    for notification in Notification.objects.filter(recipient=freelancer).order_by("pk"):
        sent.setdefault(notification.kind, notification)
    return sent


@pytest.mark.parametrize("language", SHIPPED)
def test_every_kind_of_email_goes_out_in_the_freelancers_language(language):
    notifications = every_freelancer_email(language)
    assert set(notifications) == FREELANCER_KINDS
    english = english_sentences(language)
    for kind, notification in notifications.items():
        mail.outbox.clear()
        assert send_email(notification.pk)
        [message] = mail.outbox
        [(html, _mimetype)] = message.alternatives
        assert f'<html lang="{language}">' in html, kind
        assert GREETING[language] in message.body and GREETING[language] in html, kind
        for text in (message.subject, message.body, html):
            left = [sentence for sentence in english if sentence in text]
            assert not left, (kind, left, text)


@pytest.mark.parametrize("language", SHIPPED)
def test_dates_in_an_email_are_written_the_way_the_language_writes_them(language):
    freelancer = FreelancerFactory(preferred_language=language, time_zone="UTC")
    action = make_action(freelancer)
    notification = Notification.objects.get(recipient=freelancer, kind=Kind.ACTION_ISSUED)
    deadline = action.appeal_deadline
    english_month = deadline.strftime("%B")
    assert english_month not in notification.body
    assert str(deadline.year) in notification.body


def test_an_english_speaker_still_reads_english(db):
    freelancer = FreelancerFactory(preferred_language="en")
    make_action(freelancer)
    notification = Notification.objects.get(recipient=freelancer, kind=Kind.ACTION_ISSUED)
    assert notification.subject.startswith("New decision on your account")
    assert send_email(notification.pk)
    [message] = mail.outbox
    assert '<html lang="en">' in message.alternatives[0][0]
