"""The demo has escalations of each kind in each state, and someone who can escalate a refused
step-up in every Early Help locality."""

import pytest
from django.core.management import call_command

from escalations.models import Escalation, EscalationKind, EscalationStatus
from people.models import Service, Team, User
from people.roles import Role

pytestmark = pytest.mark.django_db


def test_the_demo_escalations_and_a_locality_lead_everywhere():
    call_command("seed_demo", cases=60)
    kinds = {(e.kind, e.status) for e in Escalation.objects.all()}
    assert (EscalationKind.REFUSED_STEP_UP, EscalationStatus.RAISED) in kinds
    assert (EscalationKind.BLOCKED_TRANSFER, EscalationStatus.ESCALATED) in kinds
    assert (EscalationKind.HELD_CIN, EscalationStatus.RAISED) in kinds
    assert (EscalationKind.PROTOCOL_SUSPENSION, EscalationStatus.RESOLVED) in kinds
    assert (EscalationKind.PROTOCOL_SUSPENSION, EscalationStatus.RAISED) in kinds
    assert Team.objects.filter(capacity="protocol_suspended").exists()
    leads = User.objects.filter(groups__name=Role.LOCALITY_LEAD)
    for team in Team.objects.filter(service=Service.EARLY_HELP):
        assert leads.filter(memberships__team__locality=team.locality).exists(), team
    # Seeding again adds nothing.
    count = Escalation.objects.count()
    call_command("seed_demo", cases=60)
    assert Escalation.objects.count() == count


def test_the_escalation_tables_read_no_query_a_row(client):
    """The home panel and the escalations page list escalations with what their table names
    read with them (issue 14: no longer the transfer or the case's team): more escalations to
    decide cost the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from escalations.selectors import escalations_to_answer

    call_command("seed_demo", cases=60)
    manager = User.objects.get(username="sm.socialcare")
    client.force_login(manager)

    def counts() -> tuple[int, int]:
        numbers = []
        for path in ("/", "/escalations/"):
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            numbers.append(len(queries))
        return tuple(numbers)

    listed = list(escalations_to_answer(manager))
    assert listed, "the demo has an escalation for the service manager to decide"
    before = counts()
    for escalation in listed:
        for _ in range(3):  # copies of it, live, for them to decide
            escalation.pk = None
            escalation.response_deadline = None
            escalation.save()
    assert len(escalations_to_answer(manager)) >= 4 * len(listed)
    assert counts() == before
