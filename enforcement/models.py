from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enforcement.choices import (
    AccountType,
    AutomatedDecision,
    Category,
    ContentType,
    DecisionAccount,
    DecisionGround,
    DecisionMonetary,
    DecisionProvision,
    SourceType,
)
from notifications.models import WebhookDelivery

rule_key_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]*-[0-9]+(\.[0-9]+)*$", "Use a key such as TOS-4.2 (letters, a dash, numbers)."
)
puid_validator = RegexValidator(
    r"^[a-zA-Z0-9_-]+$", "Letters, digits, dashes and underscores only."
)


def new_puid() -> str:
    return f"recourse-{uuid.uuid4().hex}"


# --- Rule catalogue ----------------------------------------------------------------------------


class Rule(models.Model):
    """A clause of the terms of service, with a stable key. Its text lives in versions."""

    key = models.CharField(max_length=32, unique=True, validators=[rule_key_validator])
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("enforcement:rule-detail", args=[self.key])


class RuleVersionQuerySet(models.QuerySet["RuleVersion"]):
    def published(self) -> RuleVersionQuerySet:
        return self.filter(published_at__isnull=False)

    def in_force_at(self, when: datetime) -> RuleVersionQuerySet:
        """Versions that were the applicable text of their rule at `when`.

        A version is in force from its effective date until the next published version of the
        same rule takes effect.
        """
        later = RuleVersion.objects.filter(
            rule=models.OuterRef("rule"),
            published_at__isnull=False,
            published_at__lte=when,
            effective_from__lte=when,
            effective_from__gt=models.OuterRef("effective_from"),
        )
        return self.filter(
            published_at__isnull=False, published_at__lte=when, effective_from__lte=when
        ).exclude(models.Exists(later))

    def pending_at(self, when: datetime) -> RuleVersionQuerySet:
        """Published versions whose text only starts to apply after `when`."""
        return self.filter(published_at__isnull=False, effective_from__gt=when)


class RuleVersion(models.Model):
    """One wording of a rule. Immutable once published (a database trigger refuses changes).

    Drafts have no number; publishing assigns the next number, so published numbers have no gaps.
    """

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    text = models.TextField(help_text="The exact clause, in plain language.")
    examples = models.TextField(blank=True, help_text="Examples of what is and is not allowed.")
    change_summary = models.TextField(blank=True, help_text="What changed from the last version.")
    narrows = models.BooleanField(
        default=False,
        help_text="This version narrows the rule (less is prohibited): freelancers with an "
        "action in force under it are offered a fresh review, even after their appeal window.",
    )
    effective_from = models.DateTimeField(
        null=True, blank=True, help_text="When this text starts to apply (empty: when published)."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["rule__key", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_number_unique"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, number__isnull=True)
                | Q(
                    published_at__isnull=False,
                    number__isnull=False,
                    number__gte=1,
                    effective_from__isnull=False,
                    effective_from__gte=F("published_at"),
                ),
                name="rule_version_published_is_numbered_and_not_retroactive",
            ),
        ]

    def __str__(self) -> str:
        if self.number is None:
            return f"{self.rule.key} (draft)"
        return f"{self.rule.key} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and self.is_published:
            raise ValueError("A published rule version is immutable; draft a new version.")
        # Browsers send CRLF; stored texts use LF, or the public diff shows every line changed.
        self.text = self.text.replace("\r\n", "\n").replace("\r", "\n")
        self.examples = self.examples.replace("\r\n", "\n").replace("\r", "\n")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("enforcement:rule-version", args=[self.rule.key, self.number])

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValueError("A published rule version can never be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def public_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()

    def translation_in(self, language: str | None) -> RuleVersionTranslation | None:
        """The published translation into `language` (uses the prefetch when present)."""
        if not language or language == settings.LANGUAGE_CODE:
            return None
        for translation in self.translations.all():
            if translation.language == language and translation.is_published:
                return translation
        return None


class RuleVersionTranslation(models.Model):
    """A published rule version in another language. The English text stays legally binding;
    statements show a translation beside it. Immutable once published, like the version itself
    (a database trigger refuses changes), so a statement always shows the words it showed."""

    version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="translations")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    title = models.CharField(max_length=200, help_text="The rule's title in this language.")
    text = models.TextField(help_text="The clause, translated.")
    examples = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="rule_version_translation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(language="en"), name="rule_version_translation_not_english"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and self.is_published:
            raise ValueError("A published translation is immutable; translate a new version.")
        self.text = self.text.replace("\r\n", "\n").replace("\r", "\n")
        self.examples = self.examples.replace("\r\n", "\n").replace("\r", "\n")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise ValueError("A published translation can never be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReasonCodeTranslation(models.Model):
    """A reason code's title, explanation and advice in the translation's language, as part of
    a rule version's translation (the reason codes of that rule). Published, and then
    immutable, with it: `published_at` is copied from the translation in the same update."""

    translation = models.ForeignKey(
        RuleVersionTranslation, on_delete=models.PROTECT, related_name="reasons"
    )
    reason_code = models.ForeignKey(
        "ReasonCode", on_delete=models.PROTECT, related_name="translations"
    )
    title = models.CharField(max_length=200)
    explanation = models.TextField()
    what_you_can_do = models.TextField()
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["translation", "reason_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "reason_code"], name="reason_code_translation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason_code_id} in {self.translation}"


class ReasonCode(models.Model):
    """A machine-readable cause, mapped to the rule that prohibits it, explained for people."""

    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="reason_codes")
    explanation = models.TextField(help_text="What this means, written for the freelancer.")
    what_you_can_do = models.TextField(help_text="What the freelancer can do about it.")
    category = models.CharField(max_length=80, choices=Category.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="reason_code_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.rule.key})"


# --- Enforcement actions -----------------------------------------------------------------------


class Capability(models.TextChoices):
    PROPOSALS = "proposals", _("Sending proposals")
    MESSAGING = "messaging", _("Messaging clients")
    PAYOUTS = "payouts", _("Withdrawing earnings")
    PROFILE_VISIBILITY = "profile_visibility", _("Profile visible in search")
    MARKETPLACE_LOGIN = "marketplace_login", _("Signing in to the marketplace")


class IntakeSource(models.Model):
    """A detection system allowed to send actions through the API, with its bearer token.

    Only a SHA-256 of the token is stored (the token is shown once, when an admin creates the
    source); a revoked source's token is refused. Tokens are long random strings, so a fast hash
    is enough to make a leaked table useless.
    """

    TOKEN_PREFIX = "rcs_"

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token, to tell tokens apart in the admin.
    token_hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def set_new_token(self) -> str:
        """Give the source a new random token; returns it (the only time it is readable)."""
        token = self.TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = self.hash_token(token)
        self.token_hint = token[:12]
        return token


class EnforcementActionQuerySet(models.QuerySet["EnforcementAction"]):
    def for_account(self, user) -> EnforcementActionQuerySet:
        return self.filter(account=user)

    def restricting(self) -> EnforcementActionQuerySet:
        return self.filter(status__in=EnforcementAction.RESTRICTING_STATUSES)

    def with_summary(self) -> EnforcementActionQuerySet:
        """What a list of actions shows: constant queries whatever the number of rows. The
        events are there because the dates a list shows (when it took effect, when it was
        lifted) are read from them, never typed twice."""
        return self.select_related("reason_code__rule", "appeal").prefetch_related(
            *summary_prefetches()
        )

    def with_statement(self) -> EnforcementActionQuerySet:
        """Everything the statement of reasons shows, in a fixed number of queries."""
        return self.with_summary().prefetch_related(
            *statement_prefetches()[2:], *translation_prefetches()
        )


def summary_prefetches() -> list[Prefetch]:
    """The prefetches of `with_summary` (for an action already loaded, e.g. by select_related
    from its appeal: `prefetch_related_objects([action], *summary_prefetches())`)."""
    return [
        Prefetch("cited_versions", queryset=RuleVersion.objects.select_related("rule")),
        Prefetch(
            "events", queryset=ActionEvent.objects.select_related("actor").order_by("at", "id")
        ),
    ]


def translation_prefetches() -> list:
    """The published translations of the cited versions and of their reason codes (the
    freelancer's statement shows one beside the binding English; staff pages read English)."""
    return [
        Prefetch(
            "cited_versions__translations",
            queryset=RuleVersionTranslation.objects.filter(published_at__isnull=False),
        ),
        "cited_versions__translations__reasons",
    ]


def statement_prefetches() -> list[Prefetch]:
    """The prefetches of `with_statement`: the summary's, then evidence and client notices."""
    return [
        *summary_prefetches(),
        Prefetch("evidence_items", queryset=EvidenceItem.objects.order_by("position", "id")),
        Prefetch(
            "client_notices",
            queryset=ClientNotice.objects.select_related("correction__webhook_event").order_by(
                "shown_at", "id"
            ),
        ),
        Prefetch(
            "client_notices__correction__webhook_event__deliveries",
            queryset=WebhookDelivery.objects.order_by("id"),
        ),
    ]


class EnforcementAction(models.Model):
    """A decision against a freelancer's account, with its complete statement of reasons.

    The statement-of-reasons fields are real columns named after the EU DSA Transparency
    Database, so the freelancer's page and any export come from the same record.
    """

    class RestrictionType(models.TextChoices):
        WARNING = "warning", _("Warning")
        FEATURE_RESTRICTION = "feature_restriction", _("Feature restriction")
        TEMPORARY_SUSPENSION = "temporary_suspension", _("Temporary suspension")
        PERMANENT_TERMINATION = "permanent_termination", _("Permanent termination")
        PAYOUT_HOLD = "payout_hold", _("Payout hold")

    class Status(models.TextChoices):
        # A permanent termination is proposed first: it takes effect after its notice period
        # (or at once under a recorded exception) and only once a second person confirmed it.
        PENDING = "pending", _("Proposed, not in effect yet")
        ACTIVE = "active", _("In effect")
        LIFTED = "lifted", _("Lifted")
        MODIFIED = "modified", _("Modified")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn before taking effect")

    class TerminationException(models.TextChoices):
        """The reasons a termination may take effect without the notice period."""

        LEGAL_OBLIGATION = "legal_obligation", _("A legal obligation")
        REPEATED_INFRINGEMENT = "repeated_infringement", _("Repeated infringement")
        IMMINENT_FRAUD_RISK = "imminent_fraud_risk", _("An imminent risk of fraud")

    RESTRICTING_STATUSES = (Status.ACTIVE, Status.MODIFIED)

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enforcement_actions"
    )
    puid = models.CharField(
        "platform unique identifier",
        max_length=500,
        unique=True,
        default=new_puid,
        validators=[puid_validator],
        editable=False,
    )
    restriction_type = models.CharField(max_length=32, choices=RestrictionType.choices)
    restricted_capabilities = models.JSONField(
        default=list, blank=True, help_text="List of Capability values."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)

    # DSA decision fields (at least one of the four is required).
    decision_visibility = models.JSONField(default=list, blank=True)
    decision_visibility_other = models.CharField(max_length=500, blank=True)
    decision_monetary = models.CharField(
        max_length=64, choices=DecisionMonetary.choices, blank=True
    )
    decision_monetary_other = models.CharField(max_length=500, blank=True)
    decision_provision = models.CharField(
        max_length=64, choices=DecisionProvision.choices, blank=True
    )
    decision_account = models.CharField(max_length=64, choices=DecisionAccount.choices, blank=True)
    account_type = models.CharField(
        max_length=32, choices=AccountType.choices, default=AccountType.BUSINESS
    )
    decision_ground = models.CharField(
        max_length=64, choices=DecisionGround.choices, default=DecisionGround.INCOMPATIBLE_CONTENT
    )
    # With DECISION_GROUND_ILLEGAL_CONTENT (required then, empty otherwise): the law relied on and
    # why the content is illegal under it.
    # Nullable only so that SQLite adds them with ALTER TABLE instead of rebuilding the table
    # (a rebuild drops the guard triggers on it); issue_action always writes a string.
    illegal_content_legal_ground = models.CharField(max_length=500, blank=True, null=True)
    illegal_content_explanation = models.TextField(
        blank=True, null=True, validators=[MaxLengthValidator(2000)]
    )
    # Who notified us (a trusted flagger's name, for example): never for our own initiative.
    source_identity = models.CharField(max_length=500, blank=True, null=True)
    incompatible_content_ground = models.CharField(max_length=500, blank=True)
    incompatible_content_explanation = models.TextField(
        blank=True, validators=[MaxLengthValidator(2000)]
    )
    category = models.CharField(max_length=80, choices=Category.choices)
    content_type = models.JSONField(default=list)
    # Required by the Transparency Database with CONTENT_TYPE_OTHER: what the content is.
    content_type_other = models.CharField(max_length=500, blank=True)
    territorial_scope = models.JSONField(default=list, blank=True)
    source_type = models.CharField(max_length=40, choices=SourceType.choices)
    automated_detection = models.BooleanField()
    automated_decision = models.CharField(max_length=40, choices=AutomatedDecision.choices)

    # The rule relied on.
    cited_versions = models.ManyToManyField(RuleVersion, related_name="actions")
    reason_code = models.ForeignKey(ReasonCode, on_delete=models.PROTECT, related_name="actions")
    facts = models.TextField(validators=[MaxLengthValidator(5000)])

    # When: application_date and the end of the restriction (empty: indefinite).
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(help_text="When the freelancer received this statement.")
    appeal_deadline = models.DateTimeField()

    # Money held and its release.
    funds_held_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    funds_currency = models.CharField(max_length=3, blank=True)
    funds_release_condition = models.TextField(blank=True)
    funds_release_on = models.DateField(null=True, blank=True)
    funds_released_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    funds_released_at = models.DateTimeField(null=True, blank=True)

    # A rule version that narrowed the rule this action relies on offers a fresh review: an
    # appeal may be filed until then even after `appeal_deadline` (which never moves).
    fresh_review_until = models.DateTimeField(null=True, blank=True, editable=False)
    fresh_review_version = models.ForeignKey(
        RuleVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    strike_count = models.PositiveSmallIntegerField(default=0)
    strikes_expire_on = models.DateField(null=True, blank=True)

    # A permanent termination: when it takes effect (the end of its notice period, or its start
    # under an exception), the exception relied on, and the second person who confirmed it.
    takes_effect_at = models.DateTimeField(null=True, blank=True)
    termination_exception = models.CharField(
        max_length=32, choices=TerminationException.choices, blank=True
    )
    termination_exception_reason = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmed_actions",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    # Why the freelancer was told later than the restriction started (required past a short
    # tolerance, and shown to them with both dates).
    late_notice_reason = models.TextField(blank=True)

    # The statement as issued: the reason code's and the rule's wording copied at issue, so that
    # a later edit of the catalogue rewrites no statement already given.
    reason_title = models.CharField(max_length=200, blank=True)
    reason_explanation = models.TextField(blank=True)
    reason_what_you_can_do = models.TextField(blank=True)
    rule_title = models.CharField(max_length=200, blank=True)

    # Where it came from when a detection system sent it (the API): the source's own id for
    # it, unique per source, and a fingerprint of the request (a replay must match it).
    intake_source = models.ForeignKey(
        "IntakeSource", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    external_id = models.CharField(max_length=200, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_actions",
        help_text="The person who took the decision (empty only when fully automated).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnforcementActionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-starts_at"], name="action_account_recent"),
            # The transparency report's daily figures: actions of a day, and what changed
            # since the last refresh.
            models.Index(fields=["starts_at"], name="action_starts_at"),
            models.Index(fields=["updated_at"], name="action_updated_at"),
            # ... terminations proposed (notified) and confirmed on a day: without these, each
            # recomputed day read every action ever issued.
            models.Index(
                fields=["notified_at"],
                name="action_termination_notified",
                condition=Q(restriction_type="permanent_termination"),
            ),
            models.Index(
                fields=["confirmed_at"],
                name="action_confirmed_at",
                condition=Q(confirmed_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "active", "lifted", "modified", "expired", "withdrawn"]
                ),
                name="action_status_valid",
            ),
            models.UniqueConstraint(
                fields=["intake_source", "external_id"],
                condition=Q(intake_source__isnull=False),
                name="action_once_per_source_id",
            ),
            models.CheckConstraint(
                condition=Q(intake_source__isnull=True) | ~Q(external_id=""),
                name="action_from_source_has_external_id",
            ),
            models.CheckConstraint(
                condition=Q(termination_exception="") | ~Q(termination_exception_reason=""),
                name="action_exception_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("decided_by")),
                name="action_confirmed_by_another_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(takes_effect_at__isnull=False),
                name="action_pending_has_effect_date",
            ),
            models.CheckConstraint(
                condition=Q(
                    restriction_type__in=[
                        "warning",
                        "feature_restriction",
                        "temporary_suspension",
                        "permanent_termination",
                        "payout_hold",
                    ]
                ),
                name="action_restriction_type_valid",
            ),
            models.CheckConstraint(
                condition=~Q(decision_visibility=[])
                | ~Q(decision_monetary="")
                | ~Q(decision_provision="")
                | ~Q(decision_account=""),
                name="action_has_a_decision_field",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="action_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(appeal_deadline__gt=F("notified_at")),
                name="action_appeal_deadline_after_notice",
            ),
            models.CheckConstraint(
                condition=Q(funds_held_amount__gte=0)
                & (Q(funds_held_amount=0) | ~Q(funds_currency="")),
                name="action_funds_have_currency",
            ),
            models.CheckConstraint(
                condition=~Q(automated_decision=AutomatedDecision.NOT_AUTOMATED)
                | Q(decided_by__isnull=False),
                name="action_human_decision_names_decider",
            ),
            models.CheckConstraint(
                condition=Q(strike_count=0) | Q(strikes_expire_on__isnull=False),
                name="action_strikes_expire",
            ),
            models.CheckConstraint(
                condition=Q(funds_released_amount__gte=0)
                & Q(funds_released_amount__lte=F("funds_held_amount")),
                name="action_released_within_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_restriction_type_display()} #{self.pk} ({self.account})"

    def get_absolute_url(self) -> str:
        return reverse("appeals:case-detail", args=[self.pk])

    # --- derived state ---

    def open_appeal(self):
        """The freelancer's appeal against this action while it is open, else None.

        Appeals sit on the floor above: enforcement reaches an appeal only through the reverse
        accessor (`action.appeal`) and its own methods, never by importing the appeals app.
        """
        appeal = getattr(self, "appeal", None)
        return appeal if appeal is not None and appeal.is_open() else None

    def lighter_restriction_types(self) -> list[tuple[str, str]]:
        """The restriction types an appeal may reduce this action to: strictly lighter ones,
        mildest first (the order `reversal.reduction_errors` enforces)."""
        order = [
            self.RestrictionType.WARNING,
            self.RestrictionType.FEATURE_RESTRICTION,
            self.RestrictionType.PAYOUT_HOLD,
            self.RestrictionType.TEMPORARY_SUSPENSION,
            self.RestrictionType.PERMANENT_TERMINATION,
        ]
        lighter = order[: order.index(self.restriction_type)]
        return [(t.value, t.label) for t in lighter]

    def appeal_or_none(self):
        """The freelancer's appeal against this action, open or closed, or None (reads the
        `appeal` select_related of `with_summary()`; enforcement knows appeals only through
        this reverse accessor)."""
        try:
            return self.appeal
        except ObjectDoesNotExist:
            return None

    def notice_was_late(self) -> bool:
        """Told after the restriction started (past the tolerance), or declared late at issue."""
        tolerance = timedelta(minutes=settings.LATE_NOTICE_TOLERANCE_MINUTES)
        return bool(self.late_notice_reason) or self.notified_at - self.starts_at > tolerance

    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def awaits_confirmation(self) -> bool:
        return self.is_pending() and self.confirmed_at is None

    def is_restricting(self) -> bool:
        return self.status in self.RESTRICTING_STATUSES

    def restricts_account(self) -> bool:
        """In effect and more than a warning: something the freelancer cannot do right now."""
        return self.is_restricting() and self.restriction_type != self.RestrictionType.WARNING

    def is_indefinite(self) -> bool:
        return self.ends_at is None

    def appeal_window_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return now <= self.appeal_deadline or self.fresh_review_open(now)

    def appeal_is_a_fresh_review(self, now: datetime | None = None) -> bool:
        """The six months are over, but a narrowing rule change reopened the way to appeal."""
        now = now or timezone.now()
        return now > self.appeal_deadline and self.fresh_review_open(now)

    def fresh_review_open(self, now: datetime | None = None) -> bool:
        """A narrowing change of the rule offered a fresh review that is still open."""
        return self.fresh_review_until is not None and (now or timezone.now()) <= (
            self.fresh_review_until
        )

    def has_funds_held(self) -> bool:
        return self.funds_held_amount > 0

    def funds_still_held(self):
        return self.funds_held_amount - self.funds_released_amount

    def _last_event_at(self, kind: str) -> datetime | None:
        """When the last event of that kind happened (uses the `events` prefetch)."""
        return next((e.at for e in reversed(self.events.all()) if e.kind == kind), None)

    def took_effect_at(self) -> datetime:
        """When it really started restricting: a termination takes effect after its notice
        period, later than the proposed start; every other action at its start."""
        return self._last_event_at(ActionEvent.Kind.TOOK_EFFECT) or self.starts_at

    def lifted_at(self) -> datetime | None:
        return self._last_event_at(ActionEvent.Kind.LIFTED) if self.is_lifted() else None

    def is_lifted(self) -> bool:
        return self.status == self.Status.LIFTED

    def is_over(self) -> bool:
        """Lifted, expired or withdrawn: it restricts nothing now and never will again."""
        return self.status in (self.Status.LIFTED, self.Status.EXPIRED, self.Status.WITHDRAWN)

    def strikes_lapsed(self) -> bool:
        """A lifted or withdrawn action's strikes never count, whatever their expiry date."""
        return self.status in (self.Status.LIFTED, self.Status.WITHDRAWN)

    def active_strike_count(self, today: date) -> int:
        """Strikes that still count on `today`: those of an action that took effect and was not
        lifted, until their expiry date."""
        if self.status in (self.Status.PENDING, self.Status.LIFTED, self.Status.WITHDRAWN):
            return 0
        if self.strikes_expire_on is None or self.strikes_expire_on < today:
            return 0
        return self.strike_count

    def capability_labels(self) -> list[str]:
        labels = dict(Capability.choices)
        return [str(labels.get(value, value)) for value in self.restricted_capabilities]

    def decision_visibility_labels(self) -> list[str]:
        from enforcement.choices import DecisionVisibility

        labels = dict(DecisionVisibility.choices)
        return [str(labels.get(value, value)) for value in self.decision_visibility]

    def content_type_labels(self) -> list[str]:
        labels = dict(ContentType.choices)
        return [str(labels.get(value, value)) for value in self.content_type]

    def is_fully_automated(self) -> bool:
        return self.automated_decision == AutomatedDecision.FULLY

    def primary_version(self) -> RuleVersion | None:
        """The cited version of the reason code's rule (uses the prefetch when present)."""
        for version in self.cited_versions.all():
            if version.rule_id == self.reason_code.rule_id:
                return version
        return None

    def reason_translation(self, language: str | None) -> ReasonCodeTranslation | None:
        """The reason code's published translation into `language`, from the translation of the
        cited version of the reason's rule (uses the prefetch when present)."""
        version = self.primary_version()
        translation = version.translation_in(language) if version else None
        if translation is None:
            return None
        for reason in translation.reasons.all():
            if reason.reason_code_id == self.reason_code_id:
                return reason
        return None

    def change_status(self, to: str, *, actor, reason: str, kind: str | None = None) -> bool:
        """Move to `to` if the row still has the status we read; write the event. Race-safe."""
        from_status = self.status
        updated = EnforcementAction.objects.filter(pk=self.pk, status=from_status).update(
            status=to, updated_at=timezone.now()
        )
        if not updated:
            return False
        self.status = to
        ActionEvent.objects.create(
            action=self,
            kind=kind or ActionEvent.Kind.STATUS_CHANGED,
            actor=actor,
            from_status=from_status,
            to_status=to,
            reason=reason,
        )
        return True


class ActionEvent(models.Model):
    """Append-only timeline of an action: who, when, from, to, why (a trigger forbids edits)."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Action issued")
        STATUS_CHANGED = "status_changed", _("Status changed")
        EXPIRED = "expired", _("Restriction ended")
        LIFTED = "lifted", _("Action lifted")
        MODIFIED = "modified", _("Restriction reduced")
        FUNDS_RELEASED = "funds_released", _("Funds released")
        CLIENTS_CORRECTED = "clients_corrected", _("Clients sent a correction")
        CONFIRMED = "confirmed", _("Confirmed by a second person")
        TOOK_EFFECT = "took_effect", _("Took effect")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RULE_CHANGED = "rule_changed", _("The rule relied on changed")
        REVIEW_OFFERED = "review_offered", _("Fresh review offered")

    action = models.ForeignKey(EnforcementAction, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The transparency report's daily figures: a day's events (terminations withdrawn),
            # and the events since the last refresh.
            models.Index(fields=["at"], name="action_event_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    def actor_label(self) -> str:
        """Who, as the freelancer may see it: a role, never a staff member's personal name."""
        if self.actor_id is None:
            return str(_("Automated system"))
        return str(_("Trust & Safety team"))


class EvidenceItem(models.Model):
    """One signal behind an action. `internal_detail` is for staff only and never rendered to
    the freelancer; `summary` is what they see; redaction says what was withheld and why."""

    class SignalCategory(models.TextChoices):
        IDENTITY = "identity", _("Identity verification")
        PAYMENT = "payment", _("Payments")
        LOGIN = "login", _("Sign-in and devices")
        LOCATION = "location", _("Location and network")
        MESSAGES = "messages", _("Messages")
        CLIENT_REPORT = "client_report", _("Report from a client")
        ACCOUNT_LINK = "account_link", _("Linked accounts")
        WORK_QUALITY = "work_quality", _("Work and reviews")
        OTHER = "other", _("Other")

    class Redaction(models.TextChoices):
        NONE = "none", _("Shown in full")
        PARTIAL = "partial", _("Partly withheld")
        WITHHELD = "withheld", _("Withheld")

    action = models.ForeignKey(
        EnforcementAction, on_delete=models.CASCADE, related_name="evidence_items"
    )
    position = models.PositiveSmallIntegerField(default=0)
    signal_category = models.CharField(max_length=32, choices=SignalCategory.choices)
    observed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(help_text="What the freelancer sees.")
    internal_detail = models.TextField(blank=True, help_text="Staff only. Never shown to them.")
    redaction = models.CharField(max_length=16, choices=Redaction.choices, default=Redaction.NONE)
    redaction_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(redaction="none") | ~Q(redaction_reason=""),
                name="evidence_redaction_has_reason",
            ),
            models.CheckConstraint(condition=~Q(summary=""), name="evidence_summary_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_signal_category_display()} evidence for action #{self.action_id}"


class ClientNotice(models.Model):
    """The exact text one of the freelancer's clients was shown about the action, and when."""

    action = models.ForeignKey(
        EnforcementAction, on_delete=models.CASCADE, related_name="client_notices"
    )
    client_name = models.CharField(max_length=200)
    client_reference = models.CharField(max_length=64, blank=True)
    contract_reference = models.CharField(max_length=64, blank=True)
    shown_at = models.DateTimeField()
    text = models.TextField()
    # When Recourse learnt of it, and which source told it (empty: given at issue by staff).
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by_source = models.ForeignKey(
        IntakeSource, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["shown_at", "id"]
        constraints = [
            # The marketplace may send the same notice twice (a retry): one row.
            models.UniqueConstraint(
                fields=["action", "client_reference", "shown_at"],
                condition=~Q(client_reference=""),
                name="client_notice_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice to {self.client_name} on {self.shown_at:%Y-%m-%d}"


class ClientCorrection(models.Model):
    """The correction sent to a client who had been told about the action, with its exact text.

    One per notice: a client who was told about a suspension is told once that it was reversed
    or reduced (the unique constraint makes a repeated reversal harmless).
    """

    notice = models.OneToOneField(ClientNotice, on_delete=models.PROTECT, related_name="correction")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The outbox event (client_notice.corrected) that carries it to the marketplace.
    webhook_event = models.OneToOneField(
        "notifications.WebhookEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="client_correction",
    )
    # When the marketplace said it showed the correction to the client (the acknowledge call).
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        # The transparency report: corrections recorded on a day.
        indexes = [models.Index(fields=["created_at"], name="client_correction_created")]

    def __str__(self) -> str:
        return f"Correction to {self.notice.client_name}"

    def delivery(self) -> dict:
        """The delivery state for templates: {"state": ..., "at": ...}."""
        state, at = self.delivery_state()
        return {"state": state, "at": at}

    def delivery_state(self) -> tuple[str, datetime | None]:
        """(state, when) as the freelancer is told it; never "delivered" before it was.

        Uses the prefetched deliveries of the webhook event when present (`with_statement`).
        """
        if self.acknowledged_at is not None:
            return "shown", self.acknowledged_at
        deliveries = list(self.webhook_event.deliveries.all()) if self.webhook_event else []
        delivered = [d.delivered_at for d in deliveries if d.delivered_at is not None]
        if delivered:
            return "delivered", min(delivered)
        if any(d.attempts and d.last_error for d in deliveries):
            return "failing", None
        return "queued", None


# --- Submission to the DSA Transparency Database (issue #15) -------------------------------------


class StatementBatch(models.Model):
    """One POST of up to 100 statements to the Transparency Database: an outbox row, claimed
    with a conditional update, retried with backoff, its last result kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SUBMITTED = "submitted", "Accepted by the database"
        FAILED = "failed", "Refused or given up"

    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While sending: the worker's lease (taken back once it lapses).
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="batch_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "submitted", "failed"]),
                name="statement_batch_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"Statement batch {self.pk} ({self.status})"


class StatementSubmission(models.Model):
    """A statement's place in a batch, and its result. One per action and per PUID: a statement
    is submitted once (the unique constraints hold even for two sweeps at once)."""

    action = models.OneToOneField(
        EnforcementAction, on_delete=models.PROTECT, related_name="tdb_submission"
    )
    puid = models.CharField(max_length=500, unique=True)
    batch = models.ForeignKey(StatementBatch, on_delete=models.PROTECT, related_name="statements")
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["batch_id", "action_id"]

    def __str__(self) -> str:
        return f"{self.puid} in batch {self.batch_id}"


class LeadReview(models.Model):
    """A lead reviewed the case for permanently terminating a long-standing account (see
    `TrackRecord.is_long_standing`) and agreed that one termination may be proposed. Without
    one, unused and recent, `issue_action` refuses such a termination, whatever the path; the
    action it allowed is recorded here (one review, one termination)."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_reviews"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    action = models.OneToOneField(
        EnforcementAction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_review",
    )
    # The proposed termination the lead read (who proposed it, reason code, rule, facts, start),
    # when they reviewed one from the proposer's link; empty for a review of the account alone
    # (a termination that came through the API). A review with a proposal allows only a
    # termination with the same reason code and facts (`usable_lead_review`).
    proposal = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="lead_review_reason_required"
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewed_by=models.F("account")),
                name="lead_review_not_own_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Lead review of {self.account} by {self.reviewed_by}"

    def matches(self, reason_code: str, facts: str) -> bool:
        """Whether a termination with this reason code and facts is the one reviewed (any, for a
        review of the account without a specific proposal)."""
        if not self.proposal:
            return True
        return self.proposal.get("reason_code") == reason_code and (
            " ".join(str(self.proposal.get("facts", "")).split()) == " ".join(facts.split())
        )
