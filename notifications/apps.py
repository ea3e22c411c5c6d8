from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from accounts.config_audit import track_changes
        from notifications.models import WebhookEndpoint

        track_changes(WebhookEndpoint, exclude=["created_at"])
