from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from appeals.models import Appeal, Macro
from appeals.uploads import MAX_FILES, CleanUpload, UploadRejected, validate_uploads
from enforcement.models import EnforcementAction, RuleVersion


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _files_help_now() -> str:
    return ngettext(
        "Up to %(count)d file, 10 MB: PDF, PNG, JPEG or plain text.",
        "Up to %(count)d files, 10 MB each: PDF, PNG, JPEG or plain text.",
        MAX_FILES,
    ) % {"count": MAX_FILES}


# Resolved when the form renders, in the reader's language (not once, at import).
_files_help = lazy(_files_help_now, str)


class AttachmentsField(forms.FileField):
    """Up to MAX_FILES files, validated by content; cleans to a list of CleanUpload."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _files_help())
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.txt"

    def clean(self, data, initial=None) -> list[CleanUpload]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        try:
            return validate_uploads(files)
        except UploadRejected as exc:
            raise ValidationError(exc.messages) from exc


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Why is this decision wrong?"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Explain in your own words. Up to 10,000 characters."),
    )
    requested_outcome = forms.ChoiceField(
        label=_("What do you ask for?"),
        choices=Appeal.RequestedOutcome.choices,
        widget=forms.RadioSelect,
    )
    attachments = AttachmentsField(label=_("Supporting documents (optional)"))


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = AttachmentsField(label=_("Attach files (optional)"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"), required=False, max_length=2000
    )


class ReviewerMessageForm(forms.Form):
    body = forms.CharField(
        label="Message", max_length=10_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    internal = forms.BooleanField(
        label="Internal note (never shown to the freelancer)", required=False
    )
    attachments = AttachmentsField(label="Attach files (optional)")


class MacroPickForm(forms.Form):
    macro = forms.ModelChoiceField(
        label="Insert a canned reply", queryset=Macro.objects.filter(is_active=True)
    )


class RequestInfoForm(forms.Form):
    question = forms.CharField(
        label="What do you need from the freelancer?",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=Appeal.Outcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label="Reasons, written for the freelancer",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain language: what you looked at, what you found, and why.",
    )
    versions = forms.ModelMultipleChoiceField(
        label="Rule version(s) relied on",
        queryset=RuleVersion.objects.published().select_related("rule"),
        widget=forms.CheckboxSelectMultiple,
    )
    restriction_type = forms.ChoiceField(
        label="Reduce the restriction to (modified only)",
        choices=[("", "Keep the restriction type"), *EnforcementAction.RestrictionType.choices],
        required=False,
    )
    ends_at = forms.DateTimeField(
        label="New end (modified only)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    release_amount = forms.DecimalField(
        label="Funds to release (modified only)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )

    def __init__(self, *args, action: EnforcementAction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["versions"].initial = [v.pk for v in action.cited_versions.all()]
        # Only what a modification may do: never offer a heavier type that is then refused.
        self.fields["restriction_type"].choices = [
            ("", "Keep the restriction type"),
            *action.lighter_restriction_types(),
        ]


class ReturnDecisionForm(forms.Form):
    reason = forms.CharField(
        label="Why do you return this decision?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def add_refusal_errors(form: forms.Form, exc) -> None:
    """Put a service's refusal on the form: field errors beside their field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
