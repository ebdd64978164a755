"""Issue 13: escalations (raised, acknowledged, escalated, resolved, withdrawn) driven through
random sequences of their service steps, each asked by a random person (allowed or not), with
hypothesis: a step-up Social Care refused, and a team's request to suspend part of the protocol.

After every step, taken or refused: the status is one of the escalation's states, the subject
(the step-up, the team) has at most one live escalation of the kind, every status change has
exactly one audit record (from and to), and a refused step changed nothing. Raising it again is
one of the steps: refused while it is live; a new request once it is closed, where allowed."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from deadlines.models import OutboxEmail
from escalations.models import LIVE_ESCALATION, Escalation, EscalationKind, Outcome
from escalations.services import (
    escalation_acknowledge,
    escalation_escalate,
    escalation_raise,
    escalation_resolve,
    escalation_withdraw,
)
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services as transfer_services
from transfers.models import TransferStatus
from transfers.tests.conftest import World, walk_step_up, world  # noqa: F401

from .test_state_machines import (
    BOUNDED,
    REFUSALS,
    AuditedMachine,
    chooser,
    kind_states,
    saved_row,
)

pytestmark = pytest.mark.django_db

K = EscalationKind


def make_machine(w: World):
    director = UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR])
    ifsm = UserFactory(username="ifsm", roles=[Role.INTEGRATED_FAMILY_SERVICES_MANAGER])
    # The manager of each team that asks to suspend part of the protocol (a fresh team each time:
    # an approved suspension holds its team).
    asking_tm = UserFactory(username="askingtm", roles=[Role.TEAM_MANAGER])
    often = chooser(
        [
            w.locality_lead,
            w.graft_tm,
            w.eh_tm,
            w.duty_tm,
            w.duty_atm,
            w.cin_tm,
            w.ffp,
            w.service_manager,
            director,
            ifsm,
            asking_tm,
        ]
    )
    answerers = (w.service_manager, director, ifsm)
    raisers = (w.locality_lead, asking_tm)

    def refused_step_up():
        case = CaseFactory(current_team=w.eh, plan_type=PlanType.EARLY_HELP)
        transfer = walk_step_up(w, TransferStatus.PICKED_UP, case=case)
        return transfer_services.step_up_decide(
            transfer=transfer,
            by=transfer.assigned_to,
            outcome="nfa_advice",
            discussion_held_at=timezone.now(),
            note="Threshold not met",
        )

    def raise_for(kind, by, subject):
        if kind == K.REFUSED_STEP_UP:
            return escalation_raise(kind=kind, by=by, transfer=subject, reason="Risk is rising")
        today = timezone.localdate()
        return escalation_raise(
            kind=kind,
            by=by,
            team=subject,
            reason="Four vacancies",
            protocol_part="Transfers in within 5 working days",
            starts_on=today,
            ends_on=today + timedelta(days=14),
            impact="Transfers in wait up to 4 weeks",
            mitigations="Weekly duty oversight of waiting cases",
        )

    class EscalationMachine(AuditedMachine):
        states = kind_states(Escalation)

        @initialize(kind=st.sampled_from([K.REFUSED_STEP_UP, K.PROTOCOL_SUSPENSION]))
        def raise_one(self, kind):
            """A fresh refused step-up, or a fresh team asking, escalated by whoever may."""
            if kind == K.REFUSED_STEP_UP:
                self.about = refused_step_up()
                by = w.locality_lead
            else:
                self.about = TeamFactory(service=Service.CHILDREN_IN_NEED, manager=asking_tm)
                asking_tm.memberships.create(team=self.about)
                by = asking_tm
            self.begin(raise_for(kind, by, self.about))
            assert self.changes == 1

        @rule(by=often(*answerers), note=st.sampled_from(["Looking at it", ""]))
        def acknowledge(self, by, note):
            self.attempt(escalation_acknowledge, by=by, note=note)

        @rule(by=often(*answerers), note=st.sampled_from(["For the director", ""]))
        def pass_up(self, by, note):
            self.attempt(escalation_escalate, by=by, note=note)

        @rule()
        def the_clock_runs_out(self):
            """The engine passes it up when the level's response deadline is breached."""
            self.attempt(escalation_escalate, by=None)

        @rule(by=often(*answerers), outcome=st.sampled_from(Outcome.values))
        def resolve(self, by, outcome):
            self.attempt(escalation_resolve, by=by, outcome=outcome, note="Reasons and actions")

        @rule(by=often(*raisers))
        def withdraw(self, by):
            self.attempt(escalation_withdraw, by=by, note="No longer needed")

        @rule(by=often(*raisers))
        def raise_again(self, by):
            """Raised again about the same step-up or team: refused (changing nothing) while
            one is live; once closed, a new request is the one the machine follows."""
            before = (
                saved_row(self.subject),
                AuditEvent.objects.count(),
                OutboxEmail.objects.count(),
            )
            try:
                with transaction.atomic():
                    escalation = raise_for(self.subject.kind, by, self.about)
            except REFUSALS:
                after = (
                    saved_row(self.subject),
                    AuditEvent.objects.count(),
                    OutboxEmail.objects.count(),
                )
                assert after == before, "a refused raise changed something"
                return
            assert self.subject.status not in LIVE_ESCALATION, "two live escalations"
            self.begin(escalation)
            assert self.changes == 1

        @invariant()
        def at_most_one_live_escalation_of_the_kind_about_its_subject(self):
            about = {"transfer": self.about} if self.subject.transfer_id else {"team": self.about}
            live = Escalation.objects.filter(
                kind=self.subject.kind, status__in=LIVE_ESCALATION, **about
            )
            assert live.count() <= 1

    return EscalationMachine


def test_the_escalation_machine_never_reaches_an_illegal_or_unaudited_state(world):  # noqa: F811
    run_state_machine_as_test(make_machine(world), settings=BOUNDED)
    # The random people and steps took escalations through every state, not only refusals.
    reached = set(
        AuditEvent.objects.filter(action__startswith="escalation.").values_list(
            "to_state", flat=True
        )
    )
    assert {"acknowledged", "escalated", "resolved", "withdrawn"} <= reached, reached
