from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0015_merge_macro_review_languages"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appealevent",
            index=models.Index(fields=["at"], name="appeal_event_at"),
        ),
    ]
