"""The local defaults of DEADLINES.md ("Stages the protocols leave without a timescale") as
editable policy rows. The urgent kinds are reminded an hour before and escalated an hour after a
breach, as step_up_urgent is."""

from django.db import migrations

DEFAULTS = {
    # kind: (amount, reminder lead, lead unit, escalate after hours)
    "eh_review": (2, 1, "working_days", 24),
    "eh_review_urgent": (4, 1, "hours", 1),
    "eh_decision": (2, 1, "working_days", 24),
    "eh_decision_urgent": (4, 1, "hours", 1),
    "step_up_allocation": (5, 1, "working_days", 24),
    "step_up_allocation_urgent": (1, 1, "hours", 1),
    "transfer_decision": (5, 1, "working_days", 24),
    "cla_transfer_discussion": (0, 1, "working_days", 24),
    "adult_services_transition": (183, 1, "working_days", 24),
}


def create(apps, schema_editor):
    DeadlinePolicy = apps.get_model("deadlines", "DeadlinePolicy")
    for kind, (amount, lead, unit, escalate) in DEFAULTS.items():
        DeadlinePolicy.objects.get_or_create(
            kind=kind,
            defaults={
                "amount": amount,
                "reminder_lead": lead,
                "reminder_lead_unit": unit,
                "escalate_after_hours": escalate,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0004_local_default_kinds")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
