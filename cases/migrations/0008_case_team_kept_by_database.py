"""Each transfer's and deadline's `case_team`, the current team of its case, kept true by the
database: set on every insert, and rewritten on every row of a case when the case moves
(issue 14: a service manager's weekly list and deadlines page keep the rows whose case they see
without joining every row's case).

Triggers rather than code in the services, so nothing that writes a row can leave it wrong: a
bulk insert, a factory, a raw update, a transfer saved from a copy read before its case moved.
On PostgreSQL a row's own value is worked out before it is written (BEFORE INSERT, and BEFORE
UPDATE of its case or of the column itself, so a stale copy is never written back); SQLite, the
laptop fallback, has no BEFORE trigger that can change a row, so it sets the value just after.
"""

from django.db import migrations

ROWS = ("transfers_transfer", "deadlines_deadline")

POSTGRESQL = [
    """
    CREATE FUNCTION case_team_of_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.case_team_id := (SELECT current_team_id FROM cases_case WHERE id = NEW.case_id);
        RETURN NEW;
    END $$
    """,
    *(
        f"""
        CREATE TRIGGER {table}_case_team BEFORE INSERT OR UPDATE OF case_id, case_team_id
        ON {table} FOR EACH ROW EXECUTE FUNCTION case_team_of_row()
        """
        for table in ROWS
    ),
    """
    CREATE FUNCTION case_team_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE transfers_transfer SET case_team_id = NEW.current_team_id WHERE case_id = NEW.id;
        UPDATE deadlines_deadline SET case_team_id = NEW.current_team_id WHERE case_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER cases_case_team_moved AFTER UPDATE OF current_team_id ON cases_case
    FOR EACH ROW WHEN (OLD.current_team_id IS DISTINCT FROM NEW.current_team_id)
    EXECUTE FUNCTION case_team_moved()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER cases_case_team_moved ON cases_case",
    "DROP FUNCTION case_team_moved()",
    *(f"DROP TRIGGER {table}_case_team ON {table}" for table in ROWS),
    "DROP FUNCTION case_team_of_row()",
]

SQLITE = [
    *(
        f"""
        CREATE TRIGGER {table}_case_team_{event} AFTER {event.upper()}{columns} ON {table}
        BEGIN
            UPDATE {table}
            SET case_team_id = (SELECT current_team_id FROM cases_case WHERE id = NEW.case_id)
            WHERE id = NEW.id;
        END
        """
        for table in ROWS
        for event, columns in (("insert", ""), ("update", " OF case_id, case_team_id"))
    ),
    """
    CREATE TRIGGER cases_case_team_moved AFTER UPDATE OF current_team_id ON cases_case
    FOR EACH ROW WHEN OLD.current_team_id IS NOT NEW.current_team_id
    BEGIN
        UPDATE transfers_transfer SET case_team_id = NEW.current_team_id WHERE case_id = NEW.id;
        UPDATE deadlines_deadline SET case_team_id = NEW.current_team_id WHERE case_id = NEW.id;
    END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER cases_case_team_moved",
    *(
        f"DROP TRIGGER {table}_case_team_{event}"
        for table in ROWS
        for event in ("insert", "update")
    ),
]

BACKFILL = [
    f"""
    UPDATE {table} SET case_team_id =
        (SELECT current_team_id FROM cases_case WHERE cases_case.id = {table}.case_id)
    WHERE case_id IS NOT NULL
    """
    for table in ROWS
]


def _run(schema_editor, statements) -> None:
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(
            f"case_team triggers are written for PostgreSQL and SQLite, not {vendor}"
        )
    _run(schema_editor, POSTGRESQL if vendor == "postgresql" else SQLITE)
    _run(schema_editor, BACKFILL)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_REVERSE if vendor == "postgresql" else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_unallocated_queue_index"),
        ("transfers", "0010_case_team"),
        ("deadlines", "0010_case_team"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
