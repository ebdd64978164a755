"""Transfers between teams (seeds 000 and 001): stepping across, step down and transfers
between Social Care teams, through the services and as each role sees them."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from audit.models import AuditEvent
from cases.choices import AllocationState, Involvement, PlanType
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from casework.models import MeetingKind, NotificationMeans, RecipientRole
from casework.services import meeting_record, notification_record
from deadlines.models import Deadline, DeadlineStatus, OutboxEmail
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services
from transfers.actions import case_actions, transfer_actions
from transfers.models import Transfer, TransferKind, TransferStage, TransferStatus
from transfers.selectors import incoming_transfers, transfers_needing_action
from transfers.services.team_move import kind_for, one_month_before, transfer_blockers

S = TransferStatus
pytestmark = pytest.mark.django_db


@dataclass
class Teams:
    cin: Team
    cic: Team
    yfs: Team
    eh: Team
    cin_tm: User
    cin_atm: User
    cin_sw: User
    cic_tm: User
    cic_sw: User
    yfs_tm: User
    yfs_worker: User
    eh_tm: User
    eh_worker: User
    service_manager: User


def _team(name, service, manager, **remit) -> Team:
    team = TeamFactory(name=name, service=service, locality="North", manager=manager, **remit)
    manager.memberships.create(team=team)
    return team


@pytest.fixture
def teams(db) -> Teams:
    managers = {
        key: UserFactory(username=key, roles=[Role.TEAM_MANAGER])
        for key in ("cintm", "cictm", "yfstm", "ehtm")
    }
    cin = _team(
        "CIN North",
        Service.CHILDREN_IN_NEED,
        managers["cintm"],
        remit_plan_types=[PlanType.CIN, PlanType.CP],
    )
    cic = _team(
        "Children in Care",
        Service.CHILDREN_IN_CARE,
        managers["cictm"],
        remit_plan_types=[PlanType.CIC],
    )
    yfs = _team("YFS North", Service.YOUTH_AND_FAMILY, managers["yfstm"])
    eh = _team("EH North", Service.EARLY_HELP, managers["ehtm"])
    return Teams(
        cin=cin,
        cic=cic,
        yfs=yfs,
        eh=eh,
        cin_tm=managers["cintm"],
        cin_atm=UserFactory(username="cinatm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[cin]),
        cin_sw=UserFactory(username="cinsw", roles=[Role.SOCIAL_WORKER], teams=[cin]),
        cic_tm=managers["cictm"],
        cic_sw=UserFactory(username="cicsw", roles=[Role.SOCIAL_WORKER], teams=[cic]),
        yfs_tm=managers["yfstm"],
        yfs_worker=UserFactory(username="yfsworker", roles=[Role.FSW], teams=[yfs]),
        eh_tm=managers["ehtm"],
        eh_worker=UserFactory(username="ehffp", roles=[Role.FFP], teams=[eh]),
        service_manager=UserFactory(username="sm", roles=[Role.SERVICE_MANAGER], teams=[cin, cic]),
    )


def cin_case(t: Teams, *, plan_type=PlanType.CIC, assessed_days_ago=10):
    case = CaseFactory(
        current_team=t.cin,
        plan_type=plan_type,
        date_of_birth=date(2015, 6, 1),
        latest_assessment_on=timezone.localdate() - timedelta(days=assessed_days_ago),
    )
    case_allocate(case=case, team=t.cin, worker=t.cin_sw, by=t.cin_tm)
    case.refresh_from_db()
    return case


def propose(t: Teams, case, to_team, **kwargs) -> Transfer:
    return services.transfer_propose(
        case=case, by=t.cin_tm, to_team=to_team, reason="Care order granted", **kwargs
    )


def notify_and_qa(t: Teams, transfer: Transfer) -> None:
    transfer.refresh_from_db()
    services.transfer_quality_assure(transfer=transfer, by=t.cin_tm, notes="Records up to date")
    notification_record(
        transfer=transfer,
        by=t.cin_sw,
        recipient_name="School nurse",
        recipient_role=RecipientRole.HEALTH,
        means=NotificationMeans.LETTER,
        told_at=timezone.now(),
    )


def to_allocated(t: Teams, case) -> Transfer:
    transfer = propose(t, case, t.cic)
    services.transfer_decide(transfer=transfer, by=t.cic_tm, accepted=True, reasons="Agreed")
    services.transfer_allocate(transfer=transfer, by=t.cic_tm, worker=t.cic_sw)
    transfer.refresh_from_db()
    return transfer


# --- kinds and remits ----------------------------------------------------------------------


def test_the_kind_follows_the_teams(teams):
    assert kind_for(teams.cin, teams.cic) == TransferKind.TEAM_TRANSFER
    assert kind_for(teams.cin, teams.eh) == TransferKind.STEP_DOWN
    assert kind_for(teams.cin, teams.yfs) == TransferKind.STEP_ACROSS
    assert kind_for(teams.yfs, teams.cin) == TransferKind.STEP_ACROSS
    assert kind_for(teams.eh, teams.cin) is None  # a step-up has its own journey


def test_a_proposal_outside_the_remit_is_refused_with_the_reason_and_recorded(teams):
    case = cin_case(teams, plan_type=PlanType.CIN)
    transfer = propose(teams, case, teams.cic)
    assert (transfer.status, transfer.stage) == (S.DECLINED, TransferStage.REFUSED)
    assert "Outside the team's remit" in transfer.decision_note
    assert "Child in Need" in transfer.decision_note
    assert not Deadline.objects.filter(subject_id=str(transfer.pk)).exists()
    # Nothing is live: the case can be proposed again, to a team that can take it.
    assert case_actions(case, teams.cin_tm)


def test_a_proposal_starts_the_receiving_managers_5_day_clock(teams):
    case = cin_case(teams)
    transfer = propose(teams, case, teams.cic)
    assert (transfer.kind, transfer.status, transfer.stage) == (
        TransferKind.TEAM_TRANSFER,
        S.PROPOSED,
        TransferStage.REQUESTED,
    )
    deadline = Deadline.objects.get(subject_id=str(transfer.pk), kind="transfer_decision")
    assert (deadline.owner, deadline.owner_team) == (teams.cic_tm, teams.cic)
    assert OutboxEmail.objects.filter(recipient=teams.cic_tm, subject__contains="proposed").exists()
    assert transfer in incoming_transfers(teams.cic_tm)
    assert transfer in transfers_needing_action(teams.cic_tm)
    assert AuditEvent.objects.filter(action="transfer.propose", actor=teams.cin_tm).exists()


def test_only_the_team_managers_propose_and_one_transfer_at_a_time(teams):
    case = cin_case(teams)
    with pytest.raises(PermissionDenied):
        services.transfer_propose(case=case, by=teams.cin_sw, to_team=teams.cic, reason="r")
    propose(teams, case, teams.cic)
    with pytest.raises(ValidationError, match="already has a transfer"):
        services.transfer_propose(case=case, by=teams.cin_atm, to_team=teams.cic, reason="r")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind=TransferKind.TEAM_TRANSFER,
            case=case,
            from_team=teams.cin,
            to_team=teams.cic,
            requested_by=teams.cin_tm,
            status=S.PROPOSED,
            stage=TransferStage.REQUESTED,
        )


def test_stepping_across_starts_with_a_manager_to_manager_discussion(teams):
    case = cin_case(teams, plan_type=PlanType.CIN)
    with pytest.raises(ValidationError) as error:
        propose(teams, case, teams.yfs)
    assert {"discussion_held_at", "discussion_with", "discussion_notes"} <= set(
        error.value.error_dict
    )
    with pytest.raises(ValidationError) as error:
        propose(
            teams,
            case,
            teams.yfs,
            discussion_held_at=timezone.now(),
            discussion_with=teams.cic_tm,  # not YFS's manager
            discussion_notes="Agreed",
        )
    assert "discussion_with" in error.value.error_dict
    transfer = propose(
        teams,
        case,
        teams.yfs,
        discussion_held_at=timezone.now() - timedelta(hours=1),
        discussion_with=teams.yfs_tm,
        discussion_notes="Agreed YFS will lead; joint visit next week",
    )
    assert transfer.kind == TransferKind.STEP_ACROSS and transfer.status == S.PROPOSED


# --- the receiving manager decides ------------------------------------------------------------


def test_the_receiving_manager_accepts_and_the_allocation_clock_starts(teams):
    transfer = propose(teams, cin_case(teams), teams.cic)
    with pytest.raises(PermissionDenied):
        services.transfer_decide(transfer=transfer, by=teams.cin_tm, accepted=True, reasons="x")
    with pytest.raises(ValidationError):
        services.transfer_decide(transfer=transfer, by=teams.cic_tm, accepted=True, reasons=" ")
    services.transfer_decide(transfer=transfer, by=teams.cic_tm, accepted=True, reasons="Agreed")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.stage, transfer.decided_by) == (
        S.ACCEPTED,
        TransferStage.AGREED,
        teams.cic_tm,
    )
    decision = Deadline.objects.get(subject_id=str(transfer.pk), kind="transfer_decision")
    assert decision.status == DeadlineStatus.MET
    assert Deadline.objects.get(subject_id=str(transfer.pk), kind="transfer_allocation").owner == (
        teams.cic_tm
    )
    event = AuditEvent.objects.get(action="transfer.accept_transfer")
    assert event.changes["stage"] == ["requested", "agreed"]
    with pytest.raises(TransitionNotAllowed):  # a second decision finds it moved on
        services.transfer_decide(transfer=transfer, by=teams.cic_tm, accepted=False, reasons="x")


def test_a_declined_transfer_tells_the_originating_team_why(teams):
    transfer = propose(teams, cin_case(teams), teams.cic)
    services.transfer_decide(
        transfer=transfer, by=teams.cic_tm, accepted=False, reasons="Care order not yet made"
    )
    transfer.refresh_from_db()
    assert (transfer.status, transfer.stage) == (S.DECLINED, TransferStage.REFUSED)
    assert OutboxEmail.objects.filter(
        recipient=teams.cin_tm, subject__contains="Transfer declined"
    ).exists()


# --- transfer standards ----------------------------------------------------------------------


def test_a_summary_is_needed_when_the_assessment_is_over_a_month_old(teams):
    recent = propose(teams, cin_case(teams, assessed_days_ago=20), teams.cic)
    assert not recent.team_move.summary_required
    services.transfer_withdraw(transfer=recent, by=teams.cin_tm, reason="Test")
    old = propose(teams, cin_case(teams, assessed_days_ago=40), teams.cic)
    assert old.team_move.summary_required
    assert one_month_before(date(2026, 3, 31)) == date(2026, 2, 28)


def test_completion_is_blocked_until_the_summary_is_signed_off(teams):
    case = cin_case(teams, assessed_days_ago=60)
    transfer = to_allocated(teams, case)
    notify_and_qa(teams, transfer)
    assert transfer_blockers(transfer) == [
        "Transfer summary written and signed off by the team manager"
    ]
    labels = {a.label for a in transfer_actions(transfer, teams.cin_tm)}
    assert "Complete the transfer" not in labels
    with pytest.raises(ValidationError, match="cannot complete yet"):
        services.transfer_complete(transfer=transfer, by=teams.cin_tm)
    services.transfer_write_summary(
        transfer=transfer,
        by=teams.cin_sw,
        updated_information="Care order granted",
        important_dates="LAC review 1 March",
        urgent_actions="None",
    )
    with pytest.raises(PermissionDenied):  # the worker cannot sign off their own summary
        services.transfer_sign_off_summary(transfer=transfer, by=teams.cin_sw)
    with pytest.raises(PermissionDenied):  # nor can an assistant team manager
        services.transfer_sign_off_summary(transfer=transfer, by=teams.cin_atm)
    services.transfer_sign_off_summary(transfer=transfer, by=teams.cin_tm)
    transfer.refresh_from_db()
    assert transfer_blockers(transfer) == []
    assert "Complete the transfer" in {a.label for a in transfer_actions(transfer, teams.cin_tm)}
    services.transfer_complete(transfer=transfer, by=teams.cin_tm)
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert (transfer.status, transfer.stage) == (S.COMPLETED, TransferStage.COMPLETED)
    assert (case.current_team, case.allocated_worker) == (teams.cic, teams.cic_sw)
    assert not Deadline.objects.filter(
        subject_id=str(transfer.pk), status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED]
    ).exists()


def test_rewriting_the_summary_needs_a_new_sign_off(teams):
    transfer = propose(teams, cin_case(teams, assessed_days_ago=60), teams.cic)
    kwargs = {"updated_information": "a", "important_dates": "b", "urgent_actions": "c"}
    services.transfer_write_summary(transfer=transfer, by=teams.cin_sw, **kwargs)
    services.transfer_sign_off_summary(transfer=transfer, by=teams.cin_tm)
    services.transfer_write_summary(transfer=transfer, by=teams.cin_sw, **kwargs)
    transfer.refresh_from_db()
    assert not transfer.team_move.summary_signed_off


def test_quality_assurance_and_notifications_are_needed_before_completion(teams):
    transfer = to_allocated(teams, cin_case(teams))
    assert set(transfer_blockers(transfer)) == {
        "File quality-assured by the supervising manager",
        "Agencies, professionals and family told in writing of the new worker and team",
    }
    with pytest.raises(PermissionDenied):
        services.transfer_quality_assure(transfer=transfer, by=teams.cin_sw, notes="x")


def test_a_step_across_needs_its_joint_transition_visit(teams):
    case = cin_case(teams, plan_type=PlanType.CIN)
    transfer = propose(
        teams,
        case,
        teams.yfs,
        discussion_held_at=timezone.now(),
        discussion_with=teams.yfs_tm,
        discussion_notes="Agreed",
    )
    services.transfer_decide(transfer=transfer, by=teams.yfs_tm, accepted=True, reasons="Yes")
    services.transfer_allocate(transfer=transfer, by=teams.yfs_tm, worker=teams.yfs_worker)
    notify_and_qa(teams, transfer)
    assert transfer_blockers(transfer) == ["Joint transition visit or meeting with the family"]
    meeting_record(
        case=case,
        transfer=transfer,
        kind=MeetingKind.JOINT_TRANSITION,
        by=teams.cin_sw,
        held_at=timezone.now(),
        attendees=[teams.cin_sw, teams.yfs_worker],
        notes="Met the family together",
    )
    services.transfer_complete(transfer=transfer, by=teams.cin_tm)
    case.refresh_from_db()
    assert (case.current_team, case.involvement) == (teams.yfs, Involvement.EARLY_HELP)


def test_a_step_down_opens_the_case_to_early_help(teams):
    case = cin_case(teams, plan_type=PlanType.CIN)
    transfer = propose(teams, case, teams.eh)
    assert transfer.kind == TransferKind.STEP_DOWN
    services.transfer_decide(transfer=transfer, by=teams.eh_tm, accepted=True, reasons="Yes")
    services.transfer_allocate(transfer=transfer, by=teams.eh_tm, worker=teams.eh_worker)
    notify_and_qa(teams, transfer)
    services.transfer_complete(transfer=transfer, by=teams.cin_tm)
    case.refresh_from_db()
    assert (case.current_team, case.involvement, case.allocated_worker) == (
        teams.eh,
        Involvement.EARLY_HELP,
        teams.eh_worker,
    )
    assert case.last_closed_to_social_care_by == teams.cin_tm  # the 12-week rule's start


# --- never unallocated ----------------------------------------------------------------------


def test_a_child_in_care_is_never_left_unallocated_capacity_is_escalated(teams):
    transfer = propose(teams, cin_case(teams), teams.cic)
    services.transfer_decide(transfer=transfer, by=teams.cic_tm, accepted=True, reasons="Yes")
    transfer.refresh_from_db()
    with pytest.raises(ValidationError, match="never left unallocated"):
        services.transfer_allocate(
            transfer=transfer, by=teams.cic_tm, worker=None, team_leader_holds=True, reason="x"
        )
    assert "Escalate capacity to the Service Manager" in {
        a.label for a in transfer_actions(transfer, teams.cic_tm)
    }
    services.transfer_escalate_capacity(
        transfer=transfer, by=teams.cic_tm, note="Every worker is at capacity"
    )
    teams.cic.refresh_from_db()
    assert teams.cic.capacity == "capacity_escalated"
    assert OutboxEmail.objects.filter(
        recipient=teams.service_manager, subject__contains="URGENT"
    ).exists()
    with pytest.raises(ValidationError, match="already"):
        services.transfer_escalate_capacity(transfer=transfer, by=teams.cic_tm, note="again")


def test_a_child_in_need_no_worker_can_take_is_held_by_the_team_leader(teams):
    other_cin = _team(
        "CIN South",
        Service.CHILDREN_IN_NEED,
        UserFactory(roles=[Role.TEAM_MANAGER]),
        remit_plan_types=[PlanType.CIN, PlanType.CP],
    )
    case = cin_case(teams, plan_type=PlanType.CIN)
    transfer = propose(teams, case, other_cin)
    services.transfer_decide(transfer=transfer, by=other_cin.manager, accepted=True, reasons="Y")
    with pytest.raises(ValidationError):
        services.transfer_allocate(
            transfer=transfer, by=other_cin.manager, worker=None, team_leader_holds=True
        )
    services.transfer_allocate(
        transfer=transfer,
        by=other_cin.manager,
        worker=None,
        team_leader_holds=True,
        reason="No capacity until March",
    )
    notify_and_qa(teams, transfer)
    services.transfer_complete(transfer=transfer, by=teams.cin_tm)
    case.refresh_from_db()
    assert (case.current_team, case.allocation) == (other_cin, AllocationState.HELD_BY_TEAM_LEADER)


# --- missing work and withdrawal ----------------------------------------------------------------


def test_missing_work_goes_back_to_the_originating_team_until_done(teams):
    transfer = to_allocated(teams, cin_case(teams))
    with pytest.raises(PermissionDenied):
        services.transfer_record_missing_work(transfer=transfer, by=teams.cin_sw, description="x")
    item = services.transfer_record_missing_work(
        transfer=transfer, by=teams.cic_sw, description="Chronology not updated since June"
    )
    assert OutboxEmail.objects.filter(recipient=teams.cin_tm, subject__contains="Missing").exists()
    with pytest.raises(PermissionDenied):
        services.transfer_resolve_missing_work(item=item, by=teams.cic_sw, note="done")
    services.transfer_resolve_missing_work(item=item, by=teams.cin_sw, note="Chronology updated")
    item.refresh_from_db()
    assert item.done_by == teams.cin_sw


def test_a_transfer_is_withdrawn_until_it_completes(teams):
    transfer = to_allocated(teams, cin_case(teams))
    services.transfer_withdraw(transfer=transfer, by=teams.cin_tm, reason="Plan changed")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.stage) == (S.WITHDRAWN, TransferStage.WITHDRAWN)
    assert not Deadline.objects.filter(
        subject_id=str(transfer.pk), status=DeadlineStatus.OPEN
    ).exists()


# --- pages, as each role ------------------------------------------------------------------------


def test_the_proposal_page_lists_eligible_teams_and_says_why_not_the_others(client, teams):
    case = cin_case(teams, plan_type=PlanType.CIN)
    client.force_login(teams.cin_sw)
    assert client.get(reverse("transfers:propose", args=[case.reference])).status_code == 403
    client.force_login(teams.cin_tm)
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("transfers:propose", args=[case.reference]) in page
    response = client.get(reverse("transfers:propose", args=[case.reference]))
    offered = set(response.context["form"].fields["to_team"].queryset)
    assert teams.yfs in offered and teams.eh in offered and teams.cic not in offered
    assert "Children in Care" in response.content.decode()  # listed, with its reason
    response = client.post(
        reverse("transfers:propose", args=[case.reference]),
        {"to_team": teams.eh.pk, "reason": "Needs met; Early Help to support"},
    )
    transfer = Transfer.objects.get(case=case)
    assert response["Location"] == transfer.get_absolute_url()
    assert transfer.kind == TransferKind.STEP_DOWN


def test_the_inbox_and_decision_pages_for_the_receiving_manager(client, teams):
    transfer = propose(teams, cin_case(teams), teams.cic)
    client.force_login(teams.cic_tm)
    response = client.get(reverse("transfers:inbox"))
    assert list(response.context["transfers"]) == [transfer]
    assert "Incoming transfers" in response.content.decode()
    client.force_login(teams.cin_tm)
    assert client.get(reverse("transfers:decide", args=[transfer.pk])).status_code == 403
    client.force_login(teams.cic_tm)
    response = client.post(reverse("transfers:decide", args=[transfer.pk]), {"accepted": "yes"})
    assert "Enter the reasons for the decision" in response.content.decode()
    response = client.post(
        reverse("transfers:decide", args=[transfer.pk]),
        {"accepted": "yes", "reasons": "Care order granted; we hold CiC", "confirm": "yes"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.ACCEPTED


def test_the_transfer_page_shows_the_standards_and_what_blocks(client, teams):
    transfer = to_allocated(teams, cin_case(teams, assessed_days_ago=60))
    client.force_login(teams.cin_tm)
    response = client.get(transfer.get_absolute_url())
    page = response.content.decode()
    assert "Transfer standards" in page
    assert "Transfer summary written and signed off by the team manager" in page
    assert "Needed" in page
    labels = [a.label for a in response.context["actions"]]
    assert "Write the transfer summary" in labels
    assert "Complete the transfer" not in labels
    client.force_login(teams.cic_sw)
    labels = [a.label for a in client.get(transfer.get_absolute_url()).context["actions"]]
    assert labels == ["Record missing work", "Record a meeting"]


def test_disabled_children_stay_with_the_disabled_childrens_service(teams):
    from transfers.services.team_move import remit_refusal

    dct = _team(
        "Disabled Children Team",
        Service.DISABLED_CHILDREN,
        UserFactory(roles=[Role.TEAM_MANAGER]),
        remit_max_age=15,
        remit_disability="disabled_only",
    )
    ypt = _team(
        "Young People's Team",
        Service.YOUNG_PEOPLE,
        UserFactory(roles=[Role.TEAM_MANAGER]),
        remit_min_age=16,
        remit_disability="disabled_only",
    )
    today = timezone.localdate()
    twelve = CaseFactory(
        current_team=dct,
        has_disability=True,
        plan_type=PlanType.CP,
        date_of_birth=today.replace(year=today.year - 12),
    )
    assert "Disabled Children's Service keeps disabled children" in remit_refusal(
        teams.cin, twelve, today
    )
    assert "16 to 17" in remit_refusal(ypt, twelve, today)
    sixteen = CaseFactory(
        current_team=dct,
        has_disability=True,
        plan_type=PlanType.CP,
        date_of_birth=today.replace(year=today.year - 16) - timedelta(days=3),
    )
    assert remit_refusal(ypt, sixteen, today) is None
    transfer = services.transfer_propose(
        case=sixteen, by=dct.manager, to_team=ypt, reason="Sixteen: the Young People's Team"
    )
    assert (transfer.kind, transfer.status) == (TransferKind.TEAM_TRANSFER, S.PROPOSED)
