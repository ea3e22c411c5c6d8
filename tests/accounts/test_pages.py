"""Shell pages (home, profile, staff home, errors) and allauth's pages inside our layout."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.template.loader import get_template
from django.urls import reverse

from tests.factories import PASSWORD, make_action

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
STAFF_HOME = reverse("enforcement:staff-home")


def _assert_our_layout_under_csp(response) -> str:
    """The page uses base.html and nothing in it needs 'unsafe-inline'."""
    content = response.content.decode()
    assert '<a class="skip-link" href="#main">' in content
    assert '<main id="main"' in content
    assert " style=" not in content
    assert "<style" not in content
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", content):
        assert f'nonce="{nonce}"' in tag or "src=" in tag or "application/json" in tag, tag
    return content


def _assert_inputs_are_labelled(content: str) -> None:
    for tag in re.findall(r"<input\b[^>]*>", content):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        input_id = re.search(r'id="([^"]+)"', tag).group(1)
        assert f'<label for="{input_id}"' in content, tag


def _verify_email(user) -> None:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _sign_in(client, user) -> None:
    """Sign in through allauth's own form, so that it records a fresh authentication."""
    _verify_email(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


# --- Home ---------------------------------------------------------------------------------------


def test_the_home_page_is_public(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    content = _assert_our_layout_under_csp(response)
    assert f'href="{reverse("account_login")}"' in content
    assert f'href="{reverse("enforcement:rule-list")}"' in content
    assert f'href="{reverse("enforcement:redress")}"' in content


def test_a_freelancer_is_sent_from_home_to_their_standing(client, freelancer):
    client.force_login(freelancer)
    assert client.get(reverse("home"))["Location"] == reverse("enforcement:standing")


def test_the_navigation_depends_on_the_role(client, freelancer, reviewer):
    anonymous = client.get(reverse("enforcement:rule-list")).content.decode()
    assert reverse("enforcement:standing") not in anonymous
    assert f'action="{reverse("account_logout")}"' not in anonymous

    client.force_login(freelancer)
    as_freelancer = client.get(reverse("enforcement:rule-list")).content.decode()
    assert f'href="{reverse("enforcement:standing")}"' in as_freelancer
    assert f'href="{STAFF_HOME}"' not in as_freelancer
    assert f'<form method="post" action="{reverse("account_logout")}"' in as_freelancer

    client.force_login(reviewer)
    as_reviewer = client.get(reverse("enforcement:rule-list")).content.decode()
    assert f'href="{STAFF_HOME}"' in as_reviewer
    assert f'href="{reverse("enforcement:standing")}"' not in as_reviewer


def test_the_page_language_and_htmx_wiring_are_set(client, freelancer):
    client.force_login(freelancer)
    content = client.get(reverse("enforcement:rule-list")).content.decode()
    assert '<html lang="en"' in content
    assert '"allowEval":false' in content
    assert '"historyCacheSize":0' in content
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", content)


def test_post_to_home_is_not_allowed(client):
    assert client.post(reverse("home")).status_code == 405


# --- Profile ------------------------------------------------------------------------------------


def test_the_profile_requires_sign_in(client):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={PROFILE}"


def test_the_profile_saves_the_time_zone(client, freelancer):
    client.force_login(freelancer)
    response = client.post(
        PROFILE,
        {"display_name": "Amara O.", "preferred_language": "en", "time_zone": "America/New_York"},
        follow=True,
    )
    assert response.redirect_chain == [(PROFILE, 302)]
    assert b"Your settings are saved." in response.content
    freelancer.refresh_from_db()
    assert (freelancer.display_name, freelancer.time_zone) == ("Amara O.", "America/New_York")
    standing = client.get(reverse("enforcement:standing"))
    assert b"America/New_York" in standing.content


def test_the_profile_refuses_an_unknown_time_zone(client, freelancer):
    client.force_login(freelancer)
    response = client.post(
        PROFILE, {"display_name": "", "preferred_language": "en", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    freelancer.refresh_from_db()
    assert freelancer.time_zone == "Europe/Berlin"


def test_the_profile_form_is_labelled(client, freelancer):
    client.force_login(freelancer)
    response = client.get(PROFILE)
    content = _assert_our_layout_under_csp(response)
    _assert_inputs_are_labelled(content)
    assert '<label for="id_time_zone"' in content


def test_the_profile_refuses_other_methods(client, freelancer):
    client.force_login(freelancer)
    assert client.put(PROFILE).status_code == 405


# --- Staff home ---------------------------------------------------------------------------------


def test_a_freelancer_cannot_open_the_staff_home(client, freelancer):
    client.force_login(freelancer)
    assert client.get(STAFF_HOME).status_code == 403


def test_a_reviewer_sees_recent_actions_read_only(client, reviewer):
    action = make_action()
    client.force_login(reviewer)
    response = client.get(STAFF_HOME)
    content = response.content.decode()
    assert response.status_code == 200
    assert f"#{action.pk} Temporary suspension" in content
    assert action.account.email in content
    main = content.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<form" not in main


def test_a_reviewer_without_totp_is_sent_to_set_it_up_when_staff_mfa_is_required(
    client, reviewer, settings
):
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(reviewer)
    response = client.get(STAFF_HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_reviewer_with_totp_opens_the_staff_home_when_staff_mfa_is_required(
    client, reviewer, settings
):
    settings.REQUIRE_STAFF_MFA = True
    TOTP.activate(reviewer, generate_totp_secret())
    client.force_login(reviewer)
    assert client.get(STAFF_HOME).status_code == 200


def test_post_to_the_staff_home_is_not_allowed(client, reviewer):
    client.force_login(reviewer)
    assert client.post(STAFF_HOME).status_code == 405


# --- allauth pages in our layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_email_verification_sent",
    ],
)
def test_sign_in_pages_use_our_layout_and_label_every_field(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    content = _assert_our_layout_under_csp(response)
    _assert_inputs_are_labelled(content)


@pytest.mark.parametrize("url_name", ["account_email", "account_change_password", "mfa_index"])
def test_sign_in_settings_use_our_layout(client, freelancer, url_name):
    client.force_login(freelancer)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    content = _assert_our_layout_under_csp(response)
    _assert_inputs_are_labelled(content)
    assert '<nav aria-label="Sign-in settings"' in content


def test_totp_activation_shows_the_qr_code_as_a_data_image_with_a_text_alternative(
    client, reviewer
):
    _sign_in(client, reviewer)
    # allauth asks for the password again before MFA changes; that page uses our layout too.
    reauthenticate = client.get(reverse("account_reauthenticate"))
    _assert_inputs_are_labelled(_assert_our_layout_under_csp(reauthenticate))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    content = _assert_our_layout_under_csp(response)
    assert '<img src="data:image/svg+xml' in content
    assert 'alt="QR code to scan with your authenticator app"' in content
    assert "data:" in response["Content-Security-Policy"].split("img-src", 1)[1].split(";")[0]
    _assert_inputs_are_labelled(content)
    assert 'aria-describedby="authenticator_secret_helptext"' in content
    secret_input = re.search(r'<input[^>]*id="authenticator_secret"[^>]*>', content).group(0)
    assert "readonly" in secret_input
    assert "disabled" not in secret_input


def test_the_totp_sign_in_step_uses_our_layout(client, reviewer):
    TOTP.activate(reviewer, generate_totp_secret())
    assert Authenticator.objects.filter(user=reviewer).exists()
    _verify_email(reviewer)
    response = client.post(
        reverse("account_login"), {"login": reviewer.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    content = _assert_our_layout_under_csp(response)
    _assert_inputs_are_labelled(content)
    assert "Two-Factor Authentication" in content


# --- Error pages --------------------------------------------------------------------------------


def test_an_unknown_address_gets_our_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = _assert_our_layout_under_csp(response)
    assert "Page not found" in content


def test_the_500_page_renders_without_any_context():
    html = get_template("500.html").render()
    assert "Something went wrong" in html
    assert "/static/css/recourse.css" in html
