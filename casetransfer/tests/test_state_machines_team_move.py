"""Issue 13: transfers between teams (step across, step down, Social Care to Social Care) driven
through random sequences of their service steps, each asked by a random person (allowed or not),
with hypothesis.

After every step, taken or refused: the status is one of the team moves' states, the stage is
`STAGE_OF[status]`, the case has at most one live transfer, every status change has exactly one
audit record (from and to), and a refused step changed nothing. A new proposal for the same
case is one of the steps: refused while a transfer is live, it starts the next one once closed."""

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from audit.models import AuditEvent
from cases.choices import PlanType
from casework.models import MeetingKind, NotificationMeans, RecipientRole
from casework.services import meeting_record, notification_record
from deadlines.models import OutboxEmail
from transfers import services
from transfers.models import Transfer, TransferKind, TransferStatus
from transfers.tests.test_team_moves import Teams, cin_case, notify_and_qa, teams  # noqa: F401

from .test_state_machines import (
    BOUNDED,
    REFUSALS,
    TransferMachine,
    chooser,
    kind_states,
    saved_row,
)

pytestmark = pytest.mark.django_db

S = TransferStatus
# How far each machine's transfer is walked before the random steps: every stage is a start.
STARTS = ["proposed", "accepted", "allocated", "prepared"]
# A seed whose sequences reach every state (as most do: seeds 1, 2 and 4 of the first four).
SEED = 2
# Stand-ins drawn for "whoever manages / works in the receiving team", named when the step runs.
RECEIVING_MANAGER, RECEIVING_WORKER = "the receiving manager", "a receiving worker"


def make_machine(t: Teams):
    people = [
        t.cin_tm,
        t.cin_atm,
        t.cin_sw,
        t.cic_tm,
        t.cic_sw,
        t.yfs_tm,
        t.yfs_worker,
        t.eh_tm,
        t.eh_worker,
        t.service_manager,
    ]
    often = chooser(people)
    # Where the case goes: a transfer between Social Care teams, a step down, a step across.
    destinations = {"cic": t.cic, "eh": t.eh, "yfs": t.yfs}
    receiving = {
        t.cic: (t.cic_tm, t.cic_sw),
        t.eh: (t.eh_tm, t.eh_worker),
        t.yfs: (t.yfs_tm, t.yfs_worker),
        t.cin: (t.cin_tm, t.cin_sw),
    }

    def propose(case, by, to_team):
        return services.transfer_propose(
            case=case,
            by=by,
            to_team=to_team,
            reason="Plan changed",
            discussion_held_at=timezone.now(),
            discussion_with=t.yfs_tm,
            discussion_notes="Agreed between the managers",
        )

    class TeamMoveMachine(TransferMachine):
        states = kind_states(Transfer, "team_move")

        @initialize(to=st.sampled_from(sorted(destinations)), until=st.sampled_from(STARTS))
        def start(self, to, until):
            """A fresh case's transfer, walked through the real services to a random stage."""
            to_team = destinations[to]
            case = cin_case(t, plan_type=PlanType.CIC if to == "cic" else PlanType.CIN)
            transfer = propose(case, t.cin_tm, to_team)
            assert transfer.status == S.PROPOSED
            manager, worker = receiving[to_team]
            if until != "proposed":
                services.transfer_decide(
                    transfer=transfer, by=manager, accepted=True, reasons="Agreed"
                )
            if until in ("allocated", "prepared"):
                services.transfer_allocate(
                    transfer=transfer,
                    by=manager,
                    worker=worker,
                    team_leader_holds=worker is None,
                    reason="No worker free yet",
                )
            if until == "prepared":
                notify_and_qa(t, transfer)  # the file checked and the school nurse told
            transfer.refresh_from_db()
            self.begin(transfer)
            assert self.changes == 1 + (until != "proposed") + (until in ("allocated", "prepared"))

        def who(self, person):
            """A person, or the receiving team's manager or worker, whichever team it is."""
            manager, worker = receiving[self.subject.to_team]
            return {RECEIVING_MANAGER: manager, RECEIVING_WORKER: worker}.get(person, person)

        @rule(by=often(RECEIVING_MANAGER), accepted=st.booleans())
        def decide(self, by, accepted):
            self.attempt(
                services.transfer_decide, by=self.who(by), accepted=accepted, reasons="Reasons"
            )

        @rule(by=often(t.cin_sw, t.cin_atm))
        def write_summary(self, by):
            self.attempt(
                services.transfer_write_summary,
                by=by,
                updated_information="Updated",
                important_dates="Review on Friday",
                urgent_actions="None",
            )

        @rule(by=often(t.cin_tm))
        def sign_off_summary(self, by):
            self.attempt(services.transfer_sign_off_summary, by=by)

        @rule(by=often(t.cin_tm, t.cin_atm))
        def quality_assure(self, by):
            self.attempt(services.transfer_quality_assure, by=by, notes="Records up to date")

        @rule(by=often(RECEIVING_MANAGER), worker=st.one_of(st.none(), often(RECEIVING_WORKER)))
        def allocate(self, by, worker):
            worker = self.who(worker)
            self.attempt(
                services.transfer_allocate,
                by=self.who(by),
                worker=worker,
                team_leader_holds=worker is None,
                reason="No worker free yet",
            )

        @rule(by=often(t.cic_tm))
        def escalate_capacity(self, by):
            self.attempt(services.transfer_escalate_capacity, by=by, note="Nobody free")

        @rule(by=often(t.cin_sw, t.cin_tm))
        def tell_the_school(self, by):
            self.attempt(
                notification_record,
                by=by,
                recipient_name="School",
                recipient_role=RecipientRole.SCHOOL,
                means=NotificationMeans.EMAIL,
                told_at=timezone.now(),
            )

        @rule(
            by=often(t.cin_sw, t.yfs_worker, t.yfs_tm),
            kind=st.sampled_from([MeetingKind.JOINT_TRANSITION, MeetingKind.HANDOVER]),
        )
        def meet_the_family(self, by, kind):
            self.attempt(
                lambda transfer, **kwargs: meeting_record(
                    transfer=transfer, case=transfer.case, **kwargs
                ),
                by=by,
                held_at=timezone.now(),
                kind=kind,
                notes="With the family",
            )

        @rule(by=often(t.cin_tm, t.cin_atm))
        def complete(self, by):
            self.attempt(services.transfer_complete, by=by)

        @rule(by=often(t.cin_tm, t.cin_atm))
        def withdraw(self, by):
            self.attempt(services.transfer_withdraw, by=by, reason="No longer needed")

        @rule(by=often(t.cin_tm, t.cic_tm), to=st.sampled_from([t.cic, t.eh, t.yfs, t.cin]))
        def propose_again(self, by, to):
            """Another proposal for the same case: refused (changing nothing) while one is
            live; once it is closed, the new transfer is the one the machine follows."""
            case = self.subject.case
            before = (
                saved_row(self.subject),
                Transfer.objects.filter(case=case).count(),
                AuditEvent.objects.count(),
                OutboxEmail.objects.count(),
            )
            try:
                with transaction.atomic():
                    transfer = propose(case, by, to)
            except REFUSALS:
                after = (
                    saved_row(self.subject),
                    Transfer.objects.filter(case=case).count(),
                    AuditEvent.objects.count(),
                    OutboxEmail.objects.count(),
                )
                assert after == before, "a refused proposal changed something"
                return
            assert self.subject.status not in self.live_states, "two live transfers"
            self.begin(transfer)
            assert self.changes == 1

        live_states = {S.PROPOSED, S.ACCEPTED, S.ALLOCATED}

    return TeamMoveMachine


def test_the_team_move_machine_never_reaches_an_illegal_or_unaudited_state(teams):  # noqa: F811
    # A fixed seed rather than `derandomize` (whose seed follows this file's text), so an edit
    # to a comment does not change which sequences run; more examples than the others: three
    # kinds, and steps that only count once the transfer is prepared.
    machine = seed(SEED)(make_machine(teams))
    run_state_machine_as_test(
        machine, settings=settings(BOUNDED, derandomize=False, max_examples=30)
    )
    # The random people and steps took transfers deep into the machine, not only refusals.
    reached = set(
        AuditEvent.objects.filter(action__startswith="transfer.").values_list("to_state", flat=True)
    )
    assert {"accepted", "allocated", "declined", "completed", "withdrawn"} <= reached, reached
    assert set(Transfer.objects.values_list("kind", flat=True)) >= {
        TransferKind.TEAM_TRANSFER,
        TransferKind.STEP_DOWN,
        TransferKind.STEP_ACROSS,
    }
