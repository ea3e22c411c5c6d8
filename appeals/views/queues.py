"""The reviewer's queue page and the lead's dashboard.

Both pages run a fixed number of SQL queries whatever the number of rows or queues: lists are
one query each (with their related rows joined), and every count is an aggregate with a filter.
What each list and count selects is a QuerySet method of `appeals.models` (`waiting_in`,
`held_by`, `claimed`, `Queue.objects.with_counts`, ...), written once and shared with claims.
The moves themselves (claim, release, reassign) are `appeals.operations.claims` use cases;
these views only read input, call one of them and pick a response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib import messages
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import staff_required
from accounts.models import ReviewerProfile, User
from accounts.roles import MANAGE_QUEUES, REVIEW_APPEALS
from appeals.models import Appeal, Queue, QueueSlaSummary, claimed_count
from appeals.operations import claims, sla
from appeals.queue_forms import AvailabilityForm, QueueFilterForm, ReassignForm, Sort
from appeals.views.confirm import confirm_step, is_confirmed

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 50
# Most urgent first; the id makes the order total, which keyset pagination needs.
URGENT_ORDER = ("-priority", "submitted_at", "id")
DASHBOARD_LIST_LIMIT = 50
UNROUTED_AFTER = timedelta(minutes=1)


# --- Keyset pagination ----------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(-?[0-9]{1,5})\.([0-9]{1,18})\.([0-9]{1,18})")
_SMALLINT = range(-32768, 32768)


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row shown: the next page starts strictly after it.

    Encoded as `priority.microseconds-since-epoch.id`, all integers, so it round-trips exactly
    (a float timestamp would lose microseconds and repeat or skip rows).
    """

    priority: int
    submitted_at: datetime
    pk: int

    ORDER: ClassVar[tuple] = URGENT_ORDER

    @classmethod
    def after(cls, appeal: Appeal) -> Cursor:
        return cls(appeal.priority, appeal.submitted_at, appeal.pk)

    def encode(self) -> str:
        micros = (self.submitted_at - _EPOCH) // timedelta(microseconds=1)
        return f"{self.priority}.{micros}.{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """None for anything that is not a cursor we could have written (then: the first page)."""
        match = _CURSOR.fullmatch(raw or "")
        if match is None:
            return None
        priority, micros, pk = (int(part) for part in match.groups())
        if priority not in _SMALLINT or pk < 1:
            return None
        try:
            submitted_at = _EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            return None
        return cls(priority, submitted_at, pk)

    def rows_after(self) -> Q:
        """Rows after this one in URGENT_ORDER (priority descending, then age, then id)."""
        return (
            Q(priority__lt=self.priority)
            | Q(priority=self.priority, submitted_at__gt=self.submitted_at)
            | Q(priority=self.priority, submitted_at=self.submitted_at, id__gt=self.pk)
        )


_DEADLINE_CURSOR = re.compile(r"(none|[0-9]{1,18})\.([0-9]{1,18})")


@dataclass(frozen=True)
class DeadlineCursor:
    """The last row shown in deadline order: the decision due date (annotated as
    `decision_due` by `_queue_rows`), then the id.

    Appeals without a due date (the clock is paused, or not set yet) come last, in id order.
    Encoded as `microseconds-since-epoch.id` or `none.id`: two parts, so it is never mistaken
    for an urgency cursor (three parts), and the other way round.
    """

    due_at: datetime | None
    pk: int

    ORDER: ClassVar[tuple] = (F("decision_due").asc(nulls_last=True), "id")

    @classmethod
    def after(cls, appeal: Appeal) -> DeadlineCursor:
        return cls(appeal.decision_due, appeal.pk)

    def encode(self) -> str:
        if self.due_at is None:
            return f"none.{self.pk}"
        return f"{(self.due_at - _EPOCH) // timedelta(microseconds=1)}.{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> DeadlineCursor | None:
        match = _DEADLINE_CURSOR.fullmatch(raw or "")
        if match is None:
            return None
        micros, pk = match.groups()
        if int(pk) < 1:
            return None
        if micros == "none":
            return cls(None, int(pk))
        try:
            due_at = _EPOCH + timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(due_at, int(pk))

    def rows_after(self) -> Q:
        if self.due_at is None:
            return Q(decision_due__isnull=True, id__gt=self.pk)
        return (
            Q(decision_due__gt=self.due_at)
            | Q(decision_due=self.due_at, id__gt=self.pk)
            | Q(decision_due__isnull=True)
        )


# How each order of the queue page pages through its rows.
CURSORS: dict[str, type[Cursor] | type[DeadlineCursor]] = {
    Sort.URGENCY: Cursor,
    Sort.DEADLINE: DeadlineCursor,
}


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Appeal]
    next_cursor: str | None
    is_first: bool


def keyset_page(
    appeals: QuerySet[Appeal],
    cursor: Cursor | DeadlineCursor | None,
    size: int,
    *,
    cursor_type: type[Cursor] | type[DeadlineCursor] = Cursor,
) -> KeysetPage:
    """One page in one query: one row more than the page tells whether another page follows."""
    if cursor is not None:
        appeals = appeals.filter(cursor.rows_after())
    rows = list(appeals.order_by(*cursor_type.ORDER)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = cursor_type.after(rows[-1]).encode() if has_more else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, is_first=cursor is None)


def page_size(raw: str | None) -> int:
    try:
        size = int(raw or DEFAULT_PAGE_SIZE)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return max(1, min(MAX_PAGE_SIZE, size))


def _query_with(params: QueryDict, **changes: str | None) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    query = params.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


# --- Reads ----------------------------------------------------------------------------------------


def _filtered(appeals: QuerySet[Appeal], filters: dict, now: datetime) -> QuerySet[Appeal]:
    """The queue page's filters (`QueueFilterForm.filters`) applied to a list."""
    filters = dict(filters)
    older_than = filters.pop("older_than", None)
    if older_than is not None:
        appeals = appeals.older_than(older_than, now)
    sla_state = filters.pop("sla_state", None)
    if sla_state is not None:
        appeals = appeals.with_clock_in_state(sla_state, now)
    return appeals.filter(**filters)


def _queue_rows(appeals: QuerySet[Appeal], sort: str) -> QuerySet[Appeal]:
    """The rows with what each shows: its clocks (one query per list, for the rows of the page
    only). In deadline order, the decision due date is a column of the row itself, so the order
    and its cursor need no subquery; in urgency order the clocks are not joined at all, and the
    list is read in the order of its partial index, stopping after one page."""
    appeals = appeals.select_related("queue", "action__reason_code").prefetch_related(
        sla.clocks_prefetch()
    )
    return appeals.with_decision_due() if sort == Sort.DEADLINE else appeals


def _member_queues_with_counts(reviewer: User) -> list[Queue]:
    """The reviewer's queues with their waiting and held counts, in one aggregate query."""
    return list(
        Queue.objects.for_member(reviewer).with_counts(reviewer).order_by("-priority", "name")
    )


def _counts_context(reviewer: User, queues: list[Queue]) -> dict:
    return {
        "queues": queues,
        "assigned_total": Appeal.objects.held_by(reviewer).count(),
        "waiting_total": sum(queue.waiting for queue in queues),
    }


def _own_profile(reviewer: User) -> ReviewerProfile:
    """The reviewer's routing profile, or the defaults a new one gets (a GET writes nothing)."""
    return ReviewerProfile.objects.filter(user=reviewer).first() or ReviewerProfile(user=reviewer)


def _reviewer_accounts() -> QuerySet[User]:
    """Active people whose role lets them work appeals."""
    return User.objects.active().with_role_permission(REVIEW_APPEALS)


# --- Reviewer queue page --------------------------------------------------------------------------


@require_GET
@staff_required(REVIEW_APPEALS)
def queue_page(request: HttpRequest) -> HttpResponse:
    reviewer = request.user
    queues = _member_queues_with_counts(reviewer)
    now = timezone.now()
    filter_form = QueueFilterForm(request.GET, queues=queues)
    filters = filter_form.filters()
    sort = filter_form.chosen_sort()
    cursor_type = CURSORS[sort]
    size = page_size(request.GET.get("size"))
    assigned_cursor = cursor_type.decode(request.GET.get("assigned_cursor"))
    waiting_cursor = cursor_type.decode(request.GET.get("cursor"))

    assigned = keyset_page(
        _queue_rows(_filtered(Appeal.objects.held_by(reviewer), filters, now), sort),
        assigned_cursor,
        size,
        cursor_type=cursor_type,
    )
    waiting = keyset_page(
        _queue_rows(_filtered(Appeal.objects.waiting_in(queues), filters, now), sort),
        waiting_cursor,
        size,
        cursor_type=cursor_type,
    )
    params = request.GET
    context = _counts_context(reviewer, queues) | {
        "now": now,
        "sort": sort,
        "filter_form": filter_form,
        "size": size,
        "is_default_size": size == DEFAULT_PAGE_SIZE,
        "assigned": assigned,
        "waiting": waiting,
        "assigned_next_query": assigned.next_cursor
        and _query_with(params, assigned_cursor=assigned.next_cursor),
        "assigned_first_query": _query_with(params, assigned_cursor=None),
        "waiting_next_query": waiting.next_cursor
        and _query_with(params, cursor=waiting.next_cursor),
        "waiting_first_query": _query_with(params, cursor=None),
        "profile": _own_profile(reviewer),
    }
    template = "appeals/queue.html"
    if request.htmx and request.htmx.target == "queue-counts":
        # The 15-second poll: the counts and, out of band, the lists they count (same filters,
        # same page), so the page never says "1 assigned to you" above an empty list.
        template += "#queue-poll"
    return render(request, template, context)


@require_POST
@staff_required(REVIEW_APPEALS)
def claim_next(request: HttpRequest) -> HttpResponse:
    is_fragment = bool(request.htmx and not request.htmx.boosted)
    try:
        appeal = claims.claim_next(request.user)
    except claims.ClaimRefused as exc:
        refusal, level = " ".join(exc.messages), messages.ERROR
    else:
        if appeal is not None:
            messages.success(
                request,
                f"You claimed appeal #{appeal.pk}. It stays yours while you work on it; after "
                f"{settings.APPEAL_LEASE_MINUTES} minutes without activity it returns "
                "to the queue.",
            )
            url = reverse("appeals:review-detail", args=[appeal.pk])
            return HttpResponseClientRedirect(url) if is_fragment else redirect(url)
        refusal, level = "No appeal in your queues is waiting for you right now.", messages.INFO
    if is_fragment:
        # Shown in place of the button, which stays usable for the next try.
        context = {"claim_message": refusal, "claim_level": messages.DEFAULT_TAGS[level]}
        return render(request, "appeals/queue.html#claim-panel", context)
    messages.add_message(request, level, refusal)
    return redirect("appeals:queue")


@require_POST
@staff_required(REVIEW_APPEALS)
def set_availability(request: HttpRequest) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    profile = None
    if form.is_valid():
        available = form.is_available()
        profile = claims.set_availability(request.user, available=available)
        if not (request.htmx and not request.htmx.boosted):
            messages.success(
                request,
                "You are available: routing may assign appeals to you."
                if available
                else "You are away: routing assigns you nothing new until you are back.",
            )
    if request.htmx and not request.htmx.boosted:
        profile = profile or _own_profile(request.user)
        return render(request, "appeals/queue.html#availability", {"profile": profile})
    return redirect("appeals:queue")


# --- Lead dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerRow:
    """A reviewer as the dashboard names them: `str()` as `User.__str__`, and the pk."""

    pk: int
    display_name: str
    email: str

    def __str__(self) -> str:
        return self.display_name or self.email


@dataclass(frozen=True)
class ReviewerLoad:
    reviewer: ReviewerRow
    held: int
    capacity: int
    is_available: bool
    has_profile: bool
    # The names of their queues, in `Queue.Meta.ordering`, as the table lists them ("" for none).
    queue_names: str

    @property
    def is_full(self) -> bool:
        return self.held >= self.capacity


def _queue_overview() -> list[Queue]:
    return list(Queue.objects.with_overview().order_by("-priority", "name"))


@dataclass(frozen=True)
class Share:
    """How many of the decisions in a window were in time: "3 of 4 (75%)", or "—" for none."""

    met: int
    total: int

    @property
    def percent(self) -> int | None:
        # Rounded down: 199 of 200 reads 99%, so 100% always means every single one.
        return self.met * 100 // self.total if self.total else None

    def __str__(self) -> str:
        if not self.total:
            return "—"
        return f"{self.met} of {self.total} ({self.percent}%)"


@dataclass(frozen=True)
class QueueSla:
    queue: Queue
    open_breaches: int
    last_7_days: Share
    last_30_days: Share


def _queue_sla(queues: list[Queue], now: datetime) -> tuple[list[QueueSla], datetime | None]:
    """Per queue, open breaches and the share of decisions in time over each window, and the
    time they are from: the summaries beat rebuilds every minute when every queue has a fresh
    one (a read of one row per queue), else computed now (`sla.queue_sla_figures`: two grouped
    queries over the clocks of open appeals and recent decisions; about half a second at a
    million appeals), with `None` as their time."""
    fresh_after = now - timedelta(seconds=3 * settings.QUEUE_SLA_SUMMARY_SECONDS)
    summaries = {
        s.queue_id: s for s in QueueSlaSummary.objects.filter(computed_at__gte=fresh_after)
    }
    as_of = None
    if queues and all(queue.pk in summaries for queue in queues):
        rows = {
            pk: {
                "breaches": s.open_breaches,
                "decided_7": s.decided_7,
                "in_time_7": s.in_time_7,
                "decided_30": s.decided_30,
                "in_time_30": s.in_time_30,
            }
            for pk, s in summaries.items()
        }
        as_of = min(summaries[queue.pk].computed_at for queue in queues)
    else:
        rows = sla.queue_sla_figures(now)
    overview = []
    for queue in queues:
        row = rows.get(queue.pk, {})
        overview.append(
            QueueSla(
                queue=queue,
                open_breaches=row.get("breaches", 0),
                last_7_days=Share(row.get("in_time_7", 0), row.get("decided_7", 0)),
                last_30_days=Share(row.get("in_time_30", 0), row.get("decided_30", 0)),
            )
        )
    return overview, as_of


# At most this many people are barred from approving one proposed decision: its proposer, the
# original decider and the confirmer of the termination.
EXCLUDED_FROM_APPROVING = 3


def _reviewer_loads() -> list[ReviewerLoad]:
    """Every active reviewer with their load, profile and queues, in two queries (the people
    with their profile and held count, then their queue memberships), read as plain values: the
    table has a row for each of hundreds of reviewers, and model instances for them, their
    profiles and a queue per membership cost more than all the page's SQL."""
    default_capacity = ReviewerProfile._meta.get_field("capacity").default
    rows = (
        _reviewer_accounts()
        .annotate(held=claimed_count())
        .order_by("display_name", "email")
        .values_list(
            "pk",
            "display_name",
            "email",
            "held",
            "reviewer_profile__pk",
            "reviewer_profile__capacity",
            "reviewer_profile__is_available",
        )
    )
    queues: dict[int, list[str]] = {}
    # In the order of `Queue.Meta.ordering`, as `reviewer.appeal_queues.all()` lists them.
    memberships = (
        Queue.members.through.objects.filter(user__in=_reviewer_accounts())
        .order_by("-queue__priority", "queue__name")
        .values_list("user_id", "queue__name")
    )
    for user_id, name in memberships:
        queues.setdefault(user_id, []).append(name)
    return [
        ReviewerLoad(
            reviewer=ReviewerRow(pk, display_name, email),
            held=held,
            capacity=default_capacity if profile is None else capacity,
            is_available=True if profile is None else is_available,
            has_profile=profile is not None,
            queue_names=", ".join(queues.get(pk, [])),
        )
        for pk, display_name, email, held, profile, capacity, is_available in rows
    ]


def _held_rows(appeals: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return appeals.select_related("queue", "assigned_to", "action__reason_code")


@require_GET
@staff_required(MANAGE_QUEUES)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    loads = _reviewer_loads()
    reviewer_filter = None
    held = Appeal.objects.claimed()
    raw_reviewer = request.GET.get("reviewer", "")
    if raw_reviewer.isdigit():
        reviewer_filter = next(
            (load.reviewer for load in loads if load.reviewer.pk == int(raw_reviewer)), None
        )
        if reviewer_filter is not None:
            held = held.filter(assigned_to_id=reviewer_filter.pk)
    # Soonest to lapse first: stale leases lead, the appeals most at risk of stalling next.
    held_rows = list(
        _held_rows(held).order_by("lease_expires_at", "id")[: DASHBOARD_LIST_LIMIT + 1]
    )
    stale = list(
        _held_rows(Appeal.objects.stale_leases(now)).order_by("lease_expires_at", "id")[
            : DASHBOARD_LIST_LIMIT + 1
        ]
    )
    unrouted = list(
        Appeal.objects.unrouted(submitted_before=now - UNROUTED_AFTER)
        .select_related("action__reason_code")
        .order_by("submitted_at", "id")[: DASHBOARD_LIST_LIMIT + 1]
    )
    queues = _queue_overview()
    # An approver is any active reviewer but the proposer, the original decider and whoever
    # confirmed the termination (`AppealQuerySet.without_approver`): with more active reviewers
    # than those three, every second review has one, and the query (which reads every appeal in
    # second review: 105 ms at 3M appeals) would find none.
    without_approver = (
        []
        if len(loads) > EXCLUDED_FROM_APPROVING
        else list(
            Appeal.objects.without_approver()
            .select_related("proposed_by", "original_decider", "action__confirmed_by")
            .order_by("submitted_at", "id")[:DASHBOARD_LIST_LIMIT]
        )
    )
    queue_sla, queue_sla_as_of = _queue_sla(queues, now)
    context = {
        "without_approver": without_approver,
        "now": now,
        "queues": queues,
        "queue_sla": queue_sla,
        "queue_sla_as_of": queue_sla_as_of,
        "loads": loads,
        "reviewer_filter": reviewer_filter,
        "held": held_rows[:DASHBOARD_LIST_LIMIT],
        "held_truncated": len(held_rows) > DASHBOARD_LIST_LIMIT,
        "stale": stale[:DASHBOARD_LIST_LIMIT],
        "stale_truncated": len(stale) > DASHBOARD_LIST_LIMIT,
        "unrouted": unrouted[:DASHBOARD_LIST_LIMIT],
        "unrouted_truncated": len(unrouted) > DASHBOARD_LIST_LIMIT,
        "list_limit": DASHBOARD_LIST_LIMIT,
        # The held appeal whose reassign menu is open (one at a time: see the template).
        "reassigning": _reassigning(request),
    }
    return render(request, "appeals/dashboard.html", context)


def _reassigning(request: HttpRequest) -> int | None:
    """The held appeal whose reassign menu is open: one at a time, since fifty menus of every
    reviewer made the dashboard megabytes."""
    raw = request.GET.get("reassign", "")
    return int(raw) if raw.isdigit() else None


def _back_to_dashboard(request: HttpRequest) -> HttpResponse:
    url = reverse("appeals:dashboard")
    reviewer = request.POST.get("return_reviewer", "")
    if reviewer.isdigit():
        url += f"?reviewer={reviewer}"
    return redirect(url)


def _confirm_on_dashboard(request: HttpRequest, **kwargs) -> HttpResponse:
    """The dashboard's moves ask first, on a page of their own (appeals/views/confirm.py)."""
    back = reverse("appeals:dashboard")
    reviewer = request.POST.get("return_reviewer", "")
    if reviewer.isdigit():
        back += f"?reviewer={reviewer}"
    return confirm_step(
        request,
        back_url=back + "#held",
        back_label="No, back to the dashboard",
        return_reviewer=reviewer if reviewer.isdigit() else "",
        **kwargs,
    )


@require_POST
@staff_required(MANAGE_QUEUES)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("assigned_to"), pk=pk)
    holder = appeal.assigned_to
    if not is_confirmed(request):
        held_by = f"{holder} stops holding it: " if holder else ""
        return _confirm_on_dashboard(
            request,
            title=f"Release appeal #{appeal.pk} to its queue?",
            explanation=(
                f"{held_by}anyone in its queue can claim it, and routing may give it to someone "
                "else at once. Whatever they are writing and have not sent is lost."
            ),
            url=reverse("appeals:release", args=[appeal.pk]),
            confirm_label="Release it to the queue",
        )
    try:
        claims.release_appeal(appeal, by=request.user, reason=f"Released by {request.user}.")
    except claims.ClaimRefused as exc:
        messages.error(request, f"Appeal #{appeal.pk}: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Appeal #{appeal.pk} is back in its queue (was {holder}).")
    return _back_to_dashboard(request)


@require_POST
@staff_required(MANAGE_QUEUES)
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("assigned_to"), pk=pk)
    form = ReassignForm(request.POST, reviewers=_reviewer_accounts())
    if not form.is_valid():
        messages.error(request, f"Appeal #{appeal.pk}: choose a reviewer to reassign it to.")
        return _back_to_dashboard(request)
    to = form.cleaned_data["to"]
    if not is_confirmed(request):
        holder = f"from {appeal.assigned_to} " if appeal.assigned_to_id else ""
        return _confirm_on_dashboard(
            request,
            title=f"Reassign appeal #{appeal.pk} to {to}?",
            explanation=(
                f"It moves {holder}to {to}, who then holds it and is told. "
                "Whatever the current holder is writing and has not sent is lost."
            ),
            url=reverse("appeals:reassign", args=[appeal.pk]),
            confirm_label=f"Reassign it to {to}",
            to=to.pk,
        )
    try:
        claims.reassign_appeal(appeal, to=to, by=request.user)
    except claims.ClaimRefused as exc:
        messages.error(request, f"Appeal #{appeal.pk} was not reassigned: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Appeal #{appeal.pk} is now assigned to {to}.")
    return _back_to_dashboard(request)
