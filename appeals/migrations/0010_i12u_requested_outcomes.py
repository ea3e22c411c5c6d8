"""An appeal asks for one or more outcomes: `requested_outcome` (one value) becomes
`requested_outcomes` (a set stored as a JSON list in the order of the choices), and the database
refuses an appeal that asks for nothing."""

from django.db import migrations, models
from django.db.models import Q


def one_to_set(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    for appeal in Appeal.objects.only("pk", "requested_outcome").iterator():
        Appeal.objects.filter(pk=appeal.pk).update(requested_outcomes=[appeal.requested_outcome])


def set_to_one(apps, schema_editor):
    Appeal = apps.get_model("appeals", "Appeal")
    for appeal in Appeal.objects.only("pk", "requested_outcomes").iterator():
        first = (appeal.requested_outcomes or ["lift"])[0]
        Appeal.objects.filter(pk=appeal.pk).update(requested_outcome=first)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0009_i17w_macro_effects"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="requested_outcomes",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(one_to_set, set_to_one, elidable=True),
        migrations.RemoveField(model_name="appeal", name="requested_outcome"),
        migrations.AddConstraint(
            model_name="appeal",
            constraint=models.CheckConstraint(
                condition=~Q(requested_outcomes=[]), name="appeal_requests_an_outcome"
            ),
        ),
    ]
