"""Issue 13: the escalation discussion is between two people; whoever asks for a step-up never
reviews it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from people.roles import Role
from people.tests.factories import UserFactory
from transfers import permissions as can
from transfers import services
from transfers.models import Transfer, TransferStatus
from transfers.tests.conftest import world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _start(world, *, by, supervisor):  # noqa: F811
    return services.step_up_start(
        case=world.case,
        by=by,
        supervisor=supervisor,
        concerns="c",
        work_tried="w",
        why_now="n",
        urgent=False,
        section_47=False,
    )


def test_a_supervisor_cannot_name_themselves_to_review_their_own_step_up(world):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        _start(world, by=world.supervisor, supervisor=world.supervisor)
    assert "other than yourself" in str(refused.value)
    assert not Transfer.objects.exists()
    assert not AuditEvent.objects.filter(action="transfer.start").exists()


def test_the_start_page_refuses_it_in_plain_words(client, world):  # noqa: F811
    client.force_login(world.supervisor)
    response = client.post(
        reverse("transfers:start", args=[world.case.reference]),
        {
            "supervisor": world.supervisor.pk,
            "concerns": "c",
            "work_tried": "w",
            "why_now": "n",
            "urgent": "no",
            "section_47": "no",
        },
    )
    assert response.status_code == 200
    assert not Transfer.objects.exists()
    # They are not offered as their own reviewer.
    offered = response.context["form"].fields["supervisor"].queryset
    assert world.supervisor not in offered


def test_a_supervisor_who_asks_names_another_who_reviews(world):  # noqa: F811
    reviewer = UserFactory(username="ehsup2", roles=[Role.EH_SUPERVISOR], teams=[world.eh])
    transfer = _start(world, by=world.supervisor, supervisor=reviewer)
    assert not can.review_as_supervisor(transfer, world.supervisor)
    assert can.review_as_supervisor(transfer, reviewer)
    with pytest.raises(PermissionDenied):
        services.step_up_submit(transfer=transfer, by=world.supervisor, supervisor_notes="x")
    transfer = services.step_up_submit(transfer=transfer, by=reviewer, supervisor_notes="Agree")
    assert transfer.status == TransferStatus.AWAITING_EH_DECISION


def test_a_discussion_recorded_with_the_requester_as_its_supervisor_cannot_be_reviewed(
    world,  # noqa: F811
):
    # Data from before the rule: the requester named themselves.
    transfer = _start(world, by=world.ffp, supervisor=world.supervisor)
    Transfer.objects.filter(pk=transfer.pk).update(requested_by=world.supervisor)
    transfer.refresh_from_db()
    assert not can.review_as_supervisor(transfer, world.supervisor)
    with pytest.raises(PermissionDenied):
        services.step_up_submit(transfer=transfer, by=world.supervisor, supervisor_notes="x")
