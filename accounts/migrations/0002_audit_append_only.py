from django.db import migrations

from infra.db import ForbidChanges


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        ForbidChanges(table="accounts_auditevent", message="audit events are append-only"),
    ]
