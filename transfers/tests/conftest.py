"""A small authority for step-up tests, and a way to walk a step-up to any stage."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from cases.choices import PlanType
from cases.models import Case
from cases.tests.factories import CaseFactory
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services
from transfers.models import Transfer, TransferStatus


@dataclass
class World:
    eh: Team
    graft: Team
    duty: Team
    cin: Team
    ffp: User
    supervisor: User
    eh_tm: User
    graft_tm: User
    graft_worker: User
    duty_tm: User
    duty_atm: User
    sw: User
    cin_tm: User
    cin_sw: User
    service_manager: User
    locality_lead: User
    outsider: User
    case: Case


@pytest.fixture
def world(db) -> World:
    eh_tm = UserFactory(username="ehtm", roles=[Role.TEAM_MANAGER])
    graft_tm = UserFactory(username="grafttm", roles=[Role.TEAM_MANAGER])
    duty_tm = UserFactory(username="dutytm", roles=[Role.TEAM_MANAGER])
    cin_tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    eh = TeamFactory(name="EH North", service=Service.EARLY_HELP, locality="North", manager=eh_tm)
    graft = TeamFactory(name="Graft", service=Service.GRAFT, locality="North", manager=graft_tm)
    duty = TeamFactory(
        name="SC Duty", service=Service.SOCIAL_CARE_DUTY, locality="", manager=duty_tm
    )
    cin = TeamFactory(
        name="CIN North", service=Service.CHILDREN_IN_NEED, locality="North", manager=cin_tm
    )
    for manager, team in ((eh_tm, eh), (graft_tm, graft), (duty_tm, duty), (cin_tm, cin)):
        manager.memberships.create(team=team)
    world = World(
        eh=eh,
        graft=graft,
        duty=duty,
        cin=cin,
        ffp=UserFactory(username="ffp", roles=[Role.FFP], teams=[eh]),
        supervisor=UserFactory(username="ehsup", roles=[Role.EH_SUPERVISOR], teams=[eh]),
        eh_tm=eh_tm,
        graft_tm=graft_tm,
        graft_worker=UserFactory(username="fswgraft", roles=[Role.FSW], teams=[graft]),
        duty_tm=duty_tm,
        duty_atm=UserFactory(username="dutyatm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[duty]),
        sw=UserFactory(username="sw", roles=[Role.SOCIAL_WORKER], teams=[duty]),
        cin_tm=cin_tm,
        cin_sw=UserFactory(username="cinsw", roles=[Role.SOCIAL_WORKER], teams=[cin]),
        service_manager=UserFactory(username="sm", roles=[Role.SERVICE_MANAGER], teams=[duty, cin]),
        locality_lead=UserFactory(username="ll", roles=[Role.LOCALITY_LEAD], teams=[eh]),
        outsider=UserFactory(
            username="outsider",
            roles=[Role.FFP],
            teams=[TeamFactory(name="EH South", service=Service.EARLY_HELP, locality="South")],
        ),
        case=CaseFactory(
            current_team=eh,
            plan_type=PlanType.EARLY_HELP,
            first_name="Ada",
            last_name="Lovelace",
            safety_plan_in_force=True,
        ),
    )
    return world


STAGES = [
    TransferStatus.ESCALATION_DISCUSSION,
    TransferStatus.AWAITING_EH_DECISION,
    TransferStatus.READY_TO_SEND,
    TransferStatus.WITH_DUTY,
    TransferStatus.PICKED_UP,
    TransferStatus.AWAITING_ALLOCATION,
    TransferStatus.ALLOCATED,
]


def walk_step_up(
    w: World,
    until: str,
    *,
    urgent: bool = False,
    case: Case | None = None,
    section_47: bool = False,
) -> Transfer:
    """A step-up taken through the real services up to the stage `until`."""
    case = case or w.case
    transfer = services.step_up_start(
        case=case,
        by=w.ffp,
        supervisor=w.supervisor,
        concerns="Concerns",
        work_tried="Tried",
        why_now="Now",
        urgent=urgent,
        section_47=section_47,
    )
    steps = [
        lambda t: services.step_up_submit(transfer=t, by=w.supervisor, supervisor_notes="Notes"),
        lambda t: services.step_up_eh_decide(
            transfer=t,
            by=w.eh_tm,
            all_work_done=True,
            threshold_met=True,
            outcome="Outcome",
            actions="Actions",
        ),
        lambda t: services.step_up_send(
            transfer=t,
            by=w.supervisor,
            request_summary="Summary",
            current_risks="Risks",
            family_informed=True,
            family_agrees=True,
            urgent=urgent,
            section_47=section_47,
        ),
        lambda t: services.step_up_pick_up(transfer=t, by=t.assigned_to or w.duty_atm),
        lambda t: services.step_up_decide(
            transfer=t,
            by=t.assigned_to,
            outcome="s17_assessment",
            discussion_held_at=timezone.now(),
            note="Agreed",
            contact_reference="C1",
            referral_reference="R1",
        ),
        lambda t: services.step_up_allocate(
            transfer=t, by=t.to_team.manager, worker=w.sw if t.to_team == w.duty else w.cin_sw
        ),
    ]
    for stage, step in zip(STAGES[1:], steps, strict=True):
        if transfer.status == until:
            break
        transfer = step(transfer)
        assert transfer.status == stage
    transfer.refresh_from_db()
    assert transfer.status == until
    return transfer


@pytest.fixture
def walk(world):
    return lambda until, **kwargs: walk_step_up(world, until, **kwargs)


def closed_recently(case: Case, by: User, days: int) -> None:
    Case.objects.filter(pk=case.pk).update(
        last_closed_to_social_care_on=timezone.localdate() - timedelta(days=days),
        last_closed_to_social_care_by=by,
    )
    case.refresh_from_db()


def at(day: date) -> datetime:
    """A moment on `day` for recording a visit or discussion: now, if `day` is today (after
    the allocation, not in the future); otherwise midday London time."""
    if day == timezone.localdate():
        return timezone.now()
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def today() -> date:
    return timezone.localdate()
