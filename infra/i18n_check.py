"""The translation check run by `.ci/run` and `tests/test_i18n_catalogues.py`.

It fails when
- a freelancer-facing or public template has words outside `{% translate %}` /
  `{% blocktranslate %}` (text between tags, words in `aria-label`, `title`, `alt` or
  `placeholder`, or an English literal given to a filter such as `|default:"None"`);
- a shipped catalogue (`locale/<lang>/LC_MESSAGES/django.po`) has an untranslated or fuzzy
  entry, a translation whose placeholders differ from the English, or the wrong number of
  plural forms;
- a committed `.mo` file does not hold exactly what its `.po` says (the `.mo` files are
  committed because GNU gettext's `msgfmt` is not installed on a fresh machine; `python -m
  infra.i18n_check --compile` rebuilds them with polib).

Run: `scripts/uv.sh run --frozen python -m infra.i18n_check [--compile]`. Needs polib (a dev
dependency); the portal itself never imports this module.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = BASE_DIR / "templates"
LOCALE = BASE_DIR / "locale"

# The freelancer's journey and the pages and emails it links to, the public catalogue, the error
# pages and the sign-in pages: every word here is marked.
MARKED_TEMPLATES = [
    "base.html",
    "enforcement/standing.html",
    "enforcement/_statement.html",
    "enforcement/_action_dates.html",
    "enforcement/_strikes.html",
    "enforcement/_client_notices.html",
    "enforcement/_redress.html",
    "appeals/case_detail.html",
    "appeals/_case_appeal.html",
    "appeals/_case_appeal_status.html",
    "appeals/_case_bundle_links.html",
    "appeals/bundle/case_bundle.pdf.html",
    "appeals/_clock_due.html",
    "appeals/_freelancer_appeal.html",
    "appeals/_freelancer_appeal_form.html",
    "appeals/_freelancer_decision.html",
    "appeals/_freelancer_attachments.html",
    "appeals/_requested_outcomes.html",
    "enforcement/redress.html",
    "accounts/home.html",
    "accounts/profile.html",
    "notifications/inbox.html",
    "notifications/detail.html",
    "notifications/email/notification.html",
    "notifications/email/notification.txt",
    "account/email/base_message.txt",
    "account/email/email_confirmation_subject.txt",
    "account/email/password_reset_key_subject.txt",
    "403.html",
    "404.html",
    "413.html",
    "429.html",
    "500.html",
    # The public rule catalogue.
    "enforcement/rule_list.html",
    "enforcement/rule_detail.html",
    "enforcement/rule_version.html",
    "enforcement/rule_compare.html",
    "enforcement/_rule_text.html",
    "enforcement/_change_summary.html",
    "enforcement/_diff.html",
    "enforcement/_diff_legend.html",
    "enforcement/_version_status.html",
    # allauth's pages (sign in, sign up, password reset, email confirmation, two-factor) render
    # in these; allauth's own words come from its shipped catalogues.
    "allauth/layouts/base.html",
    "allauth/layouts/entrance.html",
    "allauth/layouts/manage.html",
    "allauth/elements/alert.html",
    "allauth/elements/badge.html",
    "allauth/elements/button.html",
    "allauth/elements/button_group.html",
    "allauth/elements/field.html",
    "allauth/elements/fields.html",
    "allauth/elements/img.html",
    "allauth/elements/panel.html",
    # The public transparency report.
    "transparency/report.html",
    "transparency/_report_body.html",
]

# Words that are not English to translate: the product's name, and a CSS class a block adds to
# an attribute of the layout (`{% block main_class %} narrow{% endblock %}` in allauth's
# entrance layout).
ALLOWED_WORDS = {"Recourse", "narrow"}
# Filter arguments that are formats, not words.
ALLOWED_LITERALS = {"c", "2g", "Y-m-d", ", ", "s,", "info"}  # "info": a CSS class
PLURAL_FORMS = {"ru": 3, "uk": 3, "es": 2, "de": 2}

_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
_WORD = re.compile(r"[^\W\d_]{2,}")
_LABEL_ATTR = re.compile(r'\b(aria-label|title|alt|placeholder)="([^"{]*)"')
_FILTER_LITERAL = re.compile(r"""\|\w+:(["'])(.*?)\1""")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w not in ALLOWED_WORDS]


def check_template_source(name: str, source: str) -> list[Problem]:
    """Unmarked words in one template's source. Tags and variables are replaced by a marker
    without letters, so that the HTML left around them can be stripped whole."""
    from django.template.base import Lexer, TokenType

    problems: list[Problem] = []
    flat: list[str] = []
    depth = 0  # inside {% blocktranslate %} or {% comment %}
    for token in Lexer(source).tokenize():
        where = f"{name}:{token.lineno}"
        if token.token_type in (TokenType.BLOCK, TokenType.VAR):
            command = token.contents.split()[0] if token.contents else ""
            if command in ("blocktranslate", "blocktrans", "comment"):
                depth += 1
            elif command in ("endblocktranslate", "endblocktrans", "endcomment"):
                depth -= 1
            for _quote, literal in _FILTER_LITERAL.findall(token.contents):
                if literal not in ALLOWED_LITERALS and _words(literal):
                    problems.append(Problem(where, f"unmarked filter argument {literal!r}"))
            flat.append("\x00")
        elif token.token_type == TokenType.TEXT:
            # Marked text keeps its line breaks, so that line numbers stay right.
            flat.append(token.contents if depth == 0 else "\n" * token.contents.count("\n"))
    text = "".join(flat)
    for match in _LABEL_ATTR.finditer(text):
        if _words(match.group(2)):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(Problem(f"{name}:{line}", f"unmarked {match.group(1)}"))
    stripped = _TAG.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for number, line in enumerate(_ENTITY.sub(" ", stripped).split("\n"), start=1):
        if _words(line):
            problems.append(
                Problem(f"{name}:{number}", f"unmarked text {' '.join(line.split())!r}")
            )
    return problems


def check_templates(names: list[str] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for name in names or MARKED_TEMPLATES:
        problems += check_template_source(name, (TEMPLATES / name).read_text())
    return problems


def shipped_languages() -> list[str]:
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _translations(catalogue) -> dict[tuple[str | None, str], tuple[str, ...]]:
    table = {}
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            forms = (entry.msgstr,)
        table[(entry.msgctxt, entry.msgid)] = forms
    return table


def check_catalogue(language: str) -> list[Problem]:
    import polib

    po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo_path = po_path.with_suffix(".mo")
    if not po_path.exists():
        return [Problem(str(po_path), "missing catalogue of a shipped language")]
    catalogue = polib.pofile(str(po_path))
    where = str(po_path.relative_to(BASE_DIR))
    problems = [
        Problem(where, f"untranslated: {entry.msgid!r}")
        for entry in catalogue.untranslated_entries()
    ] + [Problem(where, f"fuzzy: {entry.msgid!r}") for entry in catalogue.fuzzy_entries()]
    expected_forms = PLURAL_FORMS.get(language)
    for entry in catalogue.translated_entries():
        english = set(_PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        forms = (
            [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
            if entry.msgid_plural
            else [entry.msgstr]
        )
        if entry.msgid_plural and expected_forms and len(forms) != expected_forms:
            problems.append(
                Problem(where, f"{len(forms)} plural forms, not {expected_forms}: {entry.msgid!r}")
            )
        for form in forms:
            if not set(_PLACEHOLDER.findall(form)) <= english:
                problems.append(Problem(where, f"placeholders differ: {entry.msgid!r}"))
    if not mo_path.exists():
        problems.append(Problem(where, "no compiled .mo beside it (run --compile)"))
    else:
        compiled = _translations(polib.mofile(str(mo_path)))
        source = {
            key: forms
            for key, forms in _translations(catalogue.translated_entries()).items()
            if key[1]  # the header
        }
        compiled.pop((None, ""), None)
        if compiled != source:
            problems.append(
                Problem(where, "the committed .mo does not match the .po (run --compile)")
            )
    return problems


def check_same_messages(languages: list[str]) -> list[Problem]:
    """Every shipped catalogue translates the same messages: a message added to (or renamed
    in) one language's catalogue only would reach the others' readers in English."""
    import polib

    keys = {}
    for language in languages:
        po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
        if po_path.exists():
            keys[language] = {
                (entry.msgctxt, entry.msgid)
                for entry in polib.pofile(str(po_path))
                if not entry.obsolete
            }
    every = set().union(*keys.values()) if keys else set()
    return [
        Problem(
            str((LOCALE / language / "LC_MESSAGES" / "django.po").relative_to(BASE_DIR)),
            f"missing, present in another language: {msgid!r}",
        )
        for language, have in sorted(keys.items())
        for _context, msgid in sorted(every - have, key=lambda key: key[1])
    ]


def compile_catalogues() -> None:
    import polib

    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(BASE_DIR)}")


def main(argv: list[str]) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if "--compile" in argv:
        compile_catalogues()
    problems = check_templates()
    for language in shipped_languages():
        problems += check_catalogue(language)
    problems += check_same_messages(shipped_languages())
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} translation problem(s)")
        return 1
    languages = ", ".join(shipped_languages())
    print(f"translations complete: {languages}; {len(MARKED_TEMPLATES)} templates checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
