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
