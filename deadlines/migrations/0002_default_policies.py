"""The defaults of DEADLINES.md as editable policy rows."""

from django.db import migrations

DEFAULTS = {
    # kind: (amount, reminder lead, lead unit)
    "step_up_urgent": (4, 1, "hours"),
    "step_up_standard": (48, 1, "working_days"),
    "joint_visit": (5, 1, "working_days"),
    "ten_day_discussion": (10, 1, "working_days"),
    "cla_team_allocation": (5, 1, "working_days"),
    "cla_sw_allocation": (5, 1, "working_days"),
    "transfer_in_conference": (15, 1, "working_days"),
    "pre_conference_report": (48, 1, "working_days"),
    "holding_sw_contact": (14, 1, "working_days"),
}


def create(apps, schema_editor):
    DeadlinePolicy = apps.get_model("deadlines", "DeadlinePolicy")
    for kind, (amount, lead, unit) in DEFAULTS.items():
        DeadlinePolicy.objects.get_or_create(
            kind=kind,
            defaults={"amount": amount, "reminder_lead": lead, "reminder_lead_unit": unit},
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
