"""An urgent step-up is a 4-hour safeguarding timescale: escalate an hour after a breach, not a
day (the owner and their manager are often the same duty manager)."""

from django.db import migrations


def sooner(apps, schema_editor):
    DeadlinePolicy = apps.get_model("deadlines", "DeadlinePolicy")
    DeadlinePolicy.objects.filter(kind="step_up_urgent", escalate_after_hours=24).update(
        escalate_after_hours=1
    )


def later(apps, schema_editor):
    DeadlinePolicy = apps.get_model("deadlines", "DeadlinePolicy")
    DeadlinePolicy.objects.filter(kind="step_up_urgent", escalate_after_hours=1).update(
        escalate_after_hours=24
    )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0002_default_policies")]
    operations = [migrations.RunPython(sooner, later)]
