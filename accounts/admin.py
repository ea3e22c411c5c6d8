from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditEvent, TrackRecord, User


class TrackRecordInline(admin.StackedInline):
    """The marketplace's track record, read-only: only the marketplace's sync changes it."""

    model = TrackRecord
    can_delete = False
    extra = 0
    max_num = 0
    readonly_fields = [
        "earnings_to_date",
        "earnings_currency",
        "completed_contracts",
        "badges",
        "client_feedback_score",
        "synced_at",
        "deactivated_at",
        "deactivation_reason",
    ]
    exclude = ["fingerprint"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "marketplace_id", "is_active", "last_login"]
    search_fields = ["email", "display_name", "marketplace_id"]
    list_filter = ["groups", "is_active"]
    inlines = [TrackRecordInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Profile",
            {
                "fields": [
                    "display_name",
                    "preferred_language",
                    "time_zone",
                    "country",
                    "member_since",
                    "marketplace_id",
                ]
            },
        ),
        ("Roles", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "verb", "object_type", "object_id", "actor", "summary"]
    list_filter = ["verb", "object_type"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
