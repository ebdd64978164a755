"""Existing cases get their state from where they are: a case in a Social Care team is open to
Social Care, any other is open to Early Help (or Graft, Youth & Family, a Children's Centre);
a case with a worker is allocated."""

from django.db import migrations

# Frozen here: a migration must not change meaning when people.models changes.
SOCIAL_CARE_SERVICES = (
    "social_care_duty",
    "assessment",
    "children_in_need",
    "children_in_care",
    "disabled_children",
    "young_people",
)


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(current_team__service__in=SOCIAL_CARE_SERVICES).update(
        involvement="social_care"
    )
    Case.objects.exclude(current_team__service__in=SOCIAL_CARE_SERVICES).update(
        involvement="early_help"
    )
    Case.objects.filter(allocated_worker__isnull=False).update(allocation="allocated")
    Case.objects.filter(allocated_worker__isnull=True).update(allocation="unallocated")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_state_machines")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
