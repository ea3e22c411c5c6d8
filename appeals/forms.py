from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from appeals.macros import check_macro_body
from appeals.models import Appeal, Macro
from appeals.uploads import MAX_FILES, CleanUpload, UploadRejected, validate_uploads
from enforcement.forms import confirmation_field
from enforcement.models import EnforcementAction, RuleVersion

_BLANK_MARKUP: dict[tuple, str] = {}


class BlankFormField(BoundField):
    """A field whose `as_field_group()` markup is remembered in this process while its form is
    blank (unbound, no initial values): then it depends only on the form, the field and the
    language, and the case pages draw the same empty reply, note and question forms on every
    view (Django renders each through several templates). A bound form renders as usual."""

    def as_field_group(self):
        form = self.form
        if form.is_bound or form.initial or form._errors:
            return super().as_field_group()
        key = (type(form), self.name, form.auto_id, form.prefix, translation.get_language())
        markup = _BLANK_MARKUP.get(key)
        if markup is None:
            markup = _BLANK_MARKUP[key] = super().as_field_group()
        return markup


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
    bound_field_class = BlankFormField

    statement = forms.CharField(
        label=_("Why is this decision wrong?"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Explain in your own words. Up to 10,000 characters."),
    )
    requested_outcomes = forms.MultipleChoiceField(
        label=_("What do you ask for?"),
        choices=Appeal.RequestedOutcome.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose everything you ask for; you can choose more than one."),
        error_messages={"required": _("Choose what you ask for: one or more of the options.")},
    )
    attachments = AttachmentsField(label=_("Supporting documents (optional)"))


class MessageForm(forms.Form):
    bound_field_class = BlankFormField

    body = forms.CharField(
        label=_("Your message"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = AttachmentsField(label=_("Attach files (optional)"))


class WithdrawForm(forms.Form):
    bound_field_class = BlankFormField

    reason = forms.CharField(
        label=_("Why are you withdrawing? (optional)"), required=False, max_length=2000
    )
    confirm = confirmation_field(
        _("I understand that I cannot appeal this action again inside Recourse afterwards.")
    )


class ReviewerMessageForm(forms.Form):
    """The reply to the freelancer: they read it (internal notes have their own form)."""

    bound_field_class = BlankFormField

    body = forms.CharField(
        label="Message to the freelancer",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6, "aria-keyshortcuts": "r"}),
    )
    attachments = AttachmentsField(label="Attach files (optional)")


class ReviewerNoteForm(forms.Form):
    """An internal note: reviewers only, never shown to the freelancer."""

    bound_field_class = BlankFormField

    body = forms.CharField(
        label="Internal note (only reviewers see it)",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4, "aria-keyshortcuts": "n"}),
    )
    attachments = AttachmentsField(label="Attach files to the note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Distinct ids: the reply form on the same page has fields of the same names.
        self.auto_id = "note_%s"


class MacroPickForm(forms.Form):
    macro = forms.ModelChoiceField(label="Canned reply", queryset=Macro.objects.none())

    def __init__(self, *args, macros=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "macro_%s"
        if macros is not None:
            self.fields["macro"].queryset = macros


class MacroApplyForm(forms.Form):
    """The previewed text of a macro, as the reviewer may have edited it, and which macro."""

    macro = forms.ModelChoiceField(queryset=Macro.objects.active(), widget=forms.HiddenInput)
    body = forms.CharField(
        label="Text, filled in for this appeal (you can edit it)",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, macro: Macro | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "apply_%s"
        self.macro = macro

    @property
    def chosen_macro(self) -> Macro | None:
        """The macro being applied: the one posted (when valid) or the one previewed."""
        return getattr(self, "cleaned_data", {}).get("macro") or self.macro


class MacroForm(forms.ModelForm):
    """A lead's macro: title, text with placeholders (checked in the sandbox), effect, scope."""

    class Meta:
        model = Macro
        fields = ["title", "body", "effect", "queue", "language"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8}), "effect": forms.RadioSelect}
        labels = {"body": "Text", "queue": "Queue", "language": "Language"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].empty_label = "Every queue"
        self.fields["language"].choices = [("", "Every language"), *settings.REVIEW_LANGUAGES]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        check_macro_body(body)
        return body


class RequestInfoForm(forms.Form):
    bound_field_class = BlankFormField

    question = forms.CharField(
        label="What do you need from the freelancer?",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4, "aria-keyshortcuts": "i"}),
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
    confirm = confirmation_field(
        "I have checked the outcome, the reasons and any reduction. Once recorded, a final "
        "decision cannot be changed, and lifting or reducing the action releases funds and "
        "tells clients at once."
    )

    def __init__(self, *args, action: EnforcementAction, preview: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Previewing records nothing, so it needs no confirmation.
        self.fields["confirm"].required = not preview
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
