"""Each transfer's and deadline's `case_team`, the current team of its case, kept true by the
database: set on every insert, and rewritten on every row of a case when the case moves
(issue 14: a service manager's weekly list and deadlines page keep the rows whose case they see
without joining every row's case).

Triggers rather than code in the services, so what writes a row does not have to remember it:
a bulk insert, a factory, a queryset update, a transfer saved from a copy read before its case
moved. On PostgreSQL a row's own value is worked out before it is written (BEFORE INSERT, and
BEFORE UPDATE of its case or of the column itself, so a stale copy is never written back), its
case's row share-locked as it is read: an insert waits for a move of the case in progress, and
a move waits for the insert, so neither misses the other. SQLite, the laptop fallback, has no
BEFORE trigger that can change a row and one writer at a time: it sets the value just after.
Not covered: triggers switched off (`session_replication_role = replica`), and on SQLite a
later migration that rebuilds one of the three tables (Django's table remake drops its
triggers): cases/tests/test_case_team.py checks that the five are there.

The tables are locked against writes for the migration (PostgreSQL), so no row is written
between the fill and the triggers: 27 s for a million deadline rows on the benchmark machine.
"""

from django.db import migrations

ROWS = ("transfers_transfer", "deadlines_deadline")

POSTGRESQL = [
    """
    CREATE FUNCTION case_team_of_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT current_team_id INTO NEW.case_team_id FROM cases_case
        WHERE id = NEW.case_id FOR SHARE;
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
        FOR EACH ROW WHEN NEW.case_team_id IS NOT
            (SELECT current_team_id FROM cases_case WHERE id = NEW.case_id)
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

# Filled before the triggers exist, so no trigger works each row out a second time.
BACKFILL = {
    "postgresql": [
        f"""
        UPDATE {table} SET case_team_id = cases_case.current_team_id
        FROM cases_case WHERE cases_case.id = {table}.case_id
        """
        for table in ROWS
    ],
    "sqlite": [
        f"""
        UPDATE {table} SET case_team_id =
            (SELECT current_team_id FROM cases_case WHERE cases_case.id = {table}.case_id)
        WHERE case_id IS NOT NULL
        """
        for table in ROWS
    ],
}
# No row written between the fill and the triggers (what CREATE TRIGGER takes, taken first).
LOCK = "LOCK TABLE cases_case, transfers_transfer, deadlines_deadline IN SHARE ROW EXCLUSIVE MODE"


def _run(schema_editor, statements) -> None:
    for statement in statements:
        schema_editor.execute(statement, params=None)


def _vendor(schema_editor) -> str:
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(
            f"the case_team triggers are written for PostgreSQL and SQLite, not {vendor}"
        )
    return vendor


def forwards(apps, schema_editor):
    if _vendor(schema_editor) == "postgresql":
        _run(schema_editor, [LOCK, *BACKFILL["postgresql"], *POSTGRESQL])
    else:
        _run(schema_editor, [*BACKFILL["sqlite"], *SQLITE])


def backwards(apps, schema_editor):
    vendor = _vendor(schema_editor)
    _run(schema_editor, POSTGRESQL_REVERSE if vendor == "postgresql" else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_unallocated_queue_index"),
        ("transfers", "0010_case_team"),
        ("deadlines", "0010_case_team"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
