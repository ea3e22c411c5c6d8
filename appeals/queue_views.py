"""The reviewer's queue page and the lead's dashboard.

Both pages run a fixed number of SQL queries whatever the number of rows or queues: lists are
one query each (with their related rows joined), and every count is an aggregate with a filter.
The moves themselves (claim, release, reassign) are `appeals.routing` use cases; these views only
read input, call one of them and pick a response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import staff_required
from accounts.models import ReviewerProfile, User, record_audit
from appeals import routing
from appeals.models import Appeal, Queue
from appeals.queue_forms import AvailabilityForm, QueueFilterForm, ReassignForm

REVIEW = routing.REVIEW_PERMISSION
MANAGE = "accounts.manage_queues"

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 50
# Most urgent first; the id makes the order total, which keyset pagination needs.
URGENT_ORDER = ("-priority", "submitted_at", "id")
OPEN_STATUSES = [s for s in Appeal.Status.values if s not in Appeal.CLOSED_STATUSES]
# The statuses whose leases the sweep expires (`routing.expire_leases`): a claim on an appeal
# waiting for the freelancer does not lapse, so it is never "stale".
LEASED_STATUSES = (Appeal.Status.SUBMITTED, Appeal.Status.IN_REVIEW)
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


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Appeal]
    next_cursor: str | None
    is_first: bool


def keyset_page(appeals: QuerySet[Appeal], cursor: Cursor | None, size: int) -> KeysetPage:
    """One page in one query: one row more than the page tells whether another page follows."""
    if cursor is not None:
        appeals = appeals.filter(cursor.rows_after())
    rows = list(appeals.order_by(*URGENT_ORDER)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor.after(rows[-1]).encode() if has_more else None
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


def _waiting_in_queue() -> Q:
    """Unassigned appeals a reviewer could claim from a queue (the claim-next candidates)."""
    return Q(status__in=routing.HELD_STATUSES, assigned_to__isnull=True, routed_at__isnull=False)


def _filtered(appeals: QuerySet[Appeal], filters: dict) -> QuerySet[Appeal]:
    filters = dict(filters)
    older_than = filters.pop("older_than", None)
    if older_than is not None:
        appeals = appeals.filter(submitted_at__lte=timezone.now() - older_than)
    return appeals.filter(**filters)


def _queue_rows(appeals: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return appeals.select_related("queue", "action__reason_code")


def _member_queues_with_counts(reviewer: User) -> list[Queue]:
    """The reviewer's queues with their waiting and held counts, in one aggregate query."""
    return list(
        Queue.objects.filter(members=reviewer)
        .annotate(
            waiting=Count(
                "appeals",
                filter=Q(
                    appeals__status__in=routing.HELD_STATUSES,
                    appeals__assigned_to__isnull=True,
                    appeals__routed_at__isnull=False,
                ),
            ),
            held_by_you=Count(
                "appeals",
                filter=Q(appeals__assigned_to=reviewer, appeals__status__in=OPEN_STATUSES),
            ),
        )
        .order_by("-priority", "name")
    )


def _counts_context(reviewer: User, queues: list[Queue]) -> dict:
    return {
        "queues": queues,
        "assigned_total": Appeal.objects.filter(
            assigned_to=reviewer, status__in=OPEN_STATUSES
        ).count(),
        "waiting_total": sum(queue.waiting for queue in queues),
    }


def _own_profile(reviewer: User) -> ReviewerProfile:
    """The reviewer's routing profile, or the defaults a new one gets (a GET writes nothing)."""
    return ReviewerProfile.objects.filter(user=reviewer).first() or ReviewerProfile(user=reviewer)


def _reviewer_accounts() -> QuerySet[User]:
    """Active people whose role lets them work appeals (a subquery: no duplicate rows)."""
    holders = User.objects.filter(
        groups__permissions__codename="review_appeals",
        groups__permissions__content_type__app_label="accounts",
    ).values("pk")
    return User.objects.filter(is_active=True, pk__in=holders)


# --- Reviewer queue page --------------------------------------------------------------------------


@require_GET
@staff_required(REVIEW)
def queue_page(request: HttpRequest) -> HttpResponse:
    reviewer = request.user
    queues = _member_queues_with_counts(reviewer)
    if request.htmx and request.htmx.target == "queue-counts":
        # The polling fragment: only the counts, without reloading the lists.
        return render(request, "appeals/queue.html#queue-counts", _counts_context(reviewer, queues))

    filter_form = QueueFilterForm(request.GET, queues=queues)
    filters = filter_form.filters()
    size = page_size(request.GET.get("size"))
    assigned_cursor = Cursor.decode(request.GET.get("assigned_cursor"))
    waiting_cursor = Cursor.decode(request.GET.get("cursor"))

    held_by_reviewer = Appeal.objects.filter(assigned_to=reviewer, status__in=OPEN_STATUSES)
    waiting_in_their_queues = Appeal.objects.filter(
        _waiting_in_queue(), queue_id__in=[queue.pk for queue in queues]
    )
    assigned = keyset_page(_queue_rows(_filtered(held_by_reviewer, filters)), assigned_cursor, size)
    waiting = keyset_page(
        _queue_rows(_filtered(waiting_in_their_queues, filters)), waiting_cursor, size
    )
    params = request.GET
    context = _counts_context(reviewer, queues) | {
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
    return render(request, "appeals/queue.html", context)


@require_POST
@staff_required(REVIEW)
def claim_next(request: HttpRequest) -> HttpResponse:
    is_fragment = bool(request.htmx and not request.htmx.boosted)
    try:
        appeal = routing.claim_next(request.user)
    except routing.ClaimRefused as exc:
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
@staff_required(REVIEW)
def set_availability(request: HttpRequest) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    if form.is_valid():
        available = form.is_available()
        with transaction.atomic():
            profile, _ = ReviewerProfile.objects.update_or_create(
                user=request.user, defaults={"is_available": available}
            )
            # Routing skips away reviewers: leads need to know when and by whom it was switched.
            record_audit(
                actor=request.user,
                verb="reviewer.available" if available else "reviewer.away",
                obj=profile,
                summary=f"{request.user} is now {'available' if available else 'away'}.",
            )
        if not (request.htmx and not request.htmx.boosted):
            messages.success(
                request,
                "You are available: routing may assign appeals to you."
                if available
                else "You are away: routing assigns you nothing new until you are back.",
            )
    if request.htmx and not request.htmx.boosted:
        profile = _own_profile(request.user)
        return render(request, "appeals/queue.html#availability", {"profile": profile})
    return redirect("appeals:queue")


# --- Lead dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerLoad:
    reviewer: User
    held: int
    capacity: int
    is_available: bool
    has_profile: bool
    queues: list[Queue]

    @property
    def is_full(self) -> bool:
        return self.held >= self.capacity


def _queue_overview() -> list[Queue]:
    in_queue = Q(appeals__status__in=OPEN_STATUSES)
    waiting = Q(
        appeals__status__in=routing.HELD_STATUSES,
        appeals__assigned_to__isnull=True,
        appeals__routed_at__isnull=False,
    )
    membership = Queue.members.through.objects.filter(queue_id=OuterRef("pk")).values("queue_id")
    return list(
        Queue.objects.annotate(
            depth=Count("appeals", filter=in_queue),
            unassigned=Count("appeals", filter=waiting),
            oldest_open=Min("appeals__submitted_at", filter=in_queue),
            oldest_unassigned=Min("appeals__submitted_at", filter=waiting),
            # Subqueries, not joins: a join with the members would multiply the appeal counts.
            member_count=Coalesce(
                Subquery(membership.annotate(n=Count("*")).values("n")), Value(0)
            ),
            available_members=Coalesce(
                Subquery(
                    membership.filter(user__reviewer_profile__is_available=True)
                    .annotate(n=Count("*"))
                    .values("n")
                ),
                Value(0),
            ),
        ).order_by("-priority", "name")
    )


def _reviewer_loads(reviewers: list[User]) -> list[ReviewerLoad]:
    default_capacity = ReviewerProfile._meta.get_field("capacity").default
    loads = []
    for reviewer in reviewers:
        profile = getattr(reviewer, "reviewer_profile", None)
        loads.append(
            ReviewerLoad(
                reviewer=reviewer,
                held=reviewer.held,
                capacity=profile.capacity if profile else default_capacity,
                is_available=profile.is_available if profile else True,
                has_profile=profile is not None,
                queues=list(reviewer.appeal_queues.all()),
            )
        )
    return loads


def _dashboard_reviewers() -> list[User]:
    return list(
        _reviewer_accounts()
        .select_related("reviewer_profile")
        .annotate(
            held=Count(
                "assigned_appeals",
                filter=Q(assigned_appeals__status__in=routing.HELD_STATUSES),
            )
        )
        .prefetch_related("appeal_queues")
        .order_by("display_name", "email")
    )


def _held_rows(appeals: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return appeals.select_related("queue", "assigned_to", "action__reason_code")


@require_GET
@staff_required(MANAGE)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    reviewers = _dashboard_reviewers()
    reviewer_filter = None
    held = Appeal.objects.filter(assigned_to__isnull=False, status__in=routing.HELD_STATUSES)
    raw_reviewer = request.GET.get("reviewer", "")
    if raw_reviewer.isdigit():
        reviewer_filter = next((r for r in reviewers if r.pk == int(raw_reviewer)), None)
        if reviewer_filter is not None:
            held = held.filter(assigned_to=reviewer_filter)
    # Soonest to lapse first: stale leases lead, the appeals most at risk of stalling next.
    held_rows = list(
        _held_rows(held).order_by("lease_expires_at", "id")[: DASHBOARD_LIST_LIMIT + 1]
    )
    stale = list(
        _held_rows(
            Appeal.objects.filter(
                assigned_to__isnull=False, status__in=LEASED_STATUSES, lease_expires_at__lt=now
            )
        ).order_by("lease_expires_at", "id")[: DASHBOARD_LIST_LIMIT + 1]
    )
    unrouted = list(
        Appeal.objects.filter(routed_at__isnull=True, submitted_at__lt=now - UNROUTED_AFTER)
        .select_related("action__reason_code")
        .order_by("submitted_at", "id")[: DASHBOARD_LIST_LIMIT + 1]
    )
    context = {
        "now": now,
        "queues": _queue_overview(),
        "loads": _reviewer_loads(reviewers),
        "reviewers": reviewers,
        "reviewer_filter": reviewer_filter,
        "held": held_rows[:DASHBOARD_LIST_LIMIT],
        "held_truncated": len(held_rows) > DASHBOARD_LIST_LIMIT,
        "stale": stale[:DASHBOARD_LIST_LIMIT],
        "stale_truncated": len(stale) > DASHBOARD_LIST_LIMIT,
        "unrouted": unrouted[:DASHBOARD_LIST_LIMIT],
        "unrouted_truncated": len(unrouted) > DASHBOARD_LIST_LIMIT,
        "list_limit": DASHBOARD_LIST_LIMIT,
    }
    return render(request, "appeals/dashboard.html", context)


def _back_to_dashboard(request: HttpRequest) -> HttpResponse:
    url = reverse("appeals:dashboard")
    reviewer = request.POST.get("return_reviewer", "")
    if reviewer.isdigit():
        url += f"?reviewer={reviewer}"
    return redirect(url)


@require_POST
@staff_required(MANAGE)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("assigned_to"), pk=pk)
    holder = appeal.assigned_to
    try:
        routing.release_appeal(appeal, by=request.user, reason=f"Released by {request.user}.")
    except routing.ClaimRefused as exc:
        messages.error(request, f"Appeal #{appeal.pk}: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Appeal #{appeal.pk} is back in its queue (was {holder}).")
    return _back_to_dashboard(request)


@require_POST
@staff_required(MANAGE)
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal, pk=pk)
    form = ReassignForm(request.POST, reviewers=_reviewer_accounts())
    if not form.is_valid():
        messages.error(request, f"Appeal #{appeal.pk}: choose a reviewer to reassign it to.")
        return _back_to_dashboard(request)
    to = form.cleaned_data["to"]
    try:
        routing.reassign_appeal(appeal, to=to, by=request.user)
    except routing.ClaimRefused as exc:
        messages.error(request, f"Appeal #{appeal.pk} was not reassigned: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Appeal #{appeal.pk} is now assigned to {to}.")
    return _back_to_dashboard(request)
