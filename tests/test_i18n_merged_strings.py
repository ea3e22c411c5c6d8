"""The freelancer- and visitor-facing strings the merged branches added read in the reader's
language: the statement's illegal-content fields and late notice, the withdrawal's confirmation,
the notification page, upload refusals, and the 413 and 429 pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from appeals.uploads import UploadRejected, validate_upload
from enforcement import services
from notifications.models import Notification
from notifications.services import notify
from tests.factories import FreelancerFactory, ReviewerFactory, action_request, make_action

pytestmark = pytest.mark.django_db

ILLEGAL = "DECISION_GROUND_ILLEGAL_CONTENT"


def _person(language: str):
    return FreelancerFactory(preferred_language=language)


def test_the_illegal_content_fields_of_the_statement_read_in_spanish(client):
    freelancer = _person("es")
    action = make_action(
        freelancer,
        decision_ground=ILLEGAL,
        illegal_content_legal_ground="StGB § 263 (fraud)",
        illegal_content_explanation="Invoices for work that was never done.",
    )
    client.force_login(freelancer)
    content = client.get(action.get_absolute_url()).content.decode()

    assert "<dt>Norma jurídica aplicada</dt>" in content
    assert "<dt>Por qué es ilegal según ella</dt>" in content
    assert "Law relied on" not in content and "Why it is illegal under it" not in content
    # What staff wrote is record text: shown as written, and not taken for untranslated portal text.
    assert '<dd class="record-text">StGB § 263 (fraud)</dd>' in content
    assert '<dd class="record-text">Invoices for work that was never done.</dd>' in content


def test_the_late_notice_reads_in_russian(client):
    freelancer = _person("ru")
    now = timezone.now()
    request = action_request(
        freelancer,
        starts_at=now - timedelta(hours=30),
        notified_at=now,
        late_notice_reason="The account was blocked at once to stop a payment.",
    )
    action = services.issue_action(request, issued_by=ReviewerFactory())
    client.force_login(freelancer)
    content = client.get(action.get_absolute_url()).content.decode()

    late = content[content.index('class="late-notice"') :]
    late = late[: late.index("</p>")]
    assert "<strong>Вам сообщили с опозданием.</strong>" in late
    assert "<strong>Почему позже:</strong>" in late
    assert '<span class="record-text">The account was blocked at once' in late
    assert "You were told late" not in late and "Why later" not in late


def test_the_withdrawal_confirmation_and_its_error_read_in_ukrainian(client):
    from tests.factories import make_appeal

    freelancer = _person("uk")
    appeal = make_appeal(make_action(freelancer))
    client.force_login(freelancer)

    refused = client.post(reverse("appeals:appeal-withdraw", args=[appeal.pk]), {"reason": "x"})

    assert refused.status_code == 422
    content = refused.content.decode()
    assert "Позначте це поле для підтвердження: цей крок не можна скасувати." in content
    assert "Я розумію, що після цього не зможу знову оскаржити цей захід у Recourse." in content
    assert "Tick this box" not in content and "I understand that" not in content
    appeal.refresh_from_db()
    assert appeal.status != appeal.Status.WITHDRAWN


def test_the_requested_outcomes_help_reads_in_spanish(client):
    freelancer = _person("es")
    action = make_action(freelancer)
    client.force_login(freelancer)
    content = client.get(action.get_absolute_url()).content.decode()

    assert "Elija todo lo que solicita; puede elegir más de una opción." in content
    assert "Levantar la medida por completo" in content
    assert "Choose everything you ask for" not in content


@pytest.mark.parametrize(
    ("language", "button", "unread", "inbox"),
    [
        ("ru", "Открыть и отметить как прочитанное", "Не прочитано", "Входящие"),
        ("uk", "Відкрити і позначити як прочитане", "Не прочитано", "Вхідні"),
        ("es", "Abrir y marcar como leída", "Sin leer", "Bandeja de entrada"),
    ],
)
def test_the_notification_page_reads_in_the_freelancers_language(
    client, language, button, unread, inbox
):
    freelancer = _person(language)
    notification = notify(
        freelancer,
        kind=Notification.Kind.NEW_MESSAGE,
        subject="Subject",
        body="Body.",
        url=reverse("enforcement:standing"),
    )
    client.force_login(freelancer)
    content = client.get(reverse("notifications:open", args=[notification.pk])).content.decode()

    assert f"{button}</button>" in content
    assert f'<span class="badge badge-unread">{unread}</span>' in content
    assert f"← {inbox}</a>" in content
    for english in ("Mark as read", "Open and mark", ">Unread<", "← Inbox"):
        assert english not in content


def test_a_notification_without_a_page_offers_mark_as_read_in_russian(client):
    freelancer = _person("ru")
    notification = notify(
        freelancer, kind=Notification.Kind.NEW_MESSAGE, subject="S", body="B.", url=""
    )
    client.force_login(freelancer)
    content = client.get(reverse("notifications:open", args=[notification.pk])).content.decode()
    assert "Отметить как прочитанное</button>" in content


def test_an_upload_refusal_names_the_files_kind_in_russian():
    broken_png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 20
    with translation.override("ru"), pytest.raises(UploadRejected) as refused:
        validate_upload(SimpleUploadedFile("scan.png", broken_png))
    assert refused.value.code == "unreadable"
    assert refused.value.messages == [
        "«scan.png» похож на изображение PNG, но его не удалось прочитать; возможно, он повреждён."
    ]


@pytest.mark.parametrize(
    ("accept", "lang", "title"),
    [("es", "es", "Demasiado grande para enviarlo"), ("en", "en", "Too large to send")],
)
def test_the_413_page_follows_the_browsers_language(settings, client, accept, lang, title):
    settings.UPLOAD_MAX_REQUEST_BYTES = 100_000
    freelancer = FreelancerFactory()
    client.force_login(freelancer)
    big = SimpleUploadedFile("scan.txt", b"a" * 150_000, content_type="text/plain")
    from tests.factories import make_appeal

    appeal = make_appeal(make_action(freelancer))
    response = client.post(
        reverse("appeals:appeal-message", args=[appeal.pk]),
        {"body": "Here is the scan.", "attachments": [big]},
        headers={"accept-language": accept},
    )

    assert response.status_code == 413
    content = response.content.decode()
    assert f'<html lang="{lang}">' in content
    assert f"<h1>{title}</h1>" in content
    if lang == "es":
        assert "Lo que envió supera los 0.0953674 MB que aceptamos de una vez" in content
        assert "Too large" not in content and "Go back" not in content
        assert (
            f'<a href="{reverse("appeals:appeal-message", args=[appeal.pk])}">Vuelva atrás</a>'
            in content
        )


def test_the_413_page_follows_the_switchers_cookie(settings, client):
    settings.UPLOAD_MAX_REQUEST_BYTES = 100_000
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    big = SimpleUploadedFile("scan.txt", b"a" * 150_000, content_type="text/plain")
    response = client.post(reverse("account_login"), {"attachments": [big]})
    assert response.status_code == 413
    content = response.content.decode()
    assert '<html lang="uk">' in content
    assert "<h1>Завеликий обсяг для надсилання</h1>" in content


def test_the_429_page_reads_in_the_visitors_language(settings, client):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    form = {"email": "someone@example.org", "password1": "x", "password2": "x"}
    headers = {"accept-language": "ru"}
    client.post(reverse("account_signup"), form, headers=headers)

    throttled = client.post(reverse("account_signup"), form, headers=headers)

    assert throttled.status_code == 429
    content = throttled.content.decode()
    assert "<h1>Слишком много попыток</h1>" in content
    assert "Подождите минуту и попробуйте снова." in content
    assert "Too many attempts" not in content


def test_a_notice_keeps_the_language_it_was_sent_in_and_says_so(client):
    """Stored notices are not re-translated: one sent while the freelancer read English stays
    English after they switch to Russian, marked lang="en" on the inbox and on its page."""
    freelancer = _person("en")
    sent = notify(
        freelancer,
        kind=Notification.Kind.NEW_MESSAGE,
        subject="New message",
        body="Body.",
        url=reverse("enforcement:standing"),
    )
    assert sent.language == "en"
    freelancer.preferred_language = "ru"
    freelancer.save(update_fields=["preferred_language"])
    client.force_login(freelancer)

    inbox = client.get(reverse("notifications:inbox")).content.decode()
    page = client.get(reverse("notifications:open", args=[sent.pk])).content.decode()

    assert '<html lang="ru"' in inbox and '<html lang="ru"' in page
    assert (
        f'href="{reverse("notifications:open", args=[sent.pk])}" lang="en">New message</a>' in inbox
    )
    assert '<p class="inbox-excerpt" lang="en">Body.</p>' in inbox
    assert '<h1 id="notification-subject" lang="en">New message</h1>' in page
    assert '<p class="inbox-body" lang="en">Body.</p>' in page
