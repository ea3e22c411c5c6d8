"""allauth's pages a freelancer reaches (sign in, sign up, password reset, email confirmation,
sign out, email and password settings, two-factor) in Russian, Spanish and German: allauth's own
words from its shipped catalogues, ours (the layout, the labels we set) from the portal's; no
English phrase of any of those catalogues is left on the page."""

import re

import pytest
from django.urls import reverse

from tests.english_left import english_fragments, english_left
from tests.factories import FreelancerFactory

pytestmark = pytest.mark.django_db

LANGUAGES = ["ru", "es", "de"]
# The heading each language gives the sign-in and sign-up pages (allauth's catalogues), and
# the label the portal sets on "remember me".
WORDS = {
    "ru": {
        "sign_in": "Войти",
        "sign_up": "Зарегистрируйтесь",
        "remember": "Запомнить меня на этом устройстве",
    },
    "es": {
        "sign_in": "Iniciar sesión",
        "sign_up": "Registrarse",
        "remember": "Recordarme en este dispositivo",
    },
    "de": {
        "sign_in": "Anmeldung",
        "sign_up": "Registrieren",
        "remember": "Auf diesem Gerät angemeldet bleiben",
    },
}
ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
]
SIGNED_IN_PAGES = ["account_logout", "account_email", "account_change_password", "mfa_index"]


@pytest.fixture(scope="module")
def english():
    return {language: english_fragments(language, libraries=True) for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_the_sign_in_pages_have_no_english_left(client, english, language, name):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert not english_left(html, english[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in_and_sign_up_are_named_in_the_readers_language(client, language):
    words = WORDS[language]
    sign_in = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=language)
    html = sign_in.content.decode()
    assert re.search(rf"<h1[^>]*>\s*{words['sign_in']}\s*</h1>", html)
    assert re.search(rf"<title>\s*{words['sign_in']}\s*· Recourse</title>", html)
    assert words["remember"] in html
    sign_up = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE=language)
    assert re.search(rf"<h1[^>]*>\s*{words['sign_up']}\s*</h1>", sign_up.content.decode())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_password_is_refused_in_the_readers_language(client, english, language):
    response = client.post(
        reverse("account_login"),
        {"login": "nobody@example.test", "password": "not-the-password"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    html = response.content.decode()
    assert 'aria-invalid="true"' in html or "errorlist" in html
    assert not english_left(html, english[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invalid_confirmation_link_says_so_in_the_readers_language(client, english, language):
    url = reverse("account_confirm_email", args=["not-a-real-key"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 404)
    assert not english_left(response.content.decode(), english[language])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_the_account_settings_a_freelancer_reaches_have_no_english_left(
    client, english, language, name
):
    client.force_login(FreelancerFactory(preferred_language=language))
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert not english_left(html, english[language])
