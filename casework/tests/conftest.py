"""A small authority for meeting and concern tests: a YFS team, a Children's Centre, a Social
Care CIN team, two duty teams, and a case held by each side."""

from dataclasses import dataclass

import pytest

from cases.choices import PlanType
from cases.models import Case
from cases.tests.factories import CaseFactory
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory


@dataclass
class Town:
    yfs: Team
    cc: Team
    cin: Team
    duty: Team
    duty_elsewhere: Team
    yfs_tm: User
    yfs_worker: User
    cc_worker: User
    cin_tm: User
    cin_sw: User
    duty_tm: User
    duty_atm: User
    duty_sw: User
    elsewhere_tm: User
    eh_ffp: User
    director: User
    yfs_case: Case
    cin_case: Case


def _team(name, service, locality, manager):
    team = TeamFactory(name=name, service=service, locality=locality, manager=manager)
    manager.memberships.create(team=team)
    return team


@pytest.fixture
def town(db) -> Town:
    yfs_tm = UserFactory(username="t.yfstm", roles=[Role.TEAM_MANAGER])
    cc_tm = UserFactory(username="t.cctm", roles=[Role.TEAM_MANAGER])
    cin_tm = UserFactory(username="t.cintm", roles=[Role.TEAM_MANAGER])
    duty_tm = UserFactory(username="t.dutytm", roles=[Role.TEAM_MANAGER])
    elsewhere_tm = UserFactory(username="t.dutysouth", roles=[Role.TEAM_MANAGER])
    eh_tm = UserFactory(username="t.ehtm", roles=[Role.TEAM_MANAGER])
    yfs = _team("YFS North", Service.YOUTH_AND_FAMILY, "North", yfs_tm)
    cc = _team("CC North", Service.CHILDRENS_CENTRE, "North", cc_tm)
    cin = _team("CIN North", Service.CHILDREN_IN_NEED, "North", cin_tm)
    # Made first, so "any duty team" would pick it: the locality's own must win.
    duty_elsewhere = _team("Duty South", Service.SOCIAL_CARE_DUTY, "South", elsewhere_tm)
    duty = _team("Duty North", Service.SOCIAL_CARE_DUTY, "North", duty_tm)
    eh = _team("EH North", Service.EARLY_HELP, "North", eh_tm)
    yfs_worker = UserFactory(username="t.yfsw", roles=[Role.FSW], teams=[yfs])
    cin_sw = UserFactory(
        username="t.cinsw",
        roles=[Role.SOCIAL_WORKER],
        teams=[cin],
        job_title="Social worker",
        phone="01632 960999",
    )
    return Town(
        yfs=yfs,
        cc=cc,
        cin=cin,
        duty=duty,
        duty_elsewhere=duty_elsewhere,
        yfs_tm=yfs_tm,
        yfs_worker=yfs_worker,
        cc_worker=UserFactory(username="t.ccw", roles=[Role.FSW], teams=[cc]),
        cin_tm=cin_tm,
        cin_sw=cin_sw,
        duty_tm=duty_tm,
        duty_atm=UserFactory(
            username="t.dutyatm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[duty]
        ),
        duty_sw=UserFactory(username="t.dutysw", roles=[Role.SOCIAL_WORKER], teams=[duty]),
        elsewhere_tm=elsewhere_tm,
        eh_ffp=UserFactory(username="t.ffp", roles=[Role.FFP], teams=[eh]),
        director=UserFactory(username="t.ad", roles=[Role.ASSISTANT_DIRECTOR]),
        yfs_case=CaseFactory(
            current_team=yfs, plan_type=PlanType.NONE, first_name="Zebedee", last_name="Quill"
        ),
        cin_case=CaseFactory(
            current_team=cin, plan_type=PlanType.CIN, allocated_worker=cin_sw, first_name="Ottoline"
        ),
    )
