from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count

from accounts.models import ReviewerProfile, User
from accounts.roles import REVIEW_APPEALS
from appeals.models import (
    Appeal,
    AppealEvent,
    Calendar,
    Holiday,
    Macro,
    Message,
    Queue,
    RoutingRule,
    SlaPolicy,
    WorkingInterval,
)
from appeals.operations import sla
from appeals.operations.routing import shadowing_rule


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Leads manage canned replies here."""

    list_display = ["title", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "body"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author", "kind", "body"]


class AppealEventInline(ReadOnlyInline):
    model = AppealEvent


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Read-only: appeals change only through the reviewer pages (and their services)."""

    list_display = ["pk", "action", "freelancer", "status", "outcome", "submitted_at"]
    list_filter = ["status", "outcome"]
    list_select_related = ["action", "freelancer"]
    inlines = [MessageInline, AppealEventInline]

    def get_queryset(self, request):
        # The same scope as the reviewer pages: a lead sees their queues' appeals, and nobody
        # the appeal against their own decision.
        return super().get_queryset(request).for_reviewer(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Queues, routing rules and reviewer profiles (leads) ------------------------------------------

LANGUAGE_CHOICES = settings.REVIEW_LANGUAGES


def _reviewer_accounts():
    """Only people whose role lets them work appeals can be queue members or have a profile."""
    return User.objects.with_role_permission(REVIEW_APPEALS).order_by("display_name", "email")


class LanguagesField(forms.MultipleChoiceField):
    """A JSON list of language codes, picked from the languages the site supports."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=LANGUAGE_CHOICES, required=False, **kwargs)


class QueueForm(forms.ModelForm):
    languages = LanguagesField(help_text="The languages this queue covers.")

    class Meta:
        model = Queue
        fields = ["name", "description", "priority", "languages", "calendar", "members"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    form = QueueForm
    list_display = ["name", "priority", "language_list", "member_count", "is_fallback"]
    list_filter = ["is_fallback"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    readonly_fields = ["is_fallback"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    def save_model(self, request, obj: Queue, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "calendar" in form.changed_data:
            changed = sla.recompute_for_queue(obj, actor=request.user)
            self.message_user(request, f"Deadlines recomputed for {changed} open appeal(s).")

    @admin.display(description="Languages")
    def language_list(self, queue: Queue) -> str:
        return ", ".join(queue.languages) or "Any"

    @admin.display(description="Reviewers", ordering="member_total")
    def member_count(self, queue: Queue) -> int:
        return queue.member_total

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            kwargs["queryset"] = _reviewer_accounts()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Appeals that no rule routes go to the fallback queue: it must always exist. (Bulk
        # deletion asks this per object too, so the fallback cannot go that way either.)
        if obj is not None and obj.is_fallback:
            return False
        return super().has_delete_permission(request, obj)


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "position",
            "name",
            "queue",
            "is_active",
            "reason_code",
            "rule",
            "restriction_type",
            "automated_decision",
            "language",
            "region",
            "min_funds_held",
            "max_funds_held",
            "min_tenure_years",
            "min_earnings",
            "badge",
        ]
        help_texts = {
            "position": "Rules are tried in this order and the first match wins. Leave gaps "
            "(10, 20, 30) so a rule can go in between later.",
            "region": "ISO country code, e.g. DE. Leave empty for any region.",
        }

    def clean_region(self) -> str:
        return self.cleaned_data["region"].upper()


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["position", "name", "queue", "is_active", "conditions"]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "queue"]
    list_select_related = ["queue", "reason_code", "rule"]
    ordering = ["position", "id"]
    fieldsets = [
        (None, {"fields": ["position", "name", "queue", "is_active"]}),
        (
            "Conditions (empty ones match anything)",
            {
                "fields": [
                    "reason_code",
                    "rule",
                    "restriction_type",
                    "automated_decision",
                    "language",
                    "region",
                    "min_funds_held",
                    "max_funds_held",
                    "min_tenure_years",
                    "min_earnings",
                    "badge",
                ]
            },
        ),
    ]

    @admin.display(description="Matches")
    def conditions(self, rule: RoutingRule) -> str:
        parts = []
        if rule.reason_code_id:
            parts.append(f"reason {rule.reason_code.code}")
        if rule.rule_id:
            parts.append(f"rule {rule.rule.key}")
        for name in ("restriction_type", "automated_decision"):
            if getattr(rule, name):
                parts.append(getattr(rule, f"get_{name}_display")().lower())
        if rule.language:
            parts.append(f"language {rule.language}")
        if rule.region:
            parts.append(f"region {rule.region}")
        if rule.min_funds_held is not None:
            parts.append(f"funds held ≥ {rule.min_funds_held}")
        if rule.max_funds_held is not None:
            parts.append(f"funds held ≤ {rule.max_funds_held}")
        if rule.min_tenure_years is not None:
            parts.append(f"member for ≥ {rule.min_tenure_years} years")
        if rule.min_earnings is not None:
            parts.append(f"earnings ≥ {rule.min_earnings}")
        if rule.badge:
            parts.append(rule.get_badge_display())
        return "; ".join(parts) or "everything"

    def save_model(self, request, obj: RoutingRule, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Saved anyway: a lead may be reordering in several steps. But say so at once, because a
        # shadowed rule fails silently: its appeals quietly go to the earlier rule's queue.
        for shadowed, earlier in _shadowing_involving(obj):
            self.message_user(
                request,
                f"Rule {shadowed.position} is fully shadowed by rule {earlier.position}: it will "
                f"never match. (“{shadowed.name}” only sees appeals that “{earlier.name}” "
                "already took; move it up, narrow the earlier rule, or deactivate one.)",
                level=messages.WARNING,
            )


def _shadowing_involving(rule: RoutingRule) -> list[tuple[RoutingRule, RoutingRule]]:
    """(shadowed, shadowing) pairs that involve `rule`: an earlier rule covering it, and later
    rules that it now covers (moving a broad rule up can silence narrower ones below it)."""
    pairs = []
    earlier = shadowing_rule(rule)
    if earlier is not None:
        pairs.append((rule, earlier))
    later_rules = RoutingRule.objects.filter(is_active=True, position__gt=rule.position)
    for later in later_rules.select_related("reason_code").order_by("position"):
        covering = shadowing_rule(later)
        if covering is not None and covering.pk == rule.pk:
            pairs.append((later, rule))
    return pairs


class ReviewerProfileForm(forms.ModelForm):
    languages = LanguagesField(
        help_text="Languages this reviewer works in: routing assigns them appeals in these "
        "languages, and appeals whose language is not known."
    )

    class Meta:
        model = ReviewerProfile
        fields = ["user", "languages", "capacity", "is_available"]


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    form = ReviewerProfileForm
    list_display = ["user", "language_list", "capacity", "is_available"]
    list_editable = ["capacity", "is_available"]
    list_filter = ["is_available"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__display_name"]

    @admin.display(description="Languages")
    def language_list(self, profile: ReviewerProfile) -> str:
        return ", ".join(profile.languages) or "None"

    def get_readonly_fields(self, request, obj=None):
        # A profile belongs to one reviewer for good; moving it would move their history too.
        return ["user"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = _reviewer_accounts()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- SLA: leads edit calendars and policies; open appeals follow the change -------------------


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    extra = 1


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]
    inlines = [WorkingIntervalInline, HolidayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Intervals and holidays are saved by now: recompute with the new working time.
            changed = sla.recompute_for_calendar(form.instance, actor=request.user)
            self.message_user(request, f"Deadlines recomputed for {changed} open appeal(s).")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "queue",
        "priority",
        "time_basis",
        "first_response_minutes",
        "decision_minutes",
        "warning_percent",
        "escalation",
    ]
    list_filter = ["queue", "time_basis", "escalation"]
    list_select_related = ["queue"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = sla.recompute_for_policy(obj, actor=request.user)
        self.message_user(request, f"Deadlines recomputed for {changed} open appeal(s).")
