from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_fallback_queue(**kwargs) -> None:
    """A fallback queue always exists: after migrate, and after a test database flush."""
    from appeals.operations.routing import fallback_queue

    fallback_queue()


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = "Appeals"

    def ready(self) -> None:
        post_migrate.connect(ensure_fallback_queue, sender=self)

        from accounts.config_audit import track_changes
        from appeals.models import (
            Calendar,
            Holiday,
            Macro,
            Queue,
            RoutingRule,
            SlaPolicy,
            WorkingInterval,
        )

        track_changes(Queue, m2m=["members"])
        for model in (RoutingRule, SlaPolicy, Calendar, WorkingInterval, Holiday, Macro):
            track_changes(model)
