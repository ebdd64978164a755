"""Issue 13: the audit trail is append-only for the application, and a transition records the
fields it changed, before and after."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.fsm import apply_transition
from audit.models import AuditEvent, AuditTrailIsAppendOnly
from audit.services import audit_record
from cases.choices import AllocationState
from cases.tests.factories import CaseFactory
from people.models import Capacity
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    user = UserFactory(username="amy")
    return audit_record(actor=user, action="user.change", subject=user, note="first")


def test_an_audit_record_cannot_be_changed_through_the_orm(event):
    event.note = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["note"])
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"note": "rewritten"})
    assert AuditEvent.objects.get(pk=event.pk).note == "first"


def test_an_audit_record_cannot_be_deleted_through_the_orm(event):
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_new_records_are_still_added_one_by_one_and_in_bulk(event):
    user_type = ContentType.objects.get_for_model(event.actor)
    AuditEvent.objects.bulk_create(
        [AuditEvent(at=timezone.now(), action="x", subject_type=user_type, subject_id="1")]
    )
    assert AuditEvent.objects.count() == 2


@pytest.mark.postgres
def test_on_postgresql_even_raw_sql_cannot_change_or_delete_a_record(event):
    for sql in (
        "UPDATE audit_auditevent SET note = 'rewritten' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).note == "first"


def test_a_transition_records_every_field_it_changed_before_and_after():
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    team = TeamFactory(manager=manager)
    worker = UserFactory(username="sw", roles=[Role.SOCIAL_WORKER], teams=[team])
    case = CaseFactory(current_team=team)
    # Fields the caller sets in memory before the transition are in the record too.
    case.allocated_worker = worker
    apply_transition(case, "allocate_to_worker", by=manager, case=case, state_field="allocation")
    event = AuditEvent.objects.get(action="case.allocate_to_worker")
    assert event.from_state == AllocationState.UNALLOCATED
    assert event.to_state == AllocationState.ALLOCATED
    assert event.changes == {"allocated_worker": [None, worker.pk]}


def test_a_transition_that_changes_only_its_state_records_no_other_field():
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    team = TeamFactory(manager=manager)
    team.capacity_note = "Two social workers off sick"
    apply_transition(team, "escalate_capacity", by=manager, state_field="capacity")
    event = AuditEvent.objects.get(action="team.escalate_capacity")
    assert (event.from_state, event.to_state) == (Capacity.OPEN, Capacity.CAPACITY_ESCALATED)
    assert event.changes == {"capacity_note": ["", "Two social workers off sick"]}


def test_records_written_outside_a_request_have_no_address(event):
    assert event.ip_address is None
