"""The transparency report in the visitor's language, and its rendered body cached per version
of the figures and per language."""

import csv
import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.transparency.dataset import build_history
from transparency.aggregation import recompute_days, refresh_figures
from transparency.models import AggregationState

pytestmark = pytest.mark.django_db

URL = reverse("transparency:report")
MARCH = {"period": "2026-03"}


@pytest.fixture
def history():
    data = build_history()
    refresh_figures(now=datetime(2026, 4, 2, 8, 30, tzinfo=UTC))
    return data


def english_fragments(language: str) -> list[str]:
    """The portal's English phrases (two words or more) from the catalogue's msgids, cut at
    placeholders and tags: as tests/browser/test_journey_in_languages.py scans pages."""
    path = settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"
    phrases = set()
    for entry in polib.pofile(str(path)):
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for part in re.split(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>", msgid):
                part = " ".join(part.split()).strip(" .,:;()")
                if len(part.split()) >= 2:
                    phrases.add(part)
    return sorted(phrases)


class _PortalText(HTMLParser):
    """The body's text without what may be English: names as the records spell them (marked
    lang="en") and scripts."""

    VOID = {"br", "hr", "img", "input", "link", "meta", "rect", "line", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.in_body = False
        self.skipping: list[str] = []  # open tags whose subtree is skipped
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        if tag in self.VOID:
            return
        if self.skipping or dict(attrs).get("lang") == "en" or tag in ("script", "style"):
            self.skipping.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()

    def handle_data(self, data):
        if self.in_body and not self.skipping:
            self.text.append(data)


def portal_text(html: str) -> str:
    parser = _PortalText()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


def page(client, language: str, **params) -> str:
    response = client.get(URL, params or MARCH, headers={"accept-language": language})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    return html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Отчёт о прозрачности", "Доля отмен и изменений по источнику обнаружения"]),
        ("es", ["Informe de transparencia", "Tasa de revocación o modificación por norma"]),
        ("de", ["Transparenzbericht", "Aufhebungsquote nach Erkennungsquelle"]),
    ],
)
def test_the_report_in_each_language_has_no_english_left(client, history, language, words):
    html = page(client, language)
    text = portal_text(html)
    for word in words:
        assert word in text
    # Withheld cells, shares (rounded, with the decimal comma), periods and the time the
    # figures are from, in the language too.
    assert "&lt; 10" in html
    assert "<td>66,7 %</td>" in html  # Detector X: 20 of 30 reversed
    assert {"ru": "Данные на", "es": "Cifras actualizadas a", "de": "Zahlen mit Stand vom"}[
        language
    ] in text
    assert {"ru": "Март 2026", "es": "marzo de 2026", "de": "März 2026"}[language] in text
    left = [phrase for phrase in english_fragments(language) if phrase in text]
    assert left == [], f"English left on the {language} report: {left}"
    # The names the records spell (rules, reasons, detectors, queues) are marked as English.
    assert '<th scope="row" lang="en">TOS-1.1 — Payments on the marketplace</th>' in html
    assert 'lang="en">Detector X</text>' in html


def test_the_cache_never_serves_one_languages_page_to_another(client, history):
    titles = {
        "en": "Reversal rate by detection source",
        "ru": "Доля отмен и изменений по источнику обнаружения",
        "es": "Tasa de revocación o modificación por fuente de detección",
        "uk": "Частка скасувань і змін за джерелом виявлення",
        "de": "Aufhebungsquote nach Erkennungsquelle",
    }
    for _ in range(2):  # the second round reads every language's body from the cache
        for language, title in titles.items():
            html = page(client, language)
            assert title in html
            assert [t for lang, t in titles.items() if lang != language and t in html] == []


def _queries(client, language: str = "en") -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, language)
    return len(queries)


def test_the_rendered_body_is_cached_until_the_figures_are_rebuilt(client, history):
    first = _queries(client)
    assert _queries(client) == 1 < first  # the aggregation state alone
    html = page(client, "en")
    assert "<td>30</td>" in html  # 30 suspensions in March

    # Another day's figures are rebuilt: a new version, so a new body.
    from tests.factories import make_action

    make_action(starts_at=datetime(2026, 3, 25, 9, tzinfo=UTC), restriction_type="warning")
    recompute_days(date(2026, 3, 25), date(2026, 3, 25))
    assert _queries(client) > 1
    assert "<td>41</td>" in page(client, "en")  # 40 warnings and the new one


def test_figures_as_of_is_the_aggregation_states_own_time(client, history):
    assert 'datetime="2026-04-02T08:30:00+00:00"' in page(client, "en")
    # A refresh that finds nothing changed moves the time and keeps the version (and with it
    # the cached body): the page says the later time, which is true of the same figures.
    AggregationState.objects.update(changes_until=datetime(2026, 4, 2, 9, 45, tzinfo=UTC))
    with CaptureQueriesContext(connection) as queries:
        html = page(client, "en")
    assert len(queries) == 1
    assert 'datetime="2026-04-02T09:45:00+00:00"' in html
    assert "2026-04-02T08:30" not in html


def test_downloads_keep_their_english_schema_in_every_language(client, history):
    headers = {"accept-language": "ru"}
    data = client.get(reverse("transparency:report-json"), MARCH, headers=headers).json()
    titles = {table["id"]: table["title"] for table in data["tables"]}
    assert titles["reversal_by_source"] == "Reversal rate by detection source"
    assert data["label"] == "March 2026"
    times = next(t for t in data["tables"] if t["id"] == "response_times")
    assert times["rows"][0]["key"] == "Payments queue: first response"
    text = client.get(reverse("transparency:report-csv"), MARCH, headers=headers)
    lines = list(csv.reader(io.StringIO(text.content.decode())))
    assert ["appeal_outcomes", "upheld", "label", "Upheld"] in lines
    api = client.get("/api/v1/transparency", {"period": "2026-Q9"}, headers=headers)
    assert api.status_code == 400
    assert api.json()["detail"][0]["msg"].startswith("Choose a period")


def test_a_period_the_report_does_not_know_is_refused_in_the_visitors_language(client):
    response = client.get(URL, {"period": "2026-Q9"}, headers={"accept-language": "es"})
    assert response.status_code == 400
    assert "“2026-Q9”: Elija un periodo como 2026" in response.content.decode()


def test_rule_and_reason_titles_come_from_their_published_translation(client, history):
    from enforcement import services
    from enforcement.models import ReasonCodeTranslation, RuleVersionTranslation
    from tests.factories import LeadFactory

    rule = history["rule_a"]
    translation = RuleVersionTranslation.objects.create(
        version=rule.versions.get(), language="ru", title="Оплата через маркетплейс", text="Текст."
    )
    ReasonCodeTranslation.objects.create(
        translation=translation,
        reason_code=rule.reason_codes.get(),
        title="Оплата в обход маркетплейса",
        explanation="Пояснение.",
        what_you_can_do="Что делать.",
    )
    services.publish_rule_translation(translation, published_by=LeadFactory())

    html = page(client, "ru")
    assert '<th scope="row">TOS-1.1 — Оплата через маркетплейс</th>' in html
    assert '<th scope="row">off-platform-payment — Оплата в обход маркетплейса</th>' in html
    # The other rule has no translation: its English title, marked as such.
    assert '<th scope="row" lang="en">TOS-2.1 — One person, one account</th>' in html
    assert "TOS-1.1 — Payments on the marketplace" in page(client, "en")


def test_the_beat_task_renders_the_default_period_in_every_language(client):
    from transparency.tasks import refresh_transparency_figures

    build_history()
    assert refresh_transparency_figures() > 0
    for language, _name in settings.LANGUAGES:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, headers={"accept-language": language})
        assert response.status_code == 200
        assert len(queries) == 1  # the aggregation state; the body was rendered by the task
