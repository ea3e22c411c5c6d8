from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from enforcement import services
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    ReasonCode,
    Rule,
    RuleVersion,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RuleVersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RuleVersion
    fields = ["number", "effective_from", "published_at", "change_summary"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "created_at"]
    search_fields = ["key", "title"]
    inlines = [RuleVersionInline]

    def get_readonly_fields(self, request, obj=None):
        # The key is cited by statements of reasons: stable once created.
        return ["key"] if obj else []


@admin.register(RuleVersion)
class RuleVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "rule", "number", "effective_from", "published_at"]
    list_filter = ["rule"]
    list_select_related = ["rule"]
    fields = [
        "rule",
        "text",
        "examples",
        "change_summary",
        "effective_from",
        "number",
        "published_at",
        "published_by",
    ]
    readonly_fields = ["number", "published_at", "published_by"]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return self.fields
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # View-only once published: a POST is then refused with 403 instead of reaching
        # RuleVersion.save(), which raises for published versions (a 500 before).
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            services.draft_rule_version(
                obj.rule,
                text=obj.text,
                examples=obj.examples,
                change_summary=obj.change_summary,
                effective_from=obj.effective_from,
                drafted_by=request.user,
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish selected drafts (they become immutable)")
    def publish(self, request, queryset):
        for version in queryset.filter(published_at__isnull=True):
            try:
                published = services.publish_rule_version(version, published_by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Published {published}.", messages.SUCCESS)


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "rule", "category", "is_active"]
    list_filter = ["category", "is_active"]
    list_select_related = ["rule"]
    search_fields = ["code", "title"]


class EvidenceInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = EvidenceItem
    extra = 0


class ClientNoticeInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = ClientNotice
    extra = 0


class ActionEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ActionEvent
    extra = 0


@admin.register(EnforcementAction)
class EnforcementActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff read actions here; they are issued through the enforcement service only."""

    list_display = ["pk", "account", "restriction_type", "status", "reason_code", "starts_at"]
    list_filter = ["restriction_type", "status", "automated_decision", "source_type"]
    list_select_related = ["account", "reason_code"]
    search_fields = ["account__email", "puid"]
    inlines = [EvidenceInline, ClientNoticeInline, ActionEventInline]
