"""Demo data at scale (issue 14): transfers of every kind in every state and their deadlines,
in proportion to the cases, so 100,000 cases bring about 20,000 open transfers; and, on
request, historical deadline rows (met or cancelled) by the million.

Bulk inserts only: no service runs, so nothing is audited row by row and no email is queued.
Like seed_cases, each call tops up to its target, so a run at 10,000 cases and then at 100,000
adds only the difference."""

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from deadlines.models import Deadline, DeadlineStatus
from deadlines.services import refresh_next_due
from people.models import Service, Team, TeamMembership
from transfers.models import (
    LIVE_STAGES,
    STAGE_OF,
    CinToCic,
    StepUp,
    TeamMove,
    Transfer,
    TransferKind,
    TransferStatus,
)

from .demo import DEMO_PREFIX, set_of_team
from .models import Case

S = TransferStatus
K = TransferKind
BATCH = 2000
# Of the demo cases, this share has a live transfer and this share a closed one.
# seed_demo scales transfers from this many cases; a smaller demo keeps its hand-made set.
SCALE_FROM = 1000
OPEN_SHARE = 0.20
CLOSED_SHARE = 0.10
SPREAD = round((OPEN_SHARE + CLOSED_SHARE) * 10)  # cases with pk % 10 below this come first
SCALE_NOTE = "Demo data at scale"

STEP_UP_LIVE = [
    S.ESCALATION_DISCUSSION,
    S.AWAITING_EH_DECISION,
    S.READY_TO_SEND,
    S.WITH_DUTY,
    S.PICKED_UP,
    S.AWAITING_ALLOCATION,
    S.ALLOCATED,
]
STEP_UP_CLOSED = [S.COMPLETED, S.NOT_AGREED, S.EH_NOT_AGREED, S.WITHDRAWN]
TEAM_MOVE_LIVE = [S.PROPOSED, S.ACCEPTED, S.ALLOCATED]
TEAM_MOVE_CLOSED = [S.COMPLETED, S.DECLINED, S.WITHDRAWN]
CIN_TO_CIC_LIVE = [S.CARE_CONFIRMED, S.TEAM_ALLOCATED, S.ALLOCATED]
CIN_TO_CIC_CLOSED = [S.COMPLETED, S.WITHDRAWN]

# The deadline a live transfer waits on, by kind and status.
LIVE_DEADLINE = {
    (K.STEP_UP, S.ESCALATION_DISCUSSION): "eh_review",
    (K.STEP_UP, S.AWAITING_EH_DECISION): "eh_decision",
    (K.STEP_UP, S.READY_TO_SEND): "eh_decision",
    (K.STEP_UP, S.WITH_DUTY): "step_up_standard",
    (K.STEP_UP, S.PICKED_UP): "step_up_standard",
    (K.STEP_UP, S.AWAITING_ALLOCATION): "step_up_allocation",
    (K.STEP_UP, S.ALLOCATED): "joint_visit",
    (K.CIN_TO_CIC, S.CARE_CONFIRMED): "cla_team_allocation",
    (K.CIN_TO_CIC, S.TEAM_ALLOCATED): "cla_sw_allocation",
    (K.CIN_TO_CIC, S.ALLOCATED): "cla_transfer_discussion",
}
TEAM_MOVE_DEADLINE = {
    S.PROPOSED: "transfer_decision",
    S.ACCEPTED: "transfer_allocation",
    S.ALLOCATED: "transfer_completion",
}
HISTORICAL_KINDS = ["joint_visit", "ten_day_discussion", "step_up_standard", "transfer_decision"]


class _TeamSet:
    """One set's teams (cases.demo.team_sets) by the part they play in a transfer."""

    def __init__(self, teams: list[Team]) -> None:
        self.by_service: dict[str, list[Team]] = {}
        for team in teams:
            self.by_service.setdefault(team.service, []).append(team)
        self.duty = self.by_service[Service.SOCIAL_CARE_DUTY][0]
        self.cic = self.by_service[Service.CHILDREN_IN_CARE][0]
        self.social_care = [
            t
            for s in (Service.CHILDREN_IN_NEED, Service.ASSESSMENT, Service.YOUNG_PEOPLE)
            for t in self.by_service.get(s, [])
        ]
        self.early_help = self.by_service[Service.EARLY_HELP] + self.by_service[Service.GRAFT]


class _World:
    """Teams and people the scaled rows point at, looked up once. A transfer stays within its
    case's set of teams, as a county's transfers stay within the county."""

    def __init__(self) -> None:
        teams = list(Team.objects.select_related("manager").order_by("pk"))
        grouped: dict[int, list[Team]] = {}
        for team in teams:
            grouped.setdefault(set_of_team(team.name), []).append(team)
        self.sets = {n: _TeamSet(members) for n, members in grouped.items()}
        self.team = {t.pk: t for t in teams}
        self.members: dict[int, list[int]] = {}
        for team_id, user_id in TeamMembership.objects.values_list("team_id", "user_id"):
            self.members.setdefault(team_id, []).append(user_id)

    def set_for(self, team: Team) -> _TeamSet:
        return self.sets[set_of_team(team.name)]

    def manager(self, team: Team) -> int:
        return team.manager_id or self.members[team.pk][0]

    def member(self, rng: random.Random, team: Team) -> int:
        return rng.choice(self.members.get(team.pk) or [self.manager(team)])


def _kind_for(rng: random.Random, team: Team, world: _World) -> tuple[str, Team]:
    """Which kind of transfer a case in `team` makes, and to which team of its set."""
    teams = world.set_for(team)
    if team.service in (Service.EARLY_HELP, Service.GRAFT):
        return K.STEP_UP, teams.duty
    if team.service in (Service.YOUTH_AND_FAMILY, Service.CHILDRENS_CENTRE):
        return K.STEP_ACROSS, rng.choice(teams.early_help)
    if team.service == Service.CHILDREN_IN_CARE:
        return K.TEAM_TRANSFER, rng.choice(teams.social_care)
    roll = rng.random()
    # Few children come into care at once: a county has tens of these live, not thousands.
    if roll < 0.03:
        return K.CIN_TO_CIC, teams.cic
    if roll < 0.5:
        return K.STEP_DOWN, rng.choice(teams.early_help)
    others = [t for t in teams.social_care if t.pk != team.pk] or teams.social_care
    return K.TEAM_TRANSFER, rng.choice(others)


def _statuses(kind: str, live: bool) -> list[str]:
    if kind == K.STEP_UP:
        return STEP_UP_LIVE if live else STEP_UP_CLOSED
    if kind == K.CIN_TO_CIC:
        return CIN_TO_CIC_LIVE if live else CIN_TO_CIC_CLOSED
    return TEAM_MOVE_LIVE if live else TEAM_MOVE_CLOSED


def _transfer(rng, case_row, live: bool, world: _World, now) -> Transfer:
    pk, team_id, worker_id = case_row
    from_team = world.team[team_id]
    kind, to_team = _kind_for(rng, from_team, world)
    status = rng.choice(_statuses(kind, live))
    created = now - timedelta(days=rng.randint(1, 60 if live else 360), hours=rng.randint(0, 23))
    requester = worker_id or world.member(rng, from_team)
    receiving_manager = world.manager(to_team)
    reached_duty = kind == K.STEP_UP and status not in (
        S.ESCALATION_DISCUSSION,
        S.AWAITING_EH_DECISION,
        S.READY_TO_SEND,
        S.EH_NOT_AGREED,
        S.WITHDRAWN,
    )
    picked_up = reached_duty and status != S.WITH_DUTY
    decided = status in (S.AWAITING_ALLOCATION, S.ALLOCATED, S.COMPLETED, S.NOT_AGREED)
    allocated = status in (S.ALLOCATED, S.COMPLETED)
    closed = STAGE_OF[status] not in LIVE_STAGES
    return Transfer(
        kind=kind,
        case_id=pk,
        status=status,
        stage=STAGE_OF[status],
        from_team=from_team,
        to_team=to_team,
        requested_by_id=requester,
        assigned_to_id=receiving_manager if status == S.PICKED_UP else None,
        urgent=rng.random() < 0.1,
        section_47=kind == K.STEP_UP and rng.random() < 0.05,
        sent_at=created + timedelta(days=1) if reached_duty else None,
        sent_by_id=requester if reached_duty else None,
        picked_up_by_id=receiving_manager if picked_up else None,
        picked_up_at=created + timedelta(days=2) if picked_up else None,
        decided_at=created + timedelta(days=3) if decided else None,
        decided_by_id=receiving_manager if decided else None,
        allocated_worker_id=world.member(rng, to_team) if allocated else None,
        allocated_at=created + timedelta(days=5) if allocated else None,
        allocated_by_id=receiving_manager if allocated else None,
        anticipated_on=(created + timedelta(days=rng.randint(7, 42))).date(),
        withdrawn_by_id=requester if status == S.WITHDRAWN else None,
        withdrawn_reason=SCALE_NOTE if status == S.WITHDRAWN else "",
        closed_at=created + timedelta(days=rng.randint(6, 40)) if closed else None,
    )


def _details(transfer: Transfer, rng, world: _World, now):
    if transfer.kind == K.STEP_UP:
        return StepUp(
            transfer_id=transfer.pk,
            supervisor_id=world.manager(transfer.from_team),
            eh_worker_id=transfer.requested_by_id,
            # A completed step-up had its joint visit and 10-day discussion.
            joint_visit_at=transfer.closed_at if transfer.status == S.COMPLETED else None,
            ten_day_discussion_at=transfer.closed_at if transfer.status == S.COMPLETED else None,
            concerns=SCALE_NOTE,
            work_tried=SCALE_NOTE,
            why_now=SCALE_NOTE,
        )
    if transfer.kind == K.CIN_TO_CIC:
        return CinToCic(
            transfer_id=transfer.pk,
            panel_confirmed_on=(now - timedelta(days=rng.randint(1, 30))).date(),
            first_lac_review_on=(now + timedelta(days=rng.randint(5, 28))).date(),
        )
    return TeamMove(transfer_id=transfer.pk, reason=SCALE_NOTE)


def _deadline(transfer: Transfer, rng, world: _World, now, transfer_type) -> Deadline:
    live = transfer.stage in LIVE_STAGES
    if transfer.kind in (K.STEP_UP, K.CIN_TO_CIC):
        kind = LIVE_DEADLINE.get((transfer.kind, transfer.status), "joint_visit")
    else:
        kind = TEAM_MOVE_DEADLINE.get(transfer.status, "transfer_decision")
    due = now + timedelta(hours=rng.randint(-5 * 24, 20 * 24)) if live else transfer.closed_at
    status = DeadlineStatus.OPEN
    if not live:
        status = DeadlineStatus.MET if transfer.status == S.COMPLETED else DeadlineStatus.CANCELLED
    elif due < now:
        status = DeadlineStatus.BREACHED
    holder = transfer.to_team if transfer.status in (S.WITH_DUTY, S.PICKED_UP) else None
    owner_team = holder or transfer.to_team or transfer.from_team
    owner = transfer.assigned_to_id or transfer.allocated_worker_id or world.manager(owner_team)
    return Deadline(
        kind=kind,
        subject_type=transfer_type,
        subject_id=str(transfer.pk),
        case_id=transfer.case_id,
        anchor_at=due - timedelta(days=5),
        due_at=due,
        status=status,
        owner_id=owner,
        owner_team=owner_team,
        remind_at=due - timedelta(days=1) if live else None,
        reminded_at=due - timedelta(days=1) if status == DeadlineStatus.BREACHED else None,
        breached_at=due if status == DeadlineStatus.BREACHED else None,
        escalate_at=due + timedelta(hours=24) if live else None,
        met_at=due if status == DeadlineStatus.MET else None,
        cancelled_at=due if status == DeadlineStatus.CANCELLED else None,
    )


def scale_transfers(*, cases: int) -> int:
    """Top the demo's transfers up to OPEN_SHARE live and CLOSED_SHARE closed of `cases`, each
    with its deadline. Returns how many transfers were created."""
    world = _World()
    now = timezone.now()
    transfer_type = ContentType.objects.get_for_model(Transfer)
    live_wanted = int(cases * OPEN_SHARE) - Transfer.objects.filter(stage__in=LIVE_STAGES).count()
    closed_wanted = (
        int(cases * CLOSED_SHARE) - Transfer.objects.exclude(stage__in=LIVE_STAGES).count()
    )
    if live_wanted <= 0 and closed_wanted <= 0:
        return 0
    free = list(
        Case.objects.filter(reference__startswith=DEMO_PREFIX)
        .exclude(Q(transfers__isnull=False))
        .order_by("pk")
        .values_list("pk", "current_team_id", "allocated_worker_id")
    )
    plan = [True] * max(live_wanted, 0) + [False] * max(closed_wanted, 0)
    # Spread over the cases, three in every ten first, so each set of teams (and each
    # caseload) has its share, and a top-up leaves the cases already seeded as they were.
    spread = [row for row in free if row[0] % 10 < SPREAD] + [
        row for row in free if row[0] % 10 >= SPREAD
    ]
    rows = spread[: len(plan)]
    random.Random(len(rows)).shuffle(plan)  # noqa: S311 -- demo data, the same every run
    created = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        # The same case, the same row (a string seed: consecutive integers give similar starts).
        rngs = [random.Random(f"scale-{row[0]}") for row in chunk]  # noqa: S311
        transfers = [
            _transfer(rng, row, plan[start + i], world, now)
            for i, (rng, row) in enumerate(zip(rngs, chunk, strict=True))
        ]
        with transaction.atomic():
            Transfer.objects.bulk_create(transfers, batch_size=BATCH)
            if connection.vendor != "postgresql":  # SQLite does not return the new ids
                by_case = dict(
                    Transfer.objects.filter(case_id__in=[t.case_id for t in transfers]).values_list(
                        "case_id", "pk"
                    )
                )
                for transfer in transfers:
                    transfer.pk = by_case[transfer.case_id]
            details = [_details(t, rng, world, now) for t, rng in zip(transfers, rngs, strict=True)]
            for model in (StepUp, CinToCic, TeamMove):
                model.objects.bulk_create([d for d in details if isinstance(d, model)])
            Deadline.objects.bulk_create(
                [
                    _deadline(t, rng, world, now, transfer_type)
                    for t, rng in zip(transfers, rngs, strict=True)
                ],
                batch_size=BATCH,
            )
            # Written as rows, not through the services: their next deadline likewise.
            refresh_next_due(transfer_type, [t.pk for t in transfers])
            _spread_created_at(transfers, now)
        created += len(transfers)
    return created


def _spread_created_at(transfers: list[Transfer], now) -> None:
    """bulk_create stamps every row `now`; a transfer was opened a few days to months ago."""
    for transfer in transfers:
        rng = random.Random(f"opened-{transfer.pk}")  # noqa: S311 -- demo data
        opened = (transfer.closed_at or now) - timedelta(days=rng.randint(5, 50))
        transfer.created_at = min(opened, transfer.sent_at or opened)
    Transfer.objects.bulk_update(transfers, ["created_at"], batch_size=BATCH)


def add_historical_deadlines(count: int) -> int:
    """`count` met or cancelled deadlines on demo cases, due over the past three years: the
    history a county builds up. On PostgreSQL one INSERT ... SELECT from generate_series."""
    if count <= 0:
        return 0
    case_type = ContentType.objects.get_for_model(Case)
    ids = list(
        Case.objects.filter(reference__startswith=DEMO_PREFIX)
        .order_by("pk")
        .values_list("pk", "current_team_id", "allocated_worker_id")[:5000]
    )
    if not ids:
        return 0
    world = _World()
    if connection.vendor == "postgresql":
        _historical_deadlines_sql(count, ids, case_type.pk, world)
        return count
    now = timezone.now()
    made = 0
    while made < count:
        rows = []
        for n in range(made, min(made + BATCH, count)):
            pk, team_id, worker_id = ids[n % len(ids)]
            due = now - timedelta(hours=24 + n % (3 * 365 * 24))
            met = n % 5 != 0
            rows.append(
                Deadline(
                    kind=HISTORICAL_KINDS[n % len(HISTORICAL_KINDS)],
                    subject_type_id=case_type.pk,
                    subject_id=str(pk),
                    case_id=pk,
                    anchor_at=due - timedelta(days=5),
                    due_at=due,
                    status=DeadlineStatus.MET if met else DeadlineStatus.CANCELLED,
                    owner_id=worker_id or world.manager(world.team[team_id]),
                    owner_team_id=team_id,
                    met_at=due if met else None,
                    cancelled_at=None if met else due,
                )
            )
        Deadline.objects.bulk_create(rows, batch_size=BATCH)
        made += len(rows)
    return made


def _historical_deadlines_sql(count: int, ids, case_type_id: int, world: _World) -> None:
    owners = [(pk, worker or world.manager(world.team[team]), team) for pk, team, worker in ids]
    table = Deadline._meta.db_table
    kinds = "ARRAY[" + ",".join(f"'{k}'" for k in HISTORICAL_KINDS) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        # Every row points at cases, users and teams read just above: skip the 4 foreign-key
        # checks a row (a bulk load's usual step; needs a superuser, else they run).
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE scale_owner (n int, case_id bigint, owner_id bigint, team_id bigint)"
            " ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO scale_owner SELECT * FROM unnest(%s::int[], %s::bigint[], %s::bigint[],"
            " %s::bigint[])",
            [list(range(len(owners))), *(list(column) for column in zip(*owners, strict=True))],
        )
        # Each column's expression; any other column (added later) gets its model default.
        expressions = {
            "kind": f"({kinds})[1 + g %% {len(HISTORICAL_KINDS)}]",
            "subject_type_id": str(int(case_type_id)),
            "subject_id": "o.case_id::text",
            "case_id": "o.case_id",
            "anchor_at": "d.due - interval '5 days'",
            "due_at": "d.due",
            "status": "CASE WHEN g %% 5 = 0 THEN 'cancelled' ELSE 'met' END",
            "owner_id": "o.owner_id",
            "owner_team_id": "o.team_id",
            "met_at": "CASE WHEN g %% 5 = 0 THEN NULL ELSE d.due END",
            "cancelled_at": "CASE WHEN g %% 5 = 0 THEN d.due ELSE NULL END",
            "created_at": "d.due - interval '5 days'",
        }
        columns, values, params = [], [], []
        for field in Deadline._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(field.column)
            if field.column in expressions:
                values.append(expressions[field.column])
            else:
                values.append("%s")
                params.append(field.get_db_prep_save(field.get_default(), connection))
        cursor.execute(
            f"""
            INSERT INTO {table} ({", ".join(columns)})
            SELECT {", ".join(values)}
            FROM generate_series(0, %s - 1) AS g
            JOIN scale_owner o ON o.n = g %% %s
            CROSS JOIN LATERAL (
                SELECT now() - interval '1 day' - (g %% (3 * 365 * 24)) * interval '1 hour' AS due
            ) d
            """,  # noqa: S608 -- table, columns and expressions are ours, values are parameters
            [*params, count, len(owners)],
        )
        cursor.execute(f"ANALYZE {table}")
