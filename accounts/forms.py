from allauth.account.forms import LoginForm
from django import forms

from accounts.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language", "time_zone"]
        labels = {"time_zone": "Time zone (dates are shown in it)"}


class SignInForm(LoginForm):
    """allauth's sign-in form with our labels ("Remember me", sentence case like every label)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Remember me on this device"
