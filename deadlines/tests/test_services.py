"""Starting, meeting, cancelling and rescheduling deadlines, and the authority's policies."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import TransitionNotAllowed

from audit.models import AuditEvent
from deadlines.models import (
    ClosureDay,
    Deadline,
    DeadlinePolicy,
    DeadlineStatus,
    EmailKind,
    EmailStatus,
    LeadUnit,
    OutboxEmail,
)
from deadlines.rules import DEFAULT_RULES, Kind
from deadlines.services import (
    deadline_cancel,
    deadline_meet,
    deadline_reassign,
    deadline_reschedule,
    deadline_start,
    deadline_watch,
    policy_for,
    policy_update,
)
from deadlines.sweep import send_reminders, sweep

from .factories import london, start_deadline

pytestmark = pytest.mark.django_db


def audit_events(subject, action=None):
    events = AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    )
    return events.filter(action=action) if action else events


# --- starting a clock ---------------------------------------------------------------------------

# (kind, anchor, due, reminder): the worked examples of DEADLINES.md and the default reminders,
# an hour before for an urgent step-up and a working day before (same London time) otherwise.
STARTS = [
    pytest.param(
        Kind.STEP_UP_URGENT,
        london(2026, 11, 24, 11, 15),
        london(2026, 11, 24, 15, 15),
        london(2026, 11, 24, 14, 15),
        id="urgent-same-day",
    ),
    pytest.param(
        Kind.STEP_UP_URGENT,
        london(2026, 11, 24, 16, 10),
        london(2026, 11, 24, 17, 0),
        None,  # 16:00 is before the form arrived at 16:10
        id="urgent-capped-at-close-no-reminder",
    ),
    pytest.param(
        Kind.STEP_UP_URGENT,
        london(2026, 11, 29, 20, 0),
        london(2026, 11, 30, 13, 0),
        london(2026, 11, 30, 12, 0),
        id="urgent-sunday-evening",
    ),
    pytest.param(
        Kind.STEP_UP_STANDARD,
        london(2026, 11, 23, 9, 30),
        london(2026, 11, 25, 9, 30),
        london(2026, 11, 24, 9, 30),
        id="standard-48h",
    ),
    pytest.param(
        Kind.STEP_UP_STANDARD,
        london(2026, 12, 3, 14, 0),
        london(2026, 12, 4, 17, 0),
        london(2026, 12, 3, 17, 0),
        id="standard-pulled-back",
    ),
    pytest.param(
        Kind.STEP_UP_STANDARD,
        london(2026, 12, 24, 10, 0),
        london(2026, 12, 29, 17, 0),
        london(2026, 12, 24, 17, 0),  # the working day before skips Christmas and 28 Dec
        id="standard-over-christmas",
    ),
    pytest.param(
        Kind.JOINT_VISIT,
        london(2026, 11, 23, 10, 0),
        london(2026, 11, 30, 17, 0),
        london(2026, 11, 27, 17, 0),  # Friday: the weekend is not a working day
        id="joint-visit",
    ),
]


@pytest.mark.parametrize(("kind", "anchor", "due", "reminder"), STARTS)
def test_start_writes_the_row_with_the_due_instant_and_reminder(org, kind, anchor, due, reminder):
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(kind, anchor, case=org.case, owner=org.owner)

    row = Deadline.objects.get(pk=deadline.pk)
    assert row.kind == kind
    assert row.status == DeadlineStatus.OPEN
    assert row.anchor_at == anchor
    assert row.due_at == due
    assert row.remind_at == reminder
    assert row.revision == 1
    assert (row.case, row.owner, row.owner_team) == (org.case, org.owner, org.team)
    assert row.subject == org.case
    assert row.reminded_at is row.breached_at is row.met_at is None


def test_start_is_audited(org):
    anchor = london(2026, 11, 24, 11, 15)
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(
            Kind.STEP_UP_URGENT, anchor, case=org.case, owner=org.owner, by=org.manager
        )
    event = audit_events(deadline).get()
    assert event.action == "deadline.start"
    assert event.actor == org.manager
    assert event.case == org.case
    assert event.to_state == "open"
    assert event.at == anchor
    assert event.changes["kind"] == [None, Kind.STEP_UP_URGENT]
    assert datetime.fromisoformat(event.changes["due_at"][1]) == london(2026, 11, 24, 15, 15)


def test_a_before_rule_is_reminded_before_the_due_time(org):
    """A pre-conference report is anchored on the conference, after its due time: its clock
    starts when it is set, so it still has a reminder."""
    conference = london(2026, 12, 9, 10, 0)
    with time_machine.travel(london(2026, 11, 23, 12, 0), tick=False):
        deadline = start_deadline(Kind.PRE_CONFERENCE_REPORT, conference, case=org.case)
    assert deadline.due_at == london(2026, 12, 7, 10, 0)
    assert deadline.remind_at == london(2026, 12, 4, 10, 0)


def test_a_before_rule_set_too_late_for_its_reminder_has_none(org):
    conference = london(2026, 12, 9, 10, 0)
    with time_machine.travel(london(2026, 12, 7, 9, 0), tick=False):
        deadline = start_deadline(Kind.PRE_CONFERENCE_REPORT, conference, case=org.case)
    assert deadline.due_at == london(2026, 12, 7, 10, 0)
    assert deadline.remind_at is None


def test_a_reminder_lead_in_hours_is_elapsed_time_across_the_clock_change(org):
    """168 hours before Fri 30 Oct 17:00 GMT is Fri 23 Oct 18:00 BST (17:00 UTC), not 17:00 BST:
    the clocks went back on Sun 25 Oct."""
    policy_update(
        policy=policy_for(Kind.JOINT_VISIT),
        by=org.admin,
        reminder_lead=168,
        reminder_lead_unit=LeadUnit.HOURS,
    )
    anchor = london(2026, 10, 23, 10, 0)
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(Kind.JOINT_VISIT, anchor, case=org.case)
    assert deadline.due_at == datetime(2026, 10, 30, 17, 0, tzinfo=UTC)
    assert deadline.remind_at == datetime(2026, 10, 23, 17, 0, tzinfo=UTC)


def test_a_reminder_lead_of_zero_means_no_reminder(org):
    policy_update(policy=policy_for(Kind.JOINT_VISIT), by=org.admin, reminder_lead=0)
    anchor = london(2026, 11, 23, 10, 0)
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(Kind.JOINT_VISIT, anchor, case=org.case)
    assert deadline.remind_at is None


def test_an_unknown_kind_is_refused_and_writes_nothing(org):
    with pytest.raises(ValueError, match="Unknown deadline kind"):
        start_deadline("tea_break", london(2026, 11, 23, 10), case=org.case)
    assert not Deadline.objects.exists()


# --- meeting, cancelling ------------------------------------------------------------------------

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
REMIND = london(2026, 12, 1, 17, 0)  # Tuesday
DUE = london(2026, 12, 2, 17, 0)  # Wednesday: joint visit, 5 working days


@pytest.fixture
def joint_visit(org):
    with time_machine.travel(ANCHOR, tick=False):
        return start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case, owner=org.owner)


def test_meet_marks_it_met_on_time_and_audits(org, joint_visit):
    at = london(2026, 11, 30, 15, 0)
    with time_machine.travel(at, tick=False):
        met = deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT, by=org.owner, at=at)

    assert [d.pk for d in met] == [joint_visit.pk]
    row = Deadline.objects.get(pk=joint_visit.pk)
    assert row.status == DeadlineStatus.MET
    assert row.met_at == at
    assert not row.met_late
    event = audit_events(row, "deadline.meet").get()
    assert (event.from_state, event.to_state, event.actor) == ("open", "met", org.owner)
    # Met: the sweep neither reminds nor breaches it.
    with time_machine.travel(DUE + timedelta(days=3), tick=False):
        sweep()
    assert mail.outbox == []
    assert Deadline.objects.get(pk=joint_visit.pk).status == DeadlineStatus.MET


def test_meet_after_the_breach_is_met_late(org, joint_visit):
    with time_machine.travel(DUE, tick=False):
        sweep()
    assert Deadline.objects.get(pk=joint_visit.pk).status == DeadlineStatus.BREACHED
    at = DUE + timedelta(hours=2)
    with time_machine.travel(at, tick=False):
        deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT, by=org.owner, at=at)

    row = Deadline.objects.get(pk=joint_visit.pk)
    assert row.status == DeadlineStatus.MET
    assert row.met_late
    event = audit_events(row, "deadline.meet").get()
    assert (event.from_state, event.to_state) == ("breached", "met")


def test_meet_touches_only_the_kind_named(org, joint_visit):
    with time_machine.travel(ANCHOR, tick=False):
        discussion = start_deadline(Kind.TEN_DAY_DISCUSSION, ANCHOR, case=org.case)
        deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT)
    assert Deadline.objects.get(pk=joint_visit.pk).status == DeadlineStatus.MET
    assert Deadline.objects.get(pk=discussion.pk).status == DeadlineStatus.OPEN


def test_meet_cancels_the_reminder_not_yet_sent(org, joint_visit):
    send_reminders(REMIND)  # the row is written; its send has not happened yet
    email = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    assert email.status == EmailStatus.PENDING

    deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT, at=REMIND)

    assert OutboxEmail.objects.get(pk=email.pk).status == EmailStatus.CANCELLED
    with time_machine.travel(REMIND + timedelta(minutes=1), tick=False):
        sweep()
    assert mail.outbox == []


def test_cancel_stops_the_clock_its_emails_and_is_audited(org, joint_visit):
    send_reminders(REMIND)
    with time_machine.travel(REMIND, tick=False):
        cancelled = deadline_cancel(subject=org.case, by=org.manager, reason="Transfer withdrawn")

    assert [d.pk for d in cancelled] == [joint_visit.pk]
    row = Deadline.objects.get(pk=joint_visit.pk)
    assert row.status == DeadlineStatus.CANCELLED
    assert row.cancelled_at == REMIND
    event = audit_events(row, "deadline.cancel").get()
    assert (event.from_state, event.to_state) == ("open", "cancelled")
    assert event.note == "Transfer withdrawn"
    assert event.actor == org.manager
    assert OutboxEmail.objects.get().status == EmailStatus.CANCELLED
    with time_machine.travel(DUE + timedelta(days=2), tick=False):
        sweep()
    assert mail.outbox == []
    assert Deadline.objects.get(pk=joint_visit.pk).status == DeadlineStatus.CANCELLED


def test_cancel_leaves_other_subjects_alone(org, joint_visit):
    with time_machine.travel(ANCHOR, tick=False):
        other = start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.other_case)
        deadline_cancel(subject=org.case, reason="Withdrawn")
    assert Deadline.objects.get(pk=other.pk).status == DeadlineStatus.OPEN


# --- watchers and reassigning ------------------------------------------------------------------


def test_start_records_the_watchers_once_each_and_audits_them(org):
    with time_machine.travel(ANCHOR, tick=False):
        deadline = start_deadline(
            Kind.JOINT_VISIT,
            ANCHOR,
            case=org.case,
            owner=org.owner,
            watchers=[org.other_owner, None, org.other_manager, org.other_owner],
        )
    assert set(deadline.watchers.all()) == {org.other_owner, org.other_manager}
    event = audit_events(deadline, "deadline.start").get()
    assert event.changes["watchers"] == [[], sorted([org.other_owner.pk, org.other_manager.pk])]


def test_start_without_watchers_has_none(org, joint_visit):
    assert not joint_visit.watchers.exists()
    assert "watchers" not in audit_events(joint_visit, "deadline.start").get().changes


def test_watch_adds_people_to_the_open_deadlines_of_the_kind_and_audits(org, joint_visit):
    with time_machine.travel(ANCHOR, tick=False):
        discussion = start_deadline(Kind.TEN_DAY_DISCUSSION, ANCHOR, case=org.case)
        done = start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case)
    deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT, at=ANCHOR)  # meets both visits
    with time_machine.travel(ANCHOR, tick=False):
        again = start_deadline(Kind.JOINT_VISIT, ANCHOR, case=org.case, owner=org.owner)

    watched = deadline_watch(
        subject=org.case, kind=Kind.JOINT_VISIT, people=[org.other_owner], by=org.manager
    )

    assert [d.pk for d in watched] == [again.pk]
    assert list(again.watchers.all()) == [org.other_owner]
    assert not Deadline.objects.get(pk=done.pk).watchers.exists()  # met: nobody waits on it
    assert not discussion.watchers.exists()  # another kind
    event = audit_events(again, "deadline.watch").get()
    assert event.actor == org.manager
    assert event.changes == {"watchers": [[], [org.other_owner.pk]]}


def test_watch_twice_adds_nobody_and_writes_no_audit(org, joint_visit):
    deadline_watch(subject=org.case, kind=Kind.JOINT_VISIT, people=[org.other_owner])
    again = deadline_watch(subject=org.case, kind=Kind.JOINT_VISIT, people=[org.other_owner, None])
    assert again == []
    assert audit_events(joint_visit, "deadline.watch").count() == 1
    assert list(joint_visit.watchers.all()) == [org.other_owner]


def test_watch_keeps_the_watchers_already_there(org, joint_visit):
    deadline_watch(subject=org.case, kind=Kind.JOINT_VISIT, people=[org.other_owner])
    deadline_watch(subject=org.case, kind=Kind.JOINT_VISIT, people=[org.other_manager])
    assert set(joint_visit.watchers.all()) == {org.other_owner, org.other_manager}
    last = audit_events(joint_visit, "deadline.watch").order_by("pk").last()
    assert last.changes == {
        "watchers": [[org.other_owner.pk], sorted([org.other_owner.pk, org.other_manager.pk])]
    }


def test_reassign_moves_the_owner_and_keeps_the_team_by_default(org, joint_visit):
    moved = deadline_reassign(
        subject=org.case, kind=Kind.JOINT_VISIT, owner=org.colleague, by=org.manager
    )
    row = Deadline.objects.get(pk=joint_visit.pk)
    assert [d.pk for d in moved] == [row.pk]
    assert (row.owner, row.owner_team) == (org.colleague, org.team)
    event = audit_events(row, "deadline.reassign").get()
    assert event.changes == {"owner": [org.owner.pk, org.colleague.pk]}
    assert event.actor == org.manager


def test_reassign_to_another_team_moves_the_team_too_and_audits_both(org, joint_visit):
    deadline_reassign(
        subject=org.case,
        kind=Kind.JOINT_VISIT,
        owner=org.other_manager,
        owner_team=org.other,
        by=org.manager,
    )
    row = Deadline.objects.get(pk=joint_visit.pk)
    assert (row.owner, row.owner_team) == (org.other_manager, org.other)
    assert audit_events(row, "deadline.reassign").get().changes == {
        "owner": [org.owner.pk, org.other_manager.pk],
        "owner_team": [org.team.pk, org.other.pk],
    }


def test_reassign_of_the_team_alone_keeps_the_owner(org, joint_visit):
    moved = deadline_reassign(
        subject=org.case, kind=Kind.JOINT_VISIT, owner=org.owner, owner_team=org.sibling
    )
    row = Deadline.objects.get(pk=joint_visit.pk)
    assert [d.pk for d in moved] == [row.pk]
    assert (row.owner, row.owner_team) == (org.owner, org.sibling)
    assert audit_events(row, "deadline.reassign").get().changes == {
        "owner_team": [org.team.pk, org.sibling.pk]
    }


def test_reassign_to_the_same_owner_and_team_changes_nothing(org, joint_visit):
    moved = deadline_reassign(
        subject=org.case, kind=Kind.JOINT_VISIT, owner=org.owner, owner_team=org.team
    )
    assert moved == []
    assert not audit_events(joint_visit, "deadline.reassign").exists()


def test_the_breach_alert_after_a_team_move_goes_to_the_new_teams_manager(org, joint_visit):
    deadline_reassign(
        subject=org.case, kind=Kind.JOINT_VISIT, owner=org.other_owner, owner_team=org.other
    )
    with time_machine.travel(DUE, tick=False):
        sweep()
    breach = OutboxEmail.objects.filter(kind=EmailKind.BREACH)
    assert sorted(breach.values_list("to_email", flat=True)) == sorted(
        [org.other_owner.email, org.other_manager.email]
    )


# --- rescheduling -------------------------------------------------------------------------------

BOOKED = london(2026, 11, 23, 12, 0)
CONFERENCE = london(2026, 12, 9, 10, 0)
REPORT_REMIND = london(2026, 12, 4, 10, 0)  # Friday
NEW_CONFERENCE = london(2026, 12, 16, 10, 0)


@pytest.fixture
def report(org):
    with time_machine.travel(BOOKED, tick=False):
        return start_deadline(
            Kind.PRE_CONFERENCE_REPORT, CONFERENCE, case=org.case, owner=org.owner
        )


def test_reschedule_recomputes_bumps_the_revision_and_cancels_the_old_reminder(org, report):
    send_reminders(REPORT_REMIND)
    old = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    assert old.status == EmailStatus.PENDING

    with time_machine.travel(REPORT_REMIND, tick=False):
        deadline_reschedule(
            deadline=report, anchor_at=NEW_CONFERENCE, by=org.manager, reason="Chair unwell"
        )

    row = Deadline.objects.get(pk=report.pk)
    assert row.anchor_at == NEW_CONFERENCE
    assert row.due_at == london(2026, 12, 14, 10, 0)
    assert row.remind_at == london(2026, 12, 11, 10, 0)
    assert row.revision == 2
    assert row.reminded_at is None
    assert row.status == DeadlineStatus.OPEN
    assert OutboxEmail.objects.get(pk=old.pk).status == EmailStatus.CANCELLED
    event = audit_events(row, "deadline.reschedule").get()
    assert event.actor == org.manager
    assert "Chair unwell" in event.note
    assert "2026-12-07T10:00:00+00:00" in event.note
    assert "2026-12-14T10:00:00+00:00" in event.note

    # The old reminder is never sent; the new one is, once, under a new key.
    with time_machine.travel(REPORT_REMIND + timedelta(minutes=1), tick=False):
        sweep()
    assert mail.outbox == []
    with time_machine.travel(london(2026, 12, 11, 10, 0), tick=False):
        sweep()
        sweep()
    assert len(mail.outbox) == 1
    assert "Monday 14 December 2026 at 10:00am" in mail.outbox[0].subject
    new = OutboxEmail.objects.get(kind=EmailKind.REMINDER, status=EmailStatus.SENT)
    assert new.dedupe_key != old.dedupe_key
    assert ":r2:" in new.dedupe_key


def test_reschedule_reopens_a_breached_deadline(org, report):
    with time_machine.travel(london(2026, 12, 7, 10, 0), tick=False):
        sweep()
    assert Deadline.objects.get(pk=report.pk).status == DeadlineStatus.BREACHED
    with time_machine.travel(london(2026, 12, 7, 11, 0), tick=False):
        deadline_reschedule(deadline=report, anchor_at=NEW_CONFERENCE, reason="Re-dated")
    row = Deadline.objects.get(pk=report.pk)
    assert row.status == DeadlineStatus.OPEN
    assert row.breached_at is None
    assert row.escalate_at is None


def test_reschedule_of_a_met_deadline_is_refused_and_changes_nothing(org, report):
    send_reminders(REPORT_REMIND)
    Deadline.objects.filter(pk=report.pk).update(status=DeadlineStatus.MET)
    with pytest.raises(TransitionNotAllowed):
        deadline_reschedule(deadline=report, anchor_at=NEW_CONFERENCE, reason="Re-dated")
    assert Deadline.objects.get(pk=report.pk).due_at == london(2026, 12, 7, 10, 0)
    assert OutboxEmail.objects.get().status == EmailStatus.PENDING


# --- policies and closure days ------------------------------------------------------------------


def test_a_policy_change_moves_new_deadlines_only_and_is_audited(org):
    first_anchor = london(2026, 11, 23, 10, 0)
    with time_machine.travel(first_anchor, tick=False):
        before = start_deadline(Kind.JOINT_VISIT, first_anchor, case=org.case)
    policy = DeadlinePolicy.objects.get(kind=Kind.JOINT_VISIT)

    policy_update(policy=policy, by=org.admin, amount=3, escalate_after_hours=4)

    with time_machine.travel(first_anchor, tick=False):
        after = start_deadline(Kind.JOINT_VISIT, first_anchor, case=org.other_case)
    assert after.due_at == london(2026, 11, 26, 17, 0)  # 3 working days
    assert Deadline.objects.get(pk=before.pk).due_at == london(2026, 11, 30, 17, 0)
    event = audit_events(policy, "deadlinepolicy.change").get()
    assert event.actor == org.admin
    assert event.changes == {"amount": [5, 3], "escalate_after_hours": [24, 4]}


URGENT = [
    Kind.STEP_UP_URGENT,
    Kind.EH_REVIEW_URGENT,
    Kind.EH_DECISION_URGENT,
    Kind.STEP_UP_ALLOCATION_URGENT,
    Kind.SAFEGUARDING_CONCERN,
]


def test_every_kind_has_a_policy_row_from_the_migrations_with_its_default_amount(db):
    # The rows come from the data migrations; policy_for would create a missing one, so read
    # the table directly.
    stored = {p.kind: p for p in DeadlinePolicy.objects.all()}
    assert set(stored) == set(Kind.values)
    for kind, policy in stored.items():
        assert policy.amount == DEFAULT_RULES[kind].amount, kind
        if kind in URGENT:
            lead, escalate = (1, LeadUnit.HOURS), 1
        else:
            lead, escalate = (1, LeadUnit.WORKING_DAYS), 24
        assert (policy.reminder_lead, policy.reminder_lead_unit) == lead, kind
        assert policy.escalate_after_hours == escalate, kind


@pytest.mark.parametrize("kind", URGENT)
def test_a_missing_urgent_policy_is_created_with_the_hour_reminder_and_escalation(db, kind):
    DeadlinePolicy.objects.filter(kind=kind).delete()
    policy = policy_for(kind)
    assert (policy.reminder_lead, policy.reminder_lead_unit) == (1, LeadUnit.HOURS)
    assert policy.escalate_after_hours == 1


# (kind, anchor, due, reminder) for the local defaults, over Christmas 2026 (25 and 28 December
# are bank holidays).
LOCAL_STARTS = [
    pytest.param(
        Kind.EH_REVIEW_URGENT,
        london(2026, 12, 24, 11, 0),
        london(2026, 12, 24, 15, 0),
        london(2026, 12, 24, 14, 0),
        id="eh-review-urgent-hour-before",
    ),
    pytest.param(
        Kind.EH_DECISION,
        london(2026, 12, 23, 15, 0),
        london(2026, 12, 29, 17, 0),
        london(2026, 12, 24, 17, 0),
        id="eh-decision-over-christmas",
    ),
    pytest.param(
        Kind.STEP_UP_ALLOCATION_URGENT,
        london(2026, 12, 24, 10, 0),
        london(2026, 12, 29, 17, 0),
        london(2026, 12, 29, 16, 0),
        id="urgent-allocation-hour-before",
    ),
    pytest.param(
        Kind.TRANSFER_DECISION,
        london(2026, 12, 23, 10, 0),
        london(2027, 1, 4, 17, 0),
        london(2026, 12, 31, 17, 0),  # New Year's Day and the weekend skipped
        id="transfer-decision-new-year",
    ),
]


@pytest.mark.parametrize(("kind", "anchor", "due", "reminder"), LOCAL_STARTS)
def test_a_local_default_starts_with_its_due_instant_and_reminder(org, kind, anchor, due, reminder):
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(kind, anchor, case=org.case, owner=org.owner)
    row = Deadline.objects.get(pk=deadline.pk)
    assert (row.kind, row.due_at, row.remind_at) == (kind, due, reminder)


def test_a_cla_transfer_discussion_is_reminded_the_working_day_before_and_moves_with_the_date(
    org,
):
    now = london(2026, 12, 1, 10, 0)
    review = london(2026, 12, 29, 0, 0)  # the first Looked After review, as entered
    with time_machine.travel(now, tick=False):
        deadline = start_deadline(Kind.CLA_TRANSFER_DISCUSSION, review, case=org.case)
        assert deadline.due_at == london(2026, 12, 29, 17, 0)
        assert deadline.remind_at == london(2026, 12, 24, 17, 0)
        # The review moves to the bank holiday: due the working day before.
        moved = deadline_reschedule(
            deadline=deadline, anchor_at=london(2026, 12, 28), reason="Review re-dated"
        )
    assert moved.due_at == london(2026, 12, 24, 17, 0)
    assert moved.remind_at == london(2026, 12, 23, 17, 0)


def test_an_adult_services_transition_is_due_183_days_before_the_18th_birthday(org):
    now = london(2026, 11, 2, 10, 0)
    birthday = london(2027, 6, 30)
    with time_machine.travel(now, tick=False):
        deadline = start_deadline(Kind.ADULT_SERVICES_TRANSITION, birthday, case=org.case)
    assert deadline.due_at == london(2026, 12, 24, 17, 0)
    assert deadline.remind_at == london(2026, 12, 23, 17, 0)


def test_a_policy_update_that_changes_nothing_writes_no_audit(org):
    policy = policy_for(Kind.JOINT_VISIT)
    policy_update(policy=policy, by=org.admin, amount=policy.amount)
    assert not audit_events(policy).exists()


def test_a_policy_update_refuses_other_fields_and_bad_values(org):
    policy = policy_for(Kind.JOINT_VISIT)
    with pytest.raises(ValueError, match="kind"):
        policy_update(policy=policy, by=org.admin, kind=Kind.STEP_UP_URGENT)
    with pytest.raises(ValidationError):
        policy_update(policy=policy_for(Kind.JOINT_VISIT), by=org.admin, remind="everyone")
    stored = DeadlinePolicy.objects.get(pk=policy.pk)
    assert (stored.kind, stored.remind) == (Kind.JOINT_VISIT, "owner")
    assert not audit_events(policy).exists()


def test_a_policy_changed_in_the_admin_is_audited_with_the_administrator(admin_client, admin_user):
    policy = policy_for(Kind.STEP_UP_URGENT)
    response = admin_client.post(
        f"/admin/deadlines/deadlinepolicy/{policy.pk}/change/",
        {
            "amount": 3,
            "reminder_lead": 1,
            "reminder_lead_unit": "hours",
            "remind": "owner_and_manager",
            "alert_on_breach": "owner_and_manager",
            "escalate_after_hours": policy.escalate_after_hours,
        },
    )
    assert response.status_code == 302
    stored = DeadlinePolicy.objects.get(pk=policy.pk)
    assert (stored.amount, stored.remind) == (3, "owner_and_manager")
    event = audit_events(policy, "deadlinepolicy.change").get()
    assert event.actor == admin_user
    assert event.changes == {"amount": [4, 3], "remind": ["owner", "owner_and_manager"]}


def test_a_closure_day_edited_in_the_admin_records_what_it_was(admin_client):
    day = ClosureDay.objects.create(date=london(2026, 12, 24).date(), reason="Office move")
    response = admin_client.post(
        f"/admin/deadlines/closureday/{day.pk}/change/",
        {"date": "2026-12-23", "reason": "Office move"},
    )
    assert response.status_code == 302
    event = audit_events(day, "closureday.change").get()
    assert event.changes == {"date": ["2026-12-24", "2026-12-23"]}


def test_closure_days_move_the_due_instant_and_the_reminder(org):
    anchor = london(2026, 11, 23, 10, 0)
    ClosureDay.objects.create(date=london(2026, 11, 25).date(), reason="Office move")
    ClosureDay.objects.create(date=london(2026, 11, 27).date(), reason="Staff training")
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(Kind.JOINT_VISIT, anchor, case=org.case)
    # Tue 24, Thu 26, Mon 30, Tue 1, Wed 2: day 5 is Wednesday 2 December.
    assert deadline.due_at == london(2026, 12, 2, 17, 0)
    assert deadline.remind_at == london(2026, 12, 1, 17, 0)


def test_a_closure_day_delays_an_urgent_step_up_received_on_it(org):
    ClosureDay.objects.create(date=london(2026, 11, 24).date(), reason="Closed")
    anchor = london(2026, 11, 24, 11, 15)
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(Kind.STEP_UP_URGENT, anchor, case=org.case)
    assert deadline.due_at == london(2026, 11, 25, 13, 0)


# --- one transaction ----------------------------------------------------------------------------


def test_everything_rolls_back_with_the_surrounding_transaction(
    org, django_capture_on_commit_callbacks
):
    """A transition that fails after starting, meeting and reminding leaves no trace: no
    deadline, no audit record, no outbox row, nothing queued."""
    anchor = london(2026, 11, 23, 10, 0)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        urgent = deadline_start(
            kind=Kind.STEP_UP_URGENT, subject=org.case, anchor_at=anchor, case=org.case
        )
        start_deadline(Kind.JOINT_VISIT, anchor, case=org.case, owner=org.owner)
        deadline_meet(subject=org.case, kind=Kind.STEP_UP_URGENT, at=anchor)
        send_reminders(london(2026, 11, 27, 17, 0))
        assert OutboxEmail.objects.count() == 1
        raise RuntimeError("the transfer could not be saved")

    assert callbacks == []
    assert not Deadline.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert not audit_events(urgent).exists()
    assert not AuditEvent.objects.filter(action__startswith="deadline").exists()


def test_a_failed_reschedule_keeps_the_old_due_time_and_its_pending_reminder(org, report):
    send_reminders(REPORT_REMIND)
    with pytest.raises(RuntimeError), transaction.atomic():
        deadline_reschedule(deadline=report, anchor_at=NEW_CONFERENCE, reason="Re-dated")
        raise RuntimeError("the conference could not be saved")
    row = Deadline.objects.get(pk=report.pk)
    assert (row.due_at, row.revision) == (london(2026, 12, 7, 10, 0), 1)
    assert OutboxEmail.objects.get().status == EmailStatus.PENDING
    assert not audit_events(row, "deadline.reschedule").exists()
