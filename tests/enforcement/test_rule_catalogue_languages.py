"""The public rule catalogue and its Atom feed in the reader's language (issue #18): the portal's
words translated, a version's published translation beside the binding English text (the
statement's own partial), a plain note where there is none, and caches told that the answer
depends on the language."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enforcement import services
from enforcement.models import RuleVersionTranslation
from tests.factories import AdminFactory, RuleFactory, published_version

pytestmark = pytest.mark.django_db

V1_TEXT = "Do not use a VPN to hide where you work from."
V2_TEXT = "Do not misrepresent the country you work from, in your profile or to clients."
RU_TITLE = "Откуда вы работаете"
RU_TEXT = "Не указывайте ложно страну, из которой вы работаете, в профиле или клиентам."
ES_TITLE = "Desde dónde trabaja"
ES_TEXT = "No falsee el país desde el que trabaja, ni en su perfil ni ante sus clientes."


def _translate(version, language: str, title: str, text: str) -> RuleVersionTranslation:
    translation = RuleVersionTranslation.objects.create(
        version=version, language=language, title=title, text=text, examples=""
    )
    return services.publish_rule_translation(translation, published_by=AdminFactory())


@pytest.fixture
def rule():
    """TOS-7.1 in two versions; version 2 (in force) is translated into Russian and Spanish."""
    rule = RuleFactory(key="TOS-7.1", title="Where you work from")
    now = timezone.now()
    published_version(
        rule,
        text=V1_TEXT,
        examples="",
        published_at=now - timedelta(days=400),
        effective_from=now - timedelta(days=390),
    )
    v2 = published_version(
        rule,
        text=V2_TEXT,
        examples="",
        change_summary="Clearer.",
        narrows=True,
        published_at=now - timedelta(days=100),
        effective_from=now - timedelta(days=90),
    )
    _translate(v2, "ru", RU_TITLE, RU_TEXT)
    _translate(v2, "es", ES_TITLE, ES_TEXT)
    return rule


def _get(client, url: str, language: str, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)


def _version_url(number: int) -> str:
    return reverse("enforcement:rule-version", args=["TOS-7.1", number])


def test_the_list_reads_in_russian_with_the_translated_title(client, rule):
    html = _get(client, reverse("enforcement:rule-list"), "ru").content.decode()
    assert '<html lang="ru"' in html
    assert "<h1>Правила</h1>" in html
    assert f'lang="ru">TOS-7.1 {RU_TITLE}</a>' in html
    assert f'<a href="{_version_url(2)}">Редакция 2</a> действует с' in html
    assert "Where you work from" not in html
    assert "in force since" not in html


def test_a_translated_version_shows_the_translation_and_the_binding_english(client, rule):
    html = _get(client, _version_url(2), "es").content.decode()
    assert '<html lang="es"' in html
    assert f"TOS-7.1 {ES_TITLE}, versión 2" in html
    assert f'<blockquote class="rule-text" lang="es">{ES_TEXT}</blockquote>' in html
    assert re.search(r'<blockquote class="rule-text"[^>]*lang="en">' + re.escape(V2_TEXT), html)
    assert "El texto vinculante, en inglés" in html
    # What staff wrote about the change stays as written, marked as English.
    assert '<span class="record-text" lang="en">Clearer.</span>' in html
    # The diff compares the binding English texts, and says so; its labels are in Spanish.
    assert '<div class="diff rule-text" lang="en">' in html
    assert '<span class="visually-hidden" lang="es">[añadido: </span>' in html
    assert "Changes from" not in html and "Added words are underlined" not in html


def test_an_untranslated_version_says_so_and_shows_the_english(client, rule):
    html = _get(client, _version_url(1), "ru").content.decode()
    assert "Эта редакция правила не переведена на ваш язык." in html
    assert re.search(r'<blockquote class="rule-text"[^>]*lang="en">' + re.escape(V1_TEXT), html)
    assert "Эта редакция заменена." in html
    assert 'lang="ru">' + RU_TEXT not in html


def test_the_rule_page_and_the_comparison_read_in_ukrainian(client, rule):
    detail = _get(client, reverse("enforcement:rule-detail", args=["TOS-7.1"]), "uk")
    html = detail.content.decode()
    assert "Історія редакцій" in html
    assert "Порівняти будь-які дві редакції" in html
    compare = _get(
        client, reverse("enforcement:rule-compare", args=["TOS-7.1"]), "uk", **{"from": 1, "to": 2}
    ).content.decode()
    assert "TOS-7.1: порівняння двох редакцій" in compare
    assert "Порівнюються юридично обов’язкові тексти англійською мовою." in compare


def test_a_bad_comparison_is_refused_in_the_readers_language(client, rule):
    url = reverse("enforcement:rule-compare", args=["TOS-7.1"])
    response = _get(client, url, "ru", **{"from": 1, "to": 9})
    assert response.status_code == 400
    assert "Выберите две опубликованные редакции этого правила." in response.content.decode()


def test_a_search_with_no_match_is_said_plainly_in_spanish(client, rule):
    html = _get(client, reverse("enforcement:rule-list"), "es", q="criptomoneda").content.decode()
    assert "Ninguna norma publicada menciona criptomoneda" in html
    assert "No published rule mentions" not in html


def test_a_search_finds_a_word_of_the_translation_the_reader_reads(client, rule):
    html = _get(client, reverse("enforcement:rule-list"), "ru", q="клиентам").content.decode()
    assert "1 действующее правило упоминает «клиентам»" in html
    assert f"TOS-7.1 {RU_TITLE}" in html
    # A Spanish reader does not read the Russian text: nothing of theirs mentions it.
    html = _get(client, reverse("enforcement:rule-list"), "es", q="клиентам").content.decode()
    assert "Ninguna norma publicada menciona клиентам" in html


FEED = {
    "es": {
        "feed_title": "Recourse: cambios en las normas del marketplace",
        "translated_entry": f"TOS-7.1 {ES_TITLE}: versión 2",
        "english_entry": "TOS-7.1 Where you work from: versión 1",
        "text": ES_TEXT,
        "binding": "El texto vinculante, en inglés:",
        "narrows": "Este cambio restringe el alcance de la norma.",
        "untranslated": "Esta versión de la norma no está traducida a su idioma.",
    },
    "ru": {
        "feed_title": "Recourse: изменения правил маркетплейса",
        "translated_entry": f"TOS-7.1 {RU_TITLE}: редакция 2",
        "english_entry": "TOS-7.1 Where you work from: редакция 1",
        "text": RU_TEXT,
        "binding": "Обязательный текст на английском языке:",
        "narrows": "Это изменение сужает правило.",
        "untranslated": "Эта редакция правила не переведена на ваш язык.",
    },
}


@pytest.mark.parametrize("language", ["es", "ru"])
def test_the_feed_reads_in_the_readers_language(client, rule, language):
    words = FEED[language]
    response = _get(client, reverse("enforcement:rule-feed"), language)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'xml:lang="{language}"' in body
    assert f"<title>{words['feed_title']}</title>" in body
    assert f"<title>{words['translated_entry']}</title>" in body
    assert f"<title>{words['english_entry']}</title>" in body
    for text in ("text", "binding", "narrows", "untranslated"):
        assert words[text] in body, text
    assert V1_TEXT in body and V2_TEXT in body  # the binding English texts are always there
    for english in ("changes to the marketplace rules", "In force from", ": version 1"):
        assert english not in body


def test_the_feed_follows_the_switchers_cookie(client, rule, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    body = client.get(reverse("enforcement:rule-feed")).content.decode()
    assert "Recourse: изменения правил маркетплейса" in body


@pytest.mark.parametrize(
    "url",
    [
        reverse("enforcement:rule-feed"),
        reverse("enforcement:rule-list"),
        reverse("enforcement:redress"),
        reverse("home"),
    ],
)
def test_public_answers_tell_caches_they_vary_by_language(client, rule, url):
    response = _get(client, url, "es")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")  # cacheable, so it must vary
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary
    assert response["Content-Language"] == "es"


def test_the_list_in_another_language_runs_the_same_queries_for_1_and_for_6_rules(client, rule):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _get(client, reverse("enforcement:rule-list"), "ru").status_code == 200
        return len(captured)

    queries()  # warm up what is cached per process
    one = queries()
    for number in range(1, 6):
        version = published_version(RuleFactory(key=f"TOS-9.{number}"), examples="")
        _translate(version, "ru", f"Правило {number}", f"Текст правила {number}.")
    assert queries() == one


def test_a_german_reader_reads_the_portal_in_german_and_the_untranslated_rule_in_english(
    client, rule
):
    # No German translation of TOS-7.1 is published: the portal's words are German, the rule
    # is the binding English text, marked as English, with a note saying so.
    html = _get(client, _version_url(2), "de").content.decode()
    assert '<html lang="de"' in html
    assert "Diese Fassung der Regel wurde nicht in Ihre Sprache übersetzt." in html
    assert 'lang="en">' + V2_TEXT in html
    body = _get(client, reverse("enforcement:rule-feed"), "de").content.decode()
    assert 'xml:lang="de"' in body
    assert "<title>Recourse: Änderungen der Marktplatz-Regeln</title>" in body
    assert "<title>TOS-7.1 Where you work from: Fassung 2</title>" in body
    assert "Diese Änderung schränkt die Regel ein." in body
    assert V2_TEXT in body
    for english in ("changes to the marketplace rules", "In force from", ": version 1"):
        assert english not in body
