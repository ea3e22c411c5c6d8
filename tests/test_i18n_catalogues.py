"""The translation check of `.ci/run` (infra/i18n_check): it passes on the tree, and it fails on
an unmarked template string, an untranslated or fuzzy entry, and a stale compiled catalogue."""

import shutil

import polib
import pytest
from django.conf import settings
from django.utils import translation

from infra import i18n_check


def test_the_marked_templates_have_no_unmarked_words():
    assert i18n_check.check_templates() == []


@pytest.mark.parametrize("language", i18n_check.shipped_languages())
def test_each_shipped_catalogue_is_complete_and_compiled(language):
    assert i18n_check.check_catalogue(language) == []


def test_german_is_offered_only_if_it_is_shipped():
    offered = dict(settings.LANGUAGES)
    for code in offered:
        if code != settings.LANGUAGE_CODE:
            assert (settings.BASE_DIR / "locale" / code / "LC_MESSAGES" / "django.mo").exists()
    assert ("de" in offered) == (settings.BASE_DIR / "locale" / "de").exists()


@pytest.mark.parametrize(
    "source",
    [
        "<p>Hello there</p>",
        '<a href="/x" aria-label="Main menu">{% translate "Go" %}</a>',
        '{{ value|default:"Not restricted" }}',
        "{% if x %}<dt>Ends</dt>{% endif %}",
    ],
)
def test_the_check_flags_an_unmarked_string(source):
    assert i18n_check.check_template_source("probe.html", "{% load i18n %}" + source)


@pytest.mark.parametrize(
    "source",
    [
        '<p>{% translate "Hello there" %}</p>',
        "<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>",
        "<time datetime=\"{{ x|date:'c' }}\">{{ x|when }}</time> · Recourse",
        "{# a comment in English #}{% comment %}More English{% endcomment %}",
        '{{ value|default:_("Not restricted") }}',
    ],
)
def test_the_check_passes_marked_text_markup_and_comments(source):
    assert i18n_check.check_template_source("probe.html", "{% load i18n %}" + source) == []


def _copy_locale(tmp_path, monkeypatch):
    locale = tmp_path / "locale"
    shutil.copytree(i18n_check.LOCALE, locale)
    monkeypatch.setattr(i18n_check, "LOCALE", locale)
    monkeypatch.setattr(i18n_check, "BASE_DIR", tmp_path)
    return locale / "ru" / "LC_MESSAGES" / "django.po"


def test_the_check_fails_on_an_untranslated_or_fuzzy_entry(tmp_path, monkeypatch):
    po_path = _copy_locale(tmp_path, monkeypatch)
    catalogue = polib.pofile(str(po_path))
    catalogue.find("Skip to main content").msgstr = ""
    catalogue.find("Standing").flags.append("fuzzy")
    catalogue.save()
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    problems = [str(p) for p in i18n_check.check_catalogue("ru")]
    assert any("untranslated: 'Skip to main content'" in p for p in problems)
    assert any("fuzzy: 'Standing'" in p for p in problems)


def test_the_check_fails_when_a_message_is_in_one_language_only(tmp_path, monkeypatch):
    po_path = _copy_locale(tmp_path, monkeypatch)
    assert i18n_check.check_same_messages(["ru", "es"]) == []
    catalogue = polib.pofile(str(po_path))
    catalogue.find("Standing").msgid = "Standing now"  # renamed in Russian only
    catalogue.save()
    problems = [str(p) for p in i18n_check.check_same_messages(["ru", "es"])]
    assert any("es/LC_MESSAGES/django.po" in p and "'Standing now'" in p for p in problems)
    assert any("ru/LC_MESSAGES/django.po" in p and "'Standing'" in p for p in problems)


def test_the_check_fails_when_the_committed_mo_is_stale(tmp_path, monkeypatch):
    po_path = _copy_locale(tmp_path, monkeypatch)
    catalogue = polib.pofile(str(po_path))
    catalogue.find("Standing").msgstr = "Положение"
    catalogue.save()
    assert any("does not match" in str(p) for p in i18n_check.check_catalogue("ru"))


def test_the_check_fails_on_a_translation_with_other_placeholders(tmp_path, monkeypatch):
    po_path = _copy_locale(tmp_path, monkeypatch)
    catalogue = polib.pofile(str(po_path))
    catalogue.find("rule %(key)s").msgstr = "правило %(number)s"
    catalogue.save()
    catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    assert any("placeholders differ" in str(p) for p in i18n_check.check_catalogue("ru"))


@pytest.mark.parametrize(
    ("language", "one", "few", "many"),
    [
        ("ru", "1 непрочитанное", "3 непрочитанных", "5 непрочитанных"),
        ("uk", "1 непрочитане", "3 непрочитані", "5 непрочитаних"),
        ("es", "1 sin leer", "3 sin leer", "5 sin leer"),
        ("de", "1 ungelesen", "3 ungelesen", "5 ungelesen"),
    ],
)
def test_plural_forms_follow_the_language(language, one, few, many):
    with translation.override(language):
        forms = [
            translation.ngettext("%(counter)s unread", "%(counter)s unread", n) % {"counter": n}
            for n in (1, 3, 5)
        ]
    assert forms == [one, few, many]


def test_russian_counts_evidence_in_three_forms():
    with translation.override("ru"):
        said = [
            translation.ngettext(
                "%(counter)s piece of evidence. Where something is withheld, we say so and why.",
                "%(counter)s pieces of evidence. Where something is withheld, we say so and why.",
                n,
            ).split(".")[0]
            % {"counter": n}
            for n in (1, 2, 5, 21)
        ]
    assert said == ["1 доказательство", "2 доказательства", "5 доказательств", "21 доказательство"]


def test_german_counts_in_two_forms():
    with translation.override("de"):
        said = [
            translation.ngettext(
                "%(counter)s action currently restricts your account:",
                "%(counter)s actions currently restrict your account:",
                n,
            )
            % {"counter": n}
            for n in (1, 2, 0)
        ]
    assert said == [
        "1 Maßnahme beschränkt derzeit Ihr Konto:",
        "2 Maßnahmen beschränken derzeit Ihr Konto:",
        "0 Maßnahmen beschränken derzeit Ihr Konto:",
    ]
