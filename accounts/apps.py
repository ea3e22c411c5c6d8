from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.roles import sync_roles

        # After the last app migrated, so every permission exists.
        post_migrate.connect(sync_roles, sender=self.apps.get_app_config("notifications"))
