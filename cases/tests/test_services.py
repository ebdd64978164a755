from datetime import date

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.models import Allocation
from cases.services import case_allocate, case_create, case_update
from cases.tests.factories import CaseFactory
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_case_create_writes_a_reference_an_allocation_and_an_audit_record():
    team = TeamFactory()
    by = UserFactory(roles=[Role.TEAM_MANAGER])
    case = case_create(
        by=by,
        current_team=team,
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=date(2016, 1, 2),
        plan_type=PlanType.CIN,
    )
    assert case.reference == "CT0000001"
    allocation = Allocation.objects.get(case=case)
    assert allocation.team == team and allocation.ended_at is None
    event = AuditEvent.objects.get(case=case, action="case.create")
    assert event.actor == by
    assert event.changes["plan_type"] == [None, "cin"]


def test_case_create_numbers_references_in_sequence():
    team = TeamFactory()
    first = case_create(
        by=None, current_team=team, first_name="A", last_name="B", date_of_birth=date(2016, 1, 2)
    )
    second = case_create(
        by=None, current_team=team, first_name="C", last_name="D", date_of_birth=date(2016, 1, 2)
    )
    assert (first.reference, second.reference) == ("CT0000001", "CT0000002")


def test_case_create_rejects_bad_input_and_saves_nothing():
    with pytest.raises(ValidationError):
        case_create(
            by=None,
            current_team=TeamFactory(),
            first_name="",
            last_name="B",
            date_of_birth=date(2016, 1, 2),
        )
    assert not AuditEvent.objects.exists()
    assert not Allocation.objects.exists()


def test_case_update_records_before_and_after():
    case = CaseFactory(plan_type=PlanType.CIN)
    by = UserFactory()
    case_update(case=case, by=by, plan_type=PlanType.CP, note="Conference decided")
    event = AuditEvent.objects.get(case=case, action="case.update")
    assert event.changes == {"plan_type": ["cin", "cp"]}
    assert event.note == "Conference decided"
    assert event.actor == by


def test_case_update_with_no_change_writes_no_audit_record():
    case = CaseFactory(plan_type=PlanType.CIN)
    case_update(case=case, by=None, plan_type=PlanType.CIN)
    assert not AuditEvent.objects.filter(action="case.update").exists()


def test_case_update_refuses_team_changes():
    with pytest.raises(ValueError, match="case_allocate"):
        case_update(case=CaseFactory(), by=None, current_team=TeamFactory())


def test_case_allocate_closes_the_old_allocation_and_opens_a_new_one():
    team = TeamFactory()
    case = case_create(
        by=None, current_team=team, first_name="A", last_name="B", date_of_birth=date(2016, 1, 2)
    )
    worker = UserFactory(teams=[team])
    manager = UserFactory()
    case_allocate(case=case, team=team, worker=worker, by=manager, reason="Capacity")
    allocations = list(Allocation.objects.filter(case=case).order_by("id"))
    assert len(allocations) == 2
    assert allocations[0].ended_at == allocations[1].started_at
    assert allocations[1].worker == worker and allocations[1].ended_at is None
    case.refresh_from_db()
    assert case.allocated_worker == worker
    event = AuditEvent.objects.get(case=case, action="case.allocate")
    assert event.changes == {"allocated_worker": [None, worker.pk]}
    assert event.actor == manager


def test_case_allocate_refuses_a_worker_outside_the_team():
    case = CaseFactory()
    outsider = UserFactory(teams=[TeamFactory()])
    with pytest.raises(ValidationError):
        case_allocate(case=case, team=case.current_team, worker=outsider, by=None)
    case.refresh_from_db()
    assert case.allocated_worker is None
    assert not AuditEvent.objects.exists()


def test_a_cp_case_without_a_worker_needs_allocation_urgently():
    assert CaseFactory(plan_type=PlanType.CP).needs_allocation_urgently
    assert not CaseFactory(plan_type=PlanType.CIN).needs_allocation_urgently
