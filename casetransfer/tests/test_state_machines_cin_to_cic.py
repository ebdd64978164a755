"""Issue 13: Child in Need to Children in Care (seed 004) driven through random sequences of its
service steps, each asked by a random person (allowed or not), with hypothesis.

After every step, taken or refused: the status is one of the machine's states, the stage is
`STAGE_OF[status]`, the case has at most one live transfer, every status change has exactly one
audit record (from and to), and a refused step changed nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from audit.models import AuditEvent
from transfers import services
from transfers.models import Transfer, TransferKind, TransferStatus
from transfers.tests.test_cin_to_cic import Cic, all_steps, start, to_team, w  # noqa: F401

from .test_state_machines import BOUNDED, TransferMachine, chooser, kind_states

pytestmark = pytest.mark.django_db

S = TransferStatus
# How far each machine's transfer is walked before the random steps: every stage is a start.
STARTS = [S.CARE_CONFIRMED, S.TEAM_ALLOCATED, S.ALLOCATED, "on_ics"]


def make_machine(w: Cic):  # noqa: F811
    often = chooser([w.om, w.cin_tm, w.cin_sw, w.cic_tm, w.cic_sw, w.admin])

    class CinToCicMachine(TransferMachine):
        states = kind_states(Transfer, TransferKind.CIN_TO_CIC)

        @initialize(until=st.sampled_from(STARTS))
        def begin_transfer(self, until):
            """A fresh case's transfer, walked through the real services to a random stage."""
            transfer = start(w)
            if until == S.TEAM_ALLOCATED:
                transfer = to_team(w, transfer)
            elif until in (S.ALLOCATED, "on_ics"):
                transfer = all_steps(w, transfer)  # every step but the record on ICS
            if until == "on_ics":  # ready to complete
                services.cin_to_cic_record_on_ics(transfer=transfer, by=w.cic_sw)
                transfer.refresh_from_db()
            self.begin(transfer)
            assert self.changes == min(STARTS.index(until), 2) + 1

        @rule(by=often(w.cin_tm), ics_number=st.sampled_from(["ICS-7", ""]))
        def tell_the_administrator(self, by, ics_number):
            self.attempt(
                services.cin_to_cic_notify_administrator,
                by=by,
                due_by=timezone.localdate() + timedelta(days=14),
                summary="Care order",
                ics_number=ics_number,
            )

        @rule(by=often(w.om), team=st.sampled_from([w.cic, w.cin]))
        def allocate_team(self, by, team):
            self.attempt(services.cin_to_cic_allocate_team, by=by, team=team)

        @rule(by=often(w.cic_tm), days=st.integers(min_value=-3, max_value=30))
        def set_review(self, by, days):
            self.attempt(
                services.cin_to_cic_set_review,
                by=by,
                first_lac_review_on=timezone.localdate() + timedelta(days=days),
                looked_after_reason="care_order",
            )

        @rule(by=often(w.cic_tm))
        def discuss_the_transfer(self, by):
            self.attempt(
                services.cin_to_cic_record_transfer_discussion,
                by=by,
                held_at=timezone.now(),
                notes="Timetable agreed",
            )

        @rule(by=often(w.cic_tm), worker=often(w.cic_sw))
        def allocate_worker(self, by, worker):
            self.attempt(services.cin_to_cic_allocate_worker, by=by, worker=worker)

        @rule(by=often(w.cin_sw, w.cin_tm))
        def tell_the_family(self, by):
            self.attempt(services.cin_to_cic_record_family_told, by=by, notes="By phone")

        @rule(by=often(w.cin_sw, w.cic_sw))
        def pre_transfer_discussion(self, by):
            self.attempt(
                services.cin_to_cic_record_pre_transfer,
                by=by,
                held_at=timezone.now(),
                attendees="Both social workers and DTMs",
                needs_and_continuity="a",
                progress_and_actions="b",
                risk_and_care_plans="c",
                care_proceedings_issues="d",
                introductions_and_endings="e",
            )

        @rule(by=often(w.cic_sw, w.cin_sw))
        def record_on_ics(self, by):
            self.attempt(services.cin_to_cic_record_on_ics, by=by)

        @rule(by=often(w.cic_tm, w.cin_tm))
        def complete(self, by):
            self.attempt(services.cin_to_cic_complete, by=by)

        @rule(by=often(w.cin_tm, w.om))
        def withdraw(self, by):
            self.attempt(services.transfer_withdraw, by=by, reason="Care plan changed")

    return CinToCicMachine


def test_the_cin_to_cic_machine_never_reaches_an_illegal_or_unaudited_state(w):  # noqa: F811
    run_state_machine_as_test(make_machine(w), settings=BOUNDED)
    # The random people and steps took transfers deep into the machine, not only refusals.
    reached = set(
        AuditEvent.objects.filter(action__startswith="transfer.").values_list("to_state", flat=True)
    )
    assert {S.TEAM_ALLOCATED, S.ALLOCATED, S.COMPLETED, S.WITHDRAWN} <= reached, reached
