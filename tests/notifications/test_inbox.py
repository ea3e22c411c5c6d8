"""The in-app inbox and the unread count in the header."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db

INBOX = "notifications:inbox"
BERLIN = ZoneInfo("Europe/Berlin")  # the factories' time zone for every person


def _shown(dt: datetime) -> str:
    local = timezone.localtime(dt, BERLIN)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def _notify(user, n: int = 0, **fields) -> Notification:
    notification = notify(
        user,
        kind=fields.pop("kind", Notification.Kind.NEW_MESSAGE),
        subject=fields.pop("subject", f"New message number {n}"),
        body=fields.pop("body", f"Body of message number {n}."),
        url=fields.pop("url", reverse("enforcement:standing")),
    )
    if fields:
        Notification.objects.filter(pk=notification.pk).update(**fields)
        notification.refresh_from_db()
    return notification


def _many(user, count: int) -> list[Notification]:
    """`count` notifications, one a minute, the newest last."""
    start = timezone.now() - timedelta(hours=1)
    return [_notify(user, i, created_at=start + timedelta(minutes=i)) for i in range(count)]


@pytest.fixture
def signed_in(client, freelancer):
    client.force_login(freelancer)
    return client


def _inbox(client, **params) -> str:
    response = client.get(reverse(INBOX), params)
    assert response.status_code == 200
    return response.content.decode()


def _header(content: str) -> str:
    return content[content.index("<header") : content.index("</header>")]


# --- The list ----------------------------------------------------------------------------------


def test_an_empty_inbox_says_so(signed_in):
    content = _inbox(signed_in)
    assert "Your inbox is empty." in content
    assert "Mark all as read" not in content


def test_notifications_are_listed_newest_first_with_subject_time_excerpt_and_link(
    signed_in, freelancer
):
    older, newer = _many(freelancer, 2)
    content = _inbox(signed_in)
    assert content.index(newer.subject) < content.index(older.subject)
    for notification in (older, newer):
        assert notification.body in content
        assert f'href="{reverse("notifications:open", args=[notification.pk])}"' in content
        assert _shown(notification.created_at) in content
    assert "Europe/Berlin" in content


def test_unread_notifications_are_marked_and_read_ones_are_not(signed_in, freelancer):
    unread = _notify(freelancer, 1)
    read = _notify(freelancer, 2, read_at=timezone.now())
    content = _inbox(signed_in)
    items = re.findall(r'<li class="inbox-item[^"]*">.*?</li>', content, re.S)
    by_subject = {
        next(s for s in (unread.subject, read.subject) if s in item): item for item in items
    }
    assert "inbox-item-unread" in by_subject[unread.subject]
    assert ">Unread</span>" in by_subject[unread.subject]
    assert "inbox-item-unread" not in by_subject[read.subject]
    assert ">Unread</span>" not in by_subject[read.subject]


def test_a_long_body_is_shown_as_an_excerpt(signed_in, freelancer):
    _notify(freelancer, body="word " * 200 + "THE-END")
    content = _inbox(signed_in)
    assert "word word" in content
    assert "THE-END" not in content
    assert "…" in content


def test_only_my_notifications_are_listed(signed_in, freelancer, other_freelancer):
    _notify(freelancer, subject="For Amara")
    _notify(other_freelancer, subject="For Jonas")
    content = _inbox(signed_in)
    assert "For Amara" in content
    assert "For Jonas" not in content


def test_the_inbox_is_paginated_by_25(signed_in, freelancer):
    notifications = _many(freelancer, 30)
    first = _inbox(signed_in)
    assert first.count('<li class="inbox-item') == 25
    assert notifications[-1].subject in first
    assert notifications[0].subject + "<" not in first
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    second = _inbox(signed_in, page=2)
    assert second.count('<li class="inbox-item') == 5
    assert notifications[0].subject + "</a>" in second
    assert 'href="?page=1"' in second


def test_opening_a_notification_shows_it_and_changes_nothing(signed_in, freelancer):
    """A GET (a link followed, prefetched by the browser or scanned by a mail filter) must not
    change state: it shows the notification with a button that marks it read."""
    notification = _notify(freelancer)
    url = reverse("notifications:open", args=[notification.pk])

    response = signed_in.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    assert notification.subject in content
    assert f'<form method="post" action="{url}">' in content
    assert "Open and mark as read</button>" in content
    assert signed_in.head(url).status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is None


def test_its_button_posts_marks_it_read_and_goes_to_its_page(signed_in, freelancer):
    notification = _notify(freelancer)
    response = signed_in.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("enforcement:standing")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_as_read(signed_in, freelancer, other_freelancer):
    _many(freelancer, 3)
    theirs = _notify(other_freelancer)
    assert "Mark all as read" in _inbox(signed_in)
    response = signed_in.post(reverse("notifications:mark-all-read"))
    assert response.status_code == 302
    assert response["Location"] == reverse(INBOX)
    assert not Notification.objects.for_recipient(freelancer).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    content = _inbox(signed_in)
    assert "Mark all as read" not in content
    assert "inbox-item-unread" not in content


def test_mark_all_as_read_is_post_only(signed_in):
    assert signed_in.get(reverse("notifications:mark-all-read")).status_code == 405


def test_the_inbox_is_get_only(signed_in):
    assert signed_in.post(reverse(INBOX)).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse(INBOX))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_another_persons_notification_cannot_be_opened(signed_in, other_freelancer):
    theirs = _notify(other_freelancer)
    assert signed_in.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert signed_in.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def _inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(INBOX))
    assert response.status_code == 200
    return len(queries)


def test_the_inbox_queries_are_the_same_for_1_and_30_notifications(
    client, freelancer, other_freelancer
):
    _many(freelancer, 1)
    _many(other_freelancer, 30)
    client.force_login(freelancer)
    client.get(reverse(INBOX))  # warm up per-process caches
    one = _inbox_queries(client)
    client.force_login(other_freelancer)
    assert _inbox_queries(client) == one


# --- The header --------------------------------------------------------------------------------


def test_the_header_shows_the_unread_count_on_every_page(signed_in, freelancer):
    _many(freelancer, 2)
    _notify(freelancer, read_at=timezone.now())
    for url in (reverse("enforcement:standing"), reverse("enforcement:rule-list"), reverse(INBOX)):
        header = _header(signed_in.get(url).content.decode())
        assert f'href="{reverse(INBOX)}"' in header
        assert "Inbox <span" in header
        assert "(2 unread)" in header


def test_the_header_shows_no_count_when_everything_is_read(signed_in, freelancer):
    _notify(freelancer, read_at=timezone.now())
    header = _header(_inbox(signed_in))
    assert re.search(r'class="inbox-link" aria-current="page">Inbox</a>', header)
    assert "unread" not in header


def test_anonymous_visitors_see_no_inbox_link(client):
    header = _header(client.get(reverse("enforcement:rule-list")).content.decode())
    assert reverse(INBOX) not in header


def test_reviewers_have_an_appeals_link_and_freelancers_do_not(client, reviewer, freelancer):
    client.force_login(reviewer)
    header = _header(client.get(reverse("enforcement:staff-home")).content.decode())
    assert f'href="{reverse("appeals:review-list")}"' in header
    assert ">Appeals</a>" in header
    client.force_login(freelancer)
    header = _header(client.get(reverse("enforcement:standing")).content.decode())
    assert reverse("appeals:review-list") not in header
