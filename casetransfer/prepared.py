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
# The text of each statement prepared, by its name, for reading what was sent (`source`).
_SOURCES: dict[str, str] = {}


def _numbered(sql: str, literals: dict[int, str] | None = None) -> str:
    """`sql` with psycopg2's placeholders as PostgreSQL's ($1, $2, ...), and %% as %; the
    parameters in `literals` (by position) written in as the SQL literals given."""
    literals = literals or {}
    position, number = itertools.count(), itertools.count(1)

    def replace(match: re.Match) -> str:
        if match.group() == "%%":
            return "%"
        at = next(position)
        return literals[at] if at in literals else f"${next(number)}"

    return _PLACEHOLDER.sub(replace, sql)


def _prepared(cursor, sql: str, constants: tuple) -> str | None:
    """The name of `sql` prepared on the cursor's connection (prepared now if it is not yet),
    its `constants` ((position, value) of its fixed parameters) written in; or None when
    PostgreSQL would not prepare it (it is then sent as it is, every time)."""
    connection = cursor.db
    raw = connection.connection
    kept = getattr(connection, "_casetransfer_prepared", None)
    if kept is None or kept[0] is not raw or len(kept[1]) >= MAX_PREPARED:
        if kept is not None and kept[0] is raw:
            cursor.cursor.execute("DEALLOCATE ALL")
        kept = (raw, {})
        connection._casetransfer_prepared = kept
    names = kept[1]
    key = (sql, constants)
    if key not in names:
        if raw.get_transaction_status() == TRANSACTION_STATUS_INERROR:
            return None  # the statement sent will fail as it is; prepared another time
        literals = {at: cursor.cursor.mogrify("%s", [value]).decode() for at, value in constants}
        names[key] = _prepare(cursor.cursor, raw, _numbered(sql, literals))
    return names[key]


def _prepare(raw_cursor, raw, numbered: str) -> str | None:
    """PREPARE `numbered` (SQL with PostgreSQL's placeholders) on the connection, on its own
    cursor: a step of setting the connection up, once, not one of the page's queries (not
    logged or counted as one). In a transaction, in a savepoint, so that a statement
    PostgreSQL will not prepare does not abort it."""
    name = "ct_" + hashlib.sha1(numbered.encode()).hexdigest()[:20]  # noqa: S324 (a name)
    in_transaction = raw.get_transaction_status() != TRANSACTION_STATUS_IDLE
    if in_transaction:
        raw_cursor.execute("SAVEPOINT casetransfer_prepare")
    try:
        raw_cursor.execute(f"PREPARE {name} AS {numbered}")
        if len(_SOURCES) >= 10 * MAX_PREPARED:
            _SOURCES.clear()
        _SOURCES[name] = numbered
    except psycopg2.Error:
        if in_transaction:
            raw_cursor.execute("ROLLBACK TO SAVEPOINT casetransfer_prepare")
        name = None
    if in_transaction:
        raw_cursor.execute("RELEASE SAVEPOINT casetransfer_prepare")
    return name


def statement(cursor, sql: str, params) -> tuple[str, list]:
    """What to send for `sql` with `params` (compiled.Params) on the cursor's connection:
    EXECUTE of it prepared, on PostgreSQL; else `sql` itself. The parameters the same in every
    call of `sql` (`params.fixed`: the query's constants, a kind, a status) are written into
    the statement, where its plan is made knowing them; the others are passed to each
    EXECUTE."""
    fixed = getattr(params, "fixed", ())
    custom = getattr(params, "custom", False)
    params = list(params)
    # A connection closed after each request (CONN_MAX_AGE 0) would prepare on every one. A
    # statement to be planned for each call's values (`params.custom`) is sent as it is.
    if (
        custom
        or cursor.db.vendor != "postgresql"
        or not cursor.db.settings_dict.get("CONN_MAX_AGE")
    ):
        return sql, params
    fixed = fixed if len(fixed) == len(params) else (False,) * len(params)
    pairs = list(zip(params, fixed, strict=True))
    constants = tuple((at, value) for at, (value, kept) in enumerate(pairs) if kept)
    name = _prepared(cursor, sql, constants)
    if name is None:
        return sql, params
    passed = [value for value, kept in pairs if not kept]
    values = ", ".join(["%s"] * len(passed))
    return (f"EXECUTE {name}({values})" if passed else f"EXECUTE {name}"), passed


def execute(cursor, sql: str, params) -> None:
    """cursor.execute(sql, params), sent as a statement prepared once per connection. With
    `params.generic` (compiled.Params), PostgreSQL is to plan it once for every call's values,
    where by its estimates it would plan each call (a team manager's "waiting for you": 7 ms
    planned for a 4 ms run, and the plan the same for every manager's ids)."""
    sent = statement(cursor, sql, params)
    if not (getattr(params, "generic", False) and sent[0].startswith("EXECUTE ")):
        cursor.execute(*sent)
        return
    # On a cursor of its own: the statement's rows stay on the caller's.
    with cursor.cursor.connection.cursor() as setting:
        setting.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(*sent)
        finally:
            # A failed transaction undoes the SET with the rest; elsewhere it is undone here.
            if setting.connection.get_transaction_status() != TRANSACTION_STATUS_INERROR:
                setting.execute("RESET plan_cache_mode")


def source(sent: str) -> str:
    """The SQL a statement sent stands for: for an EXECUTE of a statement prepared here, its
    text (placeholders numbered, constants written in); any other SQL as it is. For reading
    the queries a page sent (tests, the query log)."""
    if sent.startswith("EXECUTE ct_"):
        return _SOURCES.get(sent.split()[1].split("(")[0], sent)
    return sent
