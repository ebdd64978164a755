"""Statements prepared once per connection, for the SQL compiled once (issue 14).

casetransfer.compiled spares Django building and compiling a query on every page; PostgreSQL
still plans it on every run. For the longest of them, a union of a score of index-served
branches (the transfers waiting for a team manager), planning took 12.6 ms where running took
3.2; planning was about half the database time of most pages. Sent as a prepared statement
(PREPARE once per connection, then EXECUTE with each call's values), the statement is parsed
once, and PostgreSQL keeps a generic plan where it costs no more than the plans it makes for
each call's values (plan_cache_mode "auto"): a transfer page's reads, 42 to 27 ms. Where it
costs more (a manager's overdue and due-soon panels, whose times pick their index) it still
plans each call: forced generic plans took those pages from 60 ms to a second.

Only SQL that is the same for every call may be prepared (compiled once, its values all
parameters): a statement is kept for each text. Elsewhere (SQLite) the SQL is sent as it is.
"""

import hashlib
import itertools
import re

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INERROR

_PLACEHOLDER = re.compile(r"%s|%%")
# Past this many statements on one connection, its statements are let go and prepared afresh.
MAX_PREPARED = 500


def _numbered(sql: str) -> str:
    """`sql` with psycopg2's placeholders as PostgreSQL's ($1, $2, ...), and %% as %."""
    number = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: f"${next(number)}" if m.group() == "%s" else "%", sql)


def _prepared(cursor, sql: str) -> str | None:
    """The name of `sql` prepared on the cursor's connection (prepared now if it is not yet),
    or None when PostgreSQL would not prepare it (it is then sent as it is, every time)."""
    connection = cursor.db
    raw = connection.connection
    kept = getattr(connection, "_casetransfer_prepared", None)
    if kept is None or kept[0] is not raw or len(kept[1]) >= MAX_PREPARED:
        if kept is not None and kept[0] is raw:
            cursor.cursor.execute("DEALLOCATE ALL")
        kept = (raw, {})
        connection._casetransfer_prepared = kept
    names = kept[1]
    if sql not in names:
        if raw.get_transaction_status() == TRANSACTION_STATUS_INERROR:
            return None  # the statement sent will fail as it is; prepared another time
        names[sql] = _prepare(cursor.cursor, raw, sql)
    return names[sql]


def _prepare(raw_cursor, raw, sql: str) -> str | None:
    """PREPARE `sql` on the connection, on its own cursor: a step of setting the connection up,
    once, not one of the page's queries (not logged or counted as one). In a transaction, in a
    savepoint, so that a statement PostgreSQL will not prepare does not abort it."""
    name = "ct_" + hashlib.sha1(sql.encode()).hexdigest()[:20]  # noqa: S324 (a name)
    in_transaction = raw.get_transaction_status() != TRANSACTION_STATUS_IDLE
    if in_transaction:
        raw_cursor.execute("SAVEPOINT casetransfer_prepare")
    try:
        raw_cursor.execute(f"PREPARE {name} AS {_numbered(sql)}")
    except psycopg2.Error:
        if in_transaction:
            raw_cursor.execute("ROLLBACK TO SAVEPOINT casetransfer_prepare")
        name = None
    if in_transaction:
        raw_cursor.execute("RELEASE SAVEPOINT casetransfer_prepare")
    return name


def statement(cursor, sql: str, params) -> tuple[str, list]:
    """What to send for `sql` with `params` on the cursor's connection: EXECUTE of it prepared,
    on PostgreSQL; else `sql` itself."""
    if cursor.db.vendor != "postgresql":
        return sql, list(params)
    name = _prepared(cursor, sql)
    if name is None:
        return sql, list(params)
    values = ", ".join(["%s"] * len(params))
    return (f"EXECUTE {name}({values})" if params else f"EXECUTE {name}"), list(params)


def execute(cursor, sql: str, params) -> None:
    """cursor.execute(sql, params), sent as a statement prepared once per connection."""
    cursor.execute(*statement(cursor, sql, params))
