"""Child in Need to Children in Care (seed 004), through the services and as each role."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.choices import LegalStatus, PlanType
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from deadlines.calendar import LONDON
from deadlines.models import Deadline, DeadlineStatus, OutboxEmail
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services
from transfers.actions import case_actions, transfer_actions
from transfers.models import Transfer, TransferKind, TransferStage, TransferStatus
from transfers.selectors import transfers_needing_action
from transfers.services.cin_to_cic import cin_to_cic_blockers

S = TransferStatus
pytestmark = pytest.mark.django_db


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@dataclass
class Cic:
    cin: Team
    cic: Team
    om: User
    cin_tm: User
    cin_sw: User
    cic_tm: User
    cic_sw: User
    admin: User


@pytest.fixture
def w(db) -> Cic:
    cin_tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    cic_tm = UserFactory(username="cictm", roles=[Role.TEAM_MANAGER])
    cin = TeamFactory(name="CIN North", service=Service.CHILDREN_IN_NEED, manager=cin_tm)
    cic = TeamFactory(
        name="Children in Care",
        service=Service.CHILDREN_IN_CARE,
        manager=cic_tm,
        remit_plan_types=[PlanType.CIC],
    )
    cin_tm.memberships.create(team=cin)
    cic_tm.memberships.create(team=cic)
    return Cic(
        cin=cin,
        cic=cic,
        om=UserFactory(username="om", roles=[Role.OPERATIONAL_MANAGER], teams=[cin, cic]),
        cin_tm=cin_tm,
        cin_sw=UserFactory(username="cinsw", roles=[Role.SOCIAL_WORKER], teams=[cin]),
        cic_tm=cic_tm,
        cic_sw=UserFactory(username="cicsw", roles=[Role.SOCIAL_WORKER], teams=[cic]),
        admin=UserFactory(username="spa", roles=[Role.SENIOR_ADMINISTRATOR]),
    )


def a_case(w: Cic):
    case = CaseFactory(current_team=w.cin, plan_type=PlanType.CIN, ics_number="")
    case_allocate(case=case, team=w.cin, worker=w.cin_sw, by=w.cin_tm)
    case.refresh_from_db()
    return case


def start(w: Cic, case=None) -> Transfer:
    return services.cin_to_cic_start(
        case=case or a_case(w), by=w.om, panel_confirmed_on=timezone.localdate()
    )


def to_team(w: Cic, transfer: Transfer) -> Transfer:
    services.cin_to_cic_allocate_team(transfer=transfer, by=w.om, team=w.cic)
    transfer.refresh_from_db()
    return transfer


def all_steps(w: Cic, transfer: Transfer) -> Transfer:
    now = timezone.now()
    services.cin_to_cic_notify_administrator(
        transfer=transfer,
        by=w.cin_tm,
        due_by=timezone.localdate() + timedelta(days=14),
        summary="Care order",
        ics_number="ICS-77",
    )
    to_team(w, transfer)
    services.cin_to_cic_set_review(
        transfer=transfer,
        by=w.cic_tm,
        first_lac_review_on=timezone.localdate() + timedelta(days=20),
        looked_after_reason="care_order",
    )
    services.cin_to_cic_record_transfer_discussion(
        transfer=transfer, by=w.cic_tm, held_at=now, notes="Timetable agreed"
    )
    services.cin_to_cic_allocate_worker(transfer=transfer, by=w.cic_tm, worker=w.cic_sw)
    services.cin_to_cic_record_family_told(transfer=transfer, by=w.cin_sw, notes="By phone")
    services.cin_to_cic_record_pre_transfer(
        transfer=transfer,
        by=w.cin_sw,
        held_at=now,
        attendees="Both social workers and DTMs",
        needs_and_continuity="a",
        progress_and_actions="b",
        risk_and_care_plans="c",
        care_proceedings_issues="d",
        introductions_and_endings="e",
    )
    transfer.refresh_from_db()
    return transfer


def test_only_the_operational_manager_records_the_panels_decision(w):
    case = a_case(w)
    assert [a.label for a in case_actions(case, w.om)] == [
        "Record that the panel confirmed access to care"
    ]
    for person in (w.cin_tm, w.cin_sw, w.cic_tm):
        assert "Record that the panel confirmed access to care" not in {
            a.label for a in case_actions(case, person)
        }
        with pytest.raises(PermissionDenied):
            services.cin_to_cic_start(case=case, by=person, panel_confirmed_on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.cin_to_cic_start(
            case=case, by=w.om, panel_confirmed_on=timezone.localdate() + timedelta(days=1)
        )


@time_machine.travel(london(2026, 11, 23, 10, 0), tick=False)
def test_the_panels_decision_tells_the_tm_at_once_and_starts_a_weeks_clock(w):
    transfer = start(w)
    assert (transfer.kind, transfer.status, transfer.stage) == (
        TransferKind.CIN_TO_CIC,
        S.CARE_CONFIRMED,
        TransferStage.REQUESTED,
    )
    deadline = Deadline.objects.get(subject_id=str(transfer.pk), kind="cla_team_allocation")
    assert (deadline.owner, deadline.due_at) == (w.om, london(2026, 11, 30, 17, 0))
    assert OutboxEmail.objects.filter(
        recipient=w.cin_tm, subject__contains="Access to care confirmed"
    ).exists()


def test_the_transferring_manager_tells_the_senior_administrator_with_the_ics_number(w):
    transfer = start(w)
    with pytest.raises(ValidationError) as error:
        services.cin_to_cic_notify_administrator(
            transfer=transfer, by=w.cin_tm, due_by=timezone.localdate(), summary="", ics_number=""
        )
    assert {"summary", "ics_number"} <= set(error.value.error_dict)
    with pytest.raises(PermissionDenied):
        services.cin_to_cic_notify_administrator(
            transfer=transfer,
            by=w.cin_sw,
            due_by=timezone.localdate(),
            summary="s",
            ics_number="ICS-1",
        )
    services.cin_to_cic_notify_administrator(
        transfer=transfer,
        by=w.cin_tm,
        due_by=timezone.localdate() + timedelta(days=10),
        summary="Care order granted",
        ics_number="ICS-1",
    )
    transfer.refresh_from_db()
    assert transfer.case.ics_number == "ICS-1"
    assert transfer.anticipated_on == timezone.localdate() + timedelta(days=10)
    email = OutboxEmail.objects.get(recipient=w.admin)
    assert transfer.case.first_name not in email.body_text


def test_the_operational_manager_allocates_a_children_in_care_team(w):
    transfer = start(w)
    with pytest.raises(PermissionDenied):
        services.cin_to_cic_allocate_team(transfer=transfer, by=w.cin_tm, team=w.cic)
    with pytest.raises(ValidationError):
        services.cin_to_cic_allocate_team(transfer=transfer, by=w.om, team=w.cin)
    to_team(w, transfer)
    assert (transfer.status, transfer.stage, transfer.to_team) == (
        S.TEAM_ALLOCATED,
        TransferStage.AGREED,
        w.cic,
    )
    kinds = dict(Deadline.objects.filter(subject_id=str(transfer.pk)).values_list("kind", "status"))
    assert kinds == {"cla_team_allocation": DeadlineStatus.MET, "cla_sw_allocation": "open"}
    for manager in (w.cin_tm, w.cic_tm):
        assert OutboxEmail.objects.filter(
            recipient=manager, subject__contains="allocated to"
        ).exists()


def test_the_transfer_discussion_is_due_by_the_first_review_and_moves_with_it(w):
    transfer = to_team(w, start(w))
    review = timezone.localdate() + timedelta(days=20)
    with pytest.raises(PermissionDenied):
        services.cin_to_cic_set_review(
            transfer=transfer, by=w.cin_tm, first_lac_review_on=review, looked_after_reason="s20"
        )
    services.cin_to_cic_set_review(
        transfer=transfer, by=w.cic_tm, first_lac_review_on=review, looked_after_reason="s20"
    )
    deadline = Deadline.objects.get(subject_id=str(transfer.pk), kind="cla_transfer_discussion")
    assert timezone.localtime(deadline.due_at).date() <= review
    later = review + timedelta(days=7)
    services.cin_to_cic_set_review(
        transfer=transfer, by=w.cic_tm, first_lac_review_on=later, looked_after_reason="s20"
    )
    deadline.refresh_from_db()
    assert timezone.localtime(deadline.due_at).date() > review
    assert (
        Deadline.objects.filter(subject_id=str(transfer.pk), kind="cla_transfer_discussion").count()
        == 1
    )
    services.cin_to_cic_record_transfer_discussion(
        transfer=transfer, by=w.cic_tm, held_at=timezone.now(), notes="Timetable"
    )
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.MET


def test_completion_waits_for_every_step_and_makes_the_child_looked_after(w):
    transfer = all_steps(w, start(w))
    assert cin_to_cic_blockers(transfer) == ["Transfer recorded on ICS by the social worker"]
    with pytest.raises(ValidationError, match="cannot complete yet"):
        services.cin_to_cic_complete(transfer=transfer, by=w.cin_tm)
    assert "Complete the transfer" not in {a.label for a in transfer_actions(transfer, w.cin_tm)}
    services.cin_to_cic_record_on_ics(transfer=transfer, by=w.cic_sw)
    transfer.refresh_from_db()
    assert "Complete the transfer" in {a.label for a in transfer_actions(transfer, w.cin_tm)}
    services.cin_to_cic_complete(transfer=transfer, by=w.cin_tm)
    transfer.refresh_from_db()
    case = transfer.case
    case.refresh_from_db()
    assert (transfer.status, transfer.stage) == (S.COMPLETED, TransferStage.COMPLETED)
    assert (case.current_team, case.allocated_worker, case.plan_type, case.legal_status) == (
        w.cic,
        w.cic_sw,
        PlanType.CIC,
        LegalStatus.CARE_ORDER,
    )
    assert AuditEvent.objects.filter(
        action="transfer.complete_cin_to_cic", changes__stage=["allocated", "completed"]
    ).exists()


def test_withdrawal_tells_the_receiving_manager_and_the_operational_manager(w):
    transfer = to_team(w, start(w))
    with pytest.raises(PermissionDenied):
        services.transfer_withdraw(transfer=transfer, by=w.cic_tm, reason="No")
    services.transfer_withdraw(transfer=transfer, by=w.cin_tm, reason="Returned home")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.stage) == (S.WITHDRAWN, TransferStage.WITHDRAWN)
    for person in (w.cic_tm, w.om):
        assert OutboxEmail.objects.filter(recipient=person, subject__contains="withdrawn").exists()


def test_each_role_sees_its_next_step(client, w):
    transfer = start(w)
    assert transfer in transfers_needing_action(w.om)
    assert transfer in transfers_needing_action(w.cin_tm)  # tell the administrator
    to_team(w, transfer)
    assert transfer in transfers_needing_action(w.cic_tm)
    client.force_login(w.cic_tm)
    response = client.get(transfer.get_absolute_url())
    labels = [a.label for a in response.context["actions"]]
    assert "Allocate a social worker" in labels
    assert "Steps to transfer" in response.content.decode()
    client.force_login(w.cin_sw)
    assert client.get(reverse("transfers:cic_team", args=[transfer.pk])).status_code == 403


def test_the_pages_walk_the_journey(client, w):
    case = a_case(w)
    client.force_login(w.om)
    today = timezone.localdate()
    response = client.post(
        reverse("transfers:cic_start", args=[case.reference]),
        {
            "panel_confirmed_on_0": today.day,
            "panel_confirmed_on_1": today.month,
            "panel_confirmed_on_2": today.year,
        },
    )
    transfer = Transfer.objects.get(case=case)
    assert response["Location"] == transfer.get_absolute_url()
    response = client.post(reverse("transfers:cic_team", args=[transfer.pk]), {"team": w.cic.pk})
    assert response.status_code == 302
    client.force_login(w.cic_tm)
    review = today + timedelta(days=15)
    response = client.post(
        reverse("transfers:cic_review", args=[transfer.pk]),
        {
            "first_lac_review_on_0": review.day,
            "first_lac_review_on_1": review.month,
            "first_lac_review_on_2": review.year,
        },
    )
    assert "Select why the child is looked after" in response.content.decode()
    response = client.post(
        reverse("transfers:cic_worker", args=[transfer.pk]), {"worker": w.cic_sw.pk}
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.ALLOCATED


def test_the_receiving_managers_inbox_has_it_once_a_team_is_allocated(w):
    from transfers.selectors import incoming_transfers

    transfer = start(w)
    assert transfer not in incoming_transfers(w.cic_tm)
    to_team(w, transfer)
    assert list(incoming_transfers(w.cic_tm)) == [transfer]
