"""What a page in another language may still say in English: the English msgids of the
portal's catalogue, and for the sign-in pages those of allauth and django.contrib.auth too,
cut at placeholders and tags into phrases of two words or more. Shared by the unit tests of
the sign-in pages and the browser journeys in languages."""

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django.contrib.auth
import polib
from django.conf import settings

# Catalogues of the libraries whose pages a freelancer reads (signing in, signing up).
LIBRARIES = (Path(allauth.__file__).parent, Path(django.contrib.auth.__file__).parent)


def _phrases(paths: list[Path]) -> list[str]:
    phrases = set()
    for path in paths:
        for entry in polib.pofile(str(path)):
            for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
                for part in re.split(r"%\(\w+\)[sd]|%s|\{\w+\}|<[^>]+>", msgid):
                    part = " ".join(part.split()).strip(" .,:;()")
                    if len(part.split()) >= 2:
                        phrases.add(part)
    return sorted(phrases)


def english_fragments(language: str, *, libraries: bool = False) -> list[str]:
    paths = [settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"]
    if libraries:
        paths += [root / "locale" / language / "LC_MESSAGES" / "django.po" for root in LIBRARIES]
    return _phrases(paths)


class _Text(HTMLParser):
    """The text a person reads or hears: element text and the labels in attributes, without
    scripts, styles and anything marked lang="en" (the binding rule text)."""

    LABELS = ("aria-label", "title", "alt", "placeholder")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, skipped?)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = self._skipping() or tag in ("script", "style") or attrs.get("lang") == "en"
        if not skipped:
            self.parts += [attrs[name] or "" for name in self.LABELS if name in attrs]
            if tag == "input" and attrs.get("type") in ("submit", "button"):
                self.parts.append(attrs.get("value") or "")
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        # Close up to the matching element (an unclosed <p> or <li> inside it closes with it).
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_left(html: str, english: list[str]) -> list[str]:
    text = page_text(html)
    return [
        text[max(0, text.index(phrase) - 60) : text.index(phrase) + len(phrase) + 60]
        for phrase in english
        if phrase in text
    ]
