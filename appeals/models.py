from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from enforcement.models import EnforcementAction, RuleVersion

APPEAL_STATUSES = [
    "submitted",
    "in_review",
    "awaiting_freelancer",
    "second_review",
    "decided",
    "withdrawn",
]


class InvalidTransition(Exception):
    """The appeal cannot move to that state from the state it is in now."""


class AppealQuerySet(models.QuerySet["Appeal"]):
    def for_freelancer(self, user) -> AppealQuerySet:
        return self.filter(freelancer=user)

    def open(self) -> AppealQuerySet:
        return self.exclude(status__in=Appeal.CLOSED_STATUSES)

    def for_reviewer(self, user) -> AppealQuerySet:
        # Queues arrive with routing; until then every reviewer may work every appeal.
        return self.all()

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
            Prefetch("events", queryset=AppealEvent.objects.select_related("actor")),
            Prefetch("decided_versions", queryset=RuleVersion.objects.select_related("rule")),
        )


class Appeal(models.Model):
    """A freelancer's complaint against one enforcement action (one per action, by constraint)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        AWAITING_FREELANCER = "awaiting_freelancer", "Waiting for your answer"
        SECOND_REVIEW = "second_review", "Decision under second review"
        DECIDED = "decided", "Decided"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class RequestedOutcome(models.TextChoices):
        LIFT = "lift", "Lift the action completely"
        REDUCE = "reduce", "Reduce the restriction"
        RELEASE_FUNDS = "release_funds", "Release my held funds"
        CORRECT_RECORD = "correct_record", "Correct the facts on record and what clients were told"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld: the action stays"
        OVERTURNED = "overturned", "Overturned: the action is lifted"
        MODIFIED = "modified", "Modified: the action is reduced"

    CLOSED_STATUSES = (Status.DECIDED, Status.WITHDRAWN)
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
        Status.AWAITING_FREELANCER: frozenset({Status.IN_REVIEW, Status.WITHDRAWN}),
        Status.SECOND_REVIEW: frozenset({Status.DECIDED, Status.IN_REVIEW}),
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
    requested_outcome = models.CharField(max_length=32, choices=RequestedOutcome.choices)
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

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="appeal_status_age")]
        constraints = [
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
        return reverse("enforcement:case-detail", args=[self.action_id]) + "#appeal"

    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    def reply_expected_by(self):
        return self.submitted_at + timedelta(days=settings.APPEAL_REPLY_TARGET_DAYS)

    def decision_expected_by(self):
        return self.submitted_at + timedelta(days=settings.APPEAL_DECISION_TARGET_DAYS)

    def needs_second_review(self) -> bool:
        """Upholding a permanent termination is final only after a second reviewer approves."""
        return (
            self.action.restriction_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION
        )

    def can_withdraw(self) -> bool:
        return Appeal.Status.WITHDRAWN in self.TRANSITIONS[self.status]

    def awaits_freelancer(self) -> bool:
        return self.status == self.Status.AWAITING_FREELANCER

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


class AppealEvent(models.Model):
    """Append-only record of every state change of an appeal (a trigger forbids edits)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def to_label(self) -> str:
        return Appeal.Status(self.to_status).label


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to_freelancer(self) -> MessageQuerySet:
        return self.exclude(kind=Message.Kind.INTERNAL_NOTE)


class Message(models.Model):
    """One entry of an appeal's conversation. Internal notes are for reviewers only."""

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"
        INFO_REQUEST = "info_request", "Information requested"
        REPLY = "reply", "Answer to a request"
        INTERNAL_NOTE = "internal_note", "Internal note"

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
            return "You" if for_freelancer else str(self.author)
        return "Trust & Safety reviewer" if for_freelancer else str(self.author)


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


class Macro(models.Model):
    """A canned reply that reviewers insert and edit before sending; leads manage them."""

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        permissions = [("use_macro", "Can insert canned replies")]

    def __str__(self) -> str:
        return self.title
