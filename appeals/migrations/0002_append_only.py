from django.db import migrations

from infra.db import ForbidChanges


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [
        ForbidChanges(table="appeals_appealevent", message="appeal events are append-only"),
        ForbidChanges(table="appeals_message", message="messages are never edited or deleted"),
        ForbidChanges(table="appeals_attachment", message="attachments are never replaced"),
    ]
