from django.contrib import admin

from appeals.models import Appeal, AppealEvent, Macro, Message


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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
