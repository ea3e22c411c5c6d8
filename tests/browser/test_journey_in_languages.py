"""Issue #18's journeys in a real browser, in Russian and in Spanish (the freelancer's in German
too).

The demo freelancer picks their language with the switcher, reads their standing and the
statement of reasons (the cited rule in their language beside the binding English), appeals, and
reads the decision. An anonymous visitor (Russian by the browser's Accept-Language, Spanish by
the switcher) browses the public rule catalogue and opens the sign-in and sign-up pages.

No English of the portal is left on those pages (the page text is scanned against the English
msgids of the catalogue, and on allauth's pages of allauth's and django.contrib.auth's too; only
text marked lang="en", the binding rule text, may be English), the `lang` attributes are right
and axe finds no violation."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from appeals import services as appeal_services
from appeals.models import Appeal
from demo.data import DEMO_FREELANCER, DEMO_PASSWORD
from enforcement.models import EnforcementAction, Rule
from notifications.models import Notification
from tests.browser.conftest import (
    assert_no_axe_violations,
    collect_console_errors,
    csp_violations,
    sign_in,
)
from tests.english_left import english_fragments
from tests.factories import ReviewerFactory, claim

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_in_memory"),
]

EXPECTED = {
    "ru": {
        "standing": "Состояние вашего аккаунта",
        "rule": "Правило",
        "statement": "Вы можете подать жалобу до",
        "appeal_label": "Почему это решение неверно?",
        "send": "Отправить жалобу",
        "received": "Мы получили вашу жалобу",
        "decision": "Решение по вашей жалобе",
        "binding": "Юридически обязательным является текст на английском языке",
        "inbox": "Входящие",
        "open_and_read": "Открыть и отметить как прочитанное",
        "untranslated": "Эта редакция правила не переведена на ваш язык.",
    },
    "es": {
        "standing": "La situación de su cuenta",
        "rule": "La norma",
        "statement": "Puede recurrir hasta el",
        "appeal_label": "¿Por qué es errónea esta decisión?",
        "send": "Enviar mi recurso",
        "received": "Hemos recibido su recurso",
        "decision": "La decisión sobre su recurso",
        "binding": "El texto en inglés que figura a continuación es el vinculante",
        "inbox": "Bandeja de entrada",
        "open_and_read": "Abrir y marcar como leída",
        "untranslated": "Esta versión de la norma no está traducida a su idioma.",
    },
    # The demo publishes no German translation of its rules: the statement shows the note and
    # the binding English text (lang="en"), which the scan leaves out.
    "de": {
        "standing": "Ihr Kontostatus",
        "rule": "Die Regel",
        "statement": "Sie können bis zum",
        "appeal_label": "Warum ist diese Entscheidung falsch?",
        "send": "Meine Beschwerde senden",
        "received": "Wir haben Ihre Beschwerde erhalten",
        "decision": "Die Entscheidung über Ihre Beschwerde",
        "binding": "Verbindlich ist der englische Text unten",
        "inbox": "Posteingang",
        "open_and_read": "Öffnen und als gelesen markieren",
        "untranslated": "Diese Fassung der Regel wurde nicht in Ihre Sprache übersetzt.",
    },
}
# Written by people, in the demo's English: facts, evidence, notices, conversation. The scan
# is about the portal's own words.
PEOPLES_TEXT = (
    ".prose, .record-text, .user-text, .notice-text, .redaction-reason, "
    ".evidence-list article > p:first-of-type"
)


def portal_text(page: Page) -> str:
    """The page's text without what may be English: the binding text (lang="en") and what
    people wrote."""
    return page.evaluate(
        """(selector) => {
            const body = document.body.cloneNode(true);
            body.querySelectorAll('[lang="en"], script, style, ' + selector)
                .forEach((node) => node.remove());
            return body.textContent.replace(/\\s+/g, ' ');
        }""",
        PEOPLES_TEXT,
    )


def assert_no_english_left(page: Page, language: str, english: list[str]) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    text = portal_text(page)
    left = [
        text[max(0, text.index(phrase) - 60) : text.index(phrase) + len(phrase) + 60]
        for phrase in english
        if phrase in text
    ]
    assert not left, f"English left on {page.url}: {left}"
    assert_no_axe_violations(page)


@pytest.fixture
def demo(live_server) -> User:
    call_command("seed_demo", verbosity=0)
    return User.objects.get(email=DEMO_FREELANCER)


@pytest.fixture
def suspension(demo: User) -> EnforcementAction:
    return (
        EnforcementAction.objects.for_account(demo)
        .restricting()
        .with_statement()
        .filter(funds_held_amount__gt=0, client_notices__isnull=False, appeal__isnull=True)
        .distinct()
        .get()
    )


@pytest.mark.parametrize("language", ["ru", "es", "de"])
def test_the_freelancer_journey_reads_entirely_in_their_language(
    page: Page, demo: User, suspension: EnforcementAction, console_errors, language
):
    words = EXPECTED[language]
    english = english_fragments(language)
    sign_in(page, DEMO_FREELANCER, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/standing/$"))

    # The switcher in the footer: a plain form, and it saves the setting.
    page.get_by_label("Language").select_option(language)
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["standing"])
    demo.refresh_from_db()
    assert demo.preferred_language == language
    assert_no_english_left(page, language, english)

    # The statement of reasons.
    page.locator(f'a[href="{suspension.get_absolute_url()}"]').first.click()
    expect(page.locator("#rule").get_by_role("heading", name=words["rule"])).to_be_visible()
    expect(page.locator("#status-panel")).to_contain_text(words["statement"])
    version = suspension.primary_version()
    translation = version.translations.filter(language=language).first()
    english_rule = page.locator('#rule blockquote[lang="en"]').first
    expect(english_rule).to_contain_text(version.text[:60])
    if translation is not None:
        expect(page.locator(f'#rule blockquote[lang="{language}"]')).to_contain_text(
            translation.text[:60]
        )
        expect(page.locator("#rule")).to_contain_text(words["binding"])
    else:
        expect(page.locator("#rule")).to_contain_text(words["untranslated"])
    assert_no_english_left(page, language, english)

    # The appeal, filed with the translated form.
    page.get_by_label(words["appeal_label"]).fill("Я живу там, где указано в профиле. Vivo aquí.")
    page.locator('input[name="requested_outcomes"]').first.check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator("#appeal")).to_contain_text(words["received"])
    assert_no_english_left(page, language, english)

    # A reviewer who did not take the decision overturns it; the freelancer reads the decision.
    appeal = Appeal.objects.get(action=suspension)
    reviewer = ReviewerFactory(email="quinn@example.test", display_name="Quinn Reviewer")
    claim(appeal, reviewer)
    appeal_services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.OVERTURNED,
        reasons="Документы подтверждают адрес. Los documentos confirman la dirección.",
        versions=list(suspension.cited_versions.all()),
        decided_by=reviewer,
    )
    page.reload()
    expect(page.locator("#appeal-decision-heading")).to_have_text(words["decision"])
    assert_no_english_left(page, language, english)

    # The inbox, and the notice about the decision opened from it (its own page).
    page.locator("a.inbox-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["inbox"])
    assert_no_english_left(page, language, english)
    decided = demo.notifications.filter(kind=Notification.Kind.DECISION).latest("created_at")
    page.locator(f'a[href="{reverse("notifications:open", args=[decided.pk])}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(decided.subject)
    expect(page.get_by_role("button", name=words["open_and_read"])).to_be_visible()
    assert_no_english_left(page, language, english)
    assert not csp_violations(console_errors)


CATALOGUE = {
    "ru": {
        "rules": "Правила",
        "history": "История редакций",
        "binding": "Юридически обязательным является текст на английском языке",
        "compare": "TOS-2.3: сравнение двух редакций",
        "search_word": "криптовалюта",
        "no_match": "Ни одно опубликованное правило не упоминает криптовалюта",
        "sign_in": "Войти",
    },
    "es": {
        "rules": "Las normas",
        "history": "Historial de versiones",
        "binding": "El texto en inglés que figura a continuación es el vinculante",
        "compare": "TOS-2.3: comparar dos versiones",
        "search_word": "criptomoneda",
        "no_match": "Ninguna norma publicada menciona criptomoneda",
        "sign_in": "Iniciar sesión",
    },
}


@pytest.mark.parametrize("language", ["ru", "es"])
def test_a_visitor_reads_the_rule_catalogue_and_the_sign_in_page_in_their_language(
    browser, base_url, page: Page, demo: User, language
):
    """Russian: the browser asks for Russian (Accept-Language). Spanish: an English page, then
    the switcher (its cookie). Either way no English of the portal is left."""
    words = CATALOGUE[language]
    english = english_fragments(language)
    errors: list[str] = []
    if language == "ru":
        page = browser.new_context(base_url=base_url, locale="ru-RU").new_page()
    collect_console_errors(page, errors)
    page.goto(reverse("enforcement:rule-list"))
    if language == "es":
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change language").click()

    # The list: translated titles where the version in force has a translation.
    expect(page.get_by_role("heading", level=1)).to_have_text(words["rules"])
    rule = Rule.objects.get(key="TOS-2.3")
    latest = rule.versions.published().order_by("-number").first()
    translation = latest.translations.get(language=language)
    expect(page.locator(f'a[href="{rule.get_absolute_url()}"]').first).to_have_text(
        f"{rule.key} {translation.title}"
    )
    assert_no_english_left(page, language, english)

    # A rule: its history.
    page.locator(f'a[href="{rule.get_absolute_url()}"]').first.click()
    expect(page.get_by_role("heading", level=2, name=words["history"])).to_be_visible()
    assert_no_english_left(page, language, english)

    # A version: the translation, the note, and the binding English.
    page.locator(f'a[href="{latest.get_absolute_url()}"]').first.click()
    expect(page.locator(f'blockquote[lang="{language}"]')).to_contain_text(translation.text[:60])
    expect(page.locator('blockquote[lang="en"]')).to_contain_text(latest.text[:60])
    expect(page.locator("main")).to_contain_text(words["binding"])
    assert_no_english_left(page, language, english)

    # Two versions compared, with the page's own form.
    page.goto(reverse("enforcement:rule-compare", args=[rule.key]))
    page.locator("#from").select_option("1")
    page.locator("#to").select_option(str(latest.number))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"from=1&to={latest.number}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(words["compare"])
    expect(page.locator("ins").first).to_be_visible()
    assert_no_english_left(page, language, english)

    # A search for a word no rule uses.
    page.goto(reverse("enforcement:rule-list"))
    page.locator("#rule-search").fill(words["search_word"])
    page.locator("#rule-search").press("Enter")
    expect(page.locator("#search-results")).to_have_text(words["no_match"])
    assert_no_english_left(page, language, english)

    # Signing in and signing up: allauth's words too.
    with_libraries = english_fragments(language, libraries=True)
    page.locator('header a[href="/accounts/login/"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sign_in"])
    assert_no_english_left(page, language, with_libraries)
    page.locator('main a[href^="/accounts/signup/"]').click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    assert_no_english_left(page, language, with_libraries)
    assert not csp_violations(errors)
