"""A team's remit says whether it serves disabled children. The Disabled Children Teams and the
Young People's Teams (the Disabled Children's Service, seed 001 s3.10 as amended) serve disabled
children only; every other team keeps serving any child until its remit is edited."""

from django.db import migrations, models

# Frozen here: a migration must not change meaning when people.models changes.
DISABLED_CHILDRENS_SERVICES = ("disabled_children", "young_people")


def forwards(apps, schema_editor):
    Team = apps.get_model("people", "Team")
    Team.objects.filter(service__in=DISABLED_CHILDRENS_SERVICES).update(
        remit_disability="disabled_only"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_team_capacity"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="remit_disability",
            field=models.CharField(
                choices=[
                    ("any", "Any child"),
                    ("disabled_only", "Disabled children only"),
                    ("not_disabled", "Not for disabled children"),
                ],
                default="any",
                help_text="Whether the team serves disabled children, only them, or any child.",
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
