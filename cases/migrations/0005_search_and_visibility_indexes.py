"""Indexes for case visibility and search at 100,000 cases (issue 14).

Everywhere: the case list's order (last name, first name, id), alone and within a team.
PostgreSQL only (SQLite keeps a simple fallback and skips these): pg_trgm, a trigram GIN index
on UPPER(first_name) and UPPER(last_name) for name search with typo tolerance, and a
text_pattern_ops index on UPPER(number) for each case number, which serves both equality and
prefix search (cases.selectors builds exactly these expressions)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

NUMBER_FIELDS = ("reference", "ics_number", "lcs_number", "ehm_number", "liberi_number")
POSTGRESQL_INDEXES = [
    (f"case_{field}_trgm", f"USING gin (UPPER({field}) gin_trgm_ops)")
    for field in ("first_name", "last_name")
] + [(f"case_{field}_upper", f"(UPPER({field}) text_pattern_ops)") for field in NUMBER_FIELDS]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in POSTGRESQL_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_case {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in POSTGRESQL_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_states_from_teams")]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["last_name", "first_name", "id"], name="case_name_order"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["current_team", "last_name", "first_name", "id"],
                name="case_team_name_order",
            ),
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
