from __future__ import annotations

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class Role(models.TextChoices):
    """Roles are auth groups of these names; their permissions are set by a data migration."""

    FREELANCER = "freelancer", "Freelancer"
    REVIEWER = "reviewer", "Reviewer"
    LEAD = "lead", "Lead"
    ADMIN = "admin", "Admin"
    # Staff who issue enforcement actions from the staff form (and confirm terminations).
    ENFORCER = "enforcer", "Enforcer"


STAFF_ROLES = frozenset({Role.REVIEWER, Role.LEAD, Role.ADMIN, Role.ENFORCER})


class UserQuerySet(models.QuerySet["User"]):
    def with_role_permission(self, permission: str) -> UserQuerySet:
        """People whose role (auth group) grants `permission`, named as in `accounts.roles`
        (`"app_label.codename"`), e.g. `User.objects.with_role_permission(REVIEW_APPEALS)`.

        A subquery, not a join: no duplicate rows for a person in two such groups, and the
        result can be locked (`FOR UPDATE` cannot be combined with `DISTINCT`).
        """
        app_label, codename = permission.split(".")
        holders = User.objects.filter(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        ).values("pk")
        return self.filter(pk__in=holders)

    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in to Recourse: a freelancer or a member of trust & safety.

    A marketplace suspension never touches `is_active`: a suspended freelancer must still be able
    to sign in here, read why, and appeal.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    preferred_language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    # The marketplace's own id for this account (used by detection systems and webhooks).
    marketplace_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    member_since = models.DateField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        permissions = [
            ("use_staff_pages", "Can use staff pages"),
            ("review_appeals", "Can work appeals"),
            ("manage_queues", "Can manage queues, routing and SLA policies"),
            ("issue_actions", "Can issue enforcement actions"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=models.functions.Lower("email")),
                name="user_email_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)

    def role_names(self) -> frozenset[str]:
        # Cached per instance: templates and decorators ask several times per request.
        if not hasattr(self, "_role_names") and self.is_active and not self.is_superuser:
            # accounts.backends.RoleBackend reads the roles with the permissions, in one query
            # that the permission checks of the same request then reuse.
            self.get_all_permissions()
        if not hasattr(self, "_role_names"):
            self._role_names = frozenset(self.groups.values_list("name", flat=True))
        return self._role_names

    def has_role(self, role: str) -> bool:
        return role in self.role_names()

    def is_freelancer(self) -> bool:
        return self.has_role(Role.FREELANCER)

    def is_staff_member(self) -> bool:
        """Reviewer, lead or admin (trust & safety), whatever `is_staff` says."""
        return bool(self.role_names() & STAFF_ROLES)


class AuditEvent(models.Model):
    """Append-only record of a state change made by a person or a system.

    Enforcement actions keep their own freelancer-facing timeline (`enforcement.ActionEvent`);
    this log covers everything else (rule publication, role changes, admin edits).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


def record_audit(
    *, actor, verb: str, obj: models.Model, summary: str, data: dict | None = None
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:500],
        data=data or {},
    )


class ReviewerProfile(models.Model):
    """What routing needs to know about a reviewer: languages, capacity, availability."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="reviewer_profile")
    languages = models.JSONField(default=list, blank=True, help_text="Language codes, e.g. en, de.")
    capacity = models.PositiveSmallIntegerField(
        default=10, help_text="Most open appeals held at once."
    )
    is_available = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"Reviewer profile of {self.user}"

    def speaks(self, language: str) -> bool:
        return not language or language in self.languages


class Badge(models.TextChoices):
    """Marketplace badges an account can hold (synced by the marketplace)."""

    RISING_TALENT = "rising_talent", "Rising Talent"
    TOP_RATED = "top_rated", "Top Rated"
    TOP_RATED_PLUS = "top_rated_plus", "Top Rated Plus"
    EXPERT_VETTED = "expert_vetted", "Expert-Vetted"


class TrackRecord(models.Model):
    """The account's standing on the marketplace, as the marketplace last synced it
    (`PUT /api/v1/accounts/{marketplace_id}`). Recourse never edits it by itself."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="track_record")
    earnings_to_date = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    earnings_currency = models.CharField(max_length=3, default="USD")
    completed_contracts = models.PositiveIntegerField(default=0)
    badges = models.JSONField(default=list, blank=True)
    client_feedback_score = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True, help_text="0 to 5."
    )
    synced_at = models.DateTimeField()
    # The marketplace closed the account. Recourse still lets the person sign in and appeal.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivation_reason = models.CharField(max_length=500, blank=True)
    # SHA-256 of the last synced body: a repeated PUT changes nothing and writes no audit event.
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(earnings_to_date__gte=0), name="track_record_earnings_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(client_feedback_score__isnull=True)
                | models.Q(client_feedback_score__gte=0, client_feedback_score__lte=5),
                name="track_record_feedback_0_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(earnings_currency__regex=r"^[A-Z]{3}$"),
                name="track_record_currency_iso",
            ),
        ]

    def __str__(self) -> str:
        return f"Track record of {self.user}"

    def tenure_years(self, today=None) -> int | None:
        """Whole years since `member_since` (None when the marketplace did not say)."""
        since = self.user.member_since
        if since is None:
            return None
        today = today or timezone.localdate()
        years = today.year - since.year
        if (today.month, today.day) < (since.month, since.day):
            years -= 1
        return max(years, 0)

    def badge_labels(self) -> list[str]:
        labels = dict(Badge.choices)
        return [labels.get(badge, badge) for badge in self.badges]

    def is_long_standing(self) -> bool:
        """Member for `LONG_STANDING_MEMBER_YEARS` or earned `LONG_STANDING_EARNINGS` (settings)."""
        tenure = self.tenure_years()
        return (
            tenure is not None and tenure >= settings.LONG_STANDING_MEMBER_YEARS
        ) or self.earnings_to_date >= settings.LONG_STANDING_EARNINGS
