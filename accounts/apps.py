from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts import checks  # noqa: F401  (registers the deploy checks)
        from accounts.config_audit import track_changes
        from accounts.middleware import start_session_clock
        from accounts.models import ReviewerProfile, User
        from accounts.roles import sync_roles

        user_logged_in.connect(start_session_clock, dispatch_uid="recourse-session-clock")

        # A person's roles (groups and the admin flags) and what routing knows of a reviewer.
        track_changes(User, fields=["is_active", "is_staff", "is_superuser"], m2m=["groups"])
        track_changes(ReviewerProfile)

        # After the last app migrated, so every permission exists.
        post_migrate.connect(sync_roles, sender=self.apps.get_app_config("notifications"))
