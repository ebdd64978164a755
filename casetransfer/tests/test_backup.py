"""Backups (issue 13): the README's pg_dump / pg_restore round trip, on the demo data."""

import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TABLES = [
    "cases_case",
    "transfers_transfer",
    "deadlines_deadline",
    "audit_auditevent",
    "escalations_escalation",
    "conferences_transferinrequest",
]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


def test_a_dump_restores_into_an_empty_database_with_every_row(tmp_path):
    import psycopg2

    call_command("seed_demo", cases=60)
    with connection.cursor() as cursor:
        before = _counts(cursor)
    assert all(before.values()), before
    settings = connection.settings_dict
    source = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": str(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
    }
    args = ["-h", source["host"], "-p", source["port"], "-U", source["user"]]
    env = {"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    dump = tmp_path / "casetransfer.dump"
    scratch = f"{settings['NAME']}_restored"
    run = lambda *cmd: subprocess.run(  # noqa: E731
        cmd, env=env, check=True, capture_output=True, text=True, timeout=300
    )
    run("pg_dump", *args, "--format=custom", f"--file={dump}", settings["NAME"])
    run("dropdb", *args, "--if-exists", scratch)
    run("createdb", *args, scratch)
    try:
        run("pg_restore", *args, "--no-owner", f"--dbname={scratch}", str(dump))
        restored = psycopg2.connect(
            host=source["host"],
            port=source["port"],
            user=source["user"],
            password=settings["PASSWORD"] or "",
            dbname=scratch,
        )
        try:
            with restored.cursor() as cursor:
                assert _counts(cursor) == before
        finally:
            restored.close()
    finally:
        run("dropdb", *args, "--if-exists", scratch)
