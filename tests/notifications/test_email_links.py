"""Every link in every email resolves to 200 on the running portal, served on a port other than
8000 (issue #12: links pointed to port 8000 when `make run PORT=…` served another).

pytest-django's live server runs the portal on a free port; SITE_URL is that address, as
scripts/run.sh sets it from PORT (tests/test_settings_env.py checks that part). The scenario
produces the emails of each step that notifies someone, sends them, and requests every link in
the text and HTML parts over HTTP as the email's recipient, without following redirects.
"""

import re
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealClock
from appeals.operations import routing, sla
from enforcement import services as enforcement_services
from notifications.models import Notification
from notifications.services import send_email
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    claim,
    make_action,
    make_appeal,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_in_memory")]

Kind = Notification.Kind
Restriction = "permanent_termination"
LINK = re.compile(r"https?://[^\s\"'<>)]+")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to sign-in, say) is reported, not followed


def _fetch(url: str, cookie: str | None) -> int:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _decide(appeal, by, outcome):
    return services.decide_appeal(
        Appeal.objects.get(pk=appeal.pk),
        outcome=outcome,
        reasons="We looked at the invoice again.",
        versions=list(appeal.action.cited_versions.all()),
        decided_by=by,
    )


def test_every_emails_links_resolve_to_200_on_a_port_other_than_8000(live_server, settings):
    assert urlsplit(live_server.url).port != 8000
    settings.SITE_URL = live_server.url
    freelancer = FreelancerFactory()
    reviewer, holder = ReviewerFactory(), ReviewerFactory()
    LeadFactory()

    # An action, an appeal routed and claimed, a question, the answer, a message, a decision.
    action = make_action(freelancer)  # action_issued
    appeal = make_appeal(action)
    routing.route_appeal(appeal.pk)  # appeal_received
    claim(Appeal.objects.get(pk=appeal.pk), holder)
    appeal = Appeal.objects.get(pk=appeal.pk)
    services.request_information(appeal, reviewer=holder, question="Which invoice?")
    services.post_message(Appeal.objects.get(pk=appeal.pk), author=freelancer, body="No. 42.")
    services.post_message(Appeal.objects.get(pk=appeal.pk), author=holder, body="Thanks.")
    _decide(appeal, holder, Appeal.Outcome.OVERTURNED)  # decision

    # A termination that takes effect, appealed and proposed to be upheld: approval waiting.
    termination = make_action(freelancer, restriction_type=Restriction, ends_at=None)
    upheld = make_appeal(termination, claimed_by=holder)
    _decide(upheld, holder, Appeal.Outcome.UPHELD)

    # An appeal withdrawn, a proposed termination withdrawn, a suspension that ends.
    withdrawn = make_appeal(make_action(freelancer), claimed_by=reviewer)
    services.withdraw_appeal(withdrawn, by=freelancer, reason="Sorted out.")
    proposed = make_action(freelancer, restriction_type=Restriction, ends_at=None, in_effect=False)
    enforcement_services.withdraw_termination(proposed, by=reviewer, reason="Not needed.")
    ending = make_action(freelancer, ends_at=timezone.now() + timedelta(days=1))
    enforcement_services.expire_ended_actions(now=ending.ends_at + timedelta(minutes=1))

    # A rule the termination relies on changes; held funds reach their release date.
    draft = enforcement_services.draft_rule_version(
        termination.primary_version().rule,
        text="The same rule, in clearer words.",
        change_summary="Clearer words.",
        drafted_by=None,
    )
    enforcement_services.publish_rule_version(draft, published_by=reviewer)  # rule_changed
    enforcement_services.release_scheduled_funds(now=timezone.now() + timedelta(days=30))

    # An open appeal whose first-reply deadline approaches, then both of its deadlines pass:
    # the holder and the lead are told of each.
    late = make_appeal(make_action(freelancer), claimed_by=reviewer)
    routing.route_appeal(late.pk)
    first_reply = AppealClock.objects.get(appeal=late, kind=AppealClock.Kind.FIRST_RESPONSE)
    assert sla.sweep(now=first_reply.warn_at + timedelta(seconds=1))[0] >= 1  # sla_warning
    assert sla.sweep(now=timezone.now() + timedelta(days=60))[1] >= 2  # sla_breach

    mail.outbox.clear()
    notifications = list(Notification.objects.select_related("recipient").order_by("pk"))
    for notification in notifications:
        assert send_email(notification.pk)
    kinds = {n.kind for n in notifications}
    # Every kind of notification there is: an email kind added later fails here until its
    # links are checked too.
    assert kinds == set(Kind.values), sorted(set(Kind.values) - kinds)

    by_id = {str(n.pk): n for n in notifications}
    cookies: dict[int, str] = {}
    checked = 0
    assert len(mail.outbox) == len(notifications)
    for message in mail.outbox:
        recipient = by_id[message.extra_headers["X-Recourse-Notification"]].recipient
        cookie = cookies.setdefault(recipient.pk, _session_cookie(recipient))
        html = message.alternatives[0][0] if message.alternatives else ""
        links = set(LINK.findall(message.body)) | set(LINK.findall(html))
        assert links, f"no link in {message.subject!r}"
        for link in links:
            link = link.replace("&amp;", "&").rstrip(".,;")
            assert link.startswith(live_server.url), f"{message.subject!r} links to {link}"
            assert _fetch(link.split("#")[0], cookie) == 200, f"{link} in {message.subject!r}"
            checked += 1
    assert checked >= len(mail.outbox)


def test_the_sign_up_and_password_emails_link_to_the_port_that_served_them(live_server):
    host = urlsplit(live_server.url).netloc
    client = Client(HTTP_HOST=host)
    client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.test",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    freelancer = FreelancerFactory()
    client.post(reverse("account_reset_password"), {"email": freelancer.email})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Hello from" not in message.body
        links = [link.rstrip(".,;") for link in LINK.findall(message.body)]
        assert links, message.subject
        for link in links:
            assert link.startswith(live_server.url), link
            status = _fetch(link, None)
            # The confirmation page answers 200; a reset link stores its key in the session
            # and redirects to the form (allauth), which then answers 200 too.
            assert status in (200, 302), f"{link}: {status}"
            if status == 302:
                opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
                with opener.open(link, timeout=30) as followed:
                    assert followed.status == 200
                    assert "/accounts/password/reset/key/" in followed.geturl()
