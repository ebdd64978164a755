"""A small authority for the transfer lists: two Children in Need teams (north and south) and a
Children in Care team, their managers, and a way to put a transfer of any kind in any stage,
created and closed when a test says."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from cases.choices import CareProceedings, LegalStatus
from cases.models import Case
from cases.tests.factories import CaseFactory
from deadlines.models import Deadline
from deadlines.rules import Kind
from deadlines.services import refresh_next_due
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers.models import STAGE_OF, Transfer, TransferKind, TransferStage, TransferStatus

# Wednesday 18 November 2026, noon in London (GMT): in ISO week 2026-W47, Monday 16 November.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
THIS_WEEK = "2026-W47"

# A status of each stage, whatever the kind (the lists read only the stage and the label).
STATUS_FOR_STAGE = {
    TransferStage.REQUESTED: TransferStatus.PROPOSED,
    TransferStage.AGREED: TransferStatus.ACCEPTED,
    TransferStage.ALLOCATED: TransferStatus.ALLOCATED,
    TransferStage.COMPLETED: TransferStatus.COMPLETED,
    TransferStage.REFUSED: TransferStatus.DECLINED,
    TransferStage.WITHDRAWN: TransferStatus.WITHDRAWN,
}


@dataclass
class World:
    north: Team
    south: Team
    cic: Team
    senior_admin: User
    north_tm: User
    north_dtm: User
    north_sw: User
    south_tm: User
    cic_tm: User
    north_case: Case
    south_case: Case


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(db) -> World:
    north_tm = UserFactory(
        username="northtm", first_name="Nora", last_name="North", roles=[Role.TEAM_MANAGER]
    )
    south_tm = UserFactory(username="southtm", roles=[Role.TEAM_MANAGER])
    cic_tm = UserFactory(
        username="cictm", first_name="Cara", last_name="Care", roles=[Role.TEAM_MANAGER]
    )
    north = TeamFactory(name="CIN North", manager=north_tm)
    south = TeamFactory(name="CIN South", locality="South", manager=south_tm)
    cic = TeamFactory(name="Children in Care", service=Service.CHILDREN_IN_CARE, manager=cic_tm)
    for manager, team in ((north_tm, north), (south_tm, south), (cic_tm, cic)):
        manager.memberships.create(team=team)
    north_dtm = UserFactory(
        username="northdtm",
        first_name="Dee",
        last_name="Deputy",
        roles=[Role.ASSISTANT_TEAM_MANAGER],
        teams=[north],
    )
    north_sw = UserFactory(
        username="northsw",
        first_name="Sam",
        last_name="Worker",
        roles=[Role.SOCIAL_WORKER],
        teams=[north],
    )
    return World(
        north=north,
        south=south,
        cic=cic,
        senior_admin=UserFactory(username="senioradmin", roles=[Role.SENIOR_ADMINISTRATOR]),
        north_tm=north_tm,
        north_dtm=north_dtm,
        north_sw=north_sw,
        south_tm=south_tm,
        cic_tm=cic_tm,
        north_case=CaseFactory(
            current_team=north,
            first_name="Amy",
            last_name="Ashby",
            ics_number="ICS100",
            allocated_worker=north_sw,
            care_proceedings=CareProceedings.ISSUED,
            legal_status=LegalStatus.INTERIM_CARE_ORDER,
        ),
        south_case=CaseFactory(
            current_team=south, first_name="Ben", last_name="Brook", ics_number="ICS200"
        ),
    )


def make_transfer(
    *,
    case: Case,
    to_team: Team | None = None,
    stage: str = TransferStage.REQUESTED,
    kind: str = TransferKind.CIN_TO_CIC,
    created_at: datetime = datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
    closed_at: datetime | None = None,
    due_at: datetime | None = None,
    requested_by: User | None = None,
    **fields,
) -> Transfer:
    """A transfer as the lists see it: only the shared fields. `closed_at` defaults to a day
    after creation for a closed stage."""
    status = STATUS_FOR_STAGE[stage]
    assert STAGE_OF[status] == stage
    if stage not in (TransferStage.REQUESTED, TransferStage.AGREED, TransferStage.ALLOCATED):
        closed_at = closed_at or created_at.replace(day=created_at.day + 1)
    transfer = Transfer.objects.create(
        kind=kind,
        case=case,
        status=status,
        stage=stage,
        from_team=case.current_team,
        to_team=to_team,
        requested_by=requested_by or case.current_team.manager,
        closed_at=closed_at,
        **fields,
    )
    Transfer.objects.filter(pk=transfer.pk).update(created_at=created_at)
    if due_at is not None:
        Deadline.objects.create(
            kind=Kind.TRANSFER_DECISION,
            subject_type=ContentType.objects.get_for_model(Transfer),
            subject_id=str(transfer.pk),
            case=case,
            anchor_at=created_at,
            due_at=due_at,
        )
        # A row written directly, as bulk seeding does: the transfer's next deadline likewise.
        refresh_next_due(ContentType.objects.get_for_model(Transfer), [transfer.pk])
    transfer.refresh_from_db()
    return transfer
