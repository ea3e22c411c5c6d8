"""Staff pages need TOTP (when REQUIRE_STAFF_MFA is on); freelancers are never asked for it."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import get_user
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

STAFF_HOME = reverse("enforcement:staff-home")
ADMIN_INDEX = reverse("admin:index")
ACTIVATE_TOTP = reverse("mfa_activate_totp")


@pytest.fixture(autouse=True)
def _staff_mfa_required(settings):
    settings.REQUIRE_STAFF_MFA = True
    # A code computed at the very end of a 30-second period is checked in the next one.
    settings.MFA_TOTP_TOLERANCE = 1


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def _activate_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def _sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.mark.parametrize("persona", ["reviewer", "lead", "admin_user"])
@pytest.mark.parametrize("page", [STAFF_HOME, ADMIN_INDEX], ids=["staff-home", "admin"])
def test_staff_without_totp_are_sent_to_activate_it(client, request, persona, page):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(page)
    assert response.status_code == 302
    assert response.url == ACTIVATE_TOTP


def test_the_activation_page_opens_for_staff_without_totp(client, reviewer):
    client.force_login(reviewer)
    response = client.get(ACTIVATE_TOTP, follow=True)
    # allauth asks for the password again before showing a new secret.
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))


def test_signing_in_with_password_alone_does_not_sign_in_staff_with_totp(client, reviewer):
    _activate_totp(reviewer)
    response = _sign_in(client, reviewer)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not get_user(client).is_authenticated


def test_a_reviewer_with_totp_signs_in_with_the_code_and_opens_the_staff_page(client, reviewer):
    secret = _activate_totp(reviewer)
    _sign_in(client, reviewer)
    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert get_user(client) == reviewer

    assert client.get(STAFF_HOME).status_code == 200
    assert client.get(ADMIN_INDEX).status_code == 200


def test_a_wrong_code_does_not_sign_in(client, reviewer):
    secret = _activate_totp(reviewer)
    _sign_in(client, reviewer)
    valid = {
        format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD + step))
        for step in (-2, -1, 0, 1, 2)
    }
    wrong = next(code for code in ("000000", "111111", "222222") if code not in valid)
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert not get_user(client).is_authenticated


def test_a_freelancer_signs_in_without_being_asked_for_mfa(client, freelancer):
    response = _sign_in(client, freelancer)
    assert response.url != reverse("mfa_authenticate")
    assert get_user(client) == freelancer
    assert client.get(reverse("enforcement:standing")).status_code == 200
    assert not Authenticator.objects.filter(user=freelancer).exists()


def test_a_freelancer_is_not_sent_to_activate_totp_from_any_page(client, freelancer):
    client.force_login(freelancer)
    for page in (reverse("home"), reverse("enforcement:standing"), reverse("accounts:profile")):
        response = client.get(page, follow=True)
        assert all(ACTIVATE_TOTP not in url for url, _status in response.redirect_chain), page
        assert response.status_code == 200


def test_a_freelancer_gets_403_not_an_mfa_prompt_on_staff_pages(client, freelancer):
    client.force_login(freelancer)
    assert client.get(STAFF_HOME).status_code == 403


def test_with_the_setting_off_staff_pages_open_without_totp(client, reviewer, settings):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(reviewer)
    assert client.get(STAFF_HOME).status_code == 200
