from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enforcement", "0011_hd_lead_review_guard"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="actionevent",
            index=models.Index(fields=["at"], name="action_event_at"),
        ),
        migrations.AddIndex(
            model_name="enforcementaction",
            index=models.Index(
                condition=models.Q(("restriction_type", "permanent_termination")),
                fields=["notified_at"],
                name="action_termination_notified",
            ),
        ),
        migrations.AddIndex(
            model_name="enforcementaction",
            index=models.Index(
                condition=models.Q(("confirmed_at__isnull", False)),
                fields=["confirmed_at"],
                name="action_confirmed_at",
            ),
        ),
        migrations.AddIndex(
            model_name="clientcorrection",
            index=models.Index(fields=["created_at"], name="client_correction_created"),
        ),
    ]
