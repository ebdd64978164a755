"""Issue 13: the step-up machine driven through random sequences of its service steps, each
asked by a random person of the small authority (allowed or not), with hypothesis.

After every step, taken or refused: the status is one of the step-up's states, the stage is
`STAGE_OF[status]`, the case has at most one live transfer, and every status change has exactly
one audit record naming it (from and to), with no change of status without one. A refusal
(the step not open, the role not allowed, a missing answer) changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from transfers import services
from transfers.models import LIVE, STAGE_OF, Transfer, TransferKind
from transfers.tests.conftest import STAGES, World, walk_step_up, world  # noqa: F401

pytestmark = pytest.mark.django_db

REFUSALS = (PermissionDenied, ValidationError, TransitionNotAllowed)


def _step_up_states() -> set[str]:
    """The step-up's own states, from its tagged transitions (as the README's diagrams)."""
    states = set()
    for transition in Transfer._meta.get_field("status").get_all_transitions(Transfer):
        if (transition.custom or {}).get("kind") == TransferKind.STEP_UP:
            states |= {transition.source, transition.target}
    return {s for s in states if s not in ("*", "+", None)}


def _events(transfer: Transfer):
    return AuditEvent.objects.filter(subject_id=str(transfer.pk), action__startswith="transfer.")


def make_machine(w: World):
    people = [
        w.ffp,
        w.supervisor,
        w.eh_tm,
        w.graft_tm,
        w.duty_tm,
        w.duty_atm,
        w.sw,
        w.cin_tm,
        w.cin_sw,
        w.service_manager,
        w.locality_lead,
        w.outsider,
    ]
    anyone = st.sampled_from(people)

    def often(*right):
        """The people the step is theirs, half the time; anyone else the other half."""
        return st.one_of(st.sampled_from(right), anyone)

    states = _step_up_states()

    class StepUpMachine(RuleBasedStateMachine):
        @initialize(until=st.sampled_from(STAGES))
        def start(self, until):
            """A fresh case's step-up, walked through the real services to a random stage
            (so the random steps start from every stage, not only the first)."""
            case = CaseFactory(current_team=w.eh, plan_type=PlanType.EARLY_HELP)
            self.transfer = walk_step_up(w, until, case=case)
            self.status = self.transfer.status
            self.changes = len(
                [e for e in _events(self.transfer) if e.to_state and e.from_state != e.to_state]
            )
            assert self.changes == STAGES.index(until) + 1  # the start and each step, once

        def _try(self, step, **kwargs):
            try:
                with transaction.atomic():
                    step(transfer=Transfer.objects.get(pk=self.transfer.pk), **kwargs)
            except REFUSALS:
                pass
            self.transfer.refresh_from_db()
            if self.transfer.status != self.status:
                self.changes += 1
                self.status = self.transfer.status

        @rule(by=often(w.supervisor))
        def submit(self, by):
            self._try(services.step_up_submit, by=by, supervisor_notes="Notes")

        @rule(by=often(w.eh_tm), agreed=st.booleans())
        def eh_decide(self, by, agreed):
            self._try(
                services.step_up_eh_decide,
                by=by,
                all_work_done=agreed,
                threshold_met=agreed,
                outcome="Outcome",
                actions="Actions",
                advice="" if agreed else "Advice for the worker",
            )

        @rule(by=often(w.supervisor, w.ffp))
        def send(self, by):
            self._try(
                services.step_up_send,
                by=by,
                request_summary="Summary",
                current_risks="Risks",
                family_informed=True,
                family_agrees=True,
                urgent=False,
                section_47=False,
            )

        @rule(by=often(w.duty_atm, w.duty_tm))
        def pick_up(self, by):
            self._try(services.step_up_pick_up, by=by)

        @rule(
            by=often(w.duty_atm, w.duty_tm),
            outcome=st.sampled_from(["s17_assessment", "not_agreed"]),
        )
        def decide(self, by, outcome):
            self._try(
                services.step_up_decide,
                by=by,
                outcome=outcome,
                discussion_held_at=timezone.now(),
                note="Decided",
                contact_reference="C1",
                referral_reference="R1",
            )

        @rule(by=often(w.duty_tm, w.cin_tm), worker=often(w.sw, w.cin_sw))
        def allocate(self, by, worker):
            self._try(services.step_up_allocate, by=by, worker=worker)

        @rule(by=often(w.ffp, w.supervisor))
        def withdraw(self, by):
            self._try(services.transfer_withdraw, by=by, reason="No longer needed")

        @invariant()
        def status_is_a_step_up_state(self):
            assert self.transfer.status in states, self.transfer.status

        @invariant()
        def stage_matches_status(self):
            assert self.transfer.stage == STAGE_OF[self.transfer.status]

        @invariant()
        def at_most_one_live_transfer_per_case(self):
            assert Transfer.objects.filter(case=self.transfer.case, status__in=LIVE).count() <= 1

        @invariant()
        def every_status_change_has_exactly_one_audit_record(self):
            changes = [
                e
                for e in _events(self.transfer).order_by("pk")
                if e.to_state and e.from_state != e.to_state
            ]
            assert len(changes) == self.changes, [(e.from_state, e.to_state) for e in changes]
            if changes:
                assert changes[-1].to_state == self.transfer.status

    return StepUpMachine


def test_the_step_up_machine_never_reaches_an_illegal_or_unaudited_state(world):  # noqa: F811
    run_state_machine_as_test(
        make_machine(world),
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # The random people and steps took requests deep into the machine, not only refusals.
    reached = set(
        AuditEvent.objects.filter(action__startswith="transfer.").values_list("to_state", flat=True)
    )
    assert {"ready_to_send", "picked_up", "awaiting_allocation", "withdrawn"} <= reached, reached
