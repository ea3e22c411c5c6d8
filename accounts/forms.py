from django import forms

from accounts.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "preferred_language", "time_zone"]
        labels = {"time_zone": "Time zone (dates are shown in it)"}
