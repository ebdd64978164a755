from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import escape
from django_fsm import TransitionNotAllowed

from audit.models import AuditEvent
from deadlines.models import Deadline, DeadlineStatus, OutboxEmail
from deadlines.rules import Kind
from escalations.models import ConcernStatus, SafeguardingConcern
from escalations.services import concern_close, concern_raise, concern_respond

pytestmark = pytest.mark.django_db


def _raise(town, by=None, case=None, **kwargs) -> SafeguardingConcern:
    return concern_raise(
        case=case or town.yfs_case,
        by=by or town.yfs_worker,
        concern=kwargs.pop("concern", "Young person disclosed being hit at home."),
        no_safeguarding_tm_available=kwargs.pop("no_safeguarding_tm_available", True),
        **kwargs,
    )


def test_raising_goes_to_the_duty_team_of_the_case_locality_with_a_four_hour_clock(town):
    concern = _raise(town)
    assert concern.duty_team == town.duty
    assert concern.raised_from_team == town.yfs and concern.status == ConcernStatus.RAISED
    deadline = Deadline.objects.get(subject_id=str(concern.pk), kind=Kind.SAFEGUARDING_CONCERN)
    assert deadline.owner == town.duty_tm and deadline.owner_team == town.duty
    assert concern.raised_at < deadline.due_at
    assert deadline.anchor_at == concern.raised_at
    assert AuditEvent.objects.filter(action="safeguardingconcern.raise", case=town.yfs_case)


def test_raising_emails_the_duty_managers_urgently_without_the_childs_name(town):
    _raise(town)
    emails = OutboxEmail.objects.all()
    assert {e.recipient for e in emails} == {town.duty_tm, town.duty_atm}
    for email in emails:
        assert email.subject.startswith("URGENT")
        assert town.yfs_case.reference in email.subject
        for text in (email.subject, email.body_text, email.body_html):
            for name in (town.yfs_case.first_name, town.yfs_case.last_name):
                assert name not in text and escape(name) not in text
        assert "/escalations/concerns/" in email.body_text
        assert "Not through EHaSH" in email.body_text


def test_a_possible_section_47_goes_through_ehash(town):
    from cases.tests.factories import CaseFactory

    cc_case = CaseFactory(current_team=town.cc)
    concern = _raise(town, by=town.cc_worker, case=cc_case, may_lead_to_section_47=True)
    assert concern.via_ehash
    assert "section 47" in OutboxEmail.objects.first().body_text


def test_any_duty_team_when_the_locality_has_none(town):
    town.yfs.locality = "East"
    town.yfs.save()
    assert _raise(town).duty_team == town.duty_elsewhere


def test_only_yfs_or_cc_staff_who_see_the_case_raise_one(town):
    with pytest.raises(PermissionDenied):
        _raise(town, by=town.cin_sw, case=town.cin_case)
    with pytest.raises(PermissionDenied):
        _raise(town, by=town.director)
    assert not SafeguardingConcern.objects.exists()


def test_a_safeguarding_tm_must_have_been_unavailable_and_the_concern_said(town):
    with pytest.raises(ValidationError) as error:
        _raise(town, concern=" ", no_safeguarding_tm_available=False)
    assert set(error.value.message_dict) == {"concern", "no_safeguarding_tm_available"}


def test_one_waiting_concern_per_case(town):
    _raise(town)
    with pytest.raises(ValidationError, match="already waiting"):
        _raise(town, by=town.yfs_tm)


def test_duty_responds_and_the_deadline_is_met(town):
    concern = _raise(town)
    concern = concern_respond(
        concern=concern,
        by=town.duty_sw,
        response="Called back within the hour",
        next_steps="Home visit today with the police",
        contact_reference="CON-1",
    )
    assert concern.status == ConcernStatus.RESPONDED and concern.responded_by == town.duty_sw
    deadline = Deadline.objects.get(subject_id=str(concern.pk), kind=Kind.SAFEGUARDING_CONCERN)
    assert deadline.status == DeadlineStatus.MET
    event = AuditEvent.objects.get(action="safeguardingconcern.respond")
    assert (event.from_state, event.to_state, event.actor) == ("raised", "responded", town.duty_sw)
    told = OutboxEmail.objects.filter(recipient=town.yfs_worker)
    assert told.count() == 1 and "URGENT" in told.get().subject


def test_someone_outside_the_duty_team_cannot_respond(town):
    concern = _raise(town)
    for person in (town.elsewhere_tm, town.yfs_tm, town.cin_tm):
        with pytest.raises(PermissionDenied):
            concern_respond(concern=concern, by=person, response="x", next_steps="y")
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RAISED


def test_a_response_needs_words(town):
    concern = _raise(town)
    with pytest.raises(ValidationError) as error:
        concern_respond(concern=concern, by=town.duty_tm, response="", next_steps="")
    assert set(error.value.message_dict) == {"response", "next_steps"}


def test_responding_twice_or_closing_early_is_refused(town):
    concern = _raise(town)
    with pytest.raises(TransitionNotAllowed):
        concern_close(concern=concern, by=town.duty_tm, note="early")
    concern_respond(concern=concern, by=town.duty_tm, response="r", next_steps="n")
    with pytest.raises(TransitionNotAllowed):
        concern_respond(concern=concern, by=town.duty_atm, response="r", next_steps="n")
    closed = concern_close(concern=concern, by=town.duty_atm, note="Referral made")
    assert closed.status == ConcernStatus.CLOSED and closed.closed_by == town.duty_atm


def test_a_stale_copy_cannot_respond_after_another(town):
    concern = _raise(town)
    stale = SafeguardingConcern.objects.get(pk=concern.pk)
    concern_respond(concern=concern, by=town.duty_tm, response="r", next_steps="n")
    with pytest.raises(TransitionNotAllowed):
        concern_respond(concern=stale, by=town.duty_atm, response="r2", next_steps="n2")
    assert SafeguardingConcern.objects.get(pk=concern.pk).responded_by == town.duty_tm


def test_responding_late_meets_the_deadline_late(town):
    concern = _raise(town)
    Deadline.objects.filter(subject_id=str(concern.pk)).update(
        due_at=timezone.now() - timedelta(minutes=1), status=DeadlineStatus.BREACHED
    )
    concern_respond(concern=concern, by=town.duty_tm, response="r", next_steps="n")
    deadline = Deadline.objects.get(subject_id=str(concern.pk))
    assert deadline.status == DeadlineStatus.MET and deadline.met_late
