from django.db import migrations

from infra.db import ForbidChanges


class Migration(migrations.Migration):
    dependencies = [("enforcement", "0001_initial")]

    operations = [
        ForbidChanges(
            table="enforcement_ruleversion",
            message="a published rule version is immutable; draft a new version",
            when_old="OLD.published_at IS NOT NULL",
        ),
        ForbidChanges(
            table="enforcement_actionevent",
            message="action events are append-only",
        ),
    ]
