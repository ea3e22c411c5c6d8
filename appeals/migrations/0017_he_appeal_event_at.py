from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0016_ha_case_files"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appealevent",
            index=models.Index(fields=["at"], name="appeal_event_at"),
        ),
    ]
