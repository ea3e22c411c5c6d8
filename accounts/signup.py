"""The sign-up form: the same work, and so the same time, whether or not the email has an account.

With `ACCOUNT_PREVENT_ENUMERATION` allauth already answers both cases with the same page and
sends one email either way ("confirm your address" or "you already have an account"). What still
told them apart was the time: a new account hashes its password (deliberately slow, hundreds of
milliseconds) and the other case did not. Here the other case hashes the password too and throws
the hash away. bench/signup_timing.py measures both; tests/accounts/test_hardening.py checks that
both paths hash once and send one email.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
