"""Two duty managers acting on the same request at the same moment: exactly one succeeds."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from transfers import services
from transfers.models import Transfer, TransferStatus
from transfers.tests.conftest import walk_step_up

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(actions) -> list:
    """Run the callables at once in threads; return what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            results[i] = action()
        except Exception as error:  # kept, so the test can say why the loser lost
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_duty_managers_picking_up_at_once(world):
    transfer = walk_step_up(world, TransferStatus.WITH_DUTY)
    results = _race(
        [
            lambda: services.step_up_pick_up(transfer=transfer, by=world.duty_tm),
            lambda: services.step_up_pick_up(transfer=transfer, by=world.duty_atm),
        ]
    )
    winners = [r for r in results if isinstance(r, Transfer)]
    losers = [r for r in results if isinstance(r, TransitionNotAllowed | ConcurrentTransition)]
    assert (len(winners), len(losers)) == (1, 1)
    transfer.refresh_from_db()
    assert transfer.assigned_to == winners[0].assigned_to
    assert AuditEvent.objects.filter(action="transfer.pick_up").count() == 1


def test_two_managers_deciding_at_once(world):
    from django.utils import timezone

    transfer = walk_step_up(world, TransferStatus.PICKED_UP)  # picked up by the duty ATM
    results = _race(
        [
            lambda: services.step_up_decide(
                transfer=transfer,
                by=world.duty_atm,
                outcome="s17_assessment",
                discussion_held_at=timezone.now(),
                note="Yes",
                contact_reference="C",
                referral_reference="R",
            ),
            lambda: services.step_up_decide(
                transfer=transfer,
                by=world.duty_tm,
                outcome="nfa_advice",
                discussion_held_at=timezone.now(),
                note="No",
            ),
        ]
    )
    winners = [r for r in results if isinstance(r, Transfer)]
    losers = [r for r in results if not isinstance(r, Transfer)]
    assert len(winners) == 1
    assert isinstance(losers[0], TransitionNotAllowed | ConcurrentTransition), losers
    transfer.refresh_from_db()
    decisions = AuditEvent.objects.filter(
        action__in=["transfer.agree_step_up", "transfer.refuse_step_up"]
    )
    assert decisions.count() == 1
    assert transfer.status in (TransferStatus.AWAITING_ALLOCATION, TransferStatus.NOT_AGREED)


def test_two_workers_starting_a_step_up_for_one_case_at_once(world):
    from people.roles import Role
    from people.tests.factories import UserFactory

    fsw = UserFactory(roles=[Role.FSW], teams=[world.eh])

    def start(by):
        return lambda: services.step_up_start(
            case=world.case,
            by=by,
            supervisor=world.supervisor,
            concerns="c",
            work_tried="w",
            why_now="n",
            urgent=True,
            section_47=False,
        )

    results = _race([start(world.ffp), start(fsw)])
    assert sum(isinstance(r, Transfer) for r in results) == 1
    loser = next(r for r in results if not isinstance(r, Transfer))
    assert isinstance(loser, ValidationError), loser
    assert Transfer.objects.filter(case=world.case).count() == 1


def test_two_receiving_managers_deciding_a_transfer_at_once(world):
    """A transfer between teams: the receiving team's manager and another of its TMs decide at
    the same moment; one decision stands, and the shared stage moves once."""
    from cases.choices import PlanType
    from cases.services import case_allocate
    from cases.tests.factories import CaseFactory
    from people.models import Service
    from people.roles import Role
    from people.tests.factories import TeamFactory, UserFactory

    cic_tm = UserFactory(roles=[Role.TEAM_MANAGER])
    cic = TeamFactory(service=Service.CHILDREN_IN_CARE, manager=cic_tm, remit_plan_types=["cic"])
    second_tm = UserFactory(roles=[Role.TEAM_MANAGER], teams=[cic])
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIC)
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm)
    transfer = services.transfer_propose(
        case=case, by=world.cin_tm, to_team=cic, reason="Care order granted"
    )
    results = _race(
        [
            lambda: services.transfer_decide(
                transfer=transfer, by=cic_tm, accepted=True, reasons="Yes"
            ),
            lambda: services.transfer_decide(
                transfer=transfer, by=second_tm, accepted=False, reasons="No"
            ),
        ]
    )
    winners = [r for r in results if isinstance(r, Transfer)]
    losers = [r for r in results if not isinstance(r, Transfer)]
    assert len(winners) == 1
    assert isinstance(losers[0], TransitionNotAllowed | ConcurrentTransition), losers
    decisions = AuditEvent.objects.filter(
        action__in=["transfer.accept_transfer", "transfer.decline_transfer"]
    )
    assert decisions.count() == 1
    transfer.refresh_from_db()
    assert transfer.stage in ("agreed", "refused")


def test_two_managers_proposing_transfers_for_one_case_at_once(world):
    from cases.choices import PlanType
    from cases.tests.factories import CaseFactory
    from people.models import Service
    from people.roles import Role
    from people.tests.factories import TeamFactory, UserFactory

    other = TeamFactory(
        service=Service.CHILDREN_IN_NEED, manager=UserFactory(roles=[Role.TEAM_MANAGER])
    )
    atm = UserFactory(roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[world.cin])
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIN)

    def propose(by):
        return lambda: services.transfer_propose(
            case=case, by=by, to_team=other, reason="Moved area"
        )

    results = _race([propose(world.cin_tm), propose(atm)])
    assert sum(isinstance(r, Transfer) for r in results) == 1
    loser = next(r for r in results if not isinstance(r, Transfer))
    assert isinstance(loser, ValidationError), loser
    assert Transfer.objects.filter(case=case).count() == 1
