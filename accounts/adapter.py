from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    """People who sign up themselves are freelancers; staff roles are granted by admins."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user.groups.add(Group.objects.get(name=Role.FREELANCER))
        return user
