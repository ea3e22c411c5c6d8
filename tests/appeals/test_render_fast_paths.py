"""The queue page's cheaper rendering paths (issue #13) show exactly what the templates showed:
the SLA badge as a tag, and the filter form's fields remembered per input."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from appeals.models import AppealClock, Queue
from appeals.queue_forms import QueueFilterForm

# `appeals/_sla_badge.html` as it was before the markup moved into the `sla_badge` tag.
OLD_BADGE = Template(
    "{% load sla %}{% sla_view clock now as sla %}\n{% if sla %}\n"
    '  <span class="sla sla-{{ sla.state }}">{% if label %}<span class="sla-label">{{ label }}:'
    '</span> {% endif %}<span class="badge badge-sla-{{ sla.state }}">{{ sla.label }}</span> '
    '<span class="sla-countdown">{{ sla.countdown }}</span>{% if hide_deadline %}'
    '{% elif sla.deadline %} <small class="sla-deadline">(<time datetime="'
    "{{ sla.deadline|date:'c' }}\" title=\"{{ sla.deadline|date:'l j F Y, H:i T' }}\">"
    '{{ sla.deadline|date:"j M, H:i" }}</time>)</small>{% elif clock.paused_since %} '
    '<small class="sla-deadline">(since <time datetime="{{ clock.paused_since|date:\'c\' }}" '
    "title=\"{{ clock.paused_since|date:'l j F Y, H:i T' }}\">"
    '{{ clock.paused_since|date:"j M, H:i" }}</time>)</small>{% endif %}</span>\n{% else %}\n'
    '  <span class="sla">{% if label %}<span class="sla-label">{{ label }}:</span> {% endif %}'
    '<span class="muted">no clock</span></span>\n{% endif %}'
)
NOW = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def _clocks() -> list[AppealClock | None]:
    hour = timedelta(hours=1)
    return [
        None,
        AppealClock(kind="decision", due_at=NOW + 50 * hour, warn_at=NOW + 40 * hour),
        AppealClock(kind="decision", due_at=NOW + 5 * hour, warn_at=NOW - hour),
        AppealClock(kind="decision", due_at=NOW - 3 * hour),
        AppealClock(kind="first_response", due_at=None, paused_since=NOW - 26 * hour),
        AppealClock(kind="first_response", due_at=None),
        AppealClock(kind="decision", due_at=NOW - hour, stopped_at=NOW - 2 * hour),
        AppealClock(kind="decision", due_at=NOW - 5 * hour, stopped_at=NOW - 2 * hour),
    ]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Kyiv", "America/New_York"])
@pytest.mark.parametrize("language", ["en", "es", "ru", "uk"])
@pytest.mark.parametrize("label", ["Decision", "First reply", ""])
@pytest.mark.parametrize("hide_deadline", [False, True])
def test_the_sla_badge_tag_writes_what_the_template_wrote(zone, language, label, hide_deadline):
    import zoneinfo

    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for clock in _clocks():
            values = {"clock": clock, "label": label, "now": NOW, "hide_deadline": hide_deadline}
            old = OLD_BADGE.render(Context(values)).strip()
            tag = Template("{% load sla %}{% sla_badge clock label hide_deadline %}")
            assert tag.render(Context(values)) == old
            # The include the review summary uses renders the tag.
            assert render_to_string("appeals/_sla_badge.html", values).strip() == old


def test_the_sla_badge_without_now_in_the_context_counts_from_the_current_time():
    clock = AppealClock(kind="decision", due_at=timezone.now() + timedelta(hours=3, minutes=5))
    html = Template("{% load sla %}{% sla_badge clock 'Decision' %}").render(
        Context({"clock": clock})
    )
    assert "due in 3 h" in html
    assert "badge-sla-on_track" in html


def _form(query: str, queues) -> QueueFilterForm:
    return QueueFilterForm(QueryDict(query), queues=queues)


def _queues(*names: str) -> list[Queue]:
    return [Queue(pk=i + 1, name=name) for i, name in enumerate(names)]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "queue=2&status=in_review",
        "language=de&age=3&sla=breached&sort=deadline",
        "age=x&queue=9",
    ],
)
def test_the_filter_form_fields_are_rendered_as_django_renders_them(query):
    queues = _queues("Payments", "Identity <checks>")
    expected = [field.as_field_group() for field in _form(query, queues)]
    assert list(_form(query, queues).rendered_fields()) == expected
    assert list(_form(query, queues).rendered_fields()) == expected  # from memory
    with translation.override("es"):
        spanish = [field.as_field_group() for field in _form(query, queues)]
        assert list(_form(query, queues).rendered_fields()) == spanish


def test_the_remembered_filter_form_follows_the_queues_and_the_values():
    first = _form("queue=1", _queues("Payments")).rendered_fields()
    assert 'value="1" selected' in first[0]
    renamed = _form("queue=1", _queues("Fraud")).rendered_fields()
    assert "Fraud" in renamed[0] and "Payments" not in renamed[0]
    other_value = _form("queue=2", _queues("Payments", "Fraud")).rendered_fields()
    assert 'value="2" selected' in other_value[0]
    # An invalid value still shows its error, as the unremembered form does.
    invalid = _form("status=nonsense", _queues("Payments"))
    assert list(invalid.rendered_fields()) == [f.as_field_group() for f in invalid]


@pytest.mark.parametrize("language", ["en", "es", "uk"])
def test_blank_case_page_forms_render_as_django_renders_them(language):
    from django.forms import BoundField

    from appeals.forms import (
        AppealForm,
        MessageForm,
        RequestInfoForm,
        ReviewerMessageForm,
        ReviewerNoteForm,
        WithdrawForm,
    )

    with translation.override(language):
        for form_class in (
            AppealForm,
            MessageForm,
            WithdrawForm,
            ReviewerMessageForm,
            ReviewerNoteForm,
            RequestInfoForm,
        ):
            for _ in range(2):  # the second time from memory
                form = form_class()
                for name in form.fields:
                    assert form[name].as_field_group() == BoundField.as_field_group(form[name])


def test_a_bound_or_prefilled_form_is_rendered_afresh():
    from appeals.forms import MessageForm, ReviewerNoteForm

    MessageForm()["body"].as_field_group()  # the blank one is remembered
    prefilled = MessageForm(initial={"body": "The text from the stale tab"})
    assert "The text from the stale tab" in prefilled["body"].as_field_group()
    bound = ReviewerNoteForm({"body": ""})
    assert not bound.is_valid()
    assert "This field is required." in bound["body"].as_field_group()
    assert 'id="note_body"' in ReviewerNoteForm()["body"].as_field_group()
