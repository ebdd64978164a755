"""Reading transfers for pages: queues, what needs a person's action, timelines."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from audit.models import AuditEvent
from cases.models import Case as ChildCase
from casetransfer.compiled import CompiledOnce, ModelsCompiledOnce
from casetransfer.ranking import OrderedRows, union_of
from casetransfer.request_cache import once_per_request
from deadlines.models import Deadline, DeadlineStatus
from people.models import Team, User
from people.roles import Role
from people.selectors import _teams_in_scope, own_teams, user_scope

from .models import (
    LIVE,
    LIVE_STAGES,
    TEAM_MOVE_KINDS,
    TeamMove,
    Transfer,
    TransferKind,
    TransferStatus,
)

S = TransferStatus


# Whether a case has a transfer in progress, compiled once (casetransfer.compiled).
_live_transfer_of = CompiledOnce(
    lambda case_id: (
        Transfer.objects.filter(case_id=case_id, status__in=LIVE).values_list("pk").order_by()[:1]
    )
)


def has_live_transfer(case_id: int) -> bool:
    """Whether a transfer of the case is in progress: asked once within a GET (a case page's
    buttons ask twice), afresh anywhere else (a service deciding whether to start one reads
    the table itself, under its lock)."""
    return once_per_request(("live_transfer", case_id), lambda: bool(_live_transfer_of(case_id)))


def involved_case_branches(user_id: int, teams: list[int]) -> list[QuerySet]:
    """Cases a transfer involves the user (by id) in, as one query per way of being involved
    (each served by its own index; cases.selectors unions them into one round trip).

    The receiving side (its team, the manager holding or deciding it, the allocated worker)
    sees the case while the transfer is live. The sending side (who asked, the supervisor, the
    sending team's manager) also keeps it once completed: the Early Help worker stays involved
    with the family after allocation (seed 002). Nobody keeps a withdrawn or refused one.
    `teams`: the ids of the teams the user sees."""
    live = Transfer.objects.filter(status__in=LIVE)
    kept = Transfer.objects.filter(status__in=[*LIVE, TransferStatus.COMPLETED])
    return [
        live.filter(to_team__in=teams).values("case_id"),
        *(
            live.filter(**{f"{field}_id": user_id}).values("case_id")
            for field in ("assigned_to", "picked_up_by", "decided_by", "allocated_worker")
        ),
        kept.filter(requested_by_id=user_id).values("case_id"),
        kept.filter(step_up__supervisor_id=user_id).values("case_id"),
        kept.filter(step_up__eh_worker_id=user_id).values("case_id"),
        kept.filter(from_team__in=Team.objects.filter(manager_id=user_id).values("pk")).values(
            "case_id"
        ),
    ]


# The people a transfer page names, by the record holding them (people only: a team, such as
# the step-up's `reassigned_from`, is joined by select_related): read in one query after the
# transfer, where 16 joins to the users table had PostgreSQL spend 14 ms planning a lookup by
# primary key that ran in 2 (issue 14).
PEOPLE_NAMED = {
    "": (
        "requested_by",
        "assigned_to",
        "allocated_worker",
        "decided_by",
        "picked_up_by",
        "sent_by",
        "allocated_by",
        "withdrawn_by",
    ),
    "step_up": (
        "supervisor",
        "eh_worker",
        "eh_decided_by",
        "refusal_accepted_by",
        "escalation_requested_by",
        "new_plan_recorded_by",
    ),
    "team_move": (
        "discussion_with",
        "summary_written_by",
        "summary_signed_off_by",
        "qa_checked_by",
    ),
}


def _attach_people(transfer: Transfer) -> None:
    """Read every person PEOPLE_NAMED names on `transfer`, and its teams' managers (whom its
    next step names), in one query and cache each on its record, as select_related would
    have."""
    holders = []
    for part, names in PEOPLE_NAMED.items():
        holder = getattr(transfer, part, None) if part else transfer
        if holder is not None:
            holders += [(holder, holder._meta.get_field(name)) for name in names]
    manager = Team._meta.get_field("manager")
    holders += [(team, manager) for team in (transfer.from_team, transfer.to_team) if team]
    ids = {getattr(holder, field.attname) for holder, field in holders} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for holder, field in holders:
        field.set_cached_value(holder, people.get(getattr(holder, field.attname)))


def _transfer_with_parts(pk: int) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(pk=pk)
        .select_related(
            "case",
            "from_team",
            "to_team",
            "step_up",
            "step_up__reassigned_from",
            "team_move",
            "cin_to_cic",
        )
        .order_by()[:1]
    )


# Seven joins, built and compiled on every transfer page and step: 5 ms (issue 14).
_read_transfer = ModelsCompiledOnce(_transfer_with_parts)


def transfer_get_for_user(*, user: User, pk: int) -> Transfer | None:
    """The transfer if the user may see its case (else None: the views answer 404)."""
    from cases.selectors import sees_fresh_case

    transfer = _read_transfer.first(pk)
    if transfer is None or not sees_fresh_case(user, transfer.case):
        return None
    _attach_people(transfer)
    return transfer


def _with_due(transfers: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """Annotate whether each transfer is a priority, for sorting after its next deadline (the
    `next_due_at` column, kept by deadlines.services.refresh_next_due: no subquery a row)."""
    return transfers.annotate(
        priority=Case(
            When(Q(urgent=True) | Q(section_47=True), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


# Every list orders by the next deadline first (a request with none, which should not happen
# for a live stage, goes last), then priority.
BY_DEADLINE = (F("next_due_at").asc(nulls_last=True), "-priority")


def duty_queue(user: User) -> QuerySet[Transfer]:
    """Step-ups waiting for Social Care, by discussion deadline (urgent ones fall due first)."""
    own = sorted(team.pk for team in own_teams(user))
    return (
        _with_due(
            Transfer.objects.filter(
                Q(to_team__in=own) | Q(assigned_to=user),
                status__in=[S.WITH_DUTY, S.PICKED_UP],
            )
        )
        .select_related("case", "from_team", "to_team", "assigned_to", "picked_up_by")
        .order_by(*BY_DEADLINE, "-section_47", "sent_at")
    )


def transfers_needing_action(user: User) -> QuerySet[Transfer]:
    """Everything waiting on this person, by the step it is at.

    Each way of waiting is its own query, served by its own index (the supervisor, a team the
    user manages, the worker allocated), and the transfers are the union of their ids: an OR of
    the conditions across joins was tried on every candidate transfer, 100 to 300 ms at 100,000
    cases (issue 14)."""
    waiting = union_of(branch.values("pk") for branch in _waiting_branches(user))
    return (
        _with_due(Transfer.objects.filter(pk__in=waiting))
        .select_related("case", "from_team", "to_team")
        .order_by(*BY_DEADLINE, "created_at")
    )


@dataclass(frozen=True)
class _Teams:
    """The ids of the teams that tie a person to transfers, read once for the many branches
    of "waiting on you" (literal ids, so each branch is quick to build and to plan; a branch
    over no team is left out)."""

    own: list[int]  # belongs to or manages
    managed_by: list[int]  # the team's manager
    managed: list[int]  # its manager, or a TM/ATM in it
    locality: list[int]  # in one of a Locality Lead's localities

    @classmethod
    def of(cls, user: User) -> "_Teams":
        mine = own_teams(user)
        own = sorted(team.pk for team in mine)
        managed_by = sorted(team.pk for team in mine if team.manager_id == user.pk)
        managers = user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)
        locality = []
        if user.has_role(Role.LOCALITY_LEAD):
            localities = {team.locality for team in mine if team.locality}
            locality = sorted(
                Team.objects.filter(locality__in=localities).values_list("pk", flat=True)
            )
        return cls(
            own=own,
            managed_by=managed_by,
            managed=own if managers else managed_by,
            locality=locality,
        )


class _Shape(NamedTuple):
    """What the SQL of "waiting for you" depends on besides ids: the roles that add branches,
    and how many ids each list _waiting_inputs gives holds."""

    managers: bool  # a team manager or an assistant team manager
    team_manager: bool
    own: int
    managed_by: int
    managed: int
    locality: int
    cin_to_cic: int


def _waiting_inputs(user: User) -> tuple[_Shape, list[int]]:
    """The shape of this person's "waiting for you" branches, and the ids they are built from:
    their teams' lists (_Teams), then the Child in Need to Children in Care transfers with a
    step for them, one after the other."""
    teams = _Teams.of(user)
    cin_to_cic = _cin_to_cic_needing(user, teams)
    managers = user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)
    # A person's own teams add branches only for a manager: anyone else's are left out, as
    # an id the SQL does not hold cannot be compiled once.
    own = teams.own if managers else []
    shape = _Shape(
        managers=managers,
        team_manager=user.has_role(Role.TEAM_MANAGER),
        own=len(own),
        managed_by=len(teams.managed_by),
        managed=len(teams.managed),
        locality=len(teams.locality),
        cin_to_cic=len(cin_to_cic),
    )
    ids = [*own, *teams.managed_by, *teams.managed, *teams.locality, *cin_to_cic]
    return shape, ids


def _waiting_branches(user: User) -> list[QuerySet[Transfer]]:
    shape, ids = _waiting_inputs(user)
    return _waiting_branches_of(user.pk, *ids, shape=shape)


def _waiting_branches_of(user_id: int, *ids: int, shape: _Shape) -> list[QuerySet[Transfer]]:
    """The branches of "waiting for you" from the person's id, the ids _waiting_inputs lists
    and their shape alone (nothing else read), so their SQL can be compiled once per shape
    (_waiting_keys)."""
    lists, start = [], 0
    for length in (shape.own, shape.managed_by, shape.managed, shape.locality):
        lists.append(list(ids[start : start + length]))
        start += length
    teams = _Teams(*lists)
    cin_to_cic = list(ids[start:])
    step_ups = Transfer.objects.filter(kind=TransferKind.STEP_UP)
    refusal_open = Q(
        status=S.NOT_AGREED,
        step_up__refusal_accepted_at__isnull=True,
        step_up__escalation_requested_at__isnull=True,
    )
    branches = [
        step_ups.filter(
            status__in=[S.ESCALATION_DISCUSSION, S.READY_TO_SEND], step_up__supervisor=user_id
        ),
        step_ups.filter(refusal_open, step_up__supervisor=user_id),
        step_ups.filter(status__in=[S.WITH_DUTY, S.PICKED_UP], assigned_to=user_id),
        step_ups.filter(status=S.ALLOCATED, allocated_worker=user_id),
        step_ups.filter(
            status__in=[S.ALLOCATED, S.COMPLETED],
            step_up__eh_worker=user_id,
            step_up__joint_visit_at__isnull=True,
        ),
    ]
    if teams.managed_by:
        branches += [
            step_ups.filter(
                status__in=[S.AWAITING_EH_DECISION, S.READY_TO_SEND],
                from_team__in=teams.managed_by,
            ),
            step_ups.filter(refusal_open, from_team__in=teams.managed_by),
        ]
    if teams.locality:
        branches.append(step_ups.filter(refusal_open, from_team__in=teams.locality))
    if teams.own and shape.managers:
        branches.append(
            step_ups.filter(status__in=[S.WITH_DUTY, S.AWAITING_ALLOCATION], to_team__in=teams.own)
        )
        if teams.managed_by:
            branches.append(step_ups.filter(status=S.PICKED_UP, to_team__in=teams.managed_by))
    branches += _team_move_branches(user_id, teams, team_manager=shape.team_manager)
    # A Child in Need to Children in Care transfer is worked out from the step table.
    if cin_to_cic:
        branches.append(Transfer.objects.filter(pk__in=cin_to_cic))
    return branches


# The keys "waiting for you" is ranked by, compiled once per shape: building and compiling
# its ten to twenty branches cost a team manager's home page 15 to 30 ms (issue 14).
_waiting_keys = CompiledOnce(
    lambda user_id, *ids, shape: union_of(
        _with_due(branch).values_list("pk", "next_due_at", "priority", "created_at")
        for branch in _waiting_branches_of(user_id, *ids, shape=shape)
    ),
    generic_plan=True,  # ids alone: PostgreSQL planned it afresh each time, 7 ms (prepared.py)
)


def ranked_needing_action(user: User) -> OrderedRows:
    """transfers_needing_action, read as ranked rows: for the home page panel and the
    "waiting for you" list, which show a page of it and how many there are."""
    shape, ids = _waiting_inputs(user)
    return _ranked_by_due(
        _waiting_keys.sql_with_params(user.pk, *ids, shape=shape), newest_first=False
    )


def ranked_raised_by(user: User) -> OrderedRows:
    """requests_raised_by, read as ranked rows (the home page panel, the "started" list)."""
    keys = (
        requests_raised_by(user)
        .select_related(None)
        .order_by()  # ordered by _ranked_by_due
        .values_list("pk", "next_due_at", "priority", "created_at")
    )
    return _ranked_by_due(keys, newest_first=True)


def _ranked_by_due(keys: QuerySet | tuple[str, list], *, newest_first: bool) -> OrderedRows:
    """Transfers by next deadline, then priority, then age, from `keys`: (id, next deadline,
    priority, created) of each, a union of index-served branches. The order is worked out over
    ids and sort keys alone (a union of keys, not the transfers table joined to a union of
    ids, which read all of it: 18 ms at 100,000 cases), then only the rows shown are read
    whole, joined to the case and teams the transfer table shows (casetransfer.ranking; issue
    14). `keys` is a queryset, or its SQL and parameters as compiled once."""
    age = "DESC" if newest_first else "ASC"
    return OrderedRows(
        keys,
        order=f"2 ASC NULLS LAST, 3 DESC, 4 {age}, 1 {age}",
        fetch=lambda pks: _read_transfers_by_pk(*pks),
    )


def _transfers_by_pk(*pks: int) -> QuerySet[Transfer]:
    return _with_due(Transfer.objects.filter(pk__in=pks)).select_related(
        "case", "from_team", "to_team"
    )


# The rows a panel or list shows, read whole by primary key: compiled once per number of rows.
_read_transfers_by_pk = ModelsCompiledOnce(_transfers_by_pk)


def _managed(user: User) -> list[int]:
    """The ids of the teams whose transfers the user manages (_Teams.managed): literal ids,
    which the planner matches to the (stage, to_team) index, where a subquery of them had it
    guess and scan."""
    return _Teams.of(user).managed


def _team_move_branches(
    user_id: int, teams: _Teams, *, team_manager: bool
) -> list[QuerySet[Transfer]]:
    """Transfers between teams waiting on this person (by id; `team_manager`: they hold that
    role): the receiving managers decide and allocate; the originating side prepares and
    completes."""
    allocated_to_user = ChildCase.objects.filter(allocated_worker=user_id).values("pk")
    moves = Transfer.objects.filter(kind__in=TEAM_MOVE_KINDS)
    summary_to_write = Q(
        team_move__summary_required=True, team_move__summary_written_at__isnull=True
    )
    summary_to_sign = Q(
        team_move__summary_written_at__isnull=False, team_move__summary_signed_off_at__isnull=True
    )
    preparing = Q(status__in=[S.PROPOSED, S.ACCEPTED, S.ALLOCATED])
    branches = [
        moves.filter(preparing & summary_to_write, case__in=allocated_to_user),
        # The case allocated to the user and still with the team it is leaving, as one join
        # from the user's cases (an IN and an EXISTS had the planner walk every allocated
        # move with its case: 28 ms at 100,000 cases; issue 14).
        moves.filter(
            Q(
                status=S.ALLOCATED,
                case__allocated_worker=user_id,
                case__current_team_id=F("from_team_id"),
            )
            & (~Exists(_notifications()) | _joint_visit_missing())
        ),
    ]
    if teams.managed:
        sending = moves.filter(from_team__in=teams.managed)
        branches += [
            moves.filter(status=S.ACCEPTED, to_team__in=teams.managed),
            sending.filter(preparing & summary_to_write),
            # Not QA-checked: no checked move, asked of each accepted move by its key (a join
            # read every move to keep the few accepted here; issue 14).
            sending.filter(status=S.ACCEPTED).exclude(Exists(_qa_checked())),
            sending.filter(status=S.ALLOCATED),
        ]
    if teams.managed_by:
        branches += [
            moves.filter(status=S.PROPOSED, to_team__in=teams.managed_by),
            # Only the sending team's own manager signs the summary off.
            moves.filter(preparing & summary_to_sign, from_team__in=teams.managed_by),
        ]
    if teams.own and team_manager:
        branches.append(moves.filter(status=S.PROPOSED, to_team__in=teams.own))
    return branches


# Steps anyone may take that nobody waits on.
OPTIONAL_STEPS = {
    "Withdraw this request",
    "Enter the first Looked After review date",
    "Escalate to the service manager",
}


def _cin_to_cic_needing(user: User, teams: _Teams) -> list[int]:
    """Child in Need to Children in Care transfers with a step for this person: worked out
    from the same table the buttons come from, over the few live ones they are part of."""
    from .actions import STEPS

    # Only the steps of this kind that wait on someone are worked out: the optional ones cost
    # queries a row.
    waiting_steps = [
        step
        for step in STEPS.values()
        if TransferKind.CIN_TO_CIC in step.kinds and step.label not in OPTIONAL_STEPS
    ]

    # Who can hold a step (transfers.permissions): a manager of either team, a team manager,
    # assistant team manager or social worker in either, the worker allocated to the case or
    # the transfer. Anyone else in the teams (a service manager, say) only has the optional
    # steps, so their teams' transfers are not worked through one by one (issue 14).
    # One round trip for the ids: a union of index-served branches, never an OR across joins
    # (which scans every transfer with its case), the teams as literal ids; then the few
    # transfers themselves (one query of both had PostgreSQL plan for 4.5 ms; issue 14).
    # A manager of a team; in a team, with one of the roles (teams.own holds teams.managed_by).
    either = (
        teams.own
        if user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.SOCIAL_WORKER)
        else teams.managed_by
    )
    # An operational manager's one step is the Children in Care team for a confirmed request
    # (actions.py), for the teams their scope sees.
    scope = (user_scope(user) or "") if user.has_role(Role.OPERATIONAL_MANAGER) else ""
    ids = sorted(pk for (pk,) in _cin_to_cic_ids(user.pk, *either, shape=scope))
    # Asked even for none (no transfer has id 0): the page costs the same queries whether
    # anything waits or not, as the query-count tests check at two data sizes. In no order:
    # compiling the model's own took a tenth of this.
    candidates = _cin_to_cic_candidates(*(ids or [0]))
    from people.selectors import memberships_cached

    with memberships_cached(user):
        return [t.pk for t in candidates if any(step.allowed(t, user) for step in waiting_steps)]


# The few transfers _cin_to_cic_needing works through, compiled once per number of them
# (casetransfer.compiled).
_cin_to_cic_candidates = ModelsCompiledOnce(
    lambda *ids: (
        Transfer.objects.filter(pk__in=ids)
        .select_related("case", "from_team", "to_team", "cin_to_cic")
        .order_by()
    )
)


def _cin_to_cic_branches(user_id: int, *either: int, shape: str) -> QuerySet:
    """The ids of the live Child in Need to Children in Care transfers a person (by id) is part
    of, for _cin_to_cic_needing: `either`, the teams they manage or work in with a role that
    holds steps; `shape`, an operational manager's scope ("" for anyone else). Compiled once
    per shape (_cin_to_cic_ids)."""
    live = Transfer.objects.filter(kind=TransferKind.CIN_TO_CIC, stage__in=LIVE_STAGES).order_by()
    branches = [
        live.filter(case__in=ChildCase.objects.filter(allocated_worker=user_id).values("pk")),
        live.filter(allocated_worker=user_id),
    ]
    if either:
        branches += [live.filter(from_team__in=either), live.filter(to_team__in=either)]
    if shape:
        visible = _teams_in_scope(shape, user_id).values("pk")
        branches.append(live.filter(from_team__in=visible, status=S.CARE_CONFIRMED))
    return union_of(branch.values_list("pk") for branch in branches)


_cin_to_cic_ids = CompiledOnce(_cin_to_cic_branches)


def _qa_checked() -> QuerySet:
    return TeamMove.objects.filter(transfer=OuterRef("pk"), qa_checked_at__isnull=False)


def _notifications() -> QuerySet:
    """Who-was-told records of the transfer: an EXISTS, not a join, so no row repeats."""
    from casework.models import NotificationRecord

    return NotificationRecord.objects.filter(transfer=OuterRef("pk"))


def _joint_visit_missing() -> Q:
    from casework.models import Meeting, MeetingKind

    held = Meeting.objects.filter(
        transfer=OuterRef("pk"), kind=MeetingKind.JOINT_TRANSITION, held_at__isnull=False
    )
    return Q(kind=TransferKind.STEP_ACROSS) & ~Exists(held)


def incoming_transfers(user: User) -> QuerySet[Transfer]:
    """The receiving manager's inbox: live transfers into the teams they manage, of every kind
    but the step-up (the duty queue's), by next deadline."""
    return (
        _with_due(
            # Step-ups arrive through the duty queue; every other kind through the inbox.
            Transfer.objects.filter(
                stage__in=LIVE_STAGES,
                to_team__in=_managed(user),
            ).exclude(kind=TransferKind.STEP_UP)
        )
        .select_related("case", "from_team", "to_team", "requested_by")
        .order_by(*BY_DEADLINE, "created_at")
    )


def requests_raised_by(user: User) -> QuerySet[Transfer]:
    return (
        _with_due(Transfer.objects.filter(requested_by=user, status__in=LIVE))
        .select_related("case", "to_team")
        .order_by(*BY_DEADLINE, "-created_at")
    )


def case_transfers(case) -> list[Transfer]:
    """A case's transfers, as the case page lists them (its SQL compiled once, issue 14)."""
    return _read_transfers_of_case(case.pk)


def _transfers_of_case(case_id: int) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case_id=case_id).select_related(
        "to_team", "from_team", "step_up"
    )


_read_transfers_of_case = ModelsCompiledOnce(_transfers_of_case)


def transfer_timeline(transfer: Transfer) -> list[AuditEvent]:
    """Each step and who took it. The details a step filled in (its before and after) are in the
    case's history, not repeated here as steps of their own."""
    return list(
        AuditEvent.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .exclude(action="stepup.details")
        .select_related("actor")
        .order_by("at", "id")
    )


def transfer_deadlines(transfer: Transfer) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .select_related("owner")
        .order_by("due_at")
    )


def eh_worker_involved(case) -> Transfer | None:
    """After a step-up is allocated the FFP/FSW stays involved (seed 002): the latest such (its
    SQL compiled once: the case page asks it)."""
    return _read_eh_worker_involved.first(case.pk)


def _eh_worker_involved(case_id: int) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(
            case_id=case_id, status__in=[S.ALLOCATED, S.COMPLETED], kind="step_up"
        )
        .select_related("requested_by", "step_up", "step_up__eh_worker")
        .order_by("-allocated_at", "-pk")[:1]
    )


_read_eh_worker_involved = ModelsCompiledOnce(_eh_worker_involved)


def _cin_to_cic_next_step(transfer: Transfer, due) -> "NextStep | None":
    to_manager = transfer.to_team.manager if transfer.to_team else None
    if transfer.status == S.CARE_CONFIRMED:
        return NextStep(
            "Allocate the case to a Children in Care team",
            f"{transfer.requested_by}, Operational Manager",
            due,
        )
    if transfer.status == S.TEAM_ALLOCATED:
        return NextStep(
            "Start the transfer discussion and allocate a social worker",
            f"{to_manager}, {transfer.to_team}",
            due,
        )
    if transfer.status == S.ALLOCATED:
        return NextStep(
            "Finish the steps of the transfer and complete it",
            f"{transfer.from_team.manager}, {transfer.from_team}",
            due,
        )
    return None


def _team_move_next_step(transfer: Transfer, due) -> "NextStep | None":
    to_manager = transfer.to_team.manager if transfer.to_team else None
    from_manager = transfer.from_team.manager
    if transfer.status == S.PROPOSED:
        return NextStep("Accept or decline the transfer", f"{to_manager}, {transfer.to_team}", due)
    if transfer.status == S.ACCEPTED:
        return NextStep(
            "Allocate a worker in the receiving team, while the originating team prepares the "
            "transfer",
            f"{to_manager}, {transfer.to_team}",
            due,
        )
    if transfer.status == S.ALLOCATED:
        return NextStep(
            "Meet the transfer standards and complete the transfer",
            f"{from_manager}, {transfer.from_team}",
            due,
        )
    return None


@dataclass(frozen=True)
class NextStep:
    """Who holds the request now and what they do next, for the people waiting on it."""

    what: str
    who: str
    due_at: datetime | None = None


def _escalation_next_step(transfer: Transfer) -> "NextStep | None":
    """A refusal escalated: the request waits on the escalation's current level."""
    from escalations.models import LIVE_ESCALATION
    from escalations.services import level_holders
    from escalations.services.ladder import level_of

    escalation = (
        transfer.escalations.filter(status__in=LIVE_ESCALATION)
        .select_related("response_deadline", "team", "raised_by")
        .first()
    )
    if escalation is None:
        return None
    level = level_of(escalation)
    holders = ", ".join(str(p) for p in level_holders(escalation)) or "nobody yet"
    deadline = escalation.response_deadline
    return NextStep(
        "Decide the escalation of this refusal",
        f"{level.title if level else 'the next level'} ({holders})",
        deadline.due_at if deadline else None,
    )


def next_step(transfer: Transfer, deadlines=None) -> NextStep | None:
    """The step the request waits on, its owner and its deadline (None when it is over)."""
    step_up = getattr(transfer, "step_up", None)
    open_due = {
        d.kind: d.due_at
        for d in (deadlines if deadlines is not None else transfer_deadlines(transfer))
        if d.status in (DeadlineStatus.OPEN, DeadlineStatus.BREACHED)
    }
    due = min(open_due.values()) if open_due else None
    status = transfer.status
    if status in (S.NOT_AGREED, S.DECLINED):
        escalated = _escalation_next_step(transfer)
        if escalated is not None:
            return escalated
    if transfer.is_team_move:
        return _team_move_next_step(transfer, due)
    if transfer.kind == TransferKind.CIN_TO_CIC:
        return _cin_to_cic_next_step(transfer, due)
    supervisor = step_up.supervisor if step_up else None
    holder = transfer.assigned_to or (transfer.to_team.manager if transfer.to_team else None)
    if status == S.ESCALATION_DISCUSSION:
        return NextStep(
            "Review the escalation discussion and send it to the team manager",
            f"{supervisor}, supervisor",
            due,
        )
    if status == S.AWAITING_EH_DECISION:
        return NextStep(
            "Decide whether the case steps up to Social Care",
            f"{transfer.from_team.manager}, team manager, {transfer.from_team}",
            due,
        )
    if status == S.READY_TO_SEND:
        return NextStep(
            "Send the step-up form to Social Care duty", f"{supervisor}, supervisor", due
        )
    if status == S.WITH_DUTY:
        who = str(transfer.assigned_to) if transfer.assigned_to else f"{transfer.to_team} managers"
        return NextStep("Pick up the request and discuss it with Early Help", who, due)
    if status == S.PICKED_UP:
        return NextStep(
            "Discuss the request with Early Help and record Social Care's decision",
            f"{holder}, {transfer.to_team}",
            due,
        )
    if status == S.AWAITING_ALLOCATION:
        return NextStep("Allocate a social worker", f"{holder}, {transfer.to_team}", due)
    if status == S.ALLOCATED and step_up:
        todo = []
        if not step_up.joint_visit_at:
            todo.append(f"the joint visit with {step_up.eh_worker or transfer.requested_by}")
        if not step_up.ten_day_discussion_at:
            todo.append("the 10-day discussion")
        return NextStep(
            "Record " + " and ".join(todo),
            f"{transfer.allocated_worker}, social worker, {transfer.to_team}",
            due,
        )
    if (
        status == S.NOT_AGREED
        and step_up
        and not (step_up.refusal_accepted_at or step_up.escalation_requested_at)
    ):
        return NextStep(
            "Accept Social Care's decision or escalate it",
            f"{supervisor}, {transfer.from_team.manager} or the Locality Lead",
        )
    return None
