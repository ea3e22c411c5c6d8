"""Staff search: one box finds appeals, actions and freelancers by id, email, marketplace id,
name and the text of statements and messages.

On PostgreSQL the text is matched with full-text search (`websearch_to_tsquery`, so quotes and
`-word` work) against GIN expression indexes (migration `0009_i17a_search`, PostgreSQL only) and
ranked with `ts_rank`; on SQLite (`make run`) it falls back to `icontains`, unranked. Who finds
what is decided by the scopes in `appeals.models` (`appeals_visible_to`, ...), never here.

Pages are keyset-paginated: ranked results by (rank, id) descending, unranked ones by id, and the
cursor is the last row's (rank, id), so a page costs the same at any depth.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import User
from appeals.models import (
    Appeal,
    Message,
    actions_visible_to,
    appeals_visible_to,
    freelancers_visible_to,
)
from enforcement.models import EnforcementAction

PAGE_SIZE = 20
PREVIEW_SIZE = 5
KINDS = ("appeal", "action", "freelancer")
# A name or address matches at most this many accounts when finding their appeals and actions.
MAX_ACCOUNTS = 50
# Exact identity matches (id, email, marketplace id) rank above any text match.
EXACT = 10.0
# A word found in an appeal's messages adds this to its rank (ts_rank of a statement that
# mentions a word once is about 0.06).
MESSAGE_MATCH = 0.05
# Up to this many appeal matches are fetched first and looked up by id (see `_appeals`).
MAX_MATCHES = 10_000


class TsVector(Func):
    """`to_tsvector('<config>', column)`, exactly the expression the GIN indexes are built on
    (Django's SearchVector adds COALESCE and casts, which the index would not match)."""

    output_field = SearchVectorField()

    def __init__(self, expression, *, config: str):
        super().__init__(expression)
        self.config = config

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_tsvector('{self.config}'::regconfig, {sql})", params


def full_text() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str = ""
    status: str = ""
    queue: int | None = None
    since: date | None = None
    until: date | None = None
    freelancer: int | None = None

    def params(self) -> dict:
        """As a query string (for links and saved views), without empty values."""
        values = {
            "q": self.q,
            "kind": self.kind,
            "status": self.status,
            "queue": self.queue,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "freelancer": self.freelancer,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def is_empty(self) -> bool:
        return not (
            self.q or self.status or self.queue or self.since or self.until or self.freelancer
        )


@dataclass
class Page:
    kind: str
    rows: list = field(default_factory=list)
    next_cursor: str | None = None
    ranked: bool = False


def encode_cursor(rank: float | None, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([rank, pk]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[float | None, int] | None:
    try:
        rank, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not (rank is None or isinstance(rank, int | float)):
        return None
    return (float(rank) if rank is not None else None), pk


# --- What a query says about identity -------------------------------------------------------------


def _number(q: str) -> int | None:
    text = q.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 19 else None


def _identity(q: str) -> Q:
    """Accounts named by the box: exact email, exact marketplace id, or user id."""
    text = q.strip()
    condition = Q(email=text.lower()) | Q(marketplace_id=text)
    number = _number(text)
    if number is not None:
        condition |= Q(pk=number)
    return condition


def _name_match(users: QuerySet, q: str) -> QuerySet:
    if full_text():
        query = SearchQuery(q, config="simple", search_type="websearch")
        return users.annotate(
            search_doc=TsVector(F("display_name"), config="simple"),
        ).filter(search_doc=query)
    return users.filter(display_name__icontains=q)


def _accounts_named(q: str) -> list[int]:
    """Accounts the box names, exactly or by name, so that their appeals and actions match."""
    exact = list(User.objects.filter(_identity(q)).values_list("pk", flat=True)[:MAX_ACCOUNTS])
    by_name = list(_name_match(User.objects.all(), q).values_list("pk", flat=True)[:MAX_ACCOUNTS])
    return list(dict.fromkeys(exact + by_name))[:MAX_ACCOUNTS]


# --- One kind each -------------------------------------------------------------------------------


def _day_range(qs: QuerySet, column: str, filters: Filters) -> QuerySet:
    zone = timezone.get_current_timezone()
    if filters.since:
        qs = qs.filter(**{f"{column}__gte": datetime.combine(filters.since, time.min, zone)})
    if filters.until:
        qs = qs.filter(**{f"{column}__lt": datetime.combine(filters.until, time.max, zone)})
    return qs


def _appeals(user, filters: Filters, accounts: list[int]) -> tuple[QuerySet, bool]:
    qs = appeals_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.queue:
        qs = qs.filter(queue_id=filters.queue)
    if filters.freelancer:
        qs = qs.filter(freelancer_id=filters.freelancer)
    qs = _day_range(qs, "submitted_at", filters)
    q = filters.q.strip()
    if not q:
        return qs, False
    number = _number(q)
    exact = Q(freelancer_id__in=accounts)
    if number is not None:
        exact |= Q(pk=number) | Q(action_id=number)
    if not full_text():
        text = Q(statement__icontains=q) | Q(
            pk__in=Message.objects.filter(body__icontains=q).values("appeal_id")
        )
        return qs.filter(exact | text), False
    query = SearchQuery(q, config="english", search_type="websearch")
    in_messages = Message.objects.annotate(search_doc=TsVector(F("body"), config="english")).filter(
        search_doc=query
    )
    # The candidates are a UNION of index scans (statement words, message words, the named
    # accounts, the id); an OR of them in one WHERE would scan every appeal.
    candidates = (
        Appeal.objects.annotate(search_doc=TsVector(F("statement"), config="english"))
        .filter(search_doc=query)
        .values("pk")
        .union(
            in_messages.values("appeal_id"),
            Appeal.objects.filter(exact).values("pk"),
        )
    )
    # The matches first, then the scope. A person's scope (the appeals of their queues, or
    # every unrouted one) is an OR the planner cannot estimate: at 3M appeals it scanned every
    # appeal for a lead (0.5 s) rather than start from the thousand index matches. Up to
    # MAX_MATCHES the matches go in as a list, which PostgreSQL reads by primary key; past it (a
    # word most statements use) every match must be ranked anyway.
    matched = [row["pk"] for row in candidates.order_by()[: MAX_MATCHES + 1]]
    qs = qs.annotate(search_doc=TsVector(F("statement"), config="english")).filter(
        pk__in=matched if len(matched) <= MAX_MATCHES else candidates
    )
    return qs.annotate(
        rank=SearchRank(F("search_doc"), query)
        # A match in the conversation counts as a weak one (a hashed set, computed once).
        + Case(
            When(pk__in=in_messages.values("appeal_id"), then=Value(MESSAGE_MATCH)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        + _exact_bonus(exact)
    ), True


def _exact_bonus(condition: Q):
    return Case(When(condition, then=Value(EXACT)), default=Value(0.0), output_field=FloatField())


def _actions(user, filters: Filters, accounts: list[int]) -> tuple[QuerySet, bool]:
    qs = actions_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.freelancer:
        qs = qs.filter(account_id=filters.freelancer)
    qs = _day_range(qs, "created_at", filters)
    q = filters.q.strip()
    if not q:
        return qs, False
    number = _number(q)
    exact = Q(account_id__in=accounts)
    if number is not None:
        exact |= Q(pk=number)
    if not full_text():
        return qs.filter(exact | Q(facts__icontains=q)), False
    query = SearchQuery(q, config="english", search_type="websearch")
    candidates = (
        EnforcementAction.objects.annotate(search_doc=TsVector(F("facts"), config="english"))
        .filter(search_doc=query)
        .values("pk")
        .union(EnforcementAction.objects.filter(exact).values("pk"))
    )
    qs = qs.annotate(search_doc=TsVector(F("facts"), config="english")).filter(pk__in=candidates)
    return qs.annotate(rank=SearchRank(F("search_doc"), query) + _exact_bonus(exact)), True


def _freelancers(user, filters: Filters) -> tuple[QuerySet, bool]:
    qs = freelancers_visible_to(user)
    if filters.freelancer:
        qs = qs.filter(pk=filters.freelancer)
    qs = _day_range(qs, "date_joined", filters)
    q = filters.q.strip()
    if not q:
        return qs, False
    exact = _identity(q)
    if not full_text():
        return qs.filter(exact | Q(display_name__icontains=q) | Q(email__icontains=q)), False
    query = SearchQuery(q, config="simple", search_type="websearch")
    candidates = (
        User.objects.annotate(search_doc=TsVector(F("display_name"), config="simple"))
        .filter(search_doc=query)
        .values("pk")
        .union(User.objects.filter(exact).values("pk"))
    )
    qs = qs.annotate(search_doc=TsVector(F("display_name"), config="simple")).filter(
        pk__in=candidates
    )
    return qs.annotate(rank=SearchRank(F("search_doc"), query) + _exact_bonus(exact)), True


def _page(kind: str, qs: QuerySet, ranked: bool, cursor: str, size: int) -> Page:
    after = decode_cursor(cursor) if cursor else None
    if ranked:
        # Ranking sorts every match anyway, so the (rank, id) keyset is applied to the matches'
        # (rank, id) pairs; a rank condition in SQL makes the planner scan every row instead
        # of starting from the index matches (25 s instead of 0.1 s at 1M appeals).
        pairs = sorted(qs.values_list("rank", "pk"), key=lambda p: (-p[0], -p[1]))
        if after is not None and after[0] is not None:
            pairs = [p for p in pairs if (p[0], p[1]) < after]
        chosen = [pk for _, pk in pairs[: size + 1]]
        by_pk = {row.pk: row for row in qs.filter(pk__in=chosen)}
        rows = [by_pk[pk] for pk in chosen if pk in by_pk]
        more = len(rows) > size
        rows = rows[:size]
        last = rows[-1] if more and rows else None
        next_cursor = encode_cursor(last.rank, last.pk) if last is not None else None
        return Page(kind=kind, rows=rows, next_cursor=next_cursor, ranked=True)
    else:
        if after is not None:
            qs = qs.filter(pk__lt=after[1])
        qs = qs.order_by("-pk")
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, "rank", None) if ranked else None, last.pk)
    return Page(kind=kind, rows=rows, next_cursor=next_cursor, ranked=ranked)


def search(user, filters: Filters, *, cursor: str = "") -> dict[str, Page]:
    """The pages of results the person may see: one kind with `filters.kind` (PAGE_SIZE rows
    from `cursor`), else the first PREVIEW_SIZE of each kind."""
    kinds = [filters.kind] if filters.kind in KINDS else list(KINDS)
    size = PAGE_SIZE if filters.kind in KINDS else PREVIEW_SIZE
    accounts = _accounts_named(filters.q) if filters.q.strip() else []
    pages: dict[str, Page] = {}
    for kind in kinds:
        if kind == "appeal":
            qs, ranked = _appeals(user, filters, accounts)
            qs = qs.select_related("freelancer", "queue", "action")
        elif kind == "action":
            qs, ranked = _actions(user, filters, accounts)
            qs = qs.select_related("account", "reason_code", "appeal")
        else:
            qs, ranked = _freelancers(user, filters)
        pages[kind] = _page(kind, qs, ranked, cursor if filters.kind else "", size)
    return pages
