"""What people see of the SLA clocks: badges and countdowns on the queue and case pages, the
deadline order and the deadline-state filter of the queue, and the lead dashboard's breaches and
decided-in-time shares."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealClock, Queue, QueueSlaSummary
from appeals.operations import claims, sla
from appeals.templatetags.sla import duration_text
from appeals.views.queues import Cursor, DeadlineCursor, Share
from tests.factories import (
    FreelancerFactory,
    ReviewerFactory,
    bulk_queued_appeals,
    make_action,
    make_appeal,
    make_queue,
    make_reviewer,
)

pytestmark = pytest.mark.django_db

Kind = AppealClock.Kind
Status = Appeal.Status
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def original_decider(db):
    return ReviewerFactory(display_name="Olga Original")


@pytest.fixture
def template_action(original_decider):
    return make_action(FreelancerFactory(), decided_by=original_decider)


@pytest.fixture
def queue(db):
    return make_queue("Payments", priority=5)


@pytest.fixture
def worker(queue):
    return make_reviewer(queues=[queue], display_name="Wren Worker")


@pytest.fixture
def as_worker(client, worker):
    client.force_login(worker)
    return client


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead)
    return client


def _queued(count: int, queue: Queue | None, template, **fields) -> list[Appeal]:
    return bulk_queued_appeals(count, queue=queue, template=template, **fields)


def _clock(appeal: Appeal, kind: str = Kind.DECISION, **fields) -> AppealClock:
    """A clock written directly, in exactly the state a test needs."""
    return AppealClock.objects.create(
        appeal=appeal, kind=kind, started_at=fields.pop("started_at", appeal.submitted_at), **fields
    )


def _running(appeal: Appeal, due_in: timedelta, *, kind: str = Kind.DECISION) -> AppealClock:
    """A running clock due `due_in` from now (negative: overdue), warning at a quarter left."""
    now = timezone.now()
    return _clock(appeal, kind, due_at=now + due_in, warn_at=now + due_in - timedelta(hours=1))


def _url(name: str, pk: int | None = None) -> str:
    return reverse(name, args=[pk] if pk is not None else [])


def _page(client, query: str = "") -> str:
    response = client.get(f"{_url('appeals:queue')}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _appeal_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r">Appeal #(\d+)</a>", html)]


def _row(html: str, appeal: Appeal) -> str:
    start = html.index(f">Appeal #{appeal.pk}</a>")
    return html[start : html.index("</tr>", start)]


def _next_link(html: str) -> str | None:
    match = re.search(r'<a href="\?([^"#]*)#[a-z]+" rel="next">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def _walk(client, query: str, section: str = "unassigned") -> list[list[int]]:
    """Follow a list's "Next page" links to the end; the ids of each page."""
    pages = []
    while query is not None:
        html = _section(_page(client, query), section)
        pages.append(_appeal_ids(html))
        query = _next_link(html)
        assert len(pages) < 30, "the pagination does not end"
    return pages


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- The badge and its countdown ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "less than a minute"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=45, seconds=59), "45 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=3, minutes=20, seconds=30), "3 h 20 min"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=1, hours=2, minutes=59), "1 day 2 h"),
        (timedelta(days=3, minutes=5), "3 days"),
        (timedelta(seconds=-30), "less than a minute"),
    ],
)
def test_durations_read_in_their_two_largest_units_rounded_down(delta, text):
    assert duration_text(delta) == text


def _badge(clock: AppealClock, label: str = "Decision") -> str:
    # The time zone of a signed-in person stays active after their request (in this thread).
    with timezone.override(UTC):
        context = {"clock": clock, "label": label, "now": NOW}
        return render_to_string("appeals/_sla_badge.html", context)


def _unsaved(**fields) -> AppealClock:
    return AppealClock(kind=Kind.DECISION, started_at=NOW - timedelta(days=1), **fields)


@pytest.mark.parametrize(
    ("clock", "state_text", "countdown"),
    [
        (
            _unsaved(due_at=NOW + timedelta(hours=3, minutes=20), warn_at=NOW + timedelta(hours=1)),
            "On track",
            "due in 3 h 20 min",
        ),
        (
            _unsaved(due_at=NOW + timedelta(minutes=50), warn_at=NOW - timedelta(minutes=10)),
            "Approaching",
            "due in 50 min",
        ),
        (
            _unsaved(
                due_at=NOW + timedelta(hours=5),
                warn_at=NOW + timedelta(hours=1),
                warned_at=NOW - timedelta(minutes=1),
            ),
            "Approaching",
            "due in 5 h",
        ),
        (
            _unsaved(
                due_at=NOW - timedelta(days=1, hours=2, minutes=5),
                warn_at=NOW - timedelta(days=2),
            ),
            "Breached",
            "overdue by 1 day 2 h",
        ),
        (_unsaved(paused_since=NOW - timedelta(hours=3)), "Paused", "paused for 3 h"),
        (
            _unsaved(stopped_at=NOW - timedelta(hours=1), due_at=NOW + timedelta(hours=2)),
            "Met",
            "with 3 h to spare",
        ),
        (
            _unsaved(stopped_at=NOW, due_at=NOW - timedelta(minutes=30)),
            "Breached",
            "late by 30 min",
        ),
        (_unsaved(), "No deadline yet", "set when the appeal is routed"),
    ],
    ids=[
        "on-track",
        "approaching",
        "warned",
        "breached",
        "paused",
        "met",
        "late",
        "pending",
    ],
)
def test_the_badge_writes_the_state_and_the_countdown(clock, state_text, countdown):
    html = _badge(clock)

    state = clock.state(NOW)
    assert f'<span class="badge badge-sla-{state}">{state_text}</span>' in html
    assert f'<span class="sla-countdown">{countdown}</span>' in html
    assert "Decision:" in html


def test_the_badge_shows_the_deadline_as_a_machine_readable_time():
    due = NOW + timedelta(hours=3)
    html = _badge(_unsaved(due_at=due, warn_at=NOW + timedelta(hours=1)))
    assert f'<time datetime="{due.isoformat()}"' in html


def test_a_paused_badge_shows_since_when():
    since = NOW - timedelta(hours=3)
    html = _badge(_unsaved(paused_since=since))
    assert f'since <time datetime="{since.isoformat()}"' in html


def test_an_appeal_without_a_clock_says_so():
    assert "no clock" in _badge(None)


# --- The queue page: badges -----------------------------------------------------------------------


def test_each_row_shows_the_decision_badge_and_the_first_reply_badge_until_answered(
    as_worker, worker, queue
):
    appeal = make_appeal()
    Appeal.objects.filter(pk=appeal.pk).update(queue=queue, routed_at=timezone.now())

    row = _row(_section(_page(as_worker), "unassigned"), appeal)
    assert "Decision:" in row and "First reply:" in row
    assert row.count("On track") == 2
    assert "due in 13 days 23 h" in row  # the default 14-day decision target
    assert "due in 2 days 23 h" in row  # the default 3-day first-reply target

    claims.claim_appeal(appeal, worker)
    services.post_message(appeal, author=worker, body="We are looking at your appeal.")

    row = _row(_section(_page(as_worker), "assigned"), appeal)
    assert "Decision:" in row and "On track" in row
    assert "First reply:" not in row


def test_rows_show_approaching_breached_and_paused_badges(as_worker, queue, template_action):
    approaching, breached, paused = _queued(3, queue, template_action)
    _running(approaching, timedelta(minutes=40))
    _running(breached, -timedelta(hours=2, minutes=30))
    _clock(paused, paused_since=timezone.now() - timedelta(hours=1))

    html = _section(_page(as_worker), "unassigned")

    assert "Approaching" in _row(html, approaching)
    assert "Breached" in _row(html, breached) and "overdue by 2 h" in _row(html, breached)
    assert "Paused" in _row(html, paused)


# --- The queue page: deadline order and keyset pages ----------------------------------------------


def _deadline_order(appeals: list[Appeal]) -> list[int]:
    """The expected deadline order, computed independently: due date (none last), then id."""
    dues = dict(
        AppealClock.objects.filter(appeal__in=appeals, kind=Kind.DECISION).values_list(
            "appeal_id", "due_at"
        )
    )
    far = datetime.max.replace(tzinfo=UTC)
    return sorted((a.pk for a in appeals), key=lambda pk: (dues.get(pk) or far, pk))


def test_the_deadline_order_puts_the_soonest_decision_first_and_paused_ones_last(
    as_worker, worker, queue, template_action
):
    urgent_queue = make_queue("Urgent", priority=9, members=[worker])
    late, soon, later = _queued(3, queue, template_action)
    [urgent_but_far] = _queued(1, urgent_queue, template_action)
    [paused] = _queued(1, queue, template_action)
    _running(late, -timedelta(hours=1))
    _running(soon, timedelta(hours=2))
    _running(later, timedelta(days=2))
    _running(urgent_but_far, timedelta(days=5))
    _clock(paused, paused_since=timezone.now())

    by_deadline = _appeal_ids(_section(_page(as_worker, "sort=deadline"), "unassigned"))
    by_urgency = _appeal_ids(_section(_page(as_worker), "unassigned"))

    assert by_deadline == [late.pk, soon.pk, later.pk, urgent_but_far.pk, paused.pk]
    assert by_urgency[0] == urgent_but_far.pk


def test_deadline_pages_walk_every_appeal_exactly_once_in_order(as_worker, queue, template_action):
    appeals = _queued(23, queue, template_action)
    now = timezone.now()
    for index, appeal in enumerate(appeals[:17]):
        # Every third pair shares a due date, so ties cross page boundaries.
        _clock(appeal, due_at=now + timedelta(hours=(index // 3) * 3 - 10))
    for appeal in appeals[17:21]:
        _clock(appeal, paused_since=now)  # no due date: last, by id
    # appeals[21:] have no clock at all (filed before clocks existed): also last.

    pages = _walk(as_worker, "sort=deadline&size=5")

    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert [pk for page in pages for pk in page] == _deadline_order(appeals)


def test_the_assigned_list_pages_in_deadline_order_too(as_worker, worker, queue, template_action):
    appeals = _queued(7, queue, template_action, assigned_to=worker)
    for index, appeal in enumerate(appeals):
        if index != 3:
            _running(appeal, timedelta(hours=10 - index))

    pages = _walk(as_worker, "sort=deadline&size=3", section="assigned")

    assert [pk for page in pages for pk in page] == _deadline_order(appeals)


def test_the_next_deadline_page_keeps_the_order_and_filters(as_worker, queue, template_action):
    appeals = _queued(3, queue, template_action, language="de")
    for appeal in appeals:
        _running(appeal, timedelta(hours=appeal.pk % 7 + 2))
    link = _next_link(_section(_page(as_worker, "sort=deadline&language=de&size=2"), "unassigned"))
    assert "sort=deadline" in link and "language=de" in link
    assert "cursor=" in link and "offset" not in link


@pytest.mark.parametrize(
    "cursor", ["garbage", "", "1.2.3", "none", "none.0", "-5.3", "1.x", "9" * 19 + ".3"]
)
def test_a_bad_deadline_cursor_shows_the_first_page(as_worker, queue, template_action, cursor):
    appeals = _queued(3, queue, template_action)
    for hours, appeal in zip((3, 1, 2), appeals, strict=True):
        _running(appeal, timedelta(hours=hours))

    ids = _appeal_ids(_section(_page(as_worker, f"sort=deadline&cursor={cursor}"), "unassigned"))

    assert ids == [appeals[1].pk, appeals[2].pk, appeals[0].pk]


def test_an_urgency_cursor_is_not_read_as_a_deadline_cursor_nor_the_other_way_round():
    urgency = Cursor(priority=3, submitted_at=NOW, pk=7).encode()
    deadline = DeadlineCursor(due_at=NOW, pk=7).encode()
    assert DeadlineCursor.decode(urgency) is None
    assert Cursor.decode(deadline) is None


@pytest.mark.parametrize("due_at", [NOW.replace(microsecond=123457), None])
def test_a_deadline_cursor_round_trips(due_at):
    cursor = DeadlineCursor(due_at=due_at, pk=42)
    assert DeadlineCursor.decode(cursor.encode()) == cursor


def test_an_unknown_order_falls_back_to_urgency(as_worker, worker, queue, template_action):
    urgent_queue = make_queue("Urgent", priority=9, members=[worker])
    [plain] = _queued(1, queue, template_action)
    [urgent] = _queued(1, urgent_queue, template_action)
    _running(plain, timedelta(hours=1))
    _running(urgent, timedelta(days=3))

    ids = _appeal_ids(_section(_page(as_worker, "sort=sideways"), "unassigned"))

    assert ids == [urgent.pk, plain.pk]


# --- The queue page: the deadline-state filter ----------------------------------------------------


def test_the_deadline_state_filter_matches_the_badges(as_worker, worker, queue, template_action):
    now = timezone.now()
    (
        on_track,
        approaching,
        warned,
        overdue,
        recorded_breach,
        paused,
        first_reply_approaching,
        first_reply_late_but_done,
    ) = _queued(8, queue, template_action)
    _running(on_track, timedelta(days=2))
    _running(approaching, timedelta(minutes=30))
    _clock(warned, due_at=now + timedelta(days=1), warn_at=now + timedelta(hours=20), warned_at=now)
    _running(overdue, -timedelta(minutes=5))
    _clock(recorded_breach, due_at=now + timedelta(hours=2), breached_at=now)
    _clock(paused, paused_since=now, breached_at=now - timedelta(hours=1))
    _running(first_reply_approaching, timedelta(days=2))
    _running(first_reply_approaching, timedelta(minutes=10), kind=Kind.FIRST_RESPONSE)
    _running(first_reply_late_but_done, timedelta(days=2))
    _clock(
        first_reply_late_but_done,
        Kind.FIRST_RESPONSE,
        due_at=now - timedelta(hours=2),
        stopped_at=now - timedelta(hours=1),
    )
    [held_overdue] = _queued(1, queue, template_action, assigned_to=worker)
    _running(held_overdue, -timedelta(days=1))

    def listed(query: str) -> tuple[set[int], str]:
        html = _page(as_worker, query)
        rows = _section(html, "assigned") + _section(html, "unassigned")
        return set(_appeal_ids(rows)), rows

    approaching_ids, approaching_rows = listed("sla=approaching")
    breached_ids, breached_rows = listed("sla=breached")

    assert approaching_ids == {approaching.pk, warned.pk, first_reply_approaching.pk}
    assert breached_ids == {overdue.pk, recorded_breach.pk, held_overdue.pk}
    for pk in approaching_ids:
        assert "Approaching" in _row(approaching_rows, Appeal(pk=pk))
    for pk in breached_ids:
        assert "Breached" in _row(breached_rows, Appeal(pk=pk))


def test_the_deadline_state_filter_combines_with_the_deadline_order_and_paging(
    as_worker, queue, template_action
):
    appeals = _queued(7, queue, template_action)
    for index, appeal in enumerate(appeals):
        _running(appeal, -timedelta(hours=index + 1) if index % 2 else timedelta(days=1))
    breached = [a for index, a in enumerate(appeals) if index % 2]

    pages = _walk(as_worker, "sla=breached&sort=deadline&size=2")

    assert [pk for page in pages for pk in page] == _deadline_order(breached)


def test_an_unknown_deadline_state_is_not_applied(as_worker, queue, template_action):
    appeals = _queued(2, queue, template_action)
    _running(appeals[0], -timedelta(hours=1))
    ids = _appeal_ids(_section(_page(as_worker, "sla=on_fire"), "unassigned"))
    assert sorted(ids) == sorted(a.pk for a in appeals)


# --- The reviewer's case page ---------------------------------------------------------------------


@pytest.fixture
def claimed_appeal(worker, queue):
    appeal = make_appeal()
    Appeal.objects.filter(pk=appeal.pk).update(queue=queue, routed_at=timezone.now())
    claims.claim_appeal(appeal, worker)
    return Appeal.objects.get(pk=appeal.pk)


def _status_section(client, appeal: Appeal) -> str:
    response = client.get(_url("appeals:review-detail", appeal.pk))
    assert response.status_code == 200
    return _section(response.content.decode(), "appeal-status")


def test_the_case_page_shows_both_clocks_with_badges_and_countdowns(as_worker, claimed_appeal):
    html = _status_section(as_worker, claimed_appeal)

    assert "First reply promised by" in html and "Decision promised by" in html
    assert html.count("On track") == 2
    assert "due in 2 days 23 h" in html and "due in 13 days 23 h" in html
    assert html.count("Never paused.") == 2


def test_the_case_page_shows_the_pauses_and_since_when_the_clock_is_paused(
    as_worker, worker, claimed_appeal
):
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        services.request_information(
            claimed_appeal, reviewer=worker, question="Please send the invoice."
        )

    def sign_in_again():
        # Hours without a request end a staff session (STAFF_SESSION_IDLE_MINUTES): the
        # reviewer signs in again before looking at the case.
        as_worker.logout()
        as_worker.force_login(worker)

    with time_machine.travel(start + timedelta(hours=3), tick=False):
        sign_in_again()
        paused = _status_section(as_worker, claimed_appeal)
        services.post_message(claimed_appeal, author=claimed_appeal.freelancer, body="Here it is.")
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        sign_in_again()
        resumed = _status_section(as_worker, claimed_appeal)

    # The question was the first reply: that clock stopped, in time, and never paused.
    assert "Met" in paused and "Stopped" in paused
    assert "Paused</span>" in paused and "paused for 2 h" in paused
    assert "Paused since <time" in paused
    assert "Paused 1 time while waiting for the freelancer (2 h in total)." in paused
    assert "Paused 1 time while waiting for the freelancer (2 h in total)." in resumed
    assert "Paused since" not in resumed
    assert "On track" in resumed


# --- The lead dashboard ---------------------------------------------------------------------------


def _dashboard_row(client, queue_name: str) -> list[str]:
    html = _section(client.get(_url("appeals:dashboard")).content.decode(), "sla")
    row = re.search(rf"{queue_name}</th>(.*?)</tr>", html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row)]


def _decided(queue, template, decider, *, days_ago: float, **clock_fields) -> Appeal:
    """An appeal decided `days_ago`, with its stopped decision clock."""
    [appeal] = _queued(
        1,
        queue,
        template,
        status=Status.DECIDED,
        outcome=Appeal.Outcome.UPHELD,
        decision_reasons="The invoice does not match the payment.",
        decided_by=decider,
    )
    stopped = timezone.now() - timedelta(days=days_ago)
    _clock(appeal, stopped_at=stopped, **clock_fields)
    return appeal


@pytest.mark.parametrize("summarised", [False, True], ids=["computed", "from-summaries"])
def test_the_dashboard_counts_open_breaches_per_queue(
    as_lead, worker, queue, template_action, original_decider, summarised
):
    now = timezone.now()
    overdue, recorded, late_reply, on_track, paused = _queued(5, queue, template_action)
    _running(overdue, -timedelta(hours=1))
    _clock(recorded, due_at=now + timedelta(hours=3), breached_at=now - timedelta(minutes=2))
    _running(late_reply, timedelta(days=1))
    _clock(
        late_reply,
        Kind.FIRST_RESPONSE,
        due_at=now - timedelta(hours=5),
        stopped_at=now - timedelta(hours=4),
    )
    _running(on_track, timedelta(days=1))
    _clock(paused, paused_since=now)
    # Closed appeals are history: their late clocks are in the shares, not open breaches.
    _decided(queue, template_action, worker, days_ago=1, due_at=now - timedelta(days=2))
    other = make_queue("Identity")
    _running(_queued(1, other, template_action)[0], -timedelta(minutes=1))
    make_queue("Quiet")
    _summarise_if(summarised, as_lead)

    assert _dashboard_row(as_lead, "Payments")[0] == "3 breached"
    assert _dashboard_row(as_lead, "Identity")[0] == "1 breached"
    assert _dashboard_row(as_lead, "Quiet")[0] == "0"


@pytest.mark.parametrize("summarised", [False, True], ids=["computed", "from-summaries"])
def test_the_dashboard_shows_the_share_decided_in_time_for_7_and_30_days(
    as_lead, worker, queue, template_action, summarised
):
    now = timezone.now()
    make_queue("Quiet")

    def decided(days_ago: float, *, late: bool = False, **fields) -> Appeal:
        stopped = now - timedelta(days=days_ago)
        due = stopped - timedelta(hours=1) if late else stopped + timedelta(hours=1)
        return _decided(
            queue, template_action, worker, days_ago=days_ago, **({"due_at": due} | fields)
        )

    decided(2)  # in time, both windows
    decided(3, late=True)  # late, both windows
    # Stopped before its (since extended) deadline, but a breach was recorded: late.
    decided(1, breached_at=now - timedelta(days=2))
    decided(5, due_at=None)  # decided while paused, never breached: in time
    decided(10)  # in time, 30 days only
    decided(15)  # in time, 30 days only
    decided(20, late=True)  # late, 30 days only
    decided(40)  # outside both windows
    [withdrawn] = _queued(1, queue, template_action, status=Status.WITHDRAWN)
    _clock(withdrawn, stopped_at=now - timedelta(days=1), due_at=now)  # not a decision
    [open_appeal] = _queued(1, queue, template_action)
    _running(open_appeal, timedelta(days=1))
    _summarise_if(summarised, as_lead)

    _breaches, last_7, last_30 = _dashboard_row(as_lead, "Payments")

    assert last_7 == "2 of 4 (50%)"
    assert last_30 == "4 of 7 (57%)"
    assert _dashboard_row(as_lead, "Quiet")[1:] == ["—", "—"]


def _summarise_if(summarised: bool, client) -> None:
    """With `summarised`, beat's summaries are rebuilt first and the page must say it reads
    them; without, there are none and the page computes the figures (and gives no time)."""
    if summarised:
        assert sla.refresh_queue_summaries() == Queue.objects.count()
    html = client.get(_url("appeals:dashboard")).content.decode()
    assert ("Figures as of" in html) is summarised


def test_stale_summaries_are_not_shown_the_dashboard_computes_the_figures(
    as_lead, queue, template_action, settings
):
    [overdue] = _queued(1, queue, template_action)
    _running(overdue, -timedelta(hours=1))
    sla.refresh_queue_summaries(now=timezone.now() - timedelta(minutes=4))
    QueueSlaSummary.objects.update(open_breaches=7)  # what a stopped beat left behind
    settings.QUEUE_SLA_SUMMARY_SECONDS = 60  # fresh for 3 minutes

    html = as_lead.get(_url("appeals:dashboard")).content.decode()

    assert "Figures as of" not in html
    assert _dashboard_row(as_lead, "Payments")[0] == "1 breached"
    # A queue created since the last refresh has no summary: computed too.
    sla.refresh_queue_summaries()
    make_queue("New")
    assert "Figures as of" not in as_lead.get(_url("appeals:dashboard")).content.decode()
    sla.refresh_queue_summaries()
    assert "Figures as of" in as_lead.get(_url("appeals:dashboard")).content.decode()


def test_the_beat_task_rebuilds_the_summaries_of_every_queue(queue, template_action):
    from appeals.tasks import refresh_queue_sla_summaries

    [overdue] = _queued(1, queue, template_action)
    _running(overdue, -timedelta(hours=1))
    make_queue("Quiet")
    queues = Queue.objects.count()  # with the fallback queue
    assert refresh_queue_sla_summaries() == queues
    assert refresh_queue_sla_summaries() == queues  # rebuilt in place, one row per queue
    assert QueueSlaSummary.objects.count() == queues
    summaries = dict(QueueSlaSummary.objects.values_list("queue__name", "open_breaches"))
    assert (summaries["Payments"], summaries["Quiet"]) == (1, 0)


@pytest.mark.parametrize(
    ("met", "total", "text"),
    [(0, 0, "—"), (0, 3, "0 of 3 (0%)"), (2, 3, "2 of 3 (66%)"), (199, 200, "199 of 200 (99%)")],
)
def test_a_share_is_rounded_down_so_100_percent_means_all(met, total, text):
    assert str(Share(met, total)) == text


# --- Constant queries -----------------------------------------------------------------------------


def _with_clocks(appeals: list[Appeal]) -> None:
    now = timezone.now()
    AppealClock.objects.bulk_create(
        AppealClock(
            appeal=appeal,
            kind=kind,
            started_at=appeal.submitted_at,
            due_at=now + timedelta(hours=index % 5 - 2),
            warn_at=now + timedelta(hours=index % 5 - 3),
        )
        for index, appeal in enumerate(appeals)
        for kind in (Kind.FIRST_RESPONSE, Kind.DECISION)
    )


@pytest.mark.parametrize("query", ["", "sort=deadline", "sort=deadline&sla=approaching"])
def test_the_queue_page_runs_the_same_queries_for_1_and_for_30_appeals(
    as_worker, worker, queue, template_action, query
):
    # Approaching on both clocks, so the filtered query string lists them too.
    first = _queued(1, queue, template_action) + _queued(
        1, queue, template_action, assigned_to=worker
    )
    for appeal in first:
        _running(appeal, timedelta(minutes=30))
        _running(appeal, timedelta(minutes=30), kind=Kind.FIRST_RESPONSE)
    url = f"{_url('appeals:queue')}?size=50&{query}"
    _queries(as_worker, url)  # warm up what is cached per process
    one = _queries(as_worker, url)

    more = _queued(29, queue, template_action) + _queued(
        29, queue, template_action, assigned_to=worker
    )
    _with_clocks(more)
    html = _page(as_worker, f"size=50&{query}")
    thirty = _queries(as_worker, url)

    assert len(_appeal_ids(_section(html, "unassigned"))) > 1
    assert one == thirty


def test_the_dashboard_runs_the_same_queries_for_1_and_for_30_appeals(
    as_lead, worker, queue, template_action
):
    [first] = _queued(1, queue, template_action)
    _running(first, -timedelta(hours=1))
    _decided(queue, template_action, worker, days_ago=1, due_at=timezone.now())
    _queries(as_lead, _url("appeals:dashboard"))
    one = _queries(as_lead, _url("appeals:dashboard"))

    queues = [queue] + [make_queue(f"Queue {i}") for i in range(5)]
    for index in range(30):
        appeal = _queued(1, queues[index % 6], template_action)[0]
        _running(appeal, timedelta(hours=index - 15))
        _decided(queues[index % 6], template_action, worker, days_ago=index, due_at=timezone.now())
    thirty = _queries(as_lead, _url("appeals:dashboard"))

    assert one == thirty
    sla.refresh_queue_summaries()
    summarised = _queries(as_lead, _url("appeals:dashboard"))
    # The live path reads the (missing) summaries, then runs the two grouped clock queries;
    # with fresh summaries only their read is left.
    assert summarised == thirty - 2
