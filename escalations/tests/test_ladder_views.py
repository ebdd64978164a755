"""The escalation pages: who sees them, the buttons that work, and the email link that opens
for its recipient (issue 11: "its link answers 404 to them" no more)."""

import re

from django.urls import reverse
from django.utils import timezone

from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from deadlines.models import OutboxEmail
from escalations.models import Escalation, EscalationKind, EscalationStatus, Outcome
from escalations.services import escalation_raise
from people.roles import Role
from people.tests.factories import UserFactory
from transfers import services as transfer_services
from transfers.models import TransferStatus

from .helpers import refused

K = EscalationKind


def test_the_service_managers_email_link_opens_the_escalation_for_them(
    client, world, walk, director
):
    transfer = refused(world, walk)
    client.force_login(world.locality_lead)
    page = client.get(transfer.get_absolute_url())
    assert "Escalate the decision" in page.content.decode() or any(
        "scalat" in a.label for a in page.context["actions"]
    )
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk rising"
    )
    email = OutboxEmail.objects.get(recipient=world.service_manager, subject__contains="to you")
    path = re.search(r"https?://[^/\s]+(/\S+)", email.body_text).group(1)
    client.force_login(world.service_manager)
    response = client.get(path)
    assert response.status_code == 200
    labels = [label for label, _, _ in response.context["actions"]]
    assert labels == ["Acknowledge", "Record the decision", "Pass it to the assistant director"]
    # Every offered button opens its form.
    for _, url_name, _ in response.context["actions"]:
        assert client.get(reverse(url_name, args=[escalation.pk])).status_code == 200
    home = client.get(reverse("home"))
    panel = next(p for p in home.context["panels"] if p.key == "escalations")
    assert [e.pk for e in panel.items] == [escalation.pk]
    listing = client.get(reverse("escalations:list"))
    assert [e.pk for e in listing.context["page"].object_list] == [escalation.pk]


def test_the_service_manager_overturns_it_in_the_browser_forms(client, world, walk):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk rising"
    )
    client.force_login(world.service_manager)
    url = reverse("escalations:resolve", args=[escalation.pk])
    empty = client.post(url, {})
    assert empty.status_code == 200
    assert set(empty.context["form"].errors) == {"outcome", "note"}
    response = client.post(
        url, {"outcome": Outcome.OVERTURNED, "sc_outcome": "s17_assessment", "note": "Met"}
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    transfer.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert transfer.status == TransferStatus.AWAITING_ALLOCATION
    page = client.get(escalation.get_absolute_url()).content.decode()
    assert "Overturned" in page and "Met" in page


def test_nobody_else_sees_the_escalation_or_its_steps(client, world, walk, director):
    transfer = refused(world, walk)
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk rising"
    )
    client.force_login(world.outsider)
    assert client.get(escalation.get_absolute_url()).status_code == 404
    assert client.get(reverse("escalations:list")).status_code == 403
    # The AD does not answer at level 1: sees nothing to decide and may not decide it.
    client.force_login(director)
    listing = client.get(reverse("escalations:list"))
    assert list(listing.context["page"].object_list) == []
    assert client.get(reverse("escalations:resolve", args=[escalation.pk])).status_code in (
        403,
        404,
    )
    # Whoever raised it sees it, may withdraw it, and may not decide it.
    client.force_login(world.locality_lead)
    response = client.get(escalation.get_absolute_url())
    assert [label for label, _, _ in response.context["actions"]] == ["Withdraw"]
    assert client.get(reverse("escalations:resolve", args=[escalation.pk])).status_code == 403


def test_a_case_page_offers_escalation_of_an_unallocated_child_in_care(client, world):
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIC, allocated_worker=None)
    client.force_login(world.cin_tm)
    page = client.get(case.get_absolute_url())
    labels = [a.label for a in page.context["actions"]]
    assert "Escalate to the service manager" in labels
    url = reverse("escalations:raise_for_case", args=[case.reference])
    response = client.post(url, {"reason": "Nobody free"})
    assert response.status_code == 302
    escalation = Escalation.objects.get(case=case)
    assert escalation.kind == K.CAPACITY
    page = client.get(case.get_absolute_url())
    assert "Escalate to the service manager" not in [a.label for a in page.context["actions"]]
    assert escalation.get_absolute_url() in page.content.decode()
    client.force_login(world.cin_sw)
    assert client.get(url).status_code == 403


def test_a_declined_transfer_offers_escalation_from_its_page(client, world):
    from people.models import Service
    from people.tests.factories import TeamFactory

    south_tm = UserFactory(username="cin2tm", roles=[Role.TEAM_MANAGER])
    south = TeamFactory(
        name="CIN South", service=Service.CHILDREN_IN_NEED, locality="South", manager=south_tm
    )
    south_tm.memberships.create(team=south)
    case = CaseFactory(
        current_team=world.cin, plan_type=PlanType.CIN, allocated_worker=world.cin_sw
    )
    transfer = transfer_services.transfer_propose(
        case=case, by=world.cin_tm, to_team=south, reason="Moved"
    )
    transfer = transfer_services.transfer_decide(
        transfer=transfer, by=south_tm, accepted=False, reasons="No"
    )
    client.force_login(world.cin_tm)
    page = client.get(transfer.get_absolute_url())
    action = next(
        a for a in page.context["actions"] if a.label == "Escalate to the service manager"
    )
    assert client.get(action.url).status_code == 200
    assert client.post(action.url, {"reason": "They live in the south"}).status_code == 302
    page = client.get(transfer.get_absolute_url())
    assert "Escalate to the service manager" not in [a.label for a in page.context["actions"]]
    assert client.get(action.url).status_code == 302


def test_a_suspension_request_form_and_its_notification(client, world):
    ifsm = UserFactory(username="ifsm", roles=[Role.INTEGRATED_FAMILY_SERVICES_MANAGER])
    client.force_login(world.cin_tm)
    url = reverse("escalations:request_suspension")
    form = client.get(url)
    assert form.status_code == 200
    assert list(form.context["form"].fields["team"].queryset) == [world.cin]
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "team": world.cin.pk,
            "protocol_part": "Transfers in",
            "reason": "Vacancies",
            "starts_on_0": today.day,
            "starts_on_1": today.month,
            "starts_on_2": today.year,
            "ends_on_0": today.day,
            "ends_on_1": today.month,
            "ends_on_2": today.year + 1,
            "impact": "Longer waits",
            "mitigations": "Weekly oversight",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    escalation = Escalation.objects.get(kind=K.PROTOCOL_SUSPENSION)
    client.force_login(ifsm)
    assert client.get(escalation.get_absolute_url()).status_code == 200
    notification = client.get(reverse("escalations:notification", args=[escalation.pk]))
    assert "Transfer Protocol Contingency Planning" in notification.content.decode()
    client.force_login(world.cin_sw)
    assert client.get(url).status_code == 403


def test_every_email_of_an_escalation_opens_for_its_recipient(client, world, walk, director):
    """Raised, passed up by a breach (with the deadline engine's own reminder, breach and
    escalation emails), decided: every link in every email opens for whoever received it."""
    from datetime import timedelta

    import time_machine

    from deadlines.sweep import sweep
    from escalations.services import escalate_overdue, escalation_resolve

    transfer = refused(world, walk)
    OutboxEmail.objects.all().delete()
    escalation = escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk rising"
    )
    due = escalation.response_deadline.due_at
    for moment in (due - timedelta(hours=2), due + timedelta(minutes=1), due + timedelta(days=2)):
        with time_machine.travel(moment, tick=False):
            sweep(moment)
            escalate_overdue(moment)
    escalation.refresh_from_db()
    assert escalation.level == 2
    escalation_resolve(escalation=escalation, by=director, outcome=Outcome.UPHELD, note="Stands")
    emails = list(OutboxEmail.objects.select_related("recipient"))
    assert {e.recipient for e in emails} >= {world.service_manager, director, world.locality_lead}
    for email in emails:
        path = re.search(r"https?://[^/\s]+(/\S+)", email.body_text).group(1)
        client.force_login(email.recipient)
        assert client.get(path).status_code == 200, (email.subject, email.recipient)


def test_the_request_page_says_the_refusal_waits_on_the_escalation(client, world, walk):
    transfer = refused(world, walk)
    escalation_raise(
        kind=K.REFUSED_STEP_UP, transfer=transfer, by=world.locality_lead, reason="Risk rising"
    )
    client.force_login(world.supervisor)
    step = client.get(transfer.get_absolute_url()).context["next_step"]
    assert step.what == "Decide the escalation of this refusal"
    assert str(world.service_manager) in step.who and step.due_at is not None
