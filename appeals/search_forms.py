"""Forms of the staff search: the box with its filters, and a saved view's name."""

from __future__ import annotations

from django import forms

from appeals.models import Appeal, Queue, SavedSearch
from appeals.search import Filters
from enforcement.models import EnforcementAction

KIND_CHOICES = [
    ("", "Everything"),
    ("appeal", "Appeals"),
    ("action", "Actions"),
    ("freelancer", "Freelancers"),
]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="An id, an email address, a marketplace id, a name, or words of a statement "
        'or message ("exact phrase", -without).',
    )
    kind = forms.ChoiceField(label="Find", choices=KIND_CHOICES, required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any"),
            ("Appeals", Appeal.Status.choices),
            ("Actions", EnforcementAction.Status.choices),
        ],
    )
    queue = forms.ModelChoiceField(
        label="Queue", queryset=Queue.objects.order_by("name"), required=False, empty_label="Any"
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    freelancer = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def clean_q(self) -> str:
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError("The search cannot contain NUL characters.")
        return value.strip()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            status=data.get("status") or "",
            queue=data["queue"].pk if data.get("queue") else None,
            since=data.get("since"),
            until=data.get("until"),
            freelancer=data.get("freelancer"),
        )


class SavedSearchNameForm(forms.Form):
    name = forms.CharField(label="Name of this view", max_length=80)

    def __init__(self, *args, owner, instance: SavedSearch | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner, self.instance = owner, instance

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the view a name.")
        taken = SavedSearch.objects.filter(owner=self.owner, name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("You already have a view with this name.")
        return name
