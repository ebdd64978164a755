"""The sweep: reminders, breaches, escalations and the weekly digest, each sent once."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction

from audit.fsm import apply_transition, apply_transition_to_locked
from audit.models import AuditEvent
from deadlines.models import (
    Deadline,
    DeadlineStatus,
    DigestWeek,
    EmailKind,
    EmailStatus,
    OutboxEmail,
    Recipients,
    SweepRun,
)
from deadlines.rules import Kind
from deadlines.services import deadline_meet, deadline_watch, policy_for, policy_update
from deadlines.sweep import SWEEP_NAME, sweep
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

from .factories import CHILD_FIRST, CHILD_LAST, html_of, london, sent_to, start_deadline

pytestmark = pytest.mark.django_db

# A joint visit started on a Wednesday: none of these times falls in a digest window (Monday
# 08:00 to Tuesday 08:00).
ANCHOR = london(2026, 11, 25, 10, 0)
REMIND = london(2026, 12, 1, 17, 0)  # Tuesday
DUE = london(2026, 12, 2, 17, 0)  # Wednesday
SECOND = timedelta(seconds=1)


def run_sweep(at):
    with time_machine.travel(at, tick=False):
        return sweep()


def start(org, **kwargs):
    kwargs.setdefault("owner", org.owner)
    kwargs.setdefault("case", org.case)
    with time_machine.travel(ANCHOR, tick=False):
        return start_deadline(Kind.JOINT_VISIT, ANCHOR, **kwargs)


def emails(kind):
    return OutboxEmail.objects.filter(kind=kind)


# --- reminders ----------------------------------------------------------------------------------


def test_the_reminder_goes_to_the_owner_at_the_reminder_time(org):
    deadline = start(org)
    run_sweep(REMIND - SECOND)
    assert mail.outbox == []

    counts = run_sweep(REMIND)

    assert counts["reminders"] == 1
    assert sent_to(mail.outbox) == [org.owner.email]
    assert mail.outbox[0].subject.startswith(f"[{org.case.reference}] Reminder: joint visit due")
    email = emails(EmailKind.REMINDER).get()
    assert email.status == EmailStatus.SENT
    assert (email.recipient, email.deadline) == (org.owner, deadline)
    assert email.sent_at == REMIND
    assert Deadline.objects.get(pk=deadline.pk).reminded_at == REMIND


@pytest.mark.parametrize(
    ("remind", "expected"),
    [
        (Recipients.OWNER, ["owner"]),
        (Recipients.MANAGER, ["manager"]),
        (Recipients.OWNER_AND_MANAGER, ["manager", "owner"]),
    ],
)
def test_the_reminder_goes_to_the_recipients_the_policy_names(org, remind, expected):
    policy_update(policy=policy_for(Kind.JOINT_VISIT), by=org.admin, remind=remind)
    start(org)
    run_sweep(REMIND)
    assert sent_to(mail.outbox) == sorted(getattr(org, name).email for name in expected)


def test_with_no_owner_the_team_manager_is_reminded(org):
    start(org, owner=None)
    run_sweep(REMIND)
    assert sent_to(mail.outbox) == [org.manager.email]


@pytest.mark.parametrize("change", [{"is_active": False}, {"email": ""}])
def test_an_owner_who_cannot_be_reached_falls_back_to_the_manager(org, change):
    start(org)
    for name, value in change.items():
        setattr(org.owner, name, value)
    org.owner.save()
    run_sweep(REMIND)
    assert sent_to(mail.outbox) == [org.manager.email]


# --- breaches and escalation --------------------------------------------------------------------


def test_the_breach_at_the_due_time_alerts_owner_and_manager_and_is_audited(org):
    deadline = start(org)
    run_sweep(DUE - SECOND)
    assert Deadline.objects.get(pk=deadline.pk).status == DeadlineStatus.OPEN
    mail.outbox.clear()

    counts = run_sweep(DUE)

    assert counts["breaches"] == 1
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.status == DeadlineStatus.BREACHED
    assert row.breached_at == DUE
    assert row.escalate_at == DUE + timedelta(hours=24)
    assert sent_to(mail.outbox) == sorted([org.owner.email, org.manager.email])
    for message in mail.outbox:
        assert message.subject.startswith(
            f"[{org.case.reference}] Deadline passed: joint visit was due"
        )
    event = AuditEvent.objects.get(
        action="deadline.breach",
        subject_type=ContentType.objects.get_for_model(Deadline),
        subject_id=str(deadline.pk),
    )
    assert (event.from_state, event.to_state, event.actor) == ("open", "breached", None)
    assert event.case == org.case


def test_the_breach_alert_follows_the_policy(org):
    policy_update(
        policy=policy_for(Kind.JOINT_VISIT), by=org.admin, alert_on_breach=Recipients.MANAGER
    )
    start(org)
    run_sweep(DUE)
    assert sorted(e.to_email for e in emails(EmailKind.BREACH)) == [org.manager.email]


def test_a_deadline_still_open_after_the_escalation_delay_goes_one_level_up(org):
    deadline = start(org)
    run_sweep(DUE)
    run_sweep(DUE + timedelta(hours=24) - SECOND)
    assert not emails(EmailKind.ESCALATION).exists()
    mail.outbox.clear()

    counts = run_sweep(DUE + timedelta(hours=24))

    assert counts["escalations"] == 1
    # The service manager over the team's service: not Early Help's, not the director.
    assert sent_to(mail.outbox) == [org.service_manager.email]
    assert mail.outbox[0].subject.startswith(f"[{org.case.reference}] Escalation: joint visit")
    assert Deadline.objects.get(pk=deadline.pk).escalated_at == DUE + timedelta(hours=24)
    run_sweep(DUE + timedelta(hours=25))
    assert len(mail.outbox) == 1


def test_the_escalation_delay_comes_from_the_policy(org):
    policy_update(policy=policy_for(Kind.JOINT_VISIT), by=org.admin, escalate_after_hours=2)
    start(org)
    run_sweep(DUE)
    run_sweep(DUE + timedelta(hours=2) - SECOND)
    assert not emails(EmailKind.ESCALATION).exists()
    run_sweep(DUE + timedelta(hours=2))
    assert [e.to_email for e in emails(EmailKind.ESCALATION)] == [org.service_manager.email]


def test_the_escalation_delay_is_elapsed_time_across_the_clock_change(org):
    """Breached Fri 23 Oct 17:00 BST; 72 hours later is Mon 26 Oct 16:00 GMT, not 17:00 (the
    clocks went back on the Sunday), even when the sweep is handed a London time."""
    policy_update(policy=policy_for(Kind.JOINT_VISIT), by=org.admin, escalate_after_hours=72)
    anchor = london(2026, 10, 16, 10, 0)
    with time_machine.travel(anchor, tick=False):
        deadline = start_deadline(Kind.JOINT_VISIT, anchor, case=org.case, owner=org.owner)
    due = london(2026, 10, 23, 17, 0)
    assert deadline.due_at == due
    with time_machine.travel(due, tick=False):
        sweep(now=due)
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.escalate_at == datetime(2026, 10, 26, 16, 0, tzinfo=UTC)
    assert row.escalate_at - row.breached_at == timedelta(hours=72)


def test_a_deadline_met_after_its_breach_is_not_escalated(org):
    start(org)
    run_sweep(DUE)
    deadline_meet(subject=org.case, kind=Kind.JOINT_VISIT, at=DUE + timedelta(hours=1))
    run_sweep(DUE + timedelta(hours=30))
    assert not emails(EmailKind.ESCALATION).exists()


def test_a_service_manager_who_manages_a_team_in_the_service_is_escalated_to(org):
    org.service_manager.groups.clear()  # no longer a service manager
    head = UserFactory(username="head_cin", roles=[Role.SERVICE_MANAGER])
    TeamFactory(name="CIN leadership", service=Service.CHILDREN_IN_NEED, manager=head)
    start(org)
    run_sweep(DUE)
    run_sweep(DUE + timedelta(hours=24))
    assert [e.to_email for e in emails(EmailKind.ESCALATION)] == [head.email]


def test_with_no_service_manager_for_the_service_the_assistant_director_hears(org):
    org.service_manager.groups.clear()
    start(org)
    run_sweep(DUE)
    run_sweep(DUE + timedelta(hours=24))
    assert [e.to_email for e in emails(EmailKind.ESCALATION)] == [org.director.email]


# --- once, and only when useful -----------------------------------------------------------------


def test_nothing_is_sent_twice_however_often_the_sweep_runs(org):
    start(org)
    for at in [
        REMIND,
        REMIND,
        REMIND + timedelta(minutes=1),
        DUE,
        DUE,
        DUE + timedelta(minutes=1),
        DUE + timedelta(hours=24),
        DUE + timedelta(hours=24),
        DUE + timedelta(hours=48),
    ]:
        run_sweep(at)

    kinds = sorted(OutboxEmail.objects.values_list("kind", flat=True))
    assert kinds == ["breach", "breach", "escalation", "reminder"]
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
    assert len(mail.outbox) == 4
    assert len({(m.subject, m.to[0]) for m in mail.outbox}) == 4


def test_a_deadline_already_past_due_gets_the_breach_alert_but_no_reminder(org):
    """The engine was down through the reminder and the due time."""
    deadline = start(org)
    counts = run_sweep(DUE + timedelta(hours=1))
    assert counts["reminders"] == 0
    assert counts["breaches"] == 1
    assert not emails(EmailKind.REMINDER).exists()
    assert sorted(e.to_email for e in emails(EmailKind.BREACH)) == sorted(
        [org.owner.email, org.manager.email]
    )
    assert len(mail.outbox) == 2
    # No reminder went, so none is recorded as sent; the row says why it was skipped.
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.reminded_at is None
    assert row.reminder_skipped == "The due time had passed before the reminder went"
    run_sweep(DUE + timedelta(hours=2))
    assert len(mail.outbox) == 2


def test_a_reminder_due_exactly_at_the_due_time_is_not_sent(org):
    """An urgent step-up reminded an hour before: a sweep that first runs at the due time sends
    only the breach alert."""
    anchor = london(2026, 11, 25, 11, 15)
    with time_machine.travel(anchor, tick=False):
        start_deadline(Kind.STEP_UP_URGENT, anchor, case=org.case, owner=org.owner)
    run_sweep(london(2026, 11, 25, 15, 15))
    assert sorted(OutboxEmail.objects.values_list("kind", flat=True)) == ["breach", "breach"]


# --- what the emails say ------------------------------------------------------------------------


def test_emails_carry_the_reference_and_link_but_never_the_childs_name(org, settings):
    settings.SITE_URL = "https://casetransfer.example.gov.uk"
    start(org)
    run_sweep(REMIND)
    run_sweep(DUE)
    run_sweep(DUE + timedelta(hours=24))
    assert len(mail.outbox) == 4  # reminder, 2 breach alerts, escalation

    link = f"https://casetransfer.example.gov.uk/cases/{org.case.reference}/"
    assert org.case.get_absolute_url() == f"/cases/{org.case.reference}/"
    for message in mail.outbox:
        html = html_of(message)
        assert [mime for _, mime in message.alternatives] == ["text/html"]
        assert message.content_subtype == "plain"
        assert "<" not in message.body
        assert html.lstrip().startswith("<!DOCTYPE html>")
        assert org.case.reference in message.subject
        assert org.case.reference in message.body
        assert org.case.reference in html
        assert link in message.body
        assert f'href="{link}"' in html
        for part in (message.subject, message.body, html):
            assert CHILD_FIRST.lower() not in part.lower()
            assert CHILD_LAST.lower() not in part.lower()
        assert message.from_email == "casetransfer@localhost"


# --- the weekly digest --------------------------------------------------------------------------


def digests():
    return OutboxEmail.objects.filter(kind=EmailKind.DIGEST)


def test_the_digest_goes_on_monday_at_eight_london_time_in_winter(org):
    run_sweep(london(2026, 11, 30, 7, 59, 59))
    assert not digests().exists()

    counts = run_sweep(london(2026, 11, 30, 8, 0))

    assert counts["digests"] == 2
    # Every manager of an active team, once.
    assert sent_to(mail.outbox) == sorted([org.manager.email, org.other_manager.email])
    assert DigestWeek.objects.get().week == "2026-W49"


def test_the_digest_goes_at_eight_london_time_in_summer_which_is_seven_utc(org):
    monday = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 08:00 BST
    run_sweep(monday - SECOND)
    assert not digests().exists()
    run_sweep(monday)
    assert sorted(e.to_email for e in digests()) == sorted(
        [org.manager.email, org.other_manager.email]
    )
    assert DigestWeek.objects.get().week == "2026-W23"


def test_the_digest_goes_once_a_week_per_manager_however_often_the_sweep_runs(org):
    for minute in range(0, 10, 3):
        run_sweep(london(2026, 11, 30, 8, minute))
    run_sweep(london(2026, 11, 30, 12, 0))
    run_sweep(london(2026, 12, 1, 7, 0))
    assert digests().count() == 2
    assert len(mail.outbox) == 2

    run_sweep(london(2026, 12, 7, 8, 0))  # the next Monday
    assert digests().count() == 4
    assert sorted(DigestWeek.objects.values_list("week", flat=True)) == ["2026-W49", "2026-W50"]


@pytest.mark.parametrize(
    "at",
    [
        london(2026, 12, 1, 8, 0),  # Tuesday 08:00: a day late
        london(2026, 12, 2, 9, 0),  # Wednesday
        london(2026, 12, 6, 8, 0),  # Sunday
        london(2026, 11, 30, 7, 0),  # Monday, too early
    ],
)
def test_the_digest_is_not_sent_days_late_or_early(org, at):
    run_sweep(at)
    assert not digests().exists()
    assert not DigestWeek.objects.exists()


def test_a_sweep_down_at_eight_still_sends_the_digest_later_that_monday(org):
    run_sweep(london(2026, 11, 30, 14, 30))
    assert digests().count() == 2


def test_the_digest_lists_the_managers_own_teams_without_childrens_names(org):
    start(org)  # due Wed 2 Dec: in the week of Mon 30 Nov
    run_sweep(london(2026, 11, 30, 8, 0))
    mine = digests().get(recipient=org.manager)
    theirs = digests().get(recipient=org.other_manager)

    assert mine.subject == "Weekly digest 2026-W49: 1 due, 0 breached"
    assert org.case.reference in mine.body_text
    assert org.case.reference in mine.body_html
    assert "North CIN" in mine.body_text
    assert "/deadlines/" in mine.body_text
    assert org.case.reference not in theirs.body_text
    assert theirs.subject == "Weekly digest 2026-W49: 0 due, 0 breached"
    for part in (mine.subject, mine.body_text, mine.body_html):
        assert CHILD_FIRST not in part
        assert CHILD_LAST not in part


# --- the heartbeat ------------------------------------------------------------------------------


def test_each_sweep_updates_its_heartbeat(org):
    start(org)
    counts = run_sweep(REMIND)
    run = SweepRun.objects.get(name=SWEEP_NAME)
    assert run.last_started_at == REMIND
    assert run.last_finished_at == REMIND
    assert run.last_counts == counts
    assert counts == {
        "reminders": 1,
        "breaches": 0,
        "escalations": 0,
        "digests": 0,
        "reclaimed": 0,
        "dispatched": 1,
    }
    later = REMIND + timedelta(minutes=1)
    run_sweep(later)
    run = SweepRun.objects.get(name=SWEEP_NAME)
    assert (run.last_started_at, run.last_finished_at) == (later, later)
    assert run.last_counts["reminders"] == 0
    assert SweepRun.objects.count() == 1


# --- watchers -----------------------------------------------------------------------------------


def watcher_emails(kind):
    return emails(kind).filter(body_text__contains="because you are waiting on it")


def test_watchers_get_the_reminder_and_the_breach_alert_once(org):
    """The Early Help worker goes on the joint visit: they hear of it as the owner does."""
    start(org, watchers=[org.other_owner])
    for at in [REMIND, REMIND, DUE, DUE, DUE + timedelta(hours=24), DUE + timedelta(hours=30)]:
        run_sweep(at)

    to_watcher = sorted(
        OutboxEmail.objects.filter(to_email=org.other_owner.email).values_list("kind", flat=True)
    )
    # Reminders and breach alerts, not escalations: those go one level above the owner's team.
    assert to_watcher == [EmailKind.BREACH, EmailKind.REMINDER]
    assert watcher_emails(EmailKind.REMINDER).get().to_email == org.other_owner.email
    assert watcher_emails(EmailKind.BREACH).get().to_email == org.other_owner.email
    assert sorted(m.to[0] for m in mail.outbox).count(org.other_owner.email) == 2
    # Everyone else still heard once each: owner reminder; owner and manager breach; escalation.
    assert len(mail.outbox) == 6
    assert len({(m.subject, m.to[0]) for m in mail.outbox}) == 6


def test_a_watcher_added_later_hears_what_is_still_to_come(org):
    start(org)
    run_sweep(REMIND)
    deadline_watch(subject=org.case, kind=Kind.JOINT_VISIT, people=[org.other_owner])
    run_sweep(REMIND + timedelta(minutes=1))
    assert not OutboxEmail.objects.filter(to_email=org.other_owner.email).exists()
    run_sweep(DUE)
    assert [e.kind for e in OutboxEmail.objects.filter(to_email=org.other_owner.email)] == [
        EmailKind.BREACH
    ]


def test_an_owner_or_manager_who_also_watches_hears_once_as_themselves(org):
    start(org, watchers=[org.owner, org.manager, org.other_owner])
    run_sweep(REMIND)
    run_sweep(DUE)
    # The policy reminds the owner only; the manager hears as a watcher, the owner never does.
    assert sorted(emails(EmailKind.REMINDER).values_list("to_email", flat=True)) == sorted(
        [org.owner.email, org.manager.email, org.other_owner.email]
    )
    assert sorted(watcher_emails(EmailKind.REMINDER).values_list("to_email", flat=True)) == (
        sorted([org.manager.email, org.other_owner.email])
    )
    # The breach alert goes to the owner and manager as such, and once each.
    assert sorted(emails(EmailKind.BREACH).values_list("to_email", flat=True)) == sorted(
        [org.owner.email, org.manager.email, org.other_owner.email]
    )
    assert [e.to_email for e in watcher_emails(EmailKind.BREACH)] == [org.other_owner.email]
    assert len(mail.outbox) == 6


@pytest.mark.parametrize("change", [{"is_active": False}, {"email": ""}])
def test_a_watcher_who_cannot_be_reached_is_skipped(org, change):
    start(org, watchers=[org.other_owner])
    for name, value in change.items():
        setattr(org.other_owner, name, value)
    org.other_owner.save()
    run_sweep(REMIND)
    run_sweep(DUE)
    assert not watcher_emails(EmailKind.REMINDER).exists()
    assert not watcher_emails(EmailKind.BREACH).exists()
    assert sent_to(mail.outbox) == sorted([org.owner.email, org.owner.email, org.manager.email])


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_batch_writes_the_audit_record_apply_transition_writes(org, vendor):
    """The breach phase's batch (apply_transition_to_locked, one insert for its records) records
    what apply_transition records for the same step, one row at a time."""
    if connection.vendor != "postgresql" and vendor == "postgresql":
        pytest.skip("PostgreSQL's insert")
    batch, alone = start(org), start(org, case=org.other_case, team=org.other)
    arguments = {"at": DUE, "escalate_at": DUE + timedelta(hours=24)}
    with transaction.atomic(), mock.patch.object(connection, "vendor", vendor):
        apply_transition_to_locked(
            [batch], "breach", note="Due time passed", arguments=lambda _: arguments
        )
        apply_transition(alone, "breach", case=alone.case, note="Due time passed", **arguments)

    def recorded(deadline):
        event = AuditEvent.objects.get(action="deadline.breach", subject_id=str(deadline.pk))
        return {
            "at": event.at is not None,
            "actor": event.actor_id,
            "subject_type": event.subject_type,
            "case": event.case_id == deadline.case_id,
            "states": (event.from_state, event.to_state),
            "changes": event.changes,
            "note": event.note,
            "ip_address": event.ip_address,
        }

    assert recorded(batch) == recorded(alone)
    assert recorded(batch)["changes"] == {
        "breached_at": [None, DUE.isoformat()],
        "escalate_at": [None, (DUE + timedelta(hours=24)).isoformat()],
    }
