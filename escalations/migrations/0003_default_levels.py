"""The default ladders (issue 11; DOMAIN.md A-C): data, edited in the admin."""

from django.db import migrations

LEVELS = {
    # kind: [(role, title), ...] from level 1 up
    "refused_step_up": [
        ("service_manager", "Social Care service manager"),
        ("assistant_director", "Assistant director"),
    ],
    "blocked_transfer": [
        ("service_manager", "Service manager"),
        ("assistant_director", "Assistant director"),
    ],
    "capacity": [
        ("service_manager", "Service manager"),
        ("assistant_director", "Assistant director"),
    ],
    "held_cin": [
        ("service_manager", "Service manager"),
        ("assistant_director", "Assistant director"),
    ],
    "protocol_suspension": [
        ("integrated_family_services_manager", "Integrated family services manager"),
        ("assistant_director", "Assistant director"),
    ],
}


def create(apps, schema_editor):
    EscalationLevel = apps.get_model("escalations", "EscalationLevel")
    for kind, levels in LEVELS.items():
        for number, (role, title) in enumerate(levels, start=1):
            EscalationLevel.objects.get_or_create(
                kind=kind, number=number, defaults={"role": role, "title": title}
            )


class Migration(migrations.Migration):
    dependencies = [("escalations", "0002_escalation_ladder")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
