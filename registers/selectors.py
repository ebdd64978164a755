"""Reading the weekly and historic transfer lists (seed 004), for every kind of transfer: only the
shared fields of `Transfer` (the stage, the teams, the dates) are read, never a kind's steps.

Every list is scoped by the cases the user sees (`cases.selectors.visible_case_ids`). Each page
is a constant number of queries: the ids of the list's first thousand rows are read in order
and counted in one query (`cases.paging.CountedSoFar`), then the page's rows read by primary
key (`rows_by_pk`) as values with what a row names, and the assistant team managers (the DTM
column) in one more."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from cases.choices import CareProceedings, LegalStatus
from cases.selectors import Reader, reader_of, rows_of_visible_cases, rows_visible_to
from casetransfer import prepared
from casetransfer.compiled import CompiledOnce
from casetransfer.paths import path_to
from deadlines.calendar import LONDON
from people.models import TeamMembership, User
from people.roles import Role, Scope
from transfers.models import LIVE_STAGES, Transfer, TransferStage
from transfers.selectors import _with_due

from .models import SnapshotRow, WeeklySnapshot

CLOSED_STAGES = [TransferStage.COMPLETED, TransferStage.WITHDRAWN, TransferStage.REFUSED]


@dataclass(frozen=True)
class Week:
    """An ISO week, Monday to Sunday in London time."""

    monday: date

    @classmethod
    def containing(cls, moment: datetime) -> "Week":
        local = moment.astimezone(LONDON).date()
        return cls(local - timedelta(days=local.weekday()))

    @classmethod
    def parse(cls, text: str) -> "Week | None":
        """'2026-W47' (as an HTML week input sends it), or None."""
        try:
            year, number = text.strip().upper().split("-W")
            return cls(date.fromisocalendar(int(year), int(number), 1))
        except (ValueError, AttributeError):
            return None

    @property
    def key(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.monday, datetime.min.time(), tzinfo=LONDON).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The next Monday at midnight, London time (not starts_at + 7 days, which is an hour
        out in a week the clocks change)."""
        monday = self.monday + timedelta(days=7)
        return datetime.combine(monday, datetime.min.time(), tzinfo=LONDON).astimezone(UTC)

    @property
    def label(self) -> str:
        return f"Week of Monday {self.monday.day} {self.monday:%B %Y}"

    def minus(self, weeks: int) -> "Week":
        return Week(self.monday - timedelta(weeks=weeks))


# --- the rows -------------------------------------------------------------------------------


def register_transfers() -> QuerySet[Transfer]:
    """Every transfer, unscoped (callers scope it), with the priority the lists sort by. Read
    its rows with `register_rows`."""
    return _with_due(Transfer.objects.all())


def open_in_week(transfers: QuerySet, week: Week) -> QuerySet:
    """Transfers open at any time in the week: created before it ends and not closed before it
    starts (a closed transfer with no closing time counts as closed long ago)."""
    return _open_between(transfers, week.starts_at, week.ends_at)


def _open_between(transfers: QuerySet, starts_at: datetime, ends_at: datetime) -> QuerySet:
    return transfers.filter(created_at__lt=ends_at).filter(
        Q(stage__in=LIVE_STAGES) | Q(closed_at__gte=starts_at)
    )


def _labels(choices) -> dict[str, str]:
    """Each value's label; callers show a value stored outside the choices as it is, as
    get_..._display does."""
    return {value: str(label) for value, label in choices}


PROCEEDINGS = _labels(CareProceedings.choices)
LEGAL_STATUSES = _labels(LegalStatus.choices)


def legal_proceedings(care_proceedings: str, legal_status: str) -> str:
    """Care proceedings and legal status, where there are any: 'Proceedings issued; Interim care
    order'."""
    parts = []
    if care_proceedings != CareProceedings.NONE:
        parts.append(PROCEEDINGS.get(care_proceedings, care_proceedings))
    if legal_status != LegalStatus.NONE:
        parts.append(LEGAL_STATUSES.get(legal_status, legal_status))
    return "; ".join(parts)


def outcome_of(stage: str, withdrawn_reason: str, decision_note: str) -> str:
    """How a closed transfer ended, with the reason given."""
    if stage == TransferStage.WITHDRAWN:
        return f"Withdrawn: {withdrawn_reason.strip()}" if withdrawn_reason.strip() else "Withdrawn"
    if stage == TransferStage.REFUSED:
        return f"Refused: {decision_note.strip()}" if decision_note.strip() else "Refused"
    if stage == TransferStage.COMPLETED:
        return "Completed"
    return ""


@dataclass(frozen=True)
class RegisterRow:
    """One line of a list, as displayed and exported. `SnapshotRow` has the same attributes, so
    templates and exports read a live row and a frozen one alike."""

    transfer_id: int
    case_id: int
    from_team_id: int | None
    to_team_id: int | None
    case_reference: str
    ics_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    social_worker: str
    deputy_team_managers: str
    team_manager: str
    kind: str
    kind_label: str
    from_team_name: str
    to_team_name: str
    requested_at: datetime | None
    decided_at: datetime | None
    anticipated_on: date | None
    next_due_at: datetime | None
    legal_proceedings: str
    stage: str
    stage_label: str
    state_label: str
    closed_at: datetime | None
    outcome: str = ""

    @property
    def child_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def url(self) -> str:
        return path_to("transfers:detail", self.transfer_id)


# A person named on a row, as read through a foreign key (None, all three, for nobody).
PERSON = ("first_name", "last_name", "username")
# What a row shows straight from the database: the row's attribute, and where it is read from.
_READ = {
    "transfer_id": "pk",
    "case_id": "case_id",
    "from_team_id": "from_team_id",
    "to_team_id": "to_team_id",
    "case_reference": "case__reference",
    "ics_number": "case__ics_number",
    "first_name": "case__first_name",
    "last_name": "case__last_name",
    "date_of_birth": "case__date_of_birth",
    "kind": "kind",
    "from_team_name": "from_team__name",
    "requested_at": "created_at",
    "decided_at": "decided_at",
    "anticipated_on": "anticipated_on",
    "next_due_at": "next_due_at",
    "stage": "stage",
    "closed_at": "closed_at",
}
# What a row works out from the database's values: names, labels, legal proceedings, outcome.
_WORKED_OUT = (
    "to_team__name",
    "status",
    "withdrawn_reason",
    "decision_note",
    "case__current_team_id",
    "case__care_proceedings",
    "case__legal_status",
    *(f"case__allocated_worker__{part}" for part in PERSON),
    *(f"case__current_team__manager__{part}" for part in PERSON),
)


def _name(values: dict, prefix: str) -> str:
    """A person's full name or, failing that, username (as `User.__str__`); "" for nobody (a
    left join's NULLs)."""
    first, last, username = (values[prefix + part] for part in PERSON)
    if username is None:
        return ""
    return f"{first} {last}".strip() or username


# Each team's active assistant (deputy) team managers, by surname: compiled once per number of
# teams (casetransfer.compiled), as the page's rows are.
_deputies = CompiledOnce(
    lambda *team_ids: (
        TeamMembership.objects.filter(
            team_id__in=team_ids,
            user__groups__name=Role.ASSISTANT_TEAM_MANAGER,
            user__is_active=True,
        )
        .order_by("user__last_name", "user__first_name", "pk")
        .values_list("team_id", *(f"user__{part}" for part in PERSON))
    )
)


def _assistant_team_managers(team_ids: set[int]) -> dict[int, str]:
    """The DTM column: each team's active assistant (deputy) team managers, by surname."""
    names: dict[int, list[str]] = {}
    for team_id, *person in _deputies(*sorted(team_ids)):
        names.setdefault(team_id, []).append(_name(dict(zip(PERSON, person, strict=True)), ""))
    return {team_id: ", ".join(people) for team_id, people in names.items()}


def register_rows(transfers: QuerySet[Transfer]) -> list[RegisterRow]:
    """The rows of a list, in the order of `transfers`: read as values, in one query with what
    a row names and one for the deputy team managers, whatever the number of rows. Reading them
    as model instances (seven joined models a row, each set up with its state machines) was
    half the weekly list's Python time (issue 14)."""
    return _rows_of(list(transfers.values(*_COLUMNS)))


# What register_rows reads of a transfer, in order.
_COLUMNS = (*_READ.values(), *_WORKED_OUT)
# A page's transfers read by primary key, compiled once per number of rows
# (casetransfer.compiled): building and compiling the query of thirty columns over six joins
# took 3 ms of the weekly list's 10 for its rows (issue 14).
_by_pk = CompiledOnce(lambda *ids: Transfer.objects.filter(pk__in=ids).values_list(*_COLUMNS))


def _rows_of(read: list[dict]) -> list[RegisterRow]:
    """The rows of `read`, each transfer's values as `_COLUMNS` names them."""
    kinds, statuses, stages = (
        _labels(Transfer._meta.get_field(field).flatchoices)
        for field in ("kind", "status", "stage")
    )
    deputies = _assistant_team_managers({values["case__current_team_id"] for values in read})
    rows = []
    for values in read:
        rows.append(
            RegisterRow(
                **{attribute: values[source] for attribute, source in _READ.items()},
                to_team_name=values["to_team__name"] or "",
                social_worker=_name(values, "case__allocated_worker__"),
                deputy_team_managers=deputies.get(values["case__current_team_id"], ""),
                team_manager=_name(values, "case__current_team__manager__"),
                kind_label=kinds.get(values["kind"], values["kind"]),
                legal_proceedings=legal_proceedings(
                    values["case__care_proceedings"], values["case__legal_status"]
                ),
                stage_label=stages.get(values["stage"], values["stage"]),
                state_label=statuses.get(values["status"], values["status"]),
                outcome=outcome_of(
                    values["stage"], values["withdrawn_reason"], values["decision_note"]
                ),
            )
        )
    return rows


def rows_by_pk(rows: QuerySet | None, ids: list[int]) -> list:
    """The rows of a list's page, in the order of `ids` (the page's slice of the list, sorted
    and counted as ids alone): read by primary key. Joining the tables a row names in the query
    that sorts the list had PostgreSQL spend 14 ms planning it (issue 14). `rows`: the list, a
    query of transfers (None) or of a frozen week's rows."""
    if rows is None or rows.model is Transfer:
        read = [dict(zip(_COLUMNS, values, strict=True)) for values in _by_pk(*ids)]
        found = {row.transfer_id: row for row in _rows_of(read)}
    else:
        found = rows.model.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


# --- sorting --------------------------------------------------------------------------------


def _lifecycle(field: str = "stage") -> Case:
    """Stages in the order a transfer goes through them, rather than alphabetically."""
    order = [*LIVE_STAGES, *CLOSED_STAGES]
    return Case(
        *[When(**{field: stage}, then=Value(i)) for i, stage in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


# The sort keys a URL may name, and what each orders by on a live transfer and on a frozen row.
SORTS: dict[str, tuple[tuple, tuple]] = {
    "ics": (("case__ics_number",), ("ics_number",)),
    "name": (("case__last_name", "case__first_name"), ("last_name", "first_name")),
    "dob": (("case__date_of_birth",), ("date_of_birth",)),
    "worker": (
        ("case__allocated_worker__last_name", "case__allocated_worker__first_name"),
        ("social_worker",),
    ),
    "kind": (("kind",), ("kind",)),
    "from": (("from_team__name",), ("from_team_name",)),
    "to": (("to_team__name",), ("to_team_name",)),
    "requested": (("created_at",), ("requested_at",)),
    "decided": (("decided_at",), ("decided_at",)),
    "anticipated": (("anticipated_on",), ("anticipated_on",)),
    "proceedings": (
        ("case__care_proceedings", "case__legal_status"),
        ("legal_proceedings",),
    ),
    "state": (("lifecycle", "status"), ("lifecycle", "state_label")),
    "due": (("next_due_at",), ("next_due_at",)),
    "closed": (("closed_at",), ("closed_at",)),
}
DEFAULT_SORT = "due"


def sorted_rows(rows: QuerySet, sort: str, descending: bool = False) -> QuerySet:
    """Order by a whitelisted key (an unknown key falls back to the next deadline); empty values
    last either way; the primary key last, so pages do not shuffle."""
    live, frozen = SORTS.get(sort, SORTS[DEFAULT_SORT])
    fields = frozen if rows.model is SnapshotRow else live
    if "lifecycle" in fields:
        rows = rows.annotate(lifecycle=_lifecycle())
    order = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in fields
    ]
    return rows.order_by(*order, "-pk" if descending else "pk")


# --- the lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to. A team matches a transfer from it or to it."""

    team_id: int | None = None
    kind: str = ""
    stage: str = ""


def _filtered(rows: QuerySet, filters: Filters) -> QuerySet:
    if filters.team_id:
        rows = rows.filter(Q(from_team_id=filters.team_id) | Q(to_team_id=filters.team_id))
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.stage:
        rows = rows.filter(stage=filters.stage)
    return rows


def weekly_transfers(
    *,
    user: User | None,
    week: Week,
    filters: Filters = Filters(),
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> QuerySet[Transfer]:
    """The weekly list as it is now: every transfer of every kind open at any time in `week`
    whose case the user may see (every transfer when `user` is None: the snapshot)."""
    reader = None if user is None else reader_of(user)
    return _weekly(reader, week.starts_at, week.ends_at, filters, sort, descending)


def _weekly(
    reader: Reader | None,
    starts_at: datetime,
    ends_at: datetime,
    filters: Filters,
    sort: str,
    descending: bool,
) -> QuerySet[Transfer]:
    rows = _open_between(register_transfers(), starts_at, ends_at)
    if reader is not None:
        rows = rows_visible_to(rows, reader)
    return sorted_rows(_filtered(rows, filters), sort, descending)


def _weekly_ids_of(*args: int | datetime, shape: tuple) -> QuerySet:
    """weekly_ids' query: `args` the reader's id and teams (unless they see every case), the
    week's bounds, and the team filtered by (when one is); `shape` the rest."""
    scope, teams, by_team, kind, stage, sort, descending = shape
    reader = Reader(scope, None)
    if scope not in (None, Scope.ALL):
        reader, args = Reader(scope, args[0], tuple(args[1 : 1 + teams])), args[1 + teams :]
    starts_at, ends_at, *team = args
    filters = Filters(team_id=team[0] if by_team else None, kind=kind, stage=stage)
    return _weekly(reader, starts_at, ends_at, filters, sort, descending).values_list("pk")


_weekly_ids = CompiledOnce(_weekly_ids_of)


def weekly_ids(
    *,
    user: User,
    week: Week,
    limit: int,
    filters: Filters = Filters(),
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> list[int]:
    """The ids of the first `limit` rows of weekly_transfers(user=user, ...), in order: its SQL
    compiled once for each shape of reader and filters (casetransfer.compiled). The query,
    rebuilt on every opening from the reader's branches of visibility and the filters, took 8
    ms to build and compile, against 10 to run, of a service manager's weekly list (issue
    14)."""
    reader = reader_of(user)
    sort = sort if sort in SORTS else DEFAULT_SORT
    shape = (
        reader.scope,
        len(reader.teams),
        bool(filters.team_id),
        filters.kind,
        filters.stage,
        sort,
        descending,
    )
    args = [] if reader.scope in (None, Scope.ALL) else [reader.user_id, *reader.teams]
    args += [week.starts_at, week.ends_at, *([filters.team_id] if filters.team_id else [])]
    try:
        sql, params = _weekly_ids.sql_with_params(*args, shape=shape)
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"{sql} LIMIT %s", params.plus(limit))
        return [pk for (pk,) in cursor.fetchall()]


def snapshot_for(week: Week) -> WeeklySnapshot | None:
    return WeeklySnapshot.objects.filter(week=week.key).first()


def snapshot_rows(
    *,
    user: User,
    snapshot: WeeklySnapshot,
    filters: Filters = Filters(),
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> QuerySet[SnapshotRow]:
    """A frozen week's rows, as they were, but only those whose case the user may see today:
    access follows today's teams, not the teams the reader was in that week."""
    rows = rows_of_visible_cases(snapshot.rows.all(), user)
    return sorted_rows(_filtered(rows, filters), sort, descending)


def search_cases(rows: QuerySet, query: str) -> QuerySet:
    """By name (every word in the first or last name) or exactly by any case number."""
    from cases.selectors import NUMBER_FIELDS

    query = query.strip()
    if not query:
        return rows
    by_number = Q()
    for field in NUMBER_FIELDS:
        by_number |= Q(**{f"case__{field}__iexact": query})
    by_name = Q()
    for word in query.split():
        by_name &= Q(case__first_name__icontains=word) | Q(case__last_name__icontains=word)
    return rows.filter(by_number | by_name)


def historic_transfers(
    *,
    user: User,
    filters: Filters = Filters(),
    query: str = "",
    sort: str = "closed",
    descending: bool = True,
) -> QuerySet[Transfer]:
    """Completed, withdrawn and refused transfers whose case the user may see: the historic
    transfer list (seed 004: a completed transfer moves there)."""
    rows = rows_of_visible_cases(register_transfers().filter(stage__in=CLOSED_STAGES), user)
    rows = search_cases(_filtered(rows, filters), query)
    return sorted_rows(rows, sort, descending)
