"""Forms of the reviewer queue page and the lead dashboard: they validate and convert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import TextChoices
from django.utils import translation

from accounts.models import User
from appeals.models import Appeal, Queue

# The statuses a reviewer can filter on: every open one (closed appeals never show on the queue).
OPEN_STATUS_CHOICES = [
    (value, "Waiting for the freelancer" if value == Appeal.Status.AWAITING_FREELANCER else label)
    for value, label in Appeal.Status.choices
    if value not in Appeal.CLOSED_STATUSES
]
AGE_CHOICES = [
    ("", "Any age"),
    ("1", "Older than 1 day"),
    ("3", "Older than 3 days"),
    ("7", "Older than 7 days"),
]


class Sort(TextChoices):
    URGENCY = "urgency", "Urgency"
    DEADLINE = "deadline", "Decision deadline"


class SlaState(TextChoices):
    """The clock states worth filtering on: the ones that call for action."""

    APPROACHING = "approaching", "Approaching"
    BREACHED = "breached", "Breached"


_RENDERED_FIELDS: dict[tuple, tuple[str, ...]] = {}
_RENDERED_FIELDS_MAX = 512


class QueueFilterForm(forms.Form):
    """The GET filters of the queue page. A value that does not validate is simply not applied:
    an edited or outdated link shows an unfiltered list, never an error page."""

    queue = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        choices=[("", "Any open status"), *OPEN_STATUS_CHOICES], required=False
    )
    language = forms.ChoiceField(
        choices=[("", "Any language"), *settings.REVIEW_LANGUAGES], required=False
    )
    age = forms.TypedChoiceField(
        choices=AGE_CHOICES, coerce=int, required=False, empty_value=None, label="Waiting"
    )
    sla = forms.ChoiceField(
        choices=[("", "Any state"), *SlaState.choices], required=False, label="Deadline state"
    )
    sort = forms.ChoiceField(choices=Sort.choices, required=False, label="Order by")

    def __init__(self, data: Any, *, queues: Iterable[Queue]) -> None:
        super().__init__(data, label_suffix="")
        # Choices from the queues already loaded for the page: validating costs no query.
        self.fields["queue"].choices = [("", "All your queues")] + [(q.pk, q.name) for q in queues]

    def filters(self) -> dict[str, Any]:
        """The valid, non-empty filters as `Appeal` lookups."""
        self.is_valid()
        data = self.cleaned_data
        lookups: dict[str, Any] = {}
        if data.get("queue"):
            lookups["queue_id"] = data["queue"]
        if data.get("status"):
            lookups["status"] = data["status"]
        if data.get("language"):
            lookups["language"] = data["language"]
        if data.get("age"):
            lookups["older_than"] = timedelta(days=data["age"])
        if data.get("sla"):
            lookups["sla_state"] = data["sla"]
        return lookups

    def rendered_fields(self) -> tuple[str, ...]:
        """Each field's `as_field_group()` HTML, remembered in this process for the same input:
        the markup is a function of the language, the queue choices and the submitted values
        alone, and Django's template-rendered widgets (a template per option) cost a sixth of
        the queue page, on every view and every 15-second poll."""
        key = (
            translation.get_language(),
            self.auto_id,
            tuple(self.fields["queue"].choices),
            tuple((name, tuple(_values(self.data, name))) for name in self.fields),
        )
        rendered = _RENDERED_FIELDS.get(key)
        if rendered is None:
            rendered = tuple(field.as_field_group() for field in self)
            if len(_RENDERED_FIELDS) >= _RENDERED_FIELDS_MAX:
                _RENDERED_FIELDS.clear()
            _RENDERED_FIELDS[key] = rendered
        return rendered

    def chosen_sort(self) -> Sort:
        """The chosen order; urgency unless a valid other one was asked for."""
        self.is_valid()
        return Sort(self.cleaned_data.get("sort") or Sort.URGENCY)


def _values(data, name: str) -> list:
    return data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(choices=[("available", "Available"), ("away", "Away")])

    def is_available(self) -> bool:
        return self.cleaned_data["availability"] == "available"


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(queryset=User.objects.none(), label="Reassign to")

    def __init__(self, data: Any = None, *, reviewers) -> None:
        super().__init__(data)
        self.fields["to"].queryset = reviewers
