"""The reviewer's queue page (claim next, availability) and the lead's dashboard (release, reassign)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, ReviewerProfile, User
from accounts.roles import REVIEW_APPEALS
from appeals.models import Appeal, AppealEvent, Queue
from appeals.operations import claims, routing
from appeals.views.queues import EXCLUDED_FROM_APPROVING, Cursor
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_appeal,
    make_queue,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

Status = Appeal.Status
Kind = AppealEvent.Kind
HTMX = {"HX-Request": "true"}
POLL = {"HX-Request": "true", "HX-Target": "queue-counts"}

GET_VIEWS = ["appeals:queue", "appeals:dashboard"]
# The confirmation a dashboard move posts from its confirm page (appeals/views/confirm.py).
CONFIRMED = {"confirm": "yes"}
POST_VIEWS = ["appeals:claim-next", "appeals:availability", "appeals:release", "appeals:reassign"]
LEAD_ONLY = ["appeals:dashboard", "appeals:release", "appeals:reassign"]


@pytest.fixture
def original_decider(db):
    return ReviewerFactory(display_name="Olga Original")


@pytest.fixture
def template_action(original_decider):
    """One complete action, copied for bulk appeals (see `bulk_queued_appeals`)."""
    return make_action(FreelancerFactory(), decided_by=original_decider)


@pytest.fixture
def queue(db):
    return make_queue("Payments", priority=5)


@pytest.fixture
def worker(queue):
    """A reviewer who works the Payments queue."""
    return make_reviewer(queues=[queue], display_name="Wren Worker", email="wren@example.test")


@pytest.fixture
def as_worker(client, worker):
    client.force_login(worker)
    return client


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead)
    return client


def _queued(count: int, queue: Queue, template, **fields) -> list[Appeal]:
    return bulk_queued_appeals(count, queue=queue, template=template, **fields)


def _url(name: str, pk: int | None = None) -> str:
    return reverse(name, args=[pk] if pk is not None else [])


def _any_url(name: str, appeal_pk: int) -> str:
    return _url(name, appeal_pk) if name in ("appeals:release", "appeals:reassign") else _url(name)


def _section(html: str, section_id: str) -> str:
    """The HTML of one <section id=...> of the page (sections are not nested)."""
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _appeal_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r">Appeal #(\d+)</a>", html)]


def _next_link(html: str) -> str | None:
    match = re.search(r'<a href="\?([^"#]*)#[a-z]+" rel="next">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def _page(client, query: str = "") -> str:
    response = client.get(f"{_url('appeals:queue')}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def _walk_unassigned(client, query: str) -> list[list[int]]:
    """Follow the "Next page" links of the unassigned list to the end; the ids of each page."""
    pages = []
    while query is not None:
        html = _page(client, query)
        section = _section(html, "unassigned")
        pages.append(_appeal_ids(section))
        query = _next_link(section)
        assert len(pages) < 20, "the pagination does not end"
    return pages


# --- Who may use each view ------------------------------------------------------------------------


@pytest.mark.parametrize("name", GET_VIEWS + POST_VIEWS)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, queue, template_action, name):
    [appeal] = _queued(1, queue, template_action)
    url = _any_url(name, appeal.pk)
    response = client.post(url) if name in POST_VIEWS else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", GET_VIEWS + POST_VIEWS)
def test_a_freelancer_gets_403(client, freelancer, queue, template_action, name):
    [appeal] = _queued(1, queue, template_action)
    client.force_login(freelancer)
    url = _any_url(name, appeal.pk)
    response = client.post(url) if name in POST_VIEWS else client.get(url)
    assert response.status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None


def test_a_reviewer_gets_the_queue_page(client, reviewer):
    client.force_login(reviewer)
    assert client.get(_url("appeals:queue")).status_code == 200


@pytest.mark.parametrize("name", LEAD_ONLY)
def test_a_reviewer_gets_403_on_the_lead_pages(as_worker, worker, queue, template_action, name):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)
    url = _any_url(name, appeal.pk)
    response = as_worker.get(url) if name in GET_VIEWS else as_worker.post(url)
    assert response.status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == worker


@pytest.mark.parametrize("name", GET_VIEWS)
def test_a_lead_gets_both_pages(as_lead, name):
    assert as_lead.get(_url(name)).status_code == 200


@pytest.mark.parametrize("name", GET_VIEWS + POST_VIEWS)
def test_the_wrong_method_gets_405(as_lead, queue, template_action, name):
    [appeal] = _queued(1, queue, template_action)
    url = _any_url(name, appeal.pk)
    response = as_lead.get(url) if name in POST_VIEWS else as_lead.post(url)
    assert response.status_code == 405


def test_release_and_reassign_of_an_unknown_appeal_are_404(as_lead, lead):
    assert as_lead.post(_url("appeals:release", 999_999)).status_code == 404
    assert as_lead.post(_url("appeals:reassign", 999_999), {"to": lead.pk}).status_code == 404


# --- The queue page: what it lists ----------------------------------------------------------------


def test_the_page_lists_appeals_held_by_the_reviewer_and_unassigned_ones_of_their_queues(
    as_worker, worker, queue, template_action
):
    mine = _queued(2, queue, template_action, assigned_to=worker)
    waiting = _queued(3, queue, template_action)
    someone_elses = _queued(1, queue, template_action, assigned_to=ReviewerFactory())
    other_queue = _queued(1, make_queue("Identity"), template_action)
    unrouted = _queued(1, None, template_action)
    closed = _queued(1, queue, template_action, status=Status.WITHDRAWN)

    html = _page(as_worker)

    assigned_ids = _appeal_ids(_section(html, "assigned"))
    unassigned_ids = _appeal_ids(_section(html, "unassigned"))
    assert sorted(assigned_ids) == sorted(a.pk for a in mine)
    assert sorted(unassigned_ids) == sorted(a.pk for a in waiting)
    for hidden in someone_elses + other_queue + unrouted + closed:
        assert hidden.pk not in assigned_ids + unassigned_ids


def test_each_row_shows_queue_status_language_age_priority_and_reason_code(
    as_worker, queue, template_action
):
    [appeal] = _queued(1, queue, template_action, language="de")
    Appeal.objects.filter(pk=appeal.pk).update(submitted_at=timezone.now() - timedelta(days=2))

    row = _section(_page(as_worker), "unassigned")

    assert f'href="{_url("appeals:review-detail", appeal.pk)}"' in row
    assert "Payments" in row
    assert "Submitted" in row  # the status badge
    assert "DE" in row
    assert "2\xa0days" in row
    assert "<td>5</td>" in row
    assert template_action.reason_code.code in row


def test_the_most_urgent_come_first_priority_then_age_then_id(
    as_worker, worker, queue, template_action
):
    urgent_queue = make_queue("Urgent", priority=9, members=[worker])
    older, newer = _queued(2, queue, template_action)
    [urgent] = _queued(1, urgent_queue, template_action)
    tie_a, tie_b = _queued(2, queue, template_action)
    same_moment = older.submitted_at - timedelta(hours=1)
    Appeal.objects.filter(pk__in=[tie_a.pk, tie_b.pk]).update(submitted_at=same_moment)

    ids = _appeal_ids(_section(_page(as_worker), "unassigned"))

    assert ids == [urgent.pk, tie_a.pk, tie_b.pk, older.pk, newer.pk]


def test_the_filters_narrow_both_lists(as_worker, worker, queue, template_action):
    identity = make_queue("Identity", members=[worker])
    [german] = _queued(1, queue, template_action, language="de")
    [in_identity] = _queued(1, identity, template_action)
    [in_review] = _queued(1, queue, template_action, status=Status.IN_REVIEW)
    [old] = _queued(1, queue, template_action)
    Appeal.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=4))
    [held_german] = _queued(1, queue, template_action, language="de", assigned_to=worker)

    def listed(query: str) -> set[int]:
        html = _page(as_worker, query)
        return set(_appeal_ids(_section(html, "assigned") + _section(html, "unassigned")))

    assert listed("language=de") == {german.pk, held_german.pk}
    assert listed(f"queue={identity.pk}") == {in_identity.pk}
    assert listed("status=in_review") == {in_review.pk}
    assert listed("age=3") == {old.pk}
    assert old.pk not in listed("age=7")


def test_a_filter_value_that_does_not_validate_is_not_applied(as_worker, queue, template_action):
    appeals = _queued(3, queue, template_action)
    not_my_queue = make_queue("Not mine")

    for query in ("status=decided", f"queue={not_my_queue.pk}", "age=2", "language=xx", "queue=x"):
        ids = _appeal_ids(_section(_page(as_worker, query), "unassigned"))
        assert sorted(ids) == sorted(a.pk for a in appeals), query


def test_a_reviewer_in_no_queue_is_told_so(client, reviewer):
    client.force_login(reviewer)
    assert "not a member of any queue" in _page(client)


def test_an_appeal_they_decided_is_marked_for_the_original_decider(
    client, original_decider, queue, template_action
):
    queue.members.add(original_decider)
    _queued(1, queue, template_action)
    client.force_login(original_decider)
    assert "You took the original decision" in _section(_page(client), "unassigned")


# --- Keyset pagination ----------------------------------------------------------------------------


def test_pages_walk_every_unassigned_appeal_exactly_once_in_order(
    as_worker, worker, queue, template_action
):
    urgent_queue = make_queue("Urgent", priority=9, members=[worker])
    appeals = _queued(45, queue, template_action) + _queued(15, urgent_queue, template_action)
    # Ties on (priority, submitted_at) across a page boundary: only the id tells them apart.
    tied = [a.pk for a in appeals[20:30]]
    Appeal.objects.filter(pk__in=tied).update(submitted_at=appeals[20].submitted_at)
    expected = list(
        Appeal.objects.filter(pk__in=[a.pk for a in appeals])
        .order_by("-priority", "submitted_at", "id")
        .values_list("pk", flat=True)
    )

    pages = _walk_unassigned(as_worker, "size=25")

    assert [len(page) for page in pages] == [25, 25, 10]
    assert [pk for page in pages for pk in page] == expected


def test_the_next_page_link_keeps_the_filters(as_worker, queue, template_action):
    german = _queued(5, queue, template_action, language="de")
    _queued(5, queue, template_action, language="en")

    pages = _walk_unassigned(as_worker, "size=2&language=de")

    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(pk for page in pages for pk in page) == sorted(a.pk for a in german)


def test_the_next_page_has_no_offset_but_the_last_rows_sort_key(as_worker, queue, template_action):
    appeals = _queued(3, queue, template_action)
    link = _next_link(_section(_page(as_worker, "size=2"), "unassigned"))
    assert "offset" not in link and "page=" not in link
    assert f"cursor={Cursor.after(appeals[1]).encode()}" in link


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "1.2",
        "1.2.3.4",
        "5.abc.7",
        "99999.1.1",
        "5.999999999999999999.1",
        "5.1700000000000000.0",
        "5.1_700.3",
        "٥.1700000000000000.3",
        "5.-1.3",
        "5.1700000000000000.99999999999999999999999",
    ],
)
def test_a_bad_cursor_shows_the_first_page(as_worker, queue, template_action, cursor):
    appeals = _queued(3, queue, template_action)
    ids = _appeal_ids(_section(_page(as_worker, f"cursor={cursor}"), "unassigned"))
    assert ids == [a.pk for a in appeals]


@pytest.mark.parametrize(
    ("size", "shown"), [("0", 1), ("-4", 1), ("1", 1), ("999", 50), ("abc", 25), ("", 25)]
)
def test_the_page_size_is_clamped_between_1_and_50(as_worker, queue, template_action, size, shown):
    _queued(60, queue, template_action)
    assert len(_appeal_ids(_section(_page(as_worker, f"size={size}"), "unassigned"))) == shown


def test_a_cursor_round_trips_to_the_microsecond():
    moment = timezone.now().replace(microsecond=123457)
    cursor = Cursor(priority=-3, submitted_at=moment, pk=42)
    assert Cursor.decode(cursor.encode()) == cursor


# --- Counts and htmx polling ----------------------------------------------------------------------


def test_the_page_polls_for_its_counts_every_15_seconds(as_worker):
    html = _page(as_worker)
    counts = _section(html, "queue-counts")
    assert f'hx-get="{_url("appeals:queue")}"' in counts
    assert 'hx-trigger="every 15s"' in counts
    assert 'hx-swap="outerHTML"' in counts


def test_queue_page_after_the_poll_the_counts_and_the_lists_below_agree(
    as_worker, worker, queue, template_action
):
    """Issue #12 ("Queue page"): the poll used to send only the counts, so after it the page
    said "1 open appeal assigned to you" above a list that showed none, until a reload."""
    _queued(3, queue, template_action)
    held = _queued(2, queue, template_action, assigned_to=worker)

    response = as_worker.get(_url("appeals:queue"), headers=POLL)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="queue-counts"')
    assert "<html" not in html
    assigned = _section(html, "assigned")
    assert 'hx-swap-oob="true"' in html[html.index('<section id="assigned"') :][:200]
    assert sorted(_appeal_ids(assigned)) == sorted(a.pk for a in held)
    assert len(_appeal_ids(_section(html, "unassigned"))) == 3
    assert "<strong>2</strong> open appeals assigned to you" in html
    assert "<strong>3</strong> unassigned in your queues" in html
    assert re.search(r"Payments</th>\s*<td>3</td>\s*<td>2</td>", html)


def test_polling_sees_a_new_appeal_arrive(as_worker, queue, template_action):
    before = as_worker.get(_url("appeals:queue"), headers=POLL).content.decode()
    _queued(1, queue, template_action)
    after = as_worker.get(_url("appeals:queue"), headers=POLL).content.decode()
    assert "<strong>0</strong> unassigned" in before
    assert "<strong>1</strong> unassigned" in after


def test_an_htmx_request_for_anything_else_gets_the_whole_page(as_worker):
    html = as_worker.get(_url("appeals:queue"), headers=HTMX).content.decode()
    assert "<html" in html and 'id="unassigned"' in html


# --- Constant query counts ------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_page_runs_the_same_queries_for_1_and_for_50_rows(
    as_worker, worker, queue, template_action
):
    _queued(60, queue, template_action)
    _queued(60, queue, template_action, assigned_to=worker)
    # Warm up what is cached per process (content types, the session), then measure.
    _queries(as_worker, _url("appeals:queue"))

    one = _queries(as_worker, f"{_url('appeals:queue')}?size=1")
    fifty = _queries(as_worker, f"{_url('appeals:queue')}?size=50")

    assert one == fifty


def test_the_queue_page_runs_the_same_queries_for_1_and_for_10_queues(
    client, queue, template_action
):
    one_queue = make_reviewer(queues=[queue])
    queues = [queue] + [make_queue(f"Queue {i}") for i in range(9)]
    ten_queues = make_reviewer(queues=queues)
    for each in queues:
        _queued(3, each, template_action)
    _queued(2, queue, template_action, assigned_to=one_queue)
    _queued(2, queues[5], template_action, assigned_to=ten_queues)

    client.force_login(one_queue)
    _queries(client, _url("appeals:queue"))
    with_one = _queries(client, _url("appeals:queue"))
    polled_one = len(_capture_poll(client))
    client.force_login(ten_queues)
    with_ten = _queries(client, _url("appeals:queue"))
    polled_ten = len(_capture_poll(client))

    assert with_one == with_ten
    assert polled_one == polled_ten


def _capture_poll(client):
    with CaptureQueriesContext(connection) as queries:
        client.get(_url("appeals:queue"), headers=POLL)
    return queries


def test_the_dashboard_runs_the_same_queries_for_1_and_for_10_queues_and_many_rows(
    as_lead, queue, template_action
):
    reviewers = [make_reviewer(queues=[queue]) for _ in range(4)]
    _queries(as_lead, _url("appeals:dashboard"))
    small = _queries(as_lead, _url("appeals:dashboard"))

    queues = [queue] + [make_queue(f"Queue {i}") for i in range(9)]
    for reviewer in reviewers:
        reviewer.appeal_queues.set(queues)
    for i, each in enumerate(queues):
        _queued(3, each, template_action)
        _queued(2, each, template_action, assigned_to=reviewers[i % 4])
    stale = _queued(5, queue, template_action, assigned_to=reviewers[0])
    Appeal.objects.filter(pk__in=[a.pk for a in stale]).update(
        lease_expires_at=timezone.now() - timedelta(minutes=5)
    )
    unrouted = _queued(5, None, template_action)
    Appeal.objects.filter(pk__in=[a.pk for a in unrouted]).update(
        submitted_at=timezone.now() - timedelta(minutes=10)
    )

    large = _queries(as_lead, _url("appeals:dashboard"))

    assert small == large


def test_the_dashboard_looks_for_second_reviews_nobody_may_give_only_with_three_reviewers_or_fewer(
    as_lead, queue, template_action
):
    """Proposer, original decider and confirmer are barred from approving: with more active
    reviewers than that, every second review has an approver and the query is skipped."""

    def reads_second_reviews() -> bool:
        with CaptureQueriesContext(connection) as queries:
            as_lead.get(_url("appeals:dashboard"))
        return any("second_review" in q["sql"] and "EXISTS" in q["sql"] for q in queries)

    reviewers = User.objects.active().with_role_permission(REVIEW_APPEALS)
    while reviewers.count() < EXCLUDED_FROM_APPROVING:
        make_reviewer(queues=[queue])
    assert reads_second_reviews()
    make_reviewer(queues=[queue])
    assert reviewers.count() == EXCLUDED_FROM_APPROVING + 1
    assert not reads_second_reviews()


# --- Claim next -----------------------------------------------------------------------------------


def test_claim_next_assigns_the_most_urgent_appeal_and_opens_it(
    as_worker, worker, queue, template_action
):
    first, _second = _queued(2, queue, template_action)

    response = as_worker.post(_url("appeals:claim-next"))

    assert response.status_code == 302
    assert response.url == _url("appeals:review-detail", first.pk)
    first.refresh_from_db()
    assert first.assigned_to == worker
    assert first.lease_expires_at > timezone.now()
    assert first.events.filter(kind=Kind.CLAIMED, actor=worker).count() == 1
    page = as_worker.get(response.url).content.decode()
    assert f"You claimed appeal #{first.pk}" in page


def test_after_a_claim_the_appeal_moves_from_unassigned_to_assigned(
    as_worker, queue, template_action
):
    [appeal] = _queued(1, queue, template_action)
    as_worker.post(_url("appeals:claim-next"))

    html = _page(as_worker)

    assert _appeal_ids(_section(html, "assigned")) == [appeal.pk]
    assert _appeal_ids(_section(html, "unassigned")) == []


def test_claim_next_over_htmx_redirects_the_browser(as_worker, queue, template_action):
    [appeal] = _queued(1, queue, template_action)

    response = as_worker.post(_url("appeals:claim-next"), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("appeals:review-detail", appeal.pk)


def test_claim_next_at_capacity_says_so_and_claims_nothing(
    as_worker, worker, queue, template_action
):
    ReviewerProfile.objects.filter(user=worker).update(capacity=2)
    _queued(2, queue, template_action, assigned_to=worker)
    [waiting] = _queued(1, queue, template_action)

    response = as_worker.post(_url("appeals:claim-next"), follow=True)

    assert response.redirect_chain == [(_url("appeals:queue"), 302)]
    assert "You already hold 2 open appeals, your capacity." in response.content.decode()
    assert Appeal.objects.get(pk=waiting.pk).assigned_to is None


def test_claim_next_at_capacity_over_htmx_shows_the_refusal_in_place(
    as_worker, worker, queue, template_action
):
    ReviewerProfile.objects.filter(user=worker).update(capacity=1)
    _queued(1, queue, template_action, assigned_to=worker)
    _queued(1, queue, template_action)

    response = as_worker.post(_url("appeals:claim-next"), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="claim-panel"')
    assert "your capacity" in html and "<html" not in html


def test_claim_next_with_nothing_waiting_says_so(as_worker):
    response = as_worker.post(_url("appeals:claim-next"), follow=True)
    assert "No appeal in your queues is waiting for you right now." in response.content.decode()


def test_claim_next_never_gives_the_original_decider_their_own_case(
    client, original_decider, queue, template_action
):
    queue.members.add(original_decider)
    _queued(1, queue, template_action)
    client.force_login(original_decider)

    client.post(_url("appeals:claim-next"))

    assert not Appeal.objects.filter(assigned_to=original_decider).exists()


# --- Availability ---------------------------------------------------------------------------------


def test_a_reviewer_switches_to_away_and_back(as_worker, worker):
    response = as_worker.post(_url("appeals:availability"), {"availability": "away"}, follow=True)

    assert not ReviewerProfile.objects.get(user=worker).is_available
    assert "Switch to available" in response.content.decode()
    assert AuditEvent.objects.filter(actor=worker, verb="reviewer.away").count() == 1

    as_worker.post(_url("appeals:availability"), {"availability": "available"})
    assert ReviewerProfile.objects.get(user=worker).is_available


def test_the_first_switch_creates_the_profile(client, reviewer):
    client.force_login(reviewer)
    client.post(_url("appeals:availability"), {"availability": "away"})
    assert ReviewerProfile.objects.get(user=reviewer).is_available is False


def test_an_away_reviewer_cannot_claim(as_worker, queue, template_action):
    [appeal] = _queued(1, queue, template_action)
    as_worker.post(_url("appeals:availability"), {"availability": "away"})

    response = as_worker.post(_url("appeals:claim-next"), follow=True)

    assert "You are marked away." in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).assigned_to is None


def test_availability_over_htmx_returns_the_switch(as_worker):
    response = as_worker.post(_url("appeals:availability"), {"availability": "away"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="availability"')
    assert "Switch to available" in html and "<html" not in html


def test_an_unknown_availability_changes_nothing(as_worker, worker):
    as_worker.post(_url("appeals:availability"), {"availability": "on-holiday"})
    assert ReviewerProfile.objects.get(user=worker).is_available


# --- The lead dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_depth_unassigned_and_oldest_waiting_per_queue(
    as_lead, worker, queue, template_action
):
    waiting = _queued(3, queue, template_action)
    _queued(2, queue, template_action, assigned_to=worker)
    _queued(1, queue, template_action, status=Status.WITHDRAWN)
    Appeal.objects.filter(pk=waiting[0].pk).update(submitted_at=timezone.now() - timedelta(days=3))

    html = _section(as_lead.get(_url("appeals:dashboard")).content.decode(), "queues")

    row = re.search(r"Payments</th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[0] == "5"  # priority
    assert cells[1] == "5"  # open appeals
    assert cells[2].startswith("3")  # unassigned
    assert "3\xa0days" in cells[3]  # the oldest unassigned
    assert cells[5] == "1 (1)"  # members (available)
    assert "General appeals" in html and "Fallback" in html


def test_the_dashboard_shows_each_reviewers_load_against_capacity(
    as_lead, worker, queue, template_action
):
    make_reviewer(display_name="Ada Away", is_available=False, capacity=3)
    ReviewerProfile.objects.filter(user=worker).update(capacity=4)
    _queued(4, queue, template_action, assigned_to=worker)

    html = _section(as_lead.get(_url("appeals:dashboard")).content.decode(), "reviewers")

    wren = re.search(r"Wren Worker</a></th>(.*?)</tr>", html, re.S).group(1)
    assert "4 / 4" in wren and "Full" in wren and "Available" in wren and "Payments" in wren
    ada = re.search(r"Ada Away</a></th>(.*?)</tr>", html, re.S).group(1)
    assert "0 / 3" in ada and "Away" in ada


def test_the_dashboard_lists_stale_leases_and_old_unrouted_appeals(
    as_lead, worker, queue, template_action
):
    stale, fresh = _queued(2, queue, template_action, assigned_to=worker)
    now = timezone.now()
    Appeal.objects.filter(pk=stale.pk).update(lease_expires_at=now - timedelta(minutes=3))
    Appeal.objects.filter(pk=fresh.pk).update(lease_expires_at=now + timedelta(minutes=20))
    old_unrouted, new_unrouted = _queued(2, None, template_action)
    Appeal.objects.filter(pk=old_unrouted.pk).update(submitted_at=now - timedelta(minutes=2))
    Appeal.objects.filter(pk=new_unrouted.pk).update(submitted_at=now - timedelta(seconds=10))

    html = as_lead.get(_url("appeals:dashboard")).content.decode()

    assert _appeal_ids(_section(html, "stale")) == [stale.pk]
    assert _appeal_ids(_section(html, "unrouted")) == [old_unrouted.pk]
    assert _appeal_ids(_section(html, "held")) == [stale.pk, fresh.pk]


def test_the_held_list_can_show_one_reviewers_appeals(as_lead, worker, queue, template_action):
    other = make_reviewer(queues=[queue])
    mine = _queued(2, queue, template_action, assigned_to=worker)
    _queued(2, queue, template_action, assigned_to=other)

    html = as_lead.get(f"{_url('appeals:dashboard')}?reviewer={worker.pk}").content.decode()

    assert sorted(_appeal_ids(_section(html, "held"))) == sorted(a.pk for a in mine)


def test_a_lead_releases_a_held_appeal_back_to_its_queue(
    as_lead, lead, worker, queue, template_action
):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)

    response = as_lead.post(_url("appeals:release", appeal.pk), CONFIRMED, follow=True)

    assert response.redirect_chain == [(_url("appeals:dashboard"), 302)]
    assert (
        f"Appeal #{appeal.pk} is back in its queue (was Wren Worker)." in response.content.decode()
    )
    appeal.refresh_from_db()
    assert appeal.assigned_to is None and appeal.lease_expires_at is None
    assert appeal.events.filter(kind=Kind.RELEASED, actor=lead).count() == 1


def test_releasing_an_appeal_nobody_holds_is_refused(as_lead, queue, template_action):
    [appeal] = _queued(1, queue, template_action)
    response = as_lead.post(_url("appeals:release", appeal.pk), CONFIRMED, follow=True)
    assert "Nobody holds this appeal." in response.content.decode()
    assert not appeal.events.filter(kind=Kind.RELEASED).exists()


def test_a_lead_reassigns_a_held_appeal_to_another_reviewer(
    as_lead, lead, worker, queue, template_action
):
    other = make_reviewer(queues=[queue], display_name="Otto Other")
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)

    response = as_lead.post(
        _url("appeals:reassign", appeal.pk), {"to": other.pk, **CONFIRMED}, follow=True
    )

    assert f"Appeal #{appeal.pk} is now assigned to Otto Other." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.assigned_to == other
    assert appeal.events.filter(kind=Kind.REASSIGNED, actor=lead).count() == 1


def test_the_reassign_menu_leaves_out_the_holder_and_the_original_decider(
    as_lead, worker, original_decider, queue, template_action
):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)
    dashboard = as_lead.get(_url("appeals:dashboard"), {"reassign": appeal.pk})
    html = _section(dashboard.content.decode(), "held")
    menu = html[html.index(f'id="reassign-{appeal.pk}"') :]
    menu = menu[: menu.index("</select>")]
    assert f'value="{worker.pk}"' not in menu
    assert f'value="{original_decider.pk}"' not in menu
    assert "Lena Novak" in menu


def test_the_dashboard_draws_the_reassign_menu_of_one_held_appeal_at_a_time(
    as_lead, worker, queue, template_action
):
    # Fifty menus of every reviewer made the dashboard megabytes at scale: each row links to
    # its menu instead, and the page with one menu open still works without JavaScript.
    first, second, third = _queued(3, queue, template_action, assigned_to=worker)

    closed = _section(as_lead.get(_url("appeals:dashboard")).content.decode(), "held")
    opened = _section(
        as_lead.get(_url("appeals:dashboard"), {"reassign": second.pk}).content.decode(), "held"
    )

    assert closed.count("<select") == 0
    for appeal in (first, second, third):
        assert f'reassign={appeal.pk}#reassign-{appeal.pk}"' in closed
    assert opened.count("<select") == 1
    assert f'id="reassign-{second.pk}"' in opened
    assert _url("appeals:reassign", second.pk) in opened
    assert f'reassign={first.pk}#reassign-{first.pk}"' in opened


def test_the_dashboard_size_does_not_grow_with_reviewers_times_held_rows(
    as_lead, worker, queue, template_action
):
    _queued(10, queue, template_action, assigned_to=worker)
    few = len(as_lead.get(_url("appeals:dashboard")).content)
    for _ in range(20):
        make_reviewer(queues=[queue])
    many = len(as_lead.get(_url("appeals:dashboard")).content)

    # Each new reviewer adds their own row to the reviewers table, not also an option to each
    # of the ten held rows' menus.
    assert many - few < 20 * 600


def test_reassigning_to_the_original_decider_is_refused(
    as_lead, worker, original_decider, queue, template_action
):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)

    response = as_lead.post(
        _url("appeals:reassign", appeal.pk), {"to": original_decider.pk, **CONFIRMED}, follow=True
    )

    assert "took the original decision" in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == worker


@pytest.mark.parametrize("to", ["", "abc", "999999"])
def test_reassigning_without_a_valid_reviewer_is_refused(
    as_lead, worker, queue, template_action, to
):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)
    response = as_lead.post(_url("appeals:reassign", appeal.pk), {"to": to}, follow=True)
    assert "choose a reviewer" in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == worker


def test_a_freelancer_cannot_be_chosen_for_reassignment(as_lead, worker, queue, template_action):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)
    as_lead.post(_url("appeals:reassign", appeal.pk), {"to": FreelancerFactory().pk, **CONFIRMED})
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == worker


def test_a_release_from_the_filtered_list_returns_to_it(as_lead, worker, queue, template_action):
    [appeal] = _queued(1, queue, template_action, assigned_to=worker)
    response = as_lead.post(
        _url("appeals:release", appeal.pk), {"return_reviewer": str(worker.pk), **CONFIRMED}
    )
    assert response.url == f"{_url('appeals:dashboard')}?reviewer={worker.pk}"


def test_an_appeal_routed_and_claimed_through_the_domain_shows_on_the_dashboard(
    as_lead, worker, queue
):
    appeal = make_appeal(account=FreelancerFactory(preferred_language="en"))
    routing.route_appeal(appeal.pk)  # no rule: the fallback queue, nobody a member there
    Queue.objects.get(is_fallback=True).members.add(worker)
    assert claims.claim_next(worker) == appeal

    html = as_lead.get(_url("appeals:dashboard")).content.decode()

    assert _appeal_ids(_section(html, "held")) == [appeal.pk]


def test_a_lead_can_work_appeals_too(client, queue, template_action):
    lead = make_reviewer(queues=[queue], factory=LeadFactory)
    [appeal] = _queued(1, queue, template_action)
    client.force_login(lead)
    assert client.post(_url("appeals:claim-next")).url == _url("appeals:review-detail", appeal.pk)


def test_a_reviewer_without_a_profile_learns_that_routing_skips_them(client, reviewer):
    client.force_login(reviewer)
    assert "routing assigns you none until a lead sets up your reviewer profile" in _page(client)


def test_a_lead_sees_a_reviewer_without_a_profile_flagged(as_lead, reviewer):
    html = _section(as_lead.get(_url("appeals:dashboard")).content.decode(), "reviewers")
    row = re.search(r"Riley Chen</a></th>(.*?)</tr>", html, re.S).group(1)
    assert "No profile" in row and "0 / 10" in row
