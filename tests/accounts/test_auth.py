"""Signing in, signing up, verification and password reset through allauth's real views."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from enforcement.models import EnforcementAction
from tests.factories import PASSWORD, FreelancerFactory, make_action

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")


def _sign_in(client, email: str, password: str = PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def test_a_freelancer_signs_in_with_email_and_lands_on_their_standing(client, freelancer):
    response = _sign_in(client, freelancer.email)
    assert response.status_code == 302
    assert get_user(client) == freelancer
    assert client.get(response.url, follow=True).redirect_chain[-1][0] == reverse(
        "enforcement:standing"
    )


def test_the_email_address_is_matched_whatever_its_case(client, freelancer):
    _sign_in(client, freelancer.email.upper())
    assert get_user(client) == freelancer


def test_a_wrong_password_does_not_sign_in(client, freelancer):
    response = _sign_in(client, freelancer.email, "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not get_user(client).is_authenticated


def test_an_unverified_address_is_sent_to_verification_and_not_signed_in(client):
    unverified = FreelancerFactory(email_verified=False)
    response = _sign_in(client, unverified.email)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not get_user(client).is_authenticated
    # The reminder is a fresh verification email.
    assert [m.to for m in mail.outbox] == [[unverified.email]]


def test_signing_up_creates_an_unverified_freelancer_and_sends_a_verification_email(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "New.Person@Example.test",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.person@example.test")
    assert user.has_role(Role.FREELANCER)
    assert not user.is_staff_member()
    assert not EmailAddress.objects.get(user=user).verified
    assert not get_user(client).is_authenticated

    (message,) = mail.outbox
    assert message.to == ["new.person@example.test"]
    assert message.subject.startswith("[Recourse] ")
    confirm_url = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    # Following the link (GET shows the page, POST confirms) verifies the address.
    path = confirm_url.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified


def test_password_reset_sends_an_email_with_a_reset_link(client, freelancer):
    response = client.post(reverse("account_reset_password"), {"email": freelancer.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [freelancer.email]
    assert "/accounts/password/reset/key/" in message.body


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")


def test_a_permanently_terminated_freelancer_can_still_sign_in_and_see_their_standing(
    client, freelancer
):
    """Guarantee: being suspended on the marketplace never blocks signing in to Recourse."""
    action = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        restricted_capabilities=["marketplace_login", "proposals", "messaging", "payouts"],
        ends_at=None,
    )
    freelancer.refresh_from_db()
    assert freelancer.is_active

    response = _sign_in(client, freelancer.email)
    assert response.status_code == 302
    assert get_user(client) == freelancer

    standing = client.get(reverse("enforcement:standing"))
    assert standing.status_code == 200
    assert action.get_absolute_url() in standing.text
    assert client.get(action.get_absolute_url()).status_code == 200


def test_signing_out_ends_the_session(client, freelancer):
    _sign_in(client, freelancer.email)
    client.post(reverse("account_logout"))
    assert not get_user(client).is_authenticated
    response = client.get(reverse("enforcement:standing"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def test_stock_pages_sign_in_labels_remember_me_in_sentence_case(client):
    content = client.get(reverse("account_login")).content.decode()
    assert "Remember me on this device" in content
    assert "Remember Me" not in content


def test_stock_pages_the_sign_up_email_is_ours_not_hello_from_the_host(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "greeting@example.test",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
        HTTP_HOST="127.0.0.1:8200",
    )
    (message,) = mail.outbox
    assert message.subject == "[Recourse] Confirm your email address"
    assert "Hello from" not in message.body
    assert "127.0.0.1:8200!" not in message.body
    assert message.body.startswith("Hello,")
    assert "Recourse — account enforcement and appeals" in message.body
    # The confirmation link is still built from the address the request came to.
    assert "http://127.0.0.1:8200/accounts/confirm-email/" in message.body


def test_stock_pages_the_password_reset_email_is_ours(client, freelancer):
    client.post(reverse("account_reset_password"), {"email": freelancer.email})
    (message,) = mail.outbox
    assert message.subject == "[Recourse] Reset your password"
    assert "Hello from" not in message.body
