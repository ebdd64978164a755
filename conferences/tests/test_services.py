"""Every step of a transfer-in request: allowed, not allowed in the wrong state, refused to the
wrong role, refused on a stale copy; each audited; the clocks start, move and stop."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from cases.choices import Involvement, PlanType
from conferences import services
from conferences.models import Decision, Outcome, TransferInRequest
from deadlines.models import Deadline, DeadlineStatus, EmailStatus, OutboxEmail
from deadlines.rules import Kind

from .conftest import ORDER, S, conference_time, pdf_upload, receive, walk

pytestmark = pytest.mark.django_db


def _deadline(request, kind) -> Deadline:
    return Deadline.objects.get(subject_id=str(request.pk), kind=kind)


def _actions(request) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            subject_type__model="transferinrequest", subject_id=str(request.pk)
        )
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


# (state it starts in, the call, the wrong person) for every transition.
def _steps(c):
    return {
        S.RECEIVED: (
            lambda r, by: services.conference_acknowledge(request=r, by=by),
            c.mash_worker,
            c.cca,
        ),
        S.ACKNOWLEDGED: (
            lambda r, by: services.conference_record_family(request=r, by=by),
            c.cca,
            c.qasm,
        ),
        S.FAMILY_RECORDED: (
            lambda r, by: services.conference_send_protocol_email(request=r, by=by),
            c.cca,
            c.mash_worker,
        ),
        S.BUNDLE_RECEIVED: (
            lambda r, by: services.conference_share_bundle(
                request=r, by=by, locality_team=c.locality
            ),
            c.cca,
            c.chair,
        ),
        S.WITH_QA: (
            lambda r, by: services.conference_record_discussion(
                request=r,
                by=by,
                team_manager=c.locality_tm,
                discussed_at=timezone.now(),
                notes="Discussed",
            ),
            c.qasm,
            c.cca,
        ),
        S.DISCUSSED: (
            lambda r, by: services.conference_decide(
                request=r, by=by, decision=Decision.ACCEPT, reasons="Risks continue"
            ),
            c.qasm,
            c.locality_tm,
        ),
        S.ACCEPTED: (
            lambda r, by: services.conference_offer_tentative_date(
                request=r, by=by, tentative_date=conference_time().date()
            ),
            c.qasm,
            c.cca,
        ),
        S.DATE_OFFERED: (
            lambda r, by: services.conference_agree_date(
                request=r,
                by=by,
                conference_at=conference_time(),
                venue="Room 2",
                agreed_with="CIN TM",
                chair=c.chair,
            ),
            c.cca,
            c.qasm,
        ),
    }


@pytest.mark.parametrize(
    "state",
    [
        S.RECEIVED,
        S.ACKNOWLEDGED,
        S.FAMILY_RECORDED,
        S.BUNDLE_RECEIVED,
        S.WITH_QA,
        S.DISCUSSED,
        S.ACCEPTED,
        S.DATE_OFFERED,
    ],
)
def test_each_step_allowed_refused_and_audited(conf, state):
    call, right, wrong = _steps(conf)[state]
    request = walk(conf, state)
    with pytest.raises(PermissionDenied):
        call(request, wrong)
    assert TransferInRequest.objects.get(pk=request.pk).status == state
    moved = call(request, right)
    target = ORDER[ORDER.index(state) + 1]
    assert moved.status == target
    event = AuditEvent.objects.filter(subject_id=str(request.pk), to_state=target).latest("id")
    assert (event.from_state, event.actor) == (state, right)
    # Not allowed from the state it is now in (nothing moves twice).
    with pytest.raises(TransitionNotAllowed):
        call(TransferInRequest.objects.get(pk=request.pk), right)


def test_a_stale_copy_is_refused(conf):
    request = walk(conf, S.WITH_QA)
    stale = TransferInRequest.objects.get(pk=request.pk)
    services.conference_record_discussion(
        request=request,
        by=conf.qasm,
        team_manager=conf.locality_tm,
        discussed_at=timezone.now(),
        notes="First",
    )
    # The service re-reads the row, so a stale caller is refused on the state...
    with pytest.raises(TransitionNotAllowed):
        services.conference_record_discussion(
            request=stale,
            by=conf.qasm,
            team_manager=conf.locality_tm,
            discussed_at=timezone.now(),
            notes="Second",
        )
    # ...and a stale copy saved directly fails on the concurrency check.
    stale.discuss_with_team_manager()
    with pytest.raises(ConcurrentTransition):
        stale.save()


def test_receipt_starts_the_fifteen_day_clock_owned_by_the_cca_team(conf):
    request = receive(conf, children=3)
    assert request.reference.startswith("TI")
    assert request.children.count() == 3
    deadline = _deadline(request, Kind.TRANSFER_IN_CONFERENCE)
    assert deadline.owner_team == conf.cca_team
    assert deadline.anchor_at == request.request_received_at
    assert _actions(request)[0] == "transferinrequest.receive"


def test_only_mash_records_a_request(conf):
    with pytest.raises(PermissionDenied):
        services.conference_receive(
            by=conf.cca,
            cca_team=conf.cca_team,
            requesting_authority="X",
            ola_social_worker="Y",
            ola_social_worker_email="y@example.org",
            ola_social_worker_phone="1",
            moved_in_on=timezone.localdate(),
            new_address="Z",
            request_received_at=timezone.now(),
            children=[{"first_name": "A", "last_name": "B", "date_of_birth": "2020-01-01"}],
        )


def test_acknowledgement_is_generated_and_the_cca_team_and_qa_sm_hear(conf):
    request = walk(conf, S.ACKNOWLEDGED)
    assert "Dear Sam Holder" in request.acknowledgement_text
    recipients = set(
        OutboxEmail.objects.filter(
            dedupe_key__startswith=f"conference:{request.pk}:ack"
        ).values_list("recipient__username", flat=True)
    )
    assert recipients == {"cca", "qasm"}
    for email in OutboxEmail.objects.all():
        assert "Okafor" not in email.subject + email.body_text  # never a child's name


def test_recording_the_family_opens_a_cpe_case_per_child(conf):
    request = walk(conf, S.FAMILY_RECORDED, children=3)
    children = list(request.children.select_related("case"))
    assert len(children) == 3
    for child in children:
        assert child.cp_plan_elsewhere
        assert child.case.current_team == conf.cca_team
        assert child.case.plan_type == PlanType.CP
        assert child.case.involvement == Involvement.SOCIAL_CARE
    assert _deadline(request, Kind.TRANSFER_IN_CONFERENCE).owner == conf.cca


def test_the_bundle_cannot_be_marked_received_until_complete(conf):
    request = walk(conf, S.AWAITING_BUNDLE)
    services.conference_upload_document(
        request=request, by=conf.cca, kind="cp_plan", uploaded=pdf_upload()
    )
    with pytest.raises(ValidationError):
        services.conference_receive_bundle(request=request, by=conf.cca)
    services.conference_record_outstanding(
        request=request, by=conf.cca, outstanding="The chronology and the viability assessment"
    )
    request.refresh_from_db()
    assert "chronology" in request.outstanding_letter_text
    checklist = {item["kind"]: item["received"] for item in services.bundle_checklist(request)}
    assert checklist["cp_plan"] and not checklist["chronology"]


def test_sharing_lets_the_locality_team_see_it_and_wait_on_the_clock(conf):
    from conferences.selectors import requests_visible_to

    request = walk(conf, S.BUNDLE_RECEIVED)
    assert not requests_visible_to(conf.locality_tm).filter(pk=request.pk).exists()
    services.conference_share_bundle(request=request, by=conf.cca, locality_team=conf.locality)
    assert requests_visible_to(conf.locality_tm).filter(pk=request.pk).exists()
    watchers = _deadline(request, Kind.TRANSFER_IN_CONFERENCE).watchers.all()
    assert {conf.qasm, conf.locality_tm} <= set(watchers)


def test_a_decline_stops_the_clock_and_answers_the_ola(conf):
    request = walk(conf, S.DISCUSSED)
    request = services.conference_decide(
        request=request, by=conf.qasm, decision=Decision.DECLINE, reasons="Family did not move."
    )
    assert request.status == S.DECLINED
    assert "Family did not move." in request.response_text
    assert "remains with Northshire County Council" in request.response_text
    assert _deadline(request, Kind.TRANSFER_IN_CONFERENCE).status == DeadlineStatus.CANCELLED


def test_tentative_date_starts_the_holding_sw_contact_clock(conf):
    request = walk(conf, S.DATE_OFFERED)
    deadline = _deadline(request, Kind.HOLDING_SW_CONTACT)
    assert deadline.due_at < deadline.anchor_at - timedelta(days=13)
    assert conf.cca in deadline.watchers.all()


def test_tentative_date_cannot_be_before_the_move(conf):
    request = walk(conf, S.ACCEPTED)
    with pytest.raises(ValidationError):
        services.conference_offer_tentative_date(
            request=request, by=conf.qasm, tentative_date=request.moved_in_on - timedelta(days=1)
        )


def test_agreeing_the_date_sets_the_report_deadline_and_standing_invitees(conf):
    request = walk(conf, S.SCHEDULED)
    report = _deadline(request, Kind.PRE_CONFERENCE_REPORT)
    assert report.anchor_at == request.conference_at
    assert report.due_at <= request.conference_at - timedelta(hours=48)
    assert conf.chair in report.watchers.all()
    roles = set(request.invitees.values_list("role", flat=True))
    assert {"chair", "ola_social_worker", "team_manager"} <= roles
    assert _deadline(request, Kind.HOLDING_SW_CONTACT).anchor_at == request.conference_at


def test_moving_the_conference_moves_its_deadlines_and_cancels_old_reminders(conf):
    request = walk(conf, S.SCHEDULED)
    report = _deadline(request, Kind.PRE_CONFERENCE_REPORT)
    reminder = OutboxEmail.objects.create(
        dedupe_key="old-reminder",
        kind="reminder",
        deadline=report,
        recipient=conf.cca,
        to_email=conf.cca.email,
        subject="x",
        body_text="x",
        next_attempt_at=timezone.now(),
    )
    new_time = conference_time(days=30)
    services.conference_move_date(
        request=request, by=conf.cca, conference_at=new_time, reason="Chair unavailable"
    )
    report.refresh_from_db()
    reminder.refresh_from_db()
    assert report.anchor_at == new_time
    assert report.revision == 2
    assert reminder.status == EmailStatus.CANCELLED
    assert _deadline(request, Kind.HOLDING_SW_CONTACT).anchor_at == new_time


def test_the_updated_report_meets_its_deadline(conf):
    request = walk(conf, S.SCHEDULED)
    services.conference_upload_document(
        request=request, by=conf.cca, kind="updated_report", uploaded=pdf_upload("report.pdf")
    )
    assert _deadline(request, Kind.PRE_CONFERENCE_REPORT).status == DeadlineStatus.MET
    request.refresh_from_db()
    assert request.report_received_at is not None


def test_welfare_visits_by_the_locality_team_only(conf):
    request = walk(conf, S.DATE_OFFERED)
    visit = services.conference_record_welfare_visit(
        request=request,
        by=conf.locality_sw,
        visited_by=conf.locality_sw,
        visited_at=timezone.now() - timedelta(hours=1),
        note="Children well; settling in.",
    )
    assert visit.request == request
    with pytest.raises(PermissionDenied):
        services.conference_record_welfare_visit(
            request=request,
            by=conf.cca,
            visited_by=conf.locality_sw,
            visited_at=timezone.now(),
            note="x",
        )
    assert "transferinrequest.record_welfare_visit" in _actions(request)


def test_the_invitation_list_needs_core_group_and_family(conf):
    request = walk(conf, S.SCHEDULED)
    with pytest.raises(ValidationError):
        services.conference_confirm_invitations(request=request, by=conf.cca)
    for role, name in (("core_group", "Health visitor"), ("family", "Mother")):
        services.conference_add_invitee(
            request=request, by=conf.cca, role=role, name=name, organisation="", contact="0123"
        )
    services.conference_confirm_invitations(request=request, by=conf.cca)
    request.refresh_from_db()
    assert request.invitations_confirmed_at is not None


def test_holding_the_conference_transfers_responsibility(conf):
    request = walk(conf, S.SCHEDULED, children=3)
    with pytest.raises(ValidationError):  # not yet
        services.conference_hold(
            request=request, by=conf.chair, outcome=Outcome.CP_PLAN_CONTINUES, note="Plan"
        )
    with time_machine.travel(request.conference_at + timedelta(hours=2), tick=False):
        request = services.conference_hold(
            request=request, by=conf.chair, outcome=Outcome.CP_PLAN_CONTINUES, note="Plan"
        )
    assert request.status == S.HELD
    for child in request.children.select_related("case"):
        assert not child.cp_plan_elsewhere
        assert child.case.current_team == conf.locality
        assert child.case.plan_type == PlanType.CP
    assert _deadline(request, Kind.TRANSFER_IN_CONFERENCE).status == DeadlineStatus.MET
    assert not Deadline.objects.filter(
        subject_id=str(request.pk), status=DeadlineStatus.OPEN
    ).exists()


def test_cancelling_stops_every_clock(conf):
    request = walk(conf, S.DATE_OFFERED)
    with pytest.raises(PermissionDenied):
        services.conference_cancel(request=request, by=conf.locality_sw, reason="x")
    services.conference_cancel(request=request, by=conf.cca, reason="Family moved on again")
    assert not Deadline.objects.filter(
        subject_id=str(request.pk), status=DeadlineStatus.OPEN
    ).exists()
    request.refresh_from_db()
    assert request.status == S.CANCELLED and request.closed_reason
