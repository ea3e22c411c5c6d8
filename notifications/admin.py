from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from accounts.models import record_audit
from notifications import webhooks
from notifications.models import (
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "email_status", "read_at"]
    list_filter = ["kind", "email_status"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Webhooks to the marketplace ------------------------------------------------------------


class EventKindsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=WebhookEvent.Kind.choices, required=False, **kwargs)


class WebhookEndpointForm(forms.ModelForm):
    event_kinds = EventKindsField(
        help_text="The events this endpoint receives. None ticked means all of them."
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "event_kinds", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("Use an https:// (or http://) URL.")
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Admins configure where events go. The signing secret is generated when the endpoint is
    created and shown once, in the message after saving; afterwards only its first characters."""

    form = WebhookEndpointForm
    list_display = ["name", "url", "kinds", "is_active", "masked_secret", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["masked_secret", "created_at"]
    actions = ["rotate_secrets"]

    @admin.display(description="Events")
    def kinds(self, endpoint: WebhookEndpoint) -> str:
        labels = dict(WebhookEvent.Kind.choices)
        return ", ".join(labels.get(k, k) for k in endpoint.event_kinds) or "All"

    @admin.display(description="Signing secret")
    def masked_secret(self, endpoint: WebhookEndpoint) -> str:
        return webhooks.mask_secret(endpoint.secret) or "(generated when saved)"

    def save_model(self, request, obj: WebhookEndpoint, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            record_audit(
                actor=request.user,
                verb="webhook_endpoint.changed",
                obj=obj,
                summary=f"Webhook endpoint {obj} changed: {', '.join(form.changed_data)}",
                data={name: form.cleaned_data.get(name) for name in form.changed_data},
            )
            return
        obj.secret = webhooks.new_secret()
        super().save_model(request, obj, form, change)
        record_audit(
            actor=request.user,
            verb="webhook_endpoint.created",
            obj=obj,
            summary=f"Webhook endpoint {obj} created for {obj.url}",
        )
        self._show_secret_once(request, obj, obj.secret)

    def _show_secret_once(self, request, endpoint: WebhookEndpoint, secret: str) -> None:
        self.message_user(
            request,
            f"Signing secret of “{endpoint}”: {secret} — copy it to the marketplace now; it will "
            "not be shown again.",
            level=messages.WARNING,
        )

    @admin.action(
        description="Rotate the signing secret of selected endpoints", permissions=["change"]
    )
    def rotate_secrets(self, request, queryset) -> None:
        for endpoint in queryset:
            self._show_secret_once(
                request, endpoint, webhooks.rotate_secret(endpoint, by=request.user)
            )

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deliveries keep referring to their endpoint; deactivate it instead.
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DeliveryInline(ReadOnlyInline):
    model = WebhookDelivery
    fields = [
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    show_change_link = True


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["number", "at", "status_code", "error", "duration_ms"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """The outbox: every event recorded, whether or not an endpoint wanted it. A log."""

    list_display = ["created_at", "kind", "action", "idempotency_key"]
    list_filter = ["kind"]
    list_select_related = ["action"]
    search_fields = ["=idempotency_key", "action__puid"]
    readonly_fields = ["idempotency_key", "kind", "action", "payload", "created_at"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log. Read-only; the one change is "Redeliver selected" (audited)."""

    list_display = [
        "pk",
        "event_kind",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "short_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "endpoint", "event__kind"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["=event__idempotency_key"]
    readonly_fields = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    inlines = [AttemptInline]
    actions = ["redeliver_selected"]

    @admin.display(description="Event", ordering="event__kind")
    def event_kind(self, delivery: WebhookDelivery) -> str:
        return delivery.event.kind

    @admin.display(description="Last error")
    def short_error(self, delivery: WebhookDelivery) -> str:
        error = delivery.last_error
        return error if len(error) <= 80 else error[:79] + "…"

    @admin.action(description="Redeliver selected", permissions=["change"])
    def redeliver_selected(self, request, queryset) -> None:
        queued, refused = 0, []
        for delivery in queryset.select_related("event", "endpoint"):
            try:
                webhooks.redeliver(delivery, by=request.user)
            except ValidationError as exc:
                refused.extend(exc.messages)
            else:
                queued += 1
        if queued:
            self.message_user(request, f"{queued} delivery(ies) queued to be sent again now.")
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: the page is the log, without a Save button.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)
