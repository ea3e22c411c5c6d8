from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.config_audit import track_changes
        from accounts.models import ReviewerProfile, User
        from accounts.roles import sync_roles

        # A person's roles (groups and the admin flags) and what routing knows of a reviewer.
        track_changes(User, fields=["is_active", "is_staff", "is_superuser"], m2m=["groups"])
        track_changes(ReviewerProfile)

        # After the last app migrated, so every permission exists.
        post_migrate.connect(sync_roles, sender=self.apps.get_app_config("notifications"))
