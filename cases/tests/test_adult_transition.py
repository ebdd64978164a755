"""Turning 18 in the Disabled Children's Service (seed 001 s3.10 as amended): a disabled child
the service holds is flagged for adult services ahead of the 18th birthday, with an
`adult_services_transition` deadline due `pullback(18th birthday 09:00 London - 183 days)`."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from cases.choices import Involvement, PlanType
from cases.models import Case
from cases.services import (
    adult_transition_anchor,
    case_allocate,
    case_close_to_social_care,
    case_create,
    case_flag_adult_transition,
    case_flag_adult_transitions,
    case_update,
)
from cases.tests.factories import CaseFactory
from deadlines.calendar import LONDON
from deadlines.models import Deadline, DeadlineStatus
from deadlines.rules import Kind
from people.models import RemitDisability, Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = Kind.ADULT_SERVICES_TRANSITION
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
BORN = date(2009, 6, 30)  # 17 now; 18 on Wednesday 30 June 2027


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def org():
    class Org:
        pass

    org = Org()
    org.dct_tm = UserFactory(username="dcttm", roles=[Role.TEAM_MANAGER])
    org.ypt_tm = UserFactory(username="yptm", roles=[Role.TEAM_MANAGER])
    org.cin_tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    org.dct = TeamFactory(
        name="Disabled Children Team",
        service=Service.DISABLED_CHILDREN,
        manager=org.dct_tm,
        remit_max_age=15,
        remit_disability=RemitDisability.DISABLED_ONLY,
    )
    org.ypt = TeamFactory(
        name="Young People's Team",
        service=Service.YOUNG_PEOPLE,
        manager=org.ypt_tm,
        remit_min_age=16,
        remit_disability=RemitDisability.DISABLED_ONLY,
    )
    org.cin = TeamFactory(
        name="Children in Need North", service=Service.CHILDREN_IN_NEED, manager=org.cin_tm
    )
    for manager, team in ((org.dct_tm, org.dct), (org.ypt_tm, org.ypt), (org.cin_tm, org.cin)):
        manager.memberships.create(team=team)
    org.ypt_sw = UserFactory(username="sw.ypt", roles=[Role.SOCIAL_WORKER], teams=[org.ypt])
    org.ypt_sw2 = UserFactory(username="sw.ypt2", roles=[Role.SOCIAL_WORKER], teams=[org.ypt])
    org.cin_sw = UserFactory(username="sw.cin", roles=[Role.SOCIAL_WORKER], teams=[org.cin])
    return org


def open_case(team, *, worker=None, disabled=True, born=BORN, by=None):
    return case_create(
        by=by,
        current_team=team,
        first_name="Sam",
        last_name="Hale",
        date_of_birth=born,
        plan_type=PlanType.CIN,
        has_disability=disabled,
        allocated_worker=worker,
    )


def flags(case) -> list[Deadline]:
    return list(Deadline.objects.filter(case=case, kind=KIND).order_by("pk"))


def open_flag(case) -> Deadline:
    return Deadline.objects.get(
        case=case, kind=KIND, status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED]
    )


# --- starting it ------------------------------------------------------------------------------


def test_a_disabled_child_opened_in_the_dcs_is_flagged_for_the_allocated_worker(org):
    case = open_case(org.ypt, worker=org.ypt_sw, by=org.ypt_tm)
    deadline = open_flag(case)
    assert deadline.subject == case
    assert (deadline.owner, deadline.owner_team) == (org.ypt_sw, org.ypt)
    # Anchored on the 18th birthday at 09:00 London (BST: 08:00 UTC).
    assert deadline.anchor_at == london(2027, 6, 30, 9, 0)
    assert deadline.status == DeadlineStatus.OPEN
    event = AuditEvent.objects.get(action="deadline.start", subject_id=str(deadline.pk))
    assert event.actor == org.ypt_tm and event.case == case


def test_without_a_worker_the_team_manager_owns_the_flag(org):
    case = open_case(org.ypt)
    assert open_flag(case).owner == org.ypt_tm


@pytest.mark.parametrize(
    ("born", "due"),
    [
        # 18 on Wed 30 Jun 2027, 09:00 BST. Less 183 days of elapsed time: Tue 29 Dec 2026, 08:00
        # GMT, before opening time; 28 Dec is the substitute Boxing Day bank holiday and 25-27
        # Christmas and the weekend, so pulled back to 17:00 on Thu 24 Dec 2026.
        (date(2009, 6, 30), london(2026, 12, 24, 17, 0)),
        # 18 on Fri 14 Jan 2028, 09:00 GMT. Less 183 days: Thu 15 Jul 2027, 10:00 BST (the clock
        # change adds the hour), in working time: due then.
        (date(2010, 1, 14), london(2027, 7, 15, 10, 0)),
        # 18 on Mon 15 Mar 2027, 09:00 GMT. Less 183 days: Sun 13 Sep 2026, 10:00 BST: pulled
        # back to 17:00 on Fri 11 Sep 2026 (already past: the planning is overdue).
        (date(2009, 3, 15), london(2026, 9, 11, 17, 0)),
    ],
)
def test_the_flag_is_due_183_days_before_the_18th_birthday_pulled_back_to_working_time(
    org, born, due
):
    case = open_case(org.ypt, born=born)
    assert open_flag(case).due_at == due


def test_a_child_born_on_29_february_turns_18_on_1_march_in_a_common_year(org):
    case = CaseFactory.build(date_of_birth=date(2008, 2, 29))
    assert adult_transition_anchor(case) == london(2026, 3, 1, 9, 0)
    assert case.age_on(date(2026, 2, 28)) == 17 and case.age_on(date(2026, 3, 1)) == 18


def test_no_flag_for_a_child_not_disabled_outside_the_dcs_or_already_18(org):
    assert flags(open_case(org.ypt, disabled=False)) == []
    assert flags(open_case(org.cin, disabled=True)) == []
    assert flags(open_case(org.ypt, born=date(2008, 11, 2))) == []  # 18 today


def test_the_flag_is_not_duplicated(org):
    case = open_case(org.ypt, worker=org.ypt_sw)
    first = open_flag(case)
    again = case_flag_adult_transition(case=case)
    assert again.pk == first.pk
    case_allocate(case=case, team=org.ypt, worker=org.ypt_sw, by=org.ypt_tm)
    assert flags(case) == [first]


def test_allocating_a_disabled_child_into_the_dcs_flags_them(org):
    case = open_case(org.cin, worker=org.cin_sw)
    assert flags(case) == []
    case_allocate(case=case, team=org.ypt, worker=org.ypt_sw, by=org.ypt_tm, reason="To the DCS")
    deadline = open_flag(case)
    assert (deadline.owner, deadline.owner_team) == (org.ypt_sw, org.ypt)


def test_the_flag_follows_the_child_to_a_new_worker_or_team_in_the_dcs(org):
    case = open_case(org.dct, born=date(2010, 11, 1))  # 16 yesterday: moving on
    first = open_flag(case)
    assert (first.owner, first.owner_team) == (org.dct_tm, org.dct)
    case_allocate(case=case, team=org.ypt, worker=org.ypt_sw2, by=org.ypt_tm)
    moved = open_flag(case)
    assert moved.pk == first.pk
    assert (moved.owner, moved.owner_team) == (org.ypt_sw2, org.ypt)
    assert AuditEvent.objects.filter(action="deadline.reassign", subject_id=str(first.pk)).exists()


# --- ending it --------------------------------------------------------------------------------


def test_leaving_the_dcs_cancels_the_flag(org):
    case = open_case(org.ypt, worker=org.ypt_sw)
    deadline = open_flag(case)
    case_allocate(case=case, team=org.cin, worker=org.cin_sw, by=org.cin_tm, reason="Moved")
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.CANCELLED
    event = AuditEvent.objects.get(subject_id=str(deadline.pk), to_state="cancelled")
    assert "left the Disabled Children's Service" in event.note
    # Back in the service: a new flag, and only one open.
    case_allocate(case=case, team=org.ypt, worker=None, by=org.ypt_tm)
    assert len(flags(case)) == 2 and open_flag(case).pk != deadline.pk


def test_removing_the_disability_cancels_the_flag_and_restoring_it_flags_again(org):
    case = open_case(org.ypt)
    deadline = open_flag(case)
    case_update(case=case, by=org.ypt_tm, has_disability=False)
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.CANCELLED
    case_update(case=case, by=org.ypt_tm, has_disability=True)
    assert open_flag(case).pk != deadline.pk


def test_a_corrected_date_of_birth_moves_the_flag(org):
    case = open_case(org.ypt)
    deadline = open_flag(case)
    case_update(case=case, by=org.ypt_tm, date_of_birth=date(2010, 1, 14))
    moved = open_flag(case)
    assert moved.pk == deadline.pk
    assert moved.anchor_at == london(2028, 1, 14, 9, 0)
    assert moved.due_at == london(2027, 7, 15, 10, 0)


def test_closing_the_case_to_social_care_cancels_the_flag(org):
    case = open_case(org.ypt, worker=org.ypt_sw)
    deadline = open_flag(case)
    case_close_to_social_care(case=case, by=org.ypt_tm, reason="No longer needs the service")
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.CANCELLED


# --- the backfill -----------------------------------------------------------------------------


def _loaded(team, **fields) -> Case:
    """A case as a bulk load leaves it: saved directly, no service called."""
    fields.setdefault("date_of_birth", BORN)
    fields.setdefault("has_disability", True)
    return CaseFactory(current_team=team, **fields)


def test_the_backfill_flags_only_disabled_children_in_the_dcs_without_a_flag(org):
    waiting = [
        _loaded(org.ypt, allocated_worker=org.ypt_sw),
        _loaded(org.dct, date_of_birth=date(2012, 4, 1)),
    ]
    left_alone = [
        _loaded(org.ypt, has_disability=False),
        _loaded(org.cin),
        _loaded(org.ypt, date_of_birth=date(2008, 11, 2)),  # 18 today
        CaseFactory(current_team=org.ypt, has_disability=True, involvement=Involvement.CLOSED),
    ]
    already = open_case(org.ypt)
    out = []
    call_command("flag_adult_transitions", "--dry-run", stdout=_Out(out))
    assert out == ["2 cases would be flagged for adult services.\n"]
    assert not Deadline.objects.filter(case__in=waiting).exists()

    call_command("flag_adult_transitions", "--batch-size", "1", stdout=_Out(out))
    assert out[-1] == "2 cases flagged for adult services.\n"
    first = open_flag(waiting[0])
    assert (first.owner, first.owner_team) == (org.ypt_sw, org.ypt)
    assert first.due_at == london(2026, 12, 24, 17, 0)
    assert first.subject == waiting[0]
    assert open_flag(waiting[1]).owner == org.dct_tm
    assert open_flag(waiting[1]).anchor_at == london(2030, 4, 1, 9, 0)
    assert not Deadline.objects.filter(case__in=left_alone).exists()
    assert len(flags(already)) == 1
    event = AuditEvent.objects.get(action="deadline.start", subject_id=str(first.pk))
    assert event.case == waiting[0]
    assert event.changes["kind"] == [None, KIND]

    call_command("flag_adult_transitions", stdout=_Out(out))
    assert out[-1] == "0 cases flagged for adult services.\n"
    assert Deadline.objects.filter(kind=KIND).count() == 3


def test_the_backfill_matches_the_flag_the_services_start(org):
    by_service = open_case(org.ypt, worker=org.ypt_sw)
    by_backfill = _loaded(org.ypt, allocated_worker=org.ypt_sw)
    case_flag_adult_transitions()
    one, other = open_flag(by_service), open_flag(by_backfill)
    fields = ("kind", "anchor_at", "due_at", "remind_at", "owner_id", "owner_team_id", "status")
    assert [getattr(one, f) for f in fields] == [getattr(other, f) for f in fields]


def test_the_backfill_reads_and_writes_in_bulk_not_case_by_case(org):
    for _ in range(30):
        _loaded(org.ypt)
    with CaptureQueriesContext(connection) as queries:
        assert case_flag_adult_transitions(batch_size=1000) == 30
    # Policy, calendar, content types, one batch (ids, lock, already flagged, two inserts, and
    # the empty next batch): a handful, however many cases.
    assert len(queries) < 20


class _Out:
    def __init__(self, lines: list[str]):
        self.lines = lines

    def write(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        pass


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_teams_remits_are_realistic_and_its_dcs_children_are_flagged():
    from people.models import Team

    call_command("seed_demo", cases=400, stdout=_Out([]))
    dct = Team.objects.get(name="Disabled Children Team")
    ypt = Team.objects.get(name="Young People's Team")
    assert (dct.remit_min_age, dct.remit_max_age, dct.remit_disability) == (
        0,
        15,
        RemitDisability.DISABLED_ONLY,
    )
    assert (ypt.remit_min_age, ypt.remit_max_age, ypt.remit_disability) == (
        16,
        17,
        RemitDisability.DISABLED_ONLY,
    )
    assert Team.objects.get(name="Children in Care").remit_plan_types == [PlanType.CIC]
    assert Team.objects.get(name="Children in Need North").remit_plan_types == [
        PlanType.CIN,
        PlanType.CP,
    ]
    in_dcs = Case.objects.filter(current_team__in=[dct, ypt])
    assert in_dcs.exists()
    for case in in_dcs.select_related("current_team"):
        # Every child the service holds is within its team's remit on the day...
        assert case.current_team.remit_covers(
            age=case.age_on(NOW.date()), plan_type=case.plan_type, has_disability=True
        )
        # ...and flagged for adult services, once.
        assert len(flags(case)) == 1
    flagged = Deadline.objects.filter(kind=KIND).count()
    call_command("seed_demo", cases=400, stdout=_Out([]))
    assert Deadline.objects.filter(kind=KIND).count() == flagged
