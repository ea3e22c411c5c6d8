from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.aggregates import JSONBAgg
from django.core.validators import MaxLengthValidator
from django.db import connection, models
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import Badge, Role, User, time_zone_choices
from accounts.roles import ISSUE_ACTIONS, MANAGE_QUEUES, REVIEW_APPEALS, VIEW_ACCOUNTS
from appeals import business_time
from enforcement.choices import AutomatedDecision
from enforcement.models import (
    ActionEvent,
    ClientCorrection,
    ClientNotice,
    EnforcementAction,
    RuleVersion,
    statement_prefetches,
)

APPEAL_STATUSES = [
    "submitted",
    "in_review",
    "awaiting_freelancer",
    "second_review",
    "decided",
    "withdrawn",
]


# The same sets as `Appeal.OPEN_STATUSES` and `Appeal.HELD_STATUSES`, as plain values for the
# partial indexes' conditions (a test checks that they agree).
OPEN_STATUS_VALUES = ["submitted", "in_review", "awaiting_freelancer", "second_review"]
HELD_STATUS_VALUES = ["submitted", "in_review", "awaiting_freelancer"]
WAITING_INDEX_CONDITION = Q(
    assigned_to__isnull=True, status__in=HELD_STATUS_VALUES, routed_at__isnull=False
)


class InvalidTransition(Exception):
    """The appeal cannot move to that state from the state it is in now."""


# --- What the queues count, each condition written once ------------------------------------------
# A condition is a Q with an optional relation prefix: the QuerySet methods below filter with it
# as it is, and counts over a relation (a queue's `appeals__`, a reviewer's `assigned_appeals__`)
# use it prefixed, so that a count always agrees with the list it counts.


def _lookups(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})


def open_condition(prefix: str = "") -> Q:
    """Not decided nor withdrawn."""
    return _lookups(prefix, status__in=Appeal.OPEN_STATUSES)


def waiting_condition(prefix: str = "") -> Q:
    """Routed to a queue, nobody holds it, and a reviewer could claim it (claim-next's
    candidates)."""
    return _lookups(
        prefix, status__in=Appeal.HELD_STATUSES, assigned_to__isnull=True, routed_at__isnull=False
    )


def held_by_condition(reviewer, prefix: str = "") -> Q:
    """Open and assigned to `reviewer` (in second review too: theirs to follow)."""
    return _lookups(prefix, assigned_to=reviewer) & open_condition(prefix)


def claimed_condition(prefix: str = "") -> Q:
    """Someone holds it and works it (`HELD_STATUSES`: not while in second review)."""
    return _lookups(prefix, assigned_to__isnull=False, status__in=Appeal.HELD_STATUSES)


def count_of(appeals: models.QuerySet, per: str) -> Coalesce:
    """A correlated count as a column: how many of `appeals` (already filtered on
    `OuterRef("pk")` through the field `per`) each outer row has, 0 for none.

    A subquery per row rather than a join and an aggregate: each runs inside the partial index
    of open appeals that matches its filter (`appeal_queue_waiting`, `appeal_open_held`, ...),
    reading only the open appeals it counts, where an aggregate over a join reads every appeal
    of the queue or the reviewer, decided ones included.
    """
    counted = appeals.order_by().values(per).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), Value(0))


def claimed_count() -> Coalesce:
    """An annotation for people: how many appeals each holds (`claimed`), e.g.
    `users.annotate(held=claimed_count())`."""
    return count_of(Appeal.objects.claimed().filter(assigned_to=OuterRef("pk")), "assigned_to")


class AppealQuerySet(models.QuerySet["Appeal"]):
    def for_freelancer(self, user) -> AppealQuerySet:
        return self.filter(freelancer=user)

    def open(self) -> AppealQuerySet:
        return self.filter(open_condition())

    def held_by(self, reviewer) -> AppealQuerySet:
        """The reviewer's own appeals: open and assigned to them."""
        return self.filter(held_by_condition(reviewer))

    def waiting(self) -> AppealQuerySet:
        """Unassigned appeals a reviewer could claim from their queue."""
        return self.filter(waiting_condition())

    def waiting_in(self, queues) -> AppealQuerySet:
        """Waiting in one of `queues` (Queue rows, or a Queue QuerySet as a subquery)."""
        return self.waiting().filter(queue__in=queues)

    def claimed(self) -> AppealQuerySet:
        """Held by someone who works it now (what counts against a reviewer's capacity)."""
        return self.filter(claimed_condition())

    def stale_leases(self, now) -> AppealQuerySet:
        """Claims whose lease has lapsed and that the expiry sweep has not returned yet."""
        return self.filter(
            assigned_to__isnull=False, status__in=Appeal.LEASED_STATUSES, lease_expires_at__lt=now
        )

    def unrouted(self, *, submitted_before) -> AppealQuerySet:
        """Not routed to a queue yet, filed before that moment."""
        return self.filter(routed_at__isnull=True, submitted_at__lt=submitted_before)

    def older_than(self, age: timedelta, now) -> AppealQuerySet:
        return self.filter(submitted_at__lte=now - age)

    def with_clock_in_state(self, state: str, now) -> AppealQuerySet:
        """Appeals with a running clock in that state (see `AppealClockQuerySet.in_state`)."""
        clocks = AppealClock.objects.in_state(state, now).filter(appeal=OuterRef("pk"))
        return self.filter(Exists(clocks))

    def with_decision_due(self) -> AppealQuerySet:
        """Each row with its decision clock's deadline as the column `decision_due` (a join,
        not a subquery), so an order by deadline and its keyset cursor can use it."""
        return self.annotate(
            decision_clock_row=FilteredRelation(
                "clocks", condition=Q(clocks__kind=AppealClock.Kind.DECISION)
            ),
            decision_due=F("decision_clock_row__due_at"),
        )

    def without_approver(self) -> AppealQuerySet:
        """Proposed decisions waiting for a second review that nobody may give: every active
        reviewer proposed it, took the original decision or confirmed the termination. The
        lead dashboard lists them, so an appeal never waits for an approver who cannot exist."""

        def other_than(field: str):
            return ~Q(pk=Coalesce(OuterRef(field), Value(0)))

        approvers = (
            User.objects.active()
            .with_role_permission(REVIEW_APPEALS)
            .filter(
                other_than("proposed_by"),
                other_than("original_decider"),
                other_than("action__confirmed_by"),
            )
        )
        return self.filter(status=Appeal.Status.SECOND_REVIEW).exclude(Exists(approvers))

    def for_reviewer(self, user) -> AppealQuerySet:
        """The appeals a staff member may open, read and annotate (every staff view that
        loads an appeal reads through this, and staff search uses it as its scope):

        - an admin (or superuser): every appeal;
        - a lead: what a reviewer may open (below), and appeals not routed yet (the lead
          dashboard lists those);
        - a reviewer: the appeals of their queues, the ones they hold or ever held (claimed,
          were assigned or reassigned, proposed, decided or approved), and those in second
          review they are eligible to approve (neither proposed it nor took the original
          decision);
        - nobody, whatever their role, opens the appeal against a decision they took (they
          issued the action, or confirmed the termination): `decision_takers`.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        not_theirs = Q(original_decider=user) | Q(action__confirmed_by=user)
        if user.is_superuser or user.has_role(Role.ADMIN):
            return self.exclude(not_theirs)
        if not user.has_perm(REVIEW_APPEALS):
            return self.none()
        in_queues = Q(queue__in=Queue.objects.for_member(user).values("pk"))
        # Claims recorded before events named their holder name them as the actor.
        held = Exists(
            AppealEvent.objects.filter(
                Q(holder=user) | Q(kind=AppealEvent.Kind.CLAIMED, actor=user),
                appeal=OuterRef("pk"),
            )
        )
        approvable = Q(status=Appeal.Status.SECOND_REVIEW) & ~Q(proposed_by=user)
        scope = (
            in_queues
            | Q(assigned_to=user)
            | Q(proposed_by=user)
            | Q(decided_by=user)
            | Q(approved_by=user)
            | held
            | approvable
        )
        if user.has_perm(MANAGE_QUEUES):
            # A lead works appeals too: whatever a reviewer may open (the second review they
            # are asked to give, an appeal they hold outside their queues), and unrouted ones.
            scope |= Q(queue__isnull=True)
        return self.filter(scope).exclude(not_theirs)

    def with_case_files(self, language: str) -> AppealQuerySet:
        """For the reviewer's case page, within its query budget: the staff case files of the
        appeal's action in `language` as one JSON column (`case_file_rows`) and the case's
        fingerprint parts (`fp_*`), read with the appeal. PostgreSQL only; elsewhere the case
        file section reads them itself (`Appeal.case_files_from_rows` tells which)."""
        if connection.vendor != "postgresql":
            return self
        rows = (
            CaseFile.objects.for_staff()
            .filter(action=OuterRef("action_id"), language=language)
            .unexpired()
            .order_by()
            .values("action")
            .annotate(rows=JSONBAgg(JSONObject(**{name: name for name in _CASE_FILE_JSON_FIELDS})))
            .values("rows")
        )
        return self.annotate(
            case_file_rows=Subquery(rows), **case_fingerprint_annotations(OuterRef("action_id"))
        )

    def with_thread(self, *, internal: bool) -> AppealQuerySet:
        """The appeal with its conversation, in a fixed number of queries.

        `internal=False` is the freelancer's view: internal notes are not even fetched.
        """
        messages = Message.objects.select_related("author").prefetch_related("attachments")
        if not internal:
            messages = messages.visible_to_freelancer()
        return self.select_related("decided_by", "approved_by", "proposed_by").prefetch_related(
            Prefetch("messages", queryset=messages.order_by("created_at", "id")),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(message__isnull=True).order_by("id"),
                to_attr="statement_attachments",
            ),
            Prefetch(
                "events",
                queryset=(
                    AppealEvent.objects.select_related("actor")
                    if internal
                    else AppealEvent.objects.for_freelancer().select_related("actor")
                ),
            ),
            Prefetch("decided_versions", queryset=RuleVersion.objects.select_related("rule")),
            # With their pauses: the case views show how long each clock waited.
            Prefetch("clocks", queryset=AppealClock.objects.prefetch_related("pauses")),
        )

    def for_case_page(self) -> AppealQuerySet:
        """The reviewer's case page, first query: the appeal with the people on it (the freelancer
        with their synced track record), its action with the statement's reason code and rule,
        and its SLA clocks with their pauses as one JSON column (`clock_rows`).
        `Appeal.load_case_page()` fetches the rest."""
        pauses = (
            ClockPause.objects.filter(clock=OuterRef("pk"))
            .order_by()
            .values("clock")
            .annotate(
                rows=JSONBAgg(
                    JSONObject(id="id", started_at="started_at", ended_at="ended_at"),
                    order_by=("started_at", "id"),
                )
            )
            .values("rows")
        )
        clocks = (
            AppealClock.objects.filter(appeal=OuterRef("pk"))
            .order_by()
            .values("appeal")
            .annotate(
                rows=JSONBAgg(
                    JSONObject(
                        **{name: name for name in _CLOCK_JSON_FIELDS},
                        pauses=Subquery(pauses),
                    ),
                    order_by=("kind",),
                )
            )
            .values("rows")
        )
        loaded = self.select_related(
            "decided_by",
            "approved_by",
            "proposed_by",
            "freelancer__track_record",
            "assigned_to",
            "queue",
            "action__account",
            "action__reason_code__rule",
            "action__decided_by",
        )
        if connection.vendor != "postgresql":  # SQLite (`make run`): the clocks by prefetch
            return loaded
        return loaded.annotate(clock_rows=Subquery(clocks))


class Appeal(models.Model):
    """A freelancer's complaint against one enforcement action (one per action, by constraint)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        AWAITING_FREELANCER = "awaiting_freelancer", _("Waiting for your answer")
        SECOND_REVIEW = "second_review", _("Decision under second review")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class RequestedOutcome(models.TextChoices):
        LIFT = "lift", _("Lift the action completely")
        REDUCE = "reduce", _("Reduce the restriction")
        RELEASE_FUNDS = "release_funds", _("Release my held funds")
        CORRECT_RECORD = (
            "correct_record",
            _("Correct the facts on record and what clients were told"),
        )

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld: the action stays")
        OVERTURNED = "overturned", _("Overturned: the action is lifted")
        MODIFIED = "modified", _("Modified: the action is reduced")

    CLOSED_STATUSES = (Status.DECIDED, Status.WITHDRAWN)
    OPEN_STATUSES = (
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.AWAITING_FREELANCER,
        Status.SECOND_REVIEW,
    )
    # Appeals a reviewer "holds": open and not waiting on someone else's approval.
    HELD_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_FREELANCER)
    # A claim is a lease only while the reviewer is the one to act (not while the freelancer
    # is asked, nor during a second review).
    LEASED_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW)
    # Every allowed move; anything else is refused by `transition`.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.SUBMITTED: frozenset(
            {
                Status.IN_REVIEW,
                Status.AWAITING_FREELANCER,
                Status.SECOND_REVIEW,
                Status.DECIDED,
                Status.WITHDRAWN,
            }
        ),
        Status.IN_REVIEW: frozenset(
            {Status.AWAITING_FREELANCER, Status.SECOND_REVIEW, Status.DECIDED, Status.WITHDRAWN}
        ),
        # A reviewer may decide without the answer (e.g. the freelancer never replies).
        Status.AWAITING_FREELANCER: frozenset(
            {Status.IN_REVIEW, Status.SECOND_REVIEW, Status.DECIDED, Status.WITHDRAWN}
        ),
        Status.SECOND_REVIEW: frozenset({Status.DECIDED, Status.IN_REVIEW, Status.WITHDRAWN}),
        Status.DECIDED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }

    action = models.OneToOneField(
        EnforcementAction, on_delete=models.PROTECT, related_name="appeal"
    )
    freelancer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals"
    )
    # Copied from the action when filed, so the database itself can refuse that person as decider.
    original_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(validators=[MaxLengthValidator(10_000)])
    # What the freelancer asks for: one or more RequestedOutcome values, a set stored as a list in
    # the order of the choices (`file_appeal` normalises it; the database refuses an empty one).
    requested_outcomes = models.JSONField(default=list)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # The decision (or, while in second review, the proposed decision).
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_versions = models.ManyToManyField(RuleVersion, blank=True, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Routing: the freelancer's language and region at filing, the queue, who holds the claim.
    # `routed_at` empty is the durable "route me" marker that the periodic re-drive looks for.
    language = models.CharField(max_length=8, blank=True)
    region = models.CharField(max_length=2, blank=True)
    queue = models.ForeignKey(
        "Queue", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    priority = models.SmallIntegerField(default=0)
    routed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_appeals",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        # The reviewer and lead pages read open appeals only. Their indexes are partial: they
        # hold the open appeals (50,000 at a million appeals filed) and never the decided ones,
        # so a count or a list costs what it shows, however much history accumulates.
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="appeal_status_age"),
            # Staff search filtered by status without words: newest (highest id) first.
            models.Index(fields=["status", "-id"], name="appeal_status_newest"),
            # The transparency report's daily figures: appeals filed and decided on a day, and
            # what changed since the last refresh.
            models.Index(fields=["submitted_at"], name="appeal_submitted_at"),
            models.Index(
                fields=["decided_at"],
                name="appeal_decided_at",
                condition=Q(decided_at__isnull=False),
            ),
            models.Index(fields=["updated_at"], name="appeal_updated_at"),
            # The re-drive sweep: appeals not yet routed.
            models.Index(
                fields=["submitted_at"], name="appeal_unrouted", condition=Q(routed_at__isnull=True)
            ),
            # One queue's waiting appeals (exactly `waiting_condition`), most urgent first: the
            # queue page's list and counts of one queue, claim-next from one queue.
            models.Index(
                fields=["queue", "-priority", "submitted_at", "id"],
                name="appeal_queue_waiting",
                condition=WAITING_INDEX_CONDITION,
            ),
            # The same appeals across all queues in urgency order: the list and claim-next of a
            # reviewer in many queues read it in order and stop at the first rows of theirs,
            # instead of sorting every waiting appeal of their queues.
            models.Index(
                fields=["-priority", "submitted_at", "id"],
                name="appeal_waiting_urgent",
                condition=WAITING_INDEX_CONDITION,
            ),
            # Open appeals someone holds, per holder in urgency order: "assigned to you", its
            # count, the per-queue "held by you" and each reviewer's load (queue and status
            # last, so that those counts never visit the table).
            models.Index(
                fields=["assigned_to", "-priority", "submitted_at", "id", "queue", "status"],
                name="appeal_open_held",
                condition=Q(assigned_to__isnull=False, status__in=OPEN_STATUS_VALUES),
            ),
            # Open appeals per queue, oldest first: a queue's depth and its oldest open appeal.
            models.Index(
                fields=["queue", "submitted_at"],
                name="appeal_open_queue",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Open appeals oldest first: the reviewer appeal list.
            models.Index(
                fields=["submitted_at", "id"],
                name="appeal_open_age",
                condition=Q(status__in=OPEN_STATUS_VALUES),
            ),
            # Leases of held appeals, soonest to lapse first: the dashboard's held and stale
            # lists and the lease sweep. Decided appeals keep their last holder and lease, so
            # the index leaves them out.
            models.Index(
                fields=["lease_expires_at", "id"],
                name="appeal_held_lease",
                condition=Q(assigned_to__isnull=False, status__in=HELD_STATUS_VALUES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requested_outcomes=[]), name="appeal_requests_an_outcome"
            ),
            models.CheckConstraint(
                condition=Q(assigned_to__isnull=True)
                | Q(original_decider__isnull=True)
                | ~Q(assigned_to=F("original_decider")),
                name="appeal_never_assigned_to_original_decider",
            ),
            models.CheckConstraint(
                condition=Q(status__in=APPEAL_STATUSES), name="appeal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=["upheld", "overturned", "modified"]),
                name="appeal_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="decided")
                | (~Q(outcome="") & ~Q(decision_reasons="") & Q(decided_by__isnull=False)),
                name="appeal_decision_has_outcome_reasons_and_decider",
            ),
            # Nobody decides, proposes or approves an appeal against their own decision, and the
            # approver of a second review is a different person from the proposer.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(original_decider__isnull=True)
                | ~Q(decided_by=F("original_decider")),
                name="appeal_decider_not_original_decider",
            ),
            models.CheckConstraint(
                condition=Q(proposed_by__isnull=True)
                | Q(original_decider__isnull=True)
                | ~Q(proposed_by=F("original_decider")),
                name="appeal_proposer_not_original_decider",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (
                    (Q(original_decider__isnull=True) | ~Q(approved_by=F("original_decider")))
                    & Q(proposed_by__isnull=False)
                    & ~Q(approved_by=F("proposed_by"))
                ),
                name="appeal_approver_is_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal #{self.pk} against action #{self.action_id}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:case-detail", args=[self.action_id]) + "#appeal"

    @classmethod
    def normalise_outcomes(cls, values) -> list[str]:
        """The requested outcomes as a set in the order of the choices (unknown values dropped)."""
        chosen = set(values)
        return [value for value in cls.RequestedOutcome.values if value in chosen]

    def requested_outcome_labels(self) -> list[str]:
        labels = dict(self.RequestedOutcome.choices)
        return [str(labels[value]) for value in self.requested_outcomes if value in labels]

    def language_name(self) -> str:
        """The freelancer's language at filing, by its own name (staff pages show it)."""
        return dict(settings.REVIEW_LANGUAGES).get(self.language, self.language)

    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    def load_case_page(self) -> None:
        """The rest of the reviewer's case page, after `AppealQuerySet.for_case_page()`, in a
        number of queries that does not depend on the number of messages, events or pauses:
        messages, events, every attachment (one query, sorted here between the statement and the
        messages), the rule versions of a proposed or recorded decision (none before), and the
        action's cited versions, events, evidence and client notices."""
        lookups = [
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author").order_by("created_at", "id"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"), to_attr="_files"),
            Prefetch("events", queryset=AppealEvent.objects.select_related("actor")),
        ]
        if self.outcome:
            lookups.append(
                Prefetch("decided_versions", queryset=RuleVersion.objects.select_related("rule"))
            )
        else:
            _set_prefetched(self, "decided_versions", [])
        if hasattr(self, "clock_rows"):
            _set_prefetched(self, "clocks", self._clocks_from_rows(self.clock_rows or []))
        else:
            lookups.append(
                Prefetch("clocks", queryset=AppealClock.objects.prefetch_related("pauses"))
            )
        prefetch_related_objects([self], *lookups)
        by_message: dict[int, list[Attachment]] = {}
        for attachment in self._files:
            by_message.setdefault(attachment.message_id, []).append(attachment)
        self.statement_attachments = by_message.pop(None, [])
        for message in self.messages.all():
            _set_prefetched(message, "attachments", by_message.get(message.pk, []))
        prefetch_related_objects([self.action], *statement_prefetches())

    def case_files_from_rows(self) -> list[CaseFile] | None:
        """The case files read by `AppealQuerySet.with_case_files` (None when not read so)."""
        if not hasattr(self, "case_file_rows"):
            return None
        files = []
        for row in self.case_file_rows or []:
            values = {
                name: parse_datetime(row[name])
                if row[name] and name in _CASE_FILE_TIMES
                else row[name]
                for name in _CASE_FILE_JSON_FIELDS
            }
            case_file = CaseFile(action_id=self.action_id, **values)
            case_file._state.adding = False
            case_file._state.db = self._state.db
            files.append(case_file)
        return files

    def _clocks_from_rows(self, rows: list[dict]) -> list[AppealClock]:
        clocks = []
        for row in rows:
            values = {
                name: parse_datetime(row[name]) if row[name] and name in _CLOCK_TIMES else row[name]
                for name in _CLOCK_JSON_FIELDS
            }
            clock = AppealClock(appeal=self, **values)
            clock._state.db = self._state.db
            pauses = [
                ClockPause(
                    id=pause["id"],
                    clock=clock,
                    started_at=parse_datetime(pause["started_at"]),
                    ended_at=pause["ended_at"] and parse_datetime(pause["ended_at"]),
                )
                for pause in row["pauses"] or []
            ]
            clock._state.adding = False
            _set_prefetched(clock, "pauses", pauses)
            clocks.append(clock)
        return clocks

    def clock(self, kind: str) -> AppealClock | None:
        """The SLA clock of that kind (uses the `clocks` prefetch when present)."""
        return next((c for c in self.clocks.all() if c.kind == kind), None)

    def reply_expected_by(self):
        """When the freelancer can expect a first reply: None while the clock is paused."""
        return self._expected_by(AppealClock.Kind.FIRST_RESPONSE, settings.APPEAL_REPLY_TARGET_DAYS)

    def decision_expected_by(self):
        """When the freelancer can expect a decision: None while the clock is paused."""
        return self._expected_by(AppealClock.Kind.DECISION, settings.APPEAL_DECISION_TARGET_DAYS)

    @property
    def first_response_clock(self) -> AppealClock | None:
        return self.clock(AppealClock.Kind.FIRST_RESPONSE)

    @property
    def decision_clock(self) -> AppealClock | None:
        return self.clock(AppealClock.Kind.DECISION)

    def _expected_by(self, kind: str, default_days: int):
        clock = self.clock(kind)
        if clock is None:
            return self.submitted_at + timedelta(days=default_days)
        return clock.due_at

    def needs_second_review(self) -> bool:
        """Upholding a permanent termination is final only after a second reviewer approves."""
        return (
            self.action.restriction_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION
        )

    def can_withdraw(self) -> bool:
        return Appeal.Status.WITHDRAWN in self.TRANSITIONS[self.status]

    def awaits_freelancer(self) -> bool:
        return self.status == self.Status.AWAITING_FREELANCER

    def decision_takers(self) -> set[int]:
        """The people who took the decision appealed, who never work its appeal: its issuer and,
        for a termination, the person who confirmed it."""
        return {self.original_decider_id, self.action.confirmed_by_id} - {None}

    def took_part_in_decision(self, user_id: int) -> bool:
        return user_id in self.decision_takers()

    def transition(self, to: str, *, actor, reason: str = "", **fields) -> None:
        """Move to `to` if allowed and if nobody moved the appeal meanwhile; write the event.

        The conditional update is what makes two reviewers deciding at once safe: only the
        first UPDATE finds the old status, the second changes nothing and is refused.
        """
        from_status = self.status
        if to not in self.TRANSITIONS[from_status]:
            raise InvalidTransition(
                f"An appeal that is {self.get_status_display().lower()} cannot become "
                f"{Appeal.Status(to).label.lower()}."
            )
        now = timezone.now()
        updated = Appeal.objects.filter(pk=self.pk, status=from_status).update(
            status=to, updated_at=now, **fields
        )
        if not updated:
            current = Appeal.objects.get(pk=self.pk)
            now_label = current.get_status_display().lower()
            raise InvalidTransition(f"This appeal was changed meanwhile; it is now {now_label}.")
        self.status = to
        for name, value in fields.items():
            setattr(self, name, value)
        AppealEvent.objects.create(
            appeal=self, actor=actor, from_status=from_status, to_status=to, reason=reason
        )


class AppealEventQuerySet(models.QuerySet["AppealEvent"]):
    def for_freelancer(self) -> AppealEventQuerySet:
        """What the freelancer's timeline shows: status changes and the clock's pauses.
        Routing, assignment and escalation are internal."""
        return self.filter(
            kind__in=[
                AppealEvent.Kind.STATUS,
                AppealEvent.Kind.CLOCK_PAUSED,
                AppealEvent.Kind.CLOCK_RESUMED,
            ]
        )


class AppealEvent(models.Model):
    """Append-only record of every change of an appeal: its status, its queue and who holds it
    (a trigger forbids edits)."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        ROUTED = "routed", _("Routed to a queue")
        ASSIGNED = "assigned", _("Assigned by routing")
        CLAIMED = "claimed", _("Claimed")
        LEASE_EXPIRED = "lease_expired", _("Returned to the queue (no activity)")
        RELEASED = "released", _("Released to the queue")
        REASSIGNED = "reassigned", _("Reassigned by a lead")
        CLOCK_PAUSED = "clock_paused", _("Clock paused")
        CLOCK_RESUMED = "clock_resumed", _("Clock resumed")
        RECOMPUTED = "recomputed", _("Deadlines recomputed")
        SLA_WARNING = "sla_warning", _("Deadline approaching")
        SLA_BREACHED = "sla_breached", _("Deadline missed")
        ESCALATED = "escalated", _("Escalated")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATUS)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    reason = models.TextField(blank=True)
    # Who holds the appeal after an assignment, a claim or a reassignment (empty for other
    # kinds): "appeals they held" in `Appeal.objects.for_reviewer` reads it.
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AppealEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The transparency report's daily figures: a day's events (appeals withdrawn), and
            # the events since the last refresh; without it, each read every event ever written.
            models.Index(fields=["at"], name="appeal_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def to_label(self) -> str:
        if self.kind != self.Kind.STATUS:
            return str(self.get_kind_display())
        return str(Appeal.Status(self.to_status).label)


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to_freelancer(self) -> MessageQuerySet:
        return self.exclude(kind=Message.Kind.INTERNAL_NOTE)


class Message(models.Model):
    """One entry of an appeal's conversation. Internal notes are for reviewers only."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        INFO_REQUEST = "info_request", _("Information requested")
        REPLY = "reply", _("Answer to a request")
        INTERNAL_NOTE = "internal_note", _("Internal note")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    body = models.TextField(validators=[MaxLengthValidator(10_000)])
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["message", "info_request", "reply", "internal_note"]),
                name="message_kind_valid",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="message_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on appeal #{self.appeal_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == self.Kind.INTERNAL_NOTE

    def author_label(self, *, for_freelancer: bool) -> str:
        """Freelancers see "You" or the team, not a reviewer's personal account details."""
        if self.author_id == self.appeal.freelancer_id:
            return str(_("You")) if for_freelancer else str(self.author)
        return str(_("Trust & Safety reviewer")) if for_freelancer else str(self.author)


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the original name is only ever shown, never used on disk.
    return f"appeals/{instance.appeal_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file the freelancer or a reviewer attached, validated by content, stored privately."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    display_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("appeals:attachment-download", args=[self.pk])


class MacroQuerySet(models.QuerySet["Macro"]):
    def active(self) -> MacroQuerySet:
        return self.filter(is_active=True)

    def for_appeal(self, appeal: Appeal) -> MacroQuerySet:
        """Active macros for the appeal's queue and language (an empty queue or language: any)."""
        return self.active().filter(
            Q(queue__isnull=True) | Q(queue_id=appeal.queue_id),
            Q(language="") | Q(language=appeal.language),
        )


class Macro(models.Model):
    """A canned reply with placeholders and an effect; leads manage them on /staff/macros/.

    The body is a Django template rendered by `appeals.macros` in a sandbox (a few tags and
    filters, a context of plain strings), so a macro can name only what it is given.
    """

    class Effect(models.TextChoices):
        MESSAGE = "message", "Send as a message to the freelancer"
        INFO_REQUEST = "info_request", "Ask for information (pauses the decision clock)"
        INTERNAL_NOTE = "internal_note", "Add as an internal note"

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField(validators=[MaxLengthValidator(10_000)])
    effect = models.CharField(max_length=16, choices=Effect.choices, default=Effect.MESSAGE)
    queue = models.ForeignKey(
        "Queue",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="macros",
        help_text="Offered only on appeals of this queue (empty: every queue).",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=settings.REVIEW_LANGUAGES,
        help_text="Offered only on appeals in this language (empty: every language).",
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MacroQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        permissions = [("use_macro", "Can insert canned replies")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effect__in=["message", "info_request", "internal_note"]),
                name="macro_effect_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- Queues and routing ---------------------------------------------------------------------------


class QueueQuerySet(models.QuerySet["Queue"]):
    def for_member(self, reviewer) -> QueueQuerySet:
        return self.filter(members=reviewer)

    def with_counts(self, reviewer) -> QueueQuerySet:
        """Each queue with `waiting` (appeals anyone in it could claim) and `held_by_you`
        (the reviewer's own open appeals in it), each counted in its partial index."""
        in_queue = OuterRef("pk")
        return self.annotate(
            waiting=count_of(Appeal.objects.waiting().filter(queue=in_queue), "queue"),
            held_by_you=count_of(Appeal.objects.held_by(reviewer).filter(queue=in_queue), "queue"),
        )

    def with_overview(self) -> QueueQuerySet:
        """Each queue with what a lead watches: `depth` (open appeals), `unassigned` (waiting),
        the oldest of each, and how many members it has and how many of them are available.

        Every figure is a subquery per queue, so the outer query has no GROUP BY: each reads
        the queue's open appeals in a partial index, never its history.
        """
        in_queue = Appeal.objects.open().filter(queue=OuterRef("pk"))
        waiting = Appeal.objects.waiting().filter(queue=OuterRef("pk"))
        membership = Queue.members.through.objects.filter(queue_id=OuterRef("pk"))
        return self.annotate(
            depth=count_of(in_queue, "queue"),
            unassigned=count_of(waiting, "queue"),
            oldest_open=Subquery(in_queue.order_by("submitted_at").values("submitted_at")[:1]),
            oldest_unassigned=Subquery(
                waiting.order_by().values("queue").annotate(at=Min("submitted_at")).values("at")
            ),
            member_count=count_of(membership, "queue_id"),
            available_members=count_of(
                membership.filter(user__reviewer_profile__is_available=True), "queue_id"
            ),
        )


class Queue(models.Model):
    """Where appeals wait for qualified reviewers. Exactly one queue is the fallback."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="Language codes covered.")
    priority = models.SmallIntegerField(
        default=0, help_text="Appeals routed here take this priority (higher is more urgent)."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="appeal_queues"
    )
    is_fallback = models.BooleanField(default=False)
    calendar = models.ForeignKey(
        "Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queues",
        help_text="Working hours for business-time deadlines (empty: round the clock, UTC).",
    )

    objects = QueueQuerySet.as_manager()

    class Meta:
        ordering = ["-priority", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_fallback"], condition=Q(is_fallback=True), name="one_fallback_queue"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """An ordered rule: the first active rule whose every set condition matches wins.

    Empty conditions match anything. Funds are matched on the amount held by the action.
    """

    position = models.PositiveIntegerField(help_text="Rules are tried in this order.")
    name = models.CharField(max_length=120)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="routing_rules")
    is_active = models.BooleanField(default=True)
    reason_code = models.ForeignKey(
        "enforcement.ReasonCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        "enforcement.Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restriction_type = models.CharField(
        max_length=32, blank=True, choices=EnforcementAction.RestrictionType.choices
    )
    automated_decision = models.CharField(
        max_length=40, blank=True, choices=AutomatedDecision.choices
    )
    language = models.CharField(max_length=8, blank=True, choices=settings.REVIEW_LANGUAGES)
    region = models.CharField(max_length=2, blank=True, help_text="ISO country code")
    min_funds_held = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_funds_held = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # The freelancer's track record as the marketplace synced it (accounts.TrackRecord).
    min_tenure_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Member of the marketplace for at least this many years."
    )
    min_earnings = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Earnings to date of at least this amount (in the account's currency).",
    )
    badge = models.CharField(
        max_length=32, blank=True, choices=Badge.choices, help_text="Holds this badge."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["position"], name="routing_rule_position_unique"),
            models.CheckConstraint(
                condition=Q(min_funds_held__isnull=True)
                | Q(max_funds_held__isnull=True)
                | Q(min_funds_held__lte=F("max_funds_held")),
                name="routing_rule_funds_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} → {self.queue}"


# --- SLA: calendars, policies and clocks ---------------------------------------------------------


class Calendar(models.Model):
    """Working hours in a time zone, with holidays: what "business time" means for a queue."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"

    def as_business_calendar(self) -> business_time.Calendar:
        """The pure calculator's calendar (uses prefetched intervals and holidays if present)."""
        return business_time.Calendar(
            time_zone=self.time_zone,
            hours=tuple(
                business_time.WorkingHours(weekday=i.weekday, start=i.start, end=i.end)
                for i in self.intervals.all()
            ),
            holidays=frozenset(h.date for h in self.holidays.all()),
        )


class WorkingInterval(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="interval_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="interval_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class QueueSlaSummary(models.Model):
    """A queue's deadline figures for the lead dashboard, as of `computed_at`: open breaches and
    decisions in time over the last 7 and 30 days.

    Derived data, rebuilt for every queue at once by a beat task (`sla.refresh_queue_summaries`,
    every `QUEUE_SLA_SUMMARY_SECONDS`) from the same two queries the dashboard ran per request:
    at a million appeals they read ~100k clocks of open appeals and ~25k decision clocks (about
    half a second), which a dashboard view must not pay. The dashboard shows the time they are
    from, and computes them itself when they are missing or stale (the task stopped).
    """

    queue = models.OneToOneField(
        "Queue", on_delete=models.CASCADE, primary_key=True, related_name="sla_summary"
    )
    open_breaches = models.PositiveIntegerField(default=0)
    decided_7 = models.PositiveIntegerField(default=0)
    in_time_7 = models.PositiveIntegerField(default=0)
    decided_30 = models.PositiveIntegerField(default=0)
    in_time_30 = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(in_time_7__lte=F("decided_7")) & Q(in_time_30__lte=F("decided_30")),
                name="queue_sla_summary_in_time_le_decided",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue_id}: {self.open_breaches} open breaches at {self.computed_at}"


class SlaPolicy(models.Model):
    """Targets for one queue (and optionally one priority): first response and decision."""

    class TimeBasis(models.TextChoices):
        BUSINESS = "business", "Business time (the queue's calendar)"
        CALENDAR = "calendar", "Calendar time (round the clock)"

    class Escalation(models.TextChoices):
        NONE = "none", "Notify only"
        RAISE_PRIORITY = "raise_priority", "Raise the priority"
        MOVE_QUEUE = "move_queue", "Move to the escalation queue"
        REASSIGN = "reassign", "Return to the queue for reassignment"

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="sla_policies")
    priority = models.SmallIntegerField(
        null=True, blank=True, help_text="Applies to appeals of this priority (empty: any)."
    )
    time_basis = models.CharField(
        max_length=16, choices=TimeBasis.choices, default=TimeBasis.BUSINESS
    )
    first_response_minutes = models.PositiveIntegerField()
    decision_minutes = models.PositiveIntegerField()
    warning_percent = models.PositiveSmallIntegerField(
        default=25, help_text="Warn when this share of the time remains."
    )
    escalation = models.CharField(
        max_length=16, choices=Escalation.choices, default=Escalation.RAISE_PRIORITY
    )
    escalation_queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["queue__name", "priority"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "priority"], name="sla_policy_per_queue_priority"
            ),
            models.UniqueConstraint(
                fields=["queue"],
                condition=Q(priority__isnull=True),
                name="sla_policy_one_default_per_queue",
            ),
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1) & Q(warning_percent__lte=99),
                name="sla_warning_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(first_response_minutes__gte=1) & Q(decision_minutes__gte=1),
                name="sla_targets_positive",
            ),
            models.CheckConstraint(
                condition=~Q(escalation="move_queue") | Q(escalation_queue__isnull=False),
                name="sla_move_queue_names_queue",
            ),
        ]

    def __str__(self) -> str:
        scope = "any priority" if self.priority is None else f"priority {self.priority}"
        return f"{self.queue} ({scope})"

    def target(self, kind: str) -> timedelta:
        minutes = (
            self.first_response_minutes
            if kind == AppealClock.Kind.FIRST_RESPONSE
            else self.decision_minutes
        )
        return timedelta(minutes=minutes)


class AppealClockQuerySet(models.QuerySet["AppealClock"]):
    def running(self) -> AppealClockQuerySet:
        return self.filter(stopped_at__isnull=True, paused_since__isnull=True)

    def warning_due(self, now) -> AppealClockQuerySet:
        return self.running().filter(warned_at__isnull=True, warn_at__lte=now)

    def breach_due(self, now) -> AppealClockQuerySet:
        return self.running().filter(breached_at__isnull=True, due_at__lte=now)

    def in_state(self, state: str, now) -> AppealClockQuerySet:
        """Clocks not stopped that are "breached" or "approaching" now, exactly as
        `AppealClock.state(now)` decides it (a stopped clock is history, nothing to act on)."""
        running_with_deadline = Q(
            stopped_at__isnull=True, paused_since__isnull=True, due_at__isnull=False
        )
        breached = Q(breached_at__isnull=False) | Q(due_at__lte=now)
        if state == "breached":
            return self.filter(running_with_deadline & breached)
        if state == "approaching":
            warned = Q(warned_at__isnull=False) | Q(warn_at__lte=now)
            return self.filter(running_with_deadline & ~breached & warned)
        raise ValueError(f"No filter for the clock state {state!r}.")

    def open_breaches_by_queue(self, now):
        """One row per queue (`appeal__queue_id`) with `breaches`: clocks of open appeals that
        are breached now, whether still running past the deadline or stopped late (a first
        reply sent late while the appeal is still open). Reads the clocks of open appeals only
        (from the partial index of open appeals, two clock lookups each)."""
        breached = (
            Q(breached_at__isnull=False)
            | Q(stopped_at__isnull=True, due_at__lte=now)
            | Q(stopped_at__gt=F("due_at"))
        )
        return (
            self.filter(open_condition("appeal__"), appeal__queue__isnull=False)
            .filter(breached)
            .values("appeal__queue_id")
            .annotate(breaches=Count("pk"))
            .order_by()
        )

    def decisions_by_queue(self, now, windows: dict[str, timedelta]):
        """One row per queue (`appeal__queue_id`): for each window name, `decided_<name>`,
        decision clocks of decided appeals stopped in the window, and `in_time_<name>`, those of
        them in time: no breach was recorded and it stopped by its deadline (a clock stopped
        while paused has no deadline, and was in time unless it had breached before the pause).
        Reads the decision clocks stopped in the longest window (`clock_decision_stopped`)."""
        in_time = Q(breached_at__isnull=True) & (
            Q(due_at__isnull=True) | Q(stopped_at__lte=F("due_at"))
        )
        counts = {}
        for name, window in windows.items():
            in_window = Q(stopped_at__gt=now - window)
            counts[f"decided_{name}"] = Count("pk", filter=in_window)
            counts[f"in_time_{name}"] = Count("pk", filter=in_window & in_time)
        return (
            self.filter(
                kind=AppealClock.Kind.DECISION,
                stopped_at__isnull=False,
                stopped_at__gt=now - max(windows.values()),
                stopped_at__lte=now,
                appeal__status=Appeal.Status.DECIDED,
                appeal__queue__isnull=False,
            )
            .values("appeal__queue_id")
            .annotate(**counts)
            .order_by()
        )


class AppealClock(models.Model):
    """One SLA clock of an appeal. `due_at`/`warn_at` are stored (never a Celery eta) and
    recomputed when the clock pauses, resumes, or its policy or calendar changes."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        DECISION = "decision", _("Decision")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks"
    )
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    objects = AppealClockQuerySet.as_manager()

    class Meta:
        ordering = ["appeal", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "kind"], name="one_clock_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["first_response", "decision"]), name="clock_kind_valid"
            ),
        ]
        indexes = [
            # The transparency report: clocks that stopped on a day.
            models.Index(
                fields=["stopped_at"],
                name="clock_stopped_at",
                condition=Q(stopped_at__isnull=False),
            ),
            # The sweep: running clocks whose warning or deadline is due and not yet recorded.
            models.Index(
                fields=["warn_at"],
                name="clock_warning_due",
                condition=Q(
                    stopped_at__isnull=True, paused_since__isnull=True, warned_at__isnull=True
                ),
            ),
            # The lead dashboard's share of decisions in time: decision clocks stopped lately.
            models.Index(
                fields=["stopped_at"],
                name="clock_decision_stopped",
                condition=Q(kind="decision", stopped_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="clock_breach_due",
                condition=Q(
                    stopped_at__isnull=True, paused_since__isnull=True, breached_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} clock of appeal #{self.appeal_id}"

    def is_running(self) -> bool:
        return self.stopped_at is None and self.paused_since is None

    def state(self, now=None) -> str:
        """One of met, breached, approaching, paused, on_track, or pending (no deadline yet)."""
        now = now or timezone.now()
        if self.stopped_at is not None:
            return (
                "breached"
                if self.breached_at or (self.due_at and self.stopped_at > self.due_at)
                else "met"
            )
        if self.paused_since is not None:
            return "paused"
        if self.due_at is None:
            return "pending"
        if self.breached_at is not None or now >= self.due_at:
            return "breached"
        if self.warned_at is not None or (self.warn_at is not None and now >= self.warn_at):
            return "approaching"
        return "on_track"


class ClockPause(models.Model):
    """A stretch while the appeal waited for the freelancer: it does not count against the SLA."""

    clock = models.ForeignKey(AppealClock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Pause from {self.started_at:%Y-%m-%d %H:%M}"


_CLOCK_JSON_FIELDS = (
    "id",
    "kind",
    "policy_id",
    "started_at",
    "stopped_at",
    "paused_since",
    "due_at",
    "warn_at",
    "warned_at",
    "breached_at",
)
_CLOCK_TIMES = frozenset(
    ("started_at", "stopped_at", "paused_since", "due_at", "warn_at", "warned_at", "breached_at")
)


def _set_prefetched(instance: models.Model, name: str, rows: list) -> None:
    """Store rows loaded another way as `instance.<name>.all()`, as prefetch_related does."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


# --- Staff search: what each role may find, and saved views ------------------------------------


def actions_visible_to(user) -> models.QuerySet[EnforcementAction]:
    """Actions a member of staff may find in search: all of them for those who issue actions or
    administer (they have the staff action page and the admin); for a reviewer, the actions
    under the appeals they may open (`Appeal.objects.for_reviewer`), reached through those."""
    if user.has_perm(ISSUE_ACTIONS) or user.has_perm(VIEW_ACCOUNTS):
        return EnforcementAction.objects.all()
    if user.has_perm(REVIEW_APPEALS):
        return EnforcementAction.objects.filter(
            pk__in=Appeal.objects.for_reviewer(user).values("action_id")
        )
    return EnforcementAction.objects.none()


def freelancers_visible_to(user) -> models.QuerySet[User]:
    """Freelancers a member of staff may find: all for those who issue actions or administer;
    for a reviewer, the freelancers behind the appeals they may open."""
    freelancers = User.objects.filter(groups__name="freelancer")
    if user.has_perm(ISSUE_ACTIONS) or user.has_perm(VIEW_ACCOUNTS):
        return freelancers
    if user.has_perm(REVIEW_APPEALS):
        return freelancers.filter(pk__in=Appeal.objects.for_reviewer(user).values("freelancer_id"))
    return User.objects.none()


def appeals_visible_to(user) -> AppealQuerySet:
    """Appeals a member of staff may find: through `for_reviewer`, for those who work appeals."""
    if user.has_perm(REVIEW_APPEALS):
        return Appeal.objects.for_reviewer(user)
    return Appeal.objects.none()


class SavedSearchQuerySet(models.QuerySet):
    def for_owner(self, user) -> SavedSearchQuerySet:
        """A person's own saved views: nobody else's is ever listed, renamed or deleted."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class SavedSearch(models.Model):
    """A reviewer's saved view of the staff search: a name and the query string it stands for."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=80)
    params = models.JSONField(default=dict, help_text="The search's filters (q, kind, ...).")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_name_per_owner"),
            models.CheckConstraint(condition=~Q(name=""), name="saved_search_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("appeals:search") + "?" + urlencode({**self.params, "view": self.pk})


def _newest_pk(queryset) -> Subquery:
    return Subquery(queryset.order_by("-pk").values("pk")[:1])


def case_fingerprint_annotations(action) -> dict[str, Subquery]:
    """The state of everything the case bundle shows, as annotations of any row that refers to
    the action (`action`: an OuterRef to its id): the action's last change, event, client notice
    and correction, the appeal's status, and the newest message and timeline event the
    freelancer sees. Internal notes, claims and routing do not change it."""
    return {
        "fp_updated_at": Subquery(
            EnforcementAction.objects.filter(pk=action).values("updated_at")[:1]
        ),
        "fp_action_event": _newest_pk(ActionEvent.objects.filter(action=action)),
        "fp_notice": _newest_pk(ClientNotice.objects.filter(action=action)),
        "fp_correction": _newest_pk(ClientCorrection.objects.filter(notice__action=action)),
        "fp_appeal_status": Subquery(Appeal.objects.filter(action=action).values("status")[:1]),
        "fp_message": _newest_pk(
            Message.objects.filter(appeal__action=action).visible_to_freelancer()
        ),
        "fp_appeal_event": _newest_pk(
            AppealEvent.objects.filter(appeal__action=action).for_freelancer()
        ),
    }


# The names `case_fingerprint_annotations` gives, in the fingerprint's order.
CASE_FINGERPRINT_PARTS = (
    "fp_updated_at",
    "fp_action_event",
    "fp_notice",
    "fp_correction",
    "fp_appeal_status",
    "fp_message",
    "fp_appeal_event",
)


def case_fingerprint_of(row) -> str:
    """The fingerprint from a row (or dict) annotated with `case_fingerprint_annotations`."""
    values = [
        row[name] if isinstance(row, dict) else getattr(row, name)
        for name in CASE_FINGERPRINT_PARTS
    ]
    updated_at, *rest = values
    if updated_at is None:
        return ""
    return f"{updated_at.timestamp():.6f}." + ".".join(str(value or 0) for value in rest)


def case_file_path(instance: CaseFile, filename: str) -> str:
    # A random name in the private storage: never served by URL, only by the access-checked view.
    return f"case-files/{instance.action_id}/{uuid.uuid4().hex}"


CASE_FILE_ACTIVE_STATUSES = ["queued", "rendering"]
# What the case file section shows of a row (read as JSON with the reviewer's case page).
_CASE_FILE_JSON_FIELDS = (
    "id",
    "format",
    "status",
    "step",
    "fingerprint",
    "size",
    "created_at",
    "finished_at",
    "expires_at",
)
_CASE_FILE_TIMES = {"created_at", "finished_at", "expires_at"}


class CaseFileQuerySet(models.QuerySet["CaseFile"]):
    def unexpired(self, now=None) -> CaseFileQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())

    def for_freelancer(self, user) -> CaseFileQuerySet:
        """The case files a freelancer asked for, of their own actions (anyone else's: none)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(
            audience=CaseFile.Audience.FREELANCER, requested_by=user, action__account=user
        )

    def for_staff(self) -> CaseFileQuerySet:
        """Case files prepared for staff; each view also scopes the appeal (`scoped_appeal`)."""
        return self.filter(audience=CaseFile.Audience.STAFF)

    def with_case_fingerprint(self) -> CaseFileQuerySet:
        """Each row with the current fingerprint parts of its case (`case_fingerprint_of`)."""
        return self.annotate(**case_fingerprint_annotations(OuterRef("action_id")))

    def latest_per_format(self) -> CaseFileQuerySet:
        """The newest row of each format, in one query."""
        newest = {
            fmt: Subquery(self.filter(format=fmt).order_by("-created_at", "-id").values("pk")[:1])
            for fmt in CaseFile.Format.values
        }
        query = Q()
        for subquery in newest.values():
            query |= Q(pk=subquery)
        return self.filter(query)


class CaseFile(models.Model):
    """A case bundle as a PDF or a ZIP, prepared by a worker for whoever asked (issue #15).

    An outbox row with a lease, like `StatementBatch`: queued → rendering (claimed with a
    conditional update; `claimed_until` renewed at each step) → ready (the file, its size and
    SHA-256 exist) or failed. A worker that dies leaves it rendering past its lease; the beat
    sweep queues it again. The file lives in the private storage and is served only by the
    access-checked download views; it is deleted when the row expires. `fingerprint` is the
    case's state when it was collected: once the case changes, the file is not current."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        ZIP = "zip", "ZIP"

    # Staff-side labels (the admin); the freelancer reads the states in the case page's words.
    class Audience(models.TextChoices):
        FREELANCER = "freelancer", "The freelancer"
        STAFF = "staff", "Staff"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be prepared"

    # The steps of a rendering, in order; a PDF takes the first two, a ZIP all three.
    STEPS = (_("Collecting the case"), _("Rendering the PDF"), _("Packing attachments"))
    STEP_COUNTS = {"pdf": 2, "zip": 3}

    action = models.ForeignKey(
        EnforcementAction, on_delete=models.CASCADE, related_name="case_files"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(max_length=16, choices=Audience.choices)
    format = models.CharField(max_length=8, choices=Format.choices)
    # The language it is rendered in: the requester's (the rule texts stay in binding English).
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    step = models.PositiveSmallIntegerField(default=0)
    fingerprint = models.CharField(max_length=200)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While rendering: the worker's lease (taken back by the sweep once it lapses).
    claimed_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=case_file_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "claimed_until"], name="case_file_lease"),
            models.Index(fields=["expires_at"], name="case_file_expiry"),
            models.Index(fields=["action", "audience", "format"], name="case_file_of_action"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "rendering", "ready", "failed"]),
                name="case_file_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=["pdf", "zip"]), name="case_file_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["freelancer", "staff"]),
                name="case_file_audience_valid",
            ),
            models.CheckConstraint(condition=~Q(language=""), name="case_file_language_set"),
            # Step 0 while queued; 1..2 (PDF) or 1..3 (ZIP) once rendering started.
            models.CheckConstraint(
                condition=(Q(step__lte=2) | Q(format="zip", step__lte=3))
                & (~Q(status="queued") | Q(step=0))
                & (~Q(status="rendering") | Q(step__gte=1)),
                name="case_file_step_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rendering") | Q(claimed_until__isnull=False),
                name="case_file_rendering_has_lease",
            ),
            # "Ready" only once the file exists, with its size, hash and finishing time; and
            # no file kept by a row that is not ready.
            models.CheckConstraint(
                condition=~Q(status="ready")
                | (
                    ~Q(file="")
                    & Q(size__isnull=False)
                    & Q(sha256__regex=r"^[0-9a-f]{64}$")
                    & Q(finished_at__isnull=False)
                ),
                name="case_file_ready_has_file",
            ),
            models.CheckConstraint(
                condition=Q(status="ready") | Q(file=""), name="case_file_file_only_when_ready"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | Q(finished_at__isnull=False),
                name="case_file_failed_is_finished",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="case_file_expires_after"
            ),
            # One being prepared at a time per case, audience, format and language: a second
            # click (or two at once) finds it.
            models.UniqueConstraint(
                fields=["action", "audience", "format", "language"],
                condition=Q(status__in=CASE_FILE_ACTIVE_STATUSES),
                name="case_file_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"Case file {self.pk} ({self.format}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in CASE_FILE_ACTIVE_STATUSES

    @property
    def step_count(self) -> int:
        return self.STEP_COUNTS[self.format]

    @property
    def step_label(self) -> str:
        return str(self.STEPS[self.step - 1]) if self.step else ""

    @property
    def download_name(self) -> str:
        return f"case-{self.action.puid}.{self.format}"
