"""Accounts hardening: sign-up that does the same work whether or not the email has an account,
login throttling in the shared cache answering 429 with Retry-After, a deploy check that refuses
a per-process cache, and staff sessions with an idle timeout and an absolute lifetime."""

import time

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.checks import run_checks
from django.urls import reverse

from accounts.models import AuditEvent, User
from tests.factories import PASSWORD, FreelancerFactory, LeadFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
SIGNUP_URL = reverse("account_signup")


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting every hash it computes."""

    algorithm = "counting_md5"
    encoded = 0

    def encode(self, password, salt):
        CountingHasher.encoded += 1
        return super().encode(password, salt)


def _sign_up(client, email: str):
    return client.post(
        SIGNUP_URL,
        {
            "email": email,
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )


def test_sign_up_hashes_once_and_sends_one_email_whether_or_not_the_address_exists(
    client, settings
):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_hardening.CountingHasher"]
    FreelancerFactory(email="taken@example.test")
    outcomes = {}
    for email in ("taken@example.test", "new@example.test"):
        CountingHasher.encoded = 0
        mail.outbox = []
        response = _sign_up(client, email)
        outcomes[email] = (
            response.status_code,
            response.get("Location"),
            CountingHasher.encoded,
            [message.to for message in mail.outbox],
        )

    assert outcomes["taken@example.test"] == (
        302,
        reverse("account_email_verification_sent"),
        1,
        [["taken@example.test"]],
    )
    assert outcomes["new@example.test"] == (
        302,
        reverse("account_email_verification_sent"),
        1,
        [["new@example.test"]],
    )
    assert User.objects.filter(email="taken@example.test").count() == 1


def _fail_login(client, email: str):
    return client.post(LOGIN_URL, {"login": email, "password": "not-the-password"})


def test_a_throttled_login_answers_429_with_retry_after_and_keeps_the_form(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,3/300s/key"}
    person = FreelancerFactory()
    for _ in range(3):
        assert _fail_login(client, person.email).status_code == 200

    throttled = _fail_login(client, person.email)

    assert throttled.status_code == 429
    retry_after = int(throttled["Retry-After"])
    assert 250 <= retry_after <= 300
    assert "Too many failed login attempts" in throttled.content.decode()
    # Even the right password waits: the limit is on the address, not on wrong guesses.
    right = client.post(LOGIN_URL, {"login": person.email, "password": PASSWORD})
    assert right.status_code == 429
    assert not get_user(client).is_authenticated


def test_the_failed_login_count_lives_in_the_shared_cache(client, settings):
    """Another worker, with its own process and its own connection to the cache, sees the same
    count: the attempts are in Redis (CACHE_URL), not in one process's memory."""
    from django.core.cache.backends.redis import RedisCache
    from django.test import Client

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,2/300s/key"}
    person = FreelancerFactory()
    _fail_login(client, person.email)
    _fail_login(Client(), person.email)

    other_worker = RedisCache(settings.CACHES["default"]["LOCATION"], {})
    counted = other_worker._cache.get_client().keys("*allauth:rl:allauth.account:login_failed:*")
    assert counted, "the failed logins are not in the shared cache"
    assert _fail_login(Client(), person.email).status_code == 429


def test_the_default_limits_are_five_failed_logins_per_address_in_five_minutes(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/300s/key"


def test_check_deploy_fails_without_a_shared_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    errors = [m for m in run_checks(include_deployment_checks=True) if m.id == "accounts.E001"]
    assert len(errors) == 1
    assert errors[0].is_serious()

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "accounts.E001"]
    # Only a deploy check: a developer's locmem run is not refused.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not [m for m in run_checks(include_deployment_checks=False) if m.id == "accounts.E001"]


# --- Staff sessions ------------------------------------------------------------------------------

STAFF_PAGE = "enforcement:staff-home"
# The session keys of accounts.middleware.StaffSessionTimeoutMiddleware.
SESSION_STARTED = "recourse_auth_started_at"
SESSION_SEEN = "recourse_last_seen_at"


def _signed_in(client, user):
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert get_user(client) == user
    return client


def _age_session(client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED] = now - started_ago
    session[SESSION_SEEN] = now - seen_ago
    session.save()


def test_a_staff_session_ends_after_the_idle_timeout(client, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    reviewer = ReviewerFactory()
    _signed_in(client, reviewer)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200
    _age_session(client, started_ago=31 * 60, seen_ago=29 * 60)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200

    _age_session(client, started_ago=62 * 60, seen_ago=31 * 60)
    response = client.get(reverse(STAFF_PAGE))

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={reverse(STAFF_PAGE)}"
    assert not get_user(client).is_authenticated
    assert AuditEvent.objects.filter(verb="session.expired_idle", actor=reviewer).count() == 1
    follow = client.get(response.url).content.decode()
    assert "signed out after a period without activity" in follow


def test_a_staff_session_ends_at_its_absolute_lifetime_even_when_active(client, settings):
    settings.STAFF_SESSION_MAX_HOURS = 12
    _signed_in(client, LeadFactory())
    _age_session(client, started_ago=11 * 3600, seen_ago=10)
    assert client.get(reverse(STAFF_PAGE)).status_code == 200

    _age_session(client, started_ago=12 * 3600 + 5, seen_ago=10)
    response = client.post(reverse("notifications:mark-all-read"))

    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert not get_user(client).is_authenticated
    assert AuditEvent.objects.filter(verb="session.expired_lifetime").count() == 1


def test_signing_in_again_restarts_the_clock_and_freelancers_keep_theirs(client, settings):
    freelancer = FreelancerFactory()
    _signed_in(client, freelancer)
    _age_session(client, started_ago=48 * 3600, seen_ago=40 * 60)
    assert client.get(reverse("enforcement:standing")).status_code == 200
    assert get_user(client) == freelancer

    client.logout()
    reviewer = ReviewerFactory()
    _signed_in(client, reviewer)
    session = client.session
    assert time.time() - session[SESSION_STARTED] < 60
    assert client.get(reverse(STAFF_PAGE)).status_code == 200
