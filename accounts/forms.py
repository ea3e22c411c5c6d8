from allauth.account.forms import LoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language", "time_zone"]
        labels = {
            "display_name": _("Display name"),
            "preferred_language": _("Language (pages and emails are in it)"),
            "time_zone": _("Time zone (dates are shown in it)"),
        }


class SignInForm(LoginForm):
    """allauth's sign-in form with our labels ("Remember me", sentence case like every label)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me on this device")


class AuditFilterForm(forms.Form):
    """The audit page's filters (all optional; GET)."""

    object_type = forms.ChoiceField(label="Object type", required=False)
    actor = forms.CharField(
        label="Who (email, or “system”)", required=False, max_length=254, strip=True
    )
    since = forms.DateField(
        label="From (day)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until (day, inclusive)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Any")] + [(t, t) for t in object_types]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end comes before the start.")
        return data
