from django.db import migrations


def create_fallback_queue(apps, schema_editor):
    Queue = apps.get_model("appeals", "Queue")
    if not Queue.objects.filter(is_fallback=True).exists():
        Queue.objects.create(
            name="General appeals",
            description="Every appeal that no routing rule sends elsewhere.",
            languages=[],
            is_fallback=True,
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0003_queues_and_routing")]

    operations = [migrations.RunPython(create_fallback_queue, migrations.RunPython.noop)]
