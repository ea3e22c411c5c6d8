"""The language a page is read in: the person's setting when signed in, else the browser's
Accept-Language; a visible switcher that works without JavaScript and saves the setting."""

import pytest
from django.urls import reverse

from accounts.forms import ProfileForm
from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_visitor_reads_the_browsers_language(client):
    page = client.get(reverse("enforcement:rule-list"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    html = page.content.decode()
    assert '<html lang="es"' in html
    assert "Iniciar sesión" in html and page.headers["Content-Language"] == "es"


def test_a_german_browser_reads_german(client):
    page = client.get(reverse("enforcement:rule-list"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    html = page.content.decode()
    assert '<html lang="de"' in html
    assert "Anmelden" in html and page.headers["Content-Language"] == "de"


def test_a_language_the_portal_does_not_ship_falls_back_to_english(client):
    # French is a review language (REVIEW_LANGUAGES), not a shipped one.
    html = client.get(reverse("enforcement:rule-list"), HTTP_ACCEPT_LANGUAGE="fr").content
    assert b'<html lang="en"' in html and b"Sign in" in html


def test_a_signed_in_person_reads_their_setting_whatever_the_browser_says(client, freelancer):
    freelancer.preferred_language = "ru"
    freelancer.save()
    client.force_login(freelancer)
    html = client.get(reverse("enforcement:standing"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="ru"' in html
    assert "Состояние вашего аккаунта" in html


def test_the_switcher_is_on_every_page_and_posts_to_set_language(client):
    html = client.get(reverse("enforcement:rule-list")).content.decode()
    assert f'<form method="post" action="{reverse("set_language")}"' in html
    for code, name in (
        ("en", "English"),
        ("ru", "Русский"),
        ("uk", "Українська"),
        ("de", "Deutsch"),
    ):
        assert f'<option value="{code}" lang="{code}"' in html and name in html
    assert 'value="es" lang="es"' in html


def test_switching_as_a_visitor_sets_the_cookie_and_goes_back(client):
    response = client.post(reverse("set_language"), {"language": "uk", "next": "/rules/"})
    assert response.status_code == 302 and response["Location"] == "/rules/"
    assert response.cookies["django_language"].value == "uk"
    assert b'<html lang="uk"' in client.get("/rules/").content


def test_switching_when_signed_in_saves_the_setting_with_an_audit_event(client, freelancer):
    client.force_login(freelancer)
    client.post(reverse("set_language"), {"language": "es", "next": "/standing/"})
    freelancer.refresh_from_db()
    assert freelancer.preferred_language == "es"
    event = AuditEvent.objects.get(verb="account.language_changed", object_id=str(freelancer.pk))
    assert event.data == {"language": "es"}


def test_switching_to_a_language_not_shipped_changes_nothing(client, freelancer):
    client.force_login(freelancer)
    client.post(reverse("set_language"), {"language": "fr", "next": "/standing/"})
    freelancer.refresh_from_db()
    assert freelancer.preferred_language == "en"
    assert not AuditEvent.objects.filter(verb="account.language_changed").exists()


def test_set_language_answers_405_to_get(client):
    assert client.get(reverse("set_language")).status_code == 405


def test_the_profile_offers_only_shipped_languages():
    offered = [code for code, _label in ProfileForm().fields["preferred_language"].choices]
    assert offered == ["en", "ru", "uk", "es", "de"]
    assert "Deutsch" in ProfileForm().as_div()
    # French is a review language (a reviewer may read it), not a shipped one.
    assert "Français" not in ProfileForm().as_div()


def test_the_reviewer_sees_the_freelancers_language_on_the_appeal(client, reviewer):
    from tests.factories import FreelancerFactory, in_queue, make_action, make_appeal

    appeal = make_appeal(make_action(FreelancerFactory(preferred_language="uk")))
    assert appeal.language == "uk"
    in_queue(appeal, reviewer)  # reviewers open only the appeals of their queues
    client.force_login(reviewer)
    page = client.get(reverse("appeals:review-detail", args=[appeal.pk])).content.decode()
    assert "Freelancer&#x27;s language" in page or "Freelancer's language" in page
    assert "Українська (uk)" in page
    assert '<html lang="en"' in page  # staff pages stay English
