from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "Enforcement"

    def ready(self) -> None:
        from accounts.config_audit import track_changes
        from enforcement.models import IntakeSource, ReasonCode, Rule, RuleVersion

        track_changes(Rule, exclude=["created_at"])
        track_changes(RuleVersion, exclude=["created_at"])
        track_changes(ReasonCode)
        # Not last_used_at: every API call records its token's use.
        track_changes(IntakeSource, exclude=["created_at", "last_used_at"])
