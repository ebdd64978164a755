"""Reads asked on nearly every signed-in page, compiled by the ORM once per process.

Django builds and compiles a queryset afresh each time it runs: resolving its filters and
joins, then writing its SQL. For the small queries every signed-in page asks (the reader's
roles and permissions, their own teams, the teams their scope sees) that costs five to eight
times the query itself: on a 2-core machine 2.4 ms to compile a 0.4 ms read; and the eleven
ways a reader can be involved in a case outside their teams, which every list of cases is
filtered by, took longer to build than the search they filter ran (issue 14). `CompiledOnce`
keeps the SQL the ORM wrote the first time, and afterwards sends it (or writes it into another
query) with the call's own parameters.

Only a query whose shape is the same for every call may be compiled once: its SQL must depend
on its arguments' values alone, each of which the ORM passes as a parameter (a list of ids
changes the shape with its length: the SQL is kept for each). The first call checks that it
does (each argument found among the parameters, never in the SQL's text) and raises
otherwise, so a query that cannot be kept fails its tests rather than answering wrongly.

A query built from more than ids (which of its branches a person's roles add, how many ids
each of several lists holds) is given that as its `shape`: a hashable value, passed to the
build with the ids and read by nothing else, under which its SQL is kept. The build must read
no other input: what it is not given cannot change its SQL.
"""

import copy
import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery

from casetransfer import prepared

# Stand-ins for the arguments while the query is compiled: integers no table holds as a key,
# so a parameter equal to one was put there by its argument; for a time, a moment no row
# records (a microsecond apart each).
_MARKER_BASE = -7_340_271_000
_MARKER_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


_MARKER_TEXT = "\x1fcompiled once {}\x1f"  # text no column holds (a unit separator either side)


def _kind(arg: Any) -> str:
    return "time" if isinstance(arg, datetime) else "text" if isinstance(arg, str) else "int"


def _marker(i: int, kind: str) -> int | datetime | str:
    if kind == "time":
        return _MARKER_TIME + timedelta(microseconds=i)
    if kind == "text":
        return _MARKER_TEXT.format(i)
    return _MARKER_BASE - i


# A text argument matched as part of a column's value (`contains`, `startswith`, `endswith`)
# is passed in a LIKE pattern the ORM makes of it, escaped: found there, and each call's
# argument written into the same pattern.
_LIKE_PATTERNS = ("%{}%", "{}%", "%{}")


def _argument_of(param: Any, passed: list) -> tuple[int | None, str | None]:
    """Which argument a parameter of the compiled SQL is (None: a constant of the query), and
    the LIKE pattern it is written into, if any."""
    if param in passed:
        return passed.index(param), None
    if isinstance(param, str):
        for position, marker in enumerate(passed):
            if not isinstance(marker, str):
                continue
            for pattern in _LIKE_PATTERNS:
                if param == pattern.format(marker):
                    return position, pattern
    return None, None


class Params(list):
    """A call's parameters, and which of them are the same in every call (`fixed`: the query's
    own constants, not its arguments), which a prepared statement writes in (prepared.py)."""

    def __init__(
        self, *args, fixed: tuple[bool, ...] = (), generic: bool = False, custom: bool = False
    ):
        super().__init__(*args)
        self.fixed = fixed
        self.generic = generic  # CompiledOnce(generic_plan=True): one plan for every call
        self.custom = custom  # CompiledOnce(custom_plan=True): planned for each call's values

    def plus(self, *values) -> "Params":
        """These parameters with `values` after them, which differ call to call (a LIMIT)."""
        fixed = (*self.fixed, *(False for _ in values))
        return Params([*self, *values], fixed=fixed, generic=self.generic, custom=self.custom)


class _Compiled(NamedTuple):
    sql: str | None  # None: the query matches nothing, whatever its arguments
    params: tuple
    positions: list[int | None]  # for each parameter, the argument it is, or None
    converters: dict  # column -> (converters, expression), as the ORM has them
    adapt: Callable[[datetime], Any] | None = None  # a time argument, as the ORM passes it
    built: QuerySet | None = None  # the queryset compiled, and its compiler (ModelsCompiledOnce)
    compiler: Any = None
    generic: bool = False  # planned once for every call's values (CompiledOnce.generic_plan)
    # For each parameter, the LIKE pattern its text argument is written into ("%{}%" for
    # `contains`), or None; and how the backend escapes text for LIKE, as the ORM does.
    patterns: tuple[str | None, ...] = ()
    like: Callable[[str], str] | None = None

    def params_for(self, args: tuple, *, generic: bool = False, custom: bool = False) -> "Params":
        """The SQL's parameters for a call: its arguments where the markers stood (a time as
        the database's backend adapts it, as the ORM did the marker's)."""
        fixed = tuple(position is None for position in self.positions)
        params = Params(fixed=fixed, generic=generic, custom=custom)
        for i, position in enumerate(self.positions):
            if position is None:
                params.append(self.params[i])
            elif self.patterns and self.patterns[i]:
                params.append(self.patterns[i].format(self.like(args[position])))
            elif isinstance(args[position], datetime):
                params.append(self.adapt(args[position]))
            else:
                params.append(args[position])
        return params


class CompiledOnce:
    """`build(*ids)` -> a `values_list` queryset whose arguments are integers (primary keys),
    aware datetimes (times compared with a column) or text, compared as it is (a case's
    reference: `reference=...`) or as part of a value (`last_name__contains=...`: the LIKE
    pattern the ORM makes of it; text the build changes first, `text.upper()`, is not the
    argument, and the first call refuses it). Calling it runs the query and returns
    its rows as tuples, the values converted as the ORM converts them; the SQL is the ORM's,
    compiled on the first call per database, number (and kind) of arguments and shape
    (`build(*ids, shape=shape)` when one is given). `sql_with_params` gives the SQL to write
    into another query instead."""

    # The SQL kept for at most this many shapes and lengths of arguments: a list of ids as
    # long as a person's waiting transfers is one more each length, so a long-running worker
    # would otherwise keep more and more; past it, all is compiled afresh as it is asked.
    MAX_KEPT = 256

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        generic_plan: bool | Callable[[Hashable], bool] = False,
        custom_plan: bool = False,
    ):
        self.build = build
        # Whether PostgreSQL is to keep one plan for every call's values (prepared.py): for a
        # query of ids alone, whose plan is the same whatever they are. Or to plan every call
        # for its values (`custom_plan`): for a query whose best plan its values choose (a
        # time that decides whether an index in that order finds its rows at once), where
        # PostgreSQL's estimates would have it keep one plan for all. `generic_plan` may be
        # asked of some shapes only: a function of the shape, true for those.
        self.generic_plan = generic_plan
        self.custom_plan = custom_plan
        self._compiled: dict[tuple[str, str, int], _Compiled] = {}
        self._lock = threading.Lock()

    def sql_with_params(
        self, *args: int | datetime | str, using: str = DEFAULT_DB_ALIAS, shape: Hashable = None
    ) -> tuple[str, list]:
        """The query's SQL and this call's parameters, to run or to write into another query.
        Raises EmptyResultSet, as the ORM's compiler does, for a query that can match nothing
        (`pk__in` an empty list): there is no SQL to send."""
        compiled = self._compiled_for(args, using, shape)
        if compiled.sql is None:
            raise EmptyResultSet
        return compiled.sql, self._params(compiled, args)

    def __call__(
        self, *args: int | datetime | str, using: str = DEFAULT_DB_ALIAS, shape: Hashable = None
    ) -> list[tuple[Any, ...]]:
        connection = connections[using]
        compiled = self._compiled_for(args, using, shape)
        if compiled.sql is None:
            return []
        with connection.cursor() as cursor:
            params = self._params(compiled, args)
            prepared.execute(cursor, compiled.sql, params)
            rows = cursor.fetchall()
        if not compiled.converters:
            return rows
        converters = list(compiled.converters.items())
        converted = []
        for row in rows:
            row = list(row)
            for column, (convs, expression) in converters:
                value = row[column]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[column] = value
            converted.append(tuple(row))
        return converted

    def _params(self, compiled: _Compiled, args: tuple) -> Params:
        return compiled.params_for(args, generic=compiled.generic, custom=self.custom_plan)

    def _generic_for(self, shape: Hashable) -> bool:
        if callable(self.generic_plan):
            return bool(self.generic_plan(shape))
        return self.generic_plan

    def _compiled_for(self, args: tuple, using: str, shape: Hashable) -> _Compiled:
        # A query may take a list of ids as its last arguments (`build(user_id, *team_ids)`):
        # its SQL is kept for each number of arguments (which of them are times or text, and
        # shape).
        kinds = tuple(_kind(arg) for arg in args)
        key = (using, connections[using].vendor, kinds, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(kinds, using, shape)
                if len(self._compiled) >= self.MAX_KEPT:
                    self._compiled.clear()
                self._compiled[key] = compiled
        return compiled

    def _compile(self, kinds: tuple[str, ...], using: str, shape: Hashable) -> _Compiled:
        arity = len(kinds)
        adapt = connections[using].ops.adapt_datetimefield_value
        markers = [_marker(i, kind) for i, kind in enumerate(kinds)]
        built = self.build(*markers) if shape is None else self.build(*markers, shape=shape)
        compiler = self._compiler(built, using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # it matches nothing whatever its arguments' values...
            self._check_empty(kinds, using, shape)
            return _Compiled(None, (), [], {})
        # As the ORM passes them: a time is adapted for the backend (a string on SQLite).
        passed = [adapt(m) if k == "time" else m for m, k in zip(markers, kinds, strict=True)]
        found = [_argument_of(p, passed) for p in params]
        positions = [position for position, _ in found]
        patterns = tuple(pattern for _, pattern in found)
        missing = set(range(arity)) - set(positions)
        if missing or any(str(marker) in sql for marker in passed):
            raise ValueError(
                f"{self.build.__qualname__}: its SQL is not the same for every call "
                f"(arguments {sorted(missing)} are not parameters); it cannot be compiled once"
            )
        converters = self._converters(compiler)
        generic = self._generic_for(shape)
        like = connections[using].ops.prep_for_like_query
        return _Compiled(
            sql,
            tuple(params),
            positions,
            converters,
            adapt,
            built,
            compiler,
            generic,
            patterns,
            like,
        )

    def _check_empty(self, kinds: tuple[str, ...], using: str, shape: Hashable) -> None:
        """...unless it was the stand-ins that matched nothing: a number compared with a small
        integer column is checked against the column's range first, and the stand-in for a
        number is out of it. Built again with numbers a column could hold, a query that then has
        SQL is refused."""
        plain = [1 if kind == "int" else _marker(i, kind) for i, kind in enumerate(kinds)]
        built = self.build(*plain) if shape is None else self.build(*plain, shape=shape)
        try:
            self._compiler(built, using).as_sql()
        except EmptyResultSet:
            return
        raise ValueError(
            f"{self.build.__qualname__}: a number it compares with a small integer column "
            "makes it match nothing while it is compiled; pass that number as a Value"
        )

    def _compiler(self, built: QuerySet, using: str):
        return built.query.get_compiler(using=using)

    def _converters(self, compiler) -> dict:
        fields = [column for column, _, _ in compiler.select[: compiler.col_count]]
        return compiler.get_converters(fields)


class ModelsCompiledOnce(CompiledOnce):
    """CompiledOnce for a queryset of model instances: `build(*ids)` -> a queryset of a model
    (its select_related joins and annotations as the ORM reads them); calling it runs the SQL
    compiled on the first call and returns the instances, built by the ORM's own iterable from
    the first call's compiler (which columns are which model's, and their converters), with
    this call's parameters. What a home page panel reads whole by primary key (a transfer and
    its case and teams, a deadline and its case, owner and team) took longer to build and
    compile than to read: 3 of a panel's 6 ms (issue 14).

    The instances come as a list: the queryset is not sliced, counted or filtered further. A
    build that prefetches has its prefetches read by the ORM as usual (built on each call)."""

    def __call__(
        self, *args: int | datetime | str, using: str = DEFAULT_DB_ALIAS, shape: Hashable = None
    ) -> list:
        compiled = self._compiled_for(args, using, shape)
        if compiled.sql is None:
            return []
        # The first call's compiler, on this thread's connection, answering with this call's
        # parameters; the queryset's clone asks it for its SQL (ModelIterable).
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection = connections[using]
        with connection.cursor() as cursor:  # prepared once per connection (prepared.py)
            sent = prepared.statement(cursor, compiled.sql, self._params(compiled, args))
        compiler.as_sql = lambda *_, **__: sent
        queryset = compiled.built.all()
        queryset.query.get_compiler = lambda *_, **__: compiler
        return list(queryset)

    def first(
        self, *args: int | datetime | str, using: str = DEFAULT_DB_ALIAS, shape: Hashable = None
    ):
        """The first instance the query reads (its build slices it to one), or None."""
        rows = self(*args, using=using, shape=shape)
        return rows[0] if rows else None


class UpdateCompiledOnce(CompiledOnce):
    """CompiledOnce for an UPDATE: `build(*args)` -> (queryset, {field: value}), the statement
    `queryset.update(**values)` sends, its values given by the arguments too. Calling it runs
    that statement with the call's arguments, committed as `update()` is (at once outside a
    transaction), and returns how many rows it changed. An outbox worker records each email's
    hand-off to the mail server with one; built and compiled by the ORM for every email, it was
    a sixth of the worker's time (issue 14)."""

    def __call__(self, *args: int | datetime | str, using: str = DEFAULT_DB_ALIAS) -> int:
        compiled = self._compiled_for(args, using, None)
        if compiled.sql is None:
            return 0
        with connections[using].cursor() as cursor:
            prepared.execute(cursor, compiled.sql, self._params(compiled, args))
            return cursor.rowcount

    def _compiler(self, built: tuple[QuerySet, dict], using: str):
        queryset, values = built
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        return query.get_compiler(using=using)

    def _converters(self, compiler) -> dict:
        return {}  # an UPDATE returns no rows
