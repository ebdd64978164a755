"""Issue 13: the step-up machine driven through random sequences of its service steps, each
asked by a random person of the small authority (allowed or not), with hypothesis.

After every step, taken or refused: the status is one of the step-up's states, the stage is
`STAGE_OF[status]`, the case has at most one live transfer, and every status change has exactly
one audit record naming it (from and to), with no change of status without one. A refusal
(the step not open, the role not allowed, a missing answer) changes nothing.

The machinery shared with the other kinds' machines (test_state_machines_*.py) is here:
`AuditedMachine`, `TransferMachine`, `BOUNDED`, `chooser`, `kind_states`."""

from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from hypothesis import HealthCheck, Phase, settings
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
from deadlines.models import OutboxEmail
from transfers import services
from transfers.models import LIVE, STAGE_OF, Transfer, TransferKind
from transfers.tests.conftest import STAGES, World, walk_step_up, world  # noqa: F401

pytestmark = pytest.mark.django_db

# What a service raises when it refuses a step: not open, not theirs, or an answer missing.
REFUSALS = (PermissionDenied, ValidationError, TransitionNotAllowed)

# Each machine's run is bounded, so the machines together take a minute or two: no shrinking
# (a failure prints its whole sequence of steps, unshrunk, rather than run on for minutes).
BOUNDED = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def kind_states(model: type[models.Model], kind: str | None = None) -> set[str]:
    """A machine's own states, from its transitions (tagged with `kind` when one field carries
    several machines, as `Transfer.status` does), as the README's diagrams draw them."""
    states = set()
    for transition in model._meta.get_field("status").get_all_transitions(model):
        if kind is None or (transition.custom or {}).get("kind") == kind:
            states |= {transition.source, transition.target}
    return {s for s in states if s not in ("*", "+", None)}


def _step_up_states() -> set[str]:
    return kind_states(Transfer, TransferKind.STEP_UP)


def events_of(subject: models.Model):
    """The audit records about `subject` (by its type and id: a transfer and an escalation may
    share an id)."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    )


def status_changes(subject: models.Model) -> list[AuditEvent]:
    """The audit records that name a change of status (from and to), oldest first."""
    return [
        e for e in events_of(subject).order_by("pk") if e.to_state and e.from_state != e.to_state
    ]


def saved_row(subject: models.Model) -> dict:
    """Every column of the saved row, to show a refused step left it as it was."""
    fresh = type(subject).objects.get(pk=subject.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(subject)._meta.concrete_fields}


def chooser(people: list):
    """`often(*right)`: the people whose step it is, half the time; anyone the other half."""
    anyone = st.sampled_from(people)

    def often(*right):
        return st.one_of(st.sampled_from(right), anyone)

    return often


class AuditedMachine(RuleBasedStateMachine):
    """Steps on one subject (a transfer, an escalation) through its services. Subclasses set
    `states`, start with `begin(subject)` in their `@initialize`, and take each step through
    `attempt`. Checked after every step: the status is one of the machine's states; every status
    change has exactly one audit record naming it, the last naming the status now; a refused
    step changed nothing (the row, its audit records, the emails)."""

    states: set[str] = set()

    def begin(self, subject: models.Model) -> None:
        self.subject = subject
        self.status = subject.status
        self.changes = len(status_changes(subject))

    def attempt(self, step: Callable, **kwargs) -> bool:
        """Take the step on a fresh copy of the subject; True if taken, False if refused."""
        name = type(self.subject)._meta.model_name
        before = (saved_row(self.subject), AuditEvent.objects.count(), OutboxEmail.objects.count())
        try:
            with transaction.atomic():
                fresh = type(self.subject).objects.get(pk=self.subject.pk)
                step(**{name: fresh}, **kwargs)
        except REFUSALS:
            after = (
                saved_row(self.subject),
                AuditEvent.objects.count(),
                OutboxEmail.objects.count(),
            )
            assert after == before, "a refused step changed something"
            self.subject.refresh_from_db()
            return False
        self.subject.refresh_from_db()
        if self.subject.status != self.status:
            self.changes += 1
            self.status = self.subject.status
        return True

    @invariant()
    def status_is_one_of_the_machines_states(self):
        assert self.subject.status in self.states, self.subject.status

    @invariant()
    def every_status_change_has_exactly_one_audit_record(self):
        changes = status_changes(self.subject)
        assert len(changes) == self.changes, [(e.from_state, e.to_state) for e in changes]
        if changes:
            assert changes[-1].to_state == self.subject.status


class TransferMachine(AuditedMachine):
    """A transfer's machine: also, its stage follows its status, and its case has at most one
    live transfer."""

    @invariant()
    def stage_matches_status(self):
        assert self.subject.stage == STAGE_OF[self.subject.status]

    @invariant()
    def at_most_one_live_transfer_per_case(self):
        assert Transfer.objects.filter(case=self.subject.case, status__in=LIVE).count() <= 1


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
    often = chooser(people)

    class StepUpMachine(TransferMachine):
        states = _step_up_states()

        @initialize(until=st.sampled_from(STAGES))
        def start(self, until):
            """A fresh case's step-up, walked through the real services to a random stage
            (so the random steps start from every stage, not only the first)."""
            case = CaseFactory(current_team=w.eh, plan_type=PlanType.EARLY_HELP)
            self.begin(walk_step_up(w, until, case=case))
            assert self.changes == STAGES.index(until) + 1  # the start and each step, once

        @rule(by=often(w.supervisor))
        def submit(self, by):
            self.attempt(services.step_up_submit, by=by, supervisor_notes="Notes")

        @rule(by=often(w.eh_tm), agreed=st.booleans())
        def eh_decide(self, by, agreed):
            self.attempt(
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
            self.attempt(
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
            self.attempt(services.step_up_pick_up, by=by)

        @rule(
            by=often(w.duty_atm, w.duty_tm),
            outcome=st.sampled_from(["s17_assessment", "not_agreed"]),
        )
        def decide(self, by, outcome):
            self.attempt(
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
            self.attempt(services.step_up_allocate, by=by, worker=worker)

        @rule(by=often(w.ffp, w.supervisor))
        def withdraw(self, by):
            self.attempt(services.transfer_withdraw, by=by, reason="No longer needed")

    return StepUpMachine


def test_the_step_up_machine_never_reaches_an_illegal_or_unaudited_state(world):  # noqa: F811
    run_state_machine_as_test(
        make_machine(world),
        settings=BOUNDED,
    )
    # The random people and steps took requests deep into the machine, not only refusals.
    reached = set(
        AuditEvent.objects.filter(action__startswith="transfer.").values_list("to_state", flat=True)
    )
    assert {"ready_to_send", "picked_up", "awaiting_allocation", "withdrawn"} <= reached, reached
