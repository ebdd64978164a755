"""Reading the weekly and historic transfer lists (seed 004), for every kind of transfer: only the
shared fields of `Transfer` (the stage, the teams, the dates) are read, never a kind's steps.

Every list is scoped by the cases the user sees (`cases.selectors.visible_case_ids`). Each page
is a constant number of queries: the page's ids are sorted and counted without a join, then
its rows read by primary key (`rows_by_pk`) with the case, its team and the people named on a
row by `select_related`, and the assistant team managers (the DTM column) by one prefetch."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from cases.choices import CareProceedings, LegalStatus
from cases.selectors import rows_of_visible_cases
from deadlines.calendar import LONDON
from people.models import TeamMembership, User
from people.roles import Role
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


def _assistant_team_managers() -> Prefetch:
    """The DTM column: the case's team's assistant (deputy) team managers, for every row at once."""
    return Prefetch(
        "case__current_team__memberships",
        queryset=TeamMembership.objects.filter(
            user__groups__name=Role.ASSISTANT_TEAM_MANAGER, user__is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name"),
        to_attr="assistant_team_managers",
    )


def register_transfers() -> QuerySet[Transfer]:
    """Every transfer, with what a list row shows, unscoped: callers scope it."""
    return (
        _with_due(Transfer.objects.all())
        .select_related(
            "case",
            "case__allocated_worker",
            "case__current_team",
            "case__current_team__manager",
            "from_team",
            "to_team",
        )
        .prefetch_related(_assistant_team_managers())
    )


def rows_by_pk(rows: QuerySet, ids: list[int]) -> list:
    """The rows of a list's page, in the order of `ids` (the page's slice of the list sorted
    and counted as ids alone): read by primary key with what a row shows. Joining the seven
    tables a row names in the query that sorts the list had PostgreSQL spend 14 ms planning it
    (issue 14)."""
    base = register_transfers() if rows.model is Transfer else rows.model.objects.all()
    found = base.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def open_in_week(transfers: QuerySet, week: Week) -> QuerySet:
    """Transfers open at any time in the week: created before it ends and not closed before it
    starts (a closed transfer with no closing time counts as closed long ago)."""
    return transfers.filter(created_at__lt=week.ends_at).filter(
        Q(stage__in=LIVE_STAGES) | Q(closed_at__gte=week.starts_at)
    )


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


def legal_proceedings(case) -> str:
    """Care proceedings and legal status, where there are any: 'Proceedings issued; Interim care
    order'."""
    parts = []
    if case.care_proceedings != CareProceedings.NONE:
        parts.append(case.get_care_proceedings_display())
    if case.legal_status != LegalStatus.NONE:
        parts.append(case.get_legal_status_display())
    return "; ".join(parts)


def outcome_of(transfer) -> str:
    """How a closed transfer ended, with the reason given."""
    if transfer.stage == TransferStage.WITHDRAWN:
        reason = transfer.withdrawn_reason.strip()
        return f"Withdrawn: {reason}" if reason else "Withdrawn"
    if transfer.stage == TransferStage.REFUSED:
        reason = transfer.decision_note.strip()
        return f"Refused: {reason}" if reason else "Refused"
    if transfer.stage == TransferStage.COMPLETED:
        return "Completed"
    return ""


@dataclass(frozen=True)
class RegisterRow:
    """One line of a list, as displayed and exported. `SnapshotRow` has the same attributes, so
    templates and exports read a live row and a frozen one alike."""

    transfer_id: int
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
        from django.urls import reverse

        return reverse("transfers:detail", args=[self.transfer_id])


def row_values(transfer: Transfer) -> dict:
    """What a row shows for one transfer from `register_transfers()` (no further query)."""
    case = transfer.case
    team = case.current_team
    assistants = getattr(team, "assistant_team_managers", None)
    if assistants is None:  # not prefetched: one transfer on its own
        assistants = list(_assistant_team_managers().queryset.filter(team=team))
    return {
        "transfer_id": transfer.pk,
        "case_reference": case.reference,
        "ics_number": case.ics_number,
        "first_name": case.first_name,
        "last_name": case.last_name,
        "date_of_birth": case.date_of_birth,
        "social_worker": _person(case.allocated_worker),
        "deputy_team_managers": ", ".join(_person(m.user) for m in assistants),
        "team_manager": _person(team.manager),
        "kind": transfer.kind,
        "kind_label": transfer.get_kind_display(),
        "from_team_name": transfer.from_team.name,
        "to_team_name": transfer.to_team.name if transfer.to_team else "",
        "requested_at": transfer.created_at,
        "decided_at": transfer.decided_at,
        "anticipated_on": transfer.anticipated_on,
        "next_due_at": getattr(transfer, "next_due_at", None),
        "legal_proceedings": legal_proceedings(case),
        "stage": transfer.stage,
        "stage_label": transfer.get_stage_display(),
        "state_label": transfer.get_status_display(),
        "closed_at": transfer.closed_at,
    }


def register_row(transfer: Transfer) -> RegisterRow:
    return RegisterRow(**row_values(transfer), outcome=outcome_of(transfer))


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
    rows = open_in_week(register_transfers(), week)
    if user is not None:
        rows = rows_of_visible_cases(rows, user)
    return sorted_rows(_filtered(rows, filters), sort, descending)


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
