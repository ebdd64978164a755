"""A button shown is a button that works: every demo user opens every transfer and case page
they can see, and every action offered there opens as a working form (never a 403, never a
redirect away). And what the home page lists as waiting for them is what they can act on."""

import pytest
from django.core.management import call_command

from cases.selectors import cases_visible_to
from people.models import User
from transfers.actions import transfer_actions
from transfers.models import Transfer
from transfers.selectors import transfers_needing_action

pytestmark = pytest.mark.django_db

# Offered to people who may also have other steps to take; not "waiting for" them.
OPTIONAL = {
    "Withdraw this request",
    "Record a new plan",
    "Record missing work",
    "Record a meeting",
    "Print the notification letter",
    "Enter the first Looked After review date",
    # A manager may escalate a declined or stuck transfer; nothing waits on them to.
    "Escalate to the service manager",
}
# The allocated social worker's (and, for the visit, the Early Help worker's) to do; their
# managers may record them on their behalf.
ON_BEHALF = {"Record the joint visit", "Record the 10-day discussion"}


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120)


def test_every_offered_action_on_every_page_works_for_every_demo_user(client, demo):
    pressed = 0
    transfers = list(Transfer.objects.select_related("case"))
    assert len({t.status for t in transfers}) >= 11
    for user in User.objects.filter(is_active=True, is_superuser=False):
        client.force_login(user)
        visible = set(cases_visible_to(user).values_list("pk", flat=True))
        for transfer in transfers:
            if transfer.case_id not in visible:
                assert client.get(transfer.get_absolute_url()).status_code == 404
                continue
            response = client.get(transfer.get_absolute_url())
            assert response.status_code == 200, (user.username, transfer.pk)
            for action in response.context["actions"]:
                step = client.get(action.url)
                assert step.status_code == 200, (user.username, transfer.status, action.label)
                assert b"<form" in step.content
                pressed += 1
            case_page = client.get(transfer.case.get_absolute_url())
            assert case_page.status_code == 200
            for action in case_page.context.get("actions", []):
                assert client.get(action.url).status_code == 200, (user.username, action.label)
                pressed += 1
    assert pressed > 30


def test_what_waits_for_each_person_is_what_they_can_act_on(demo):
    for user in User.objects.filter(is_active=True, is_superuser=False):
        waiting = set(transfers_needing_action(user))
        for transfer in Transfer.objects.select_related("case", "from_team", "to_team", "step_up"):
            labels = {a.label for a in transfer_actions(transfer, user)} - OPTIONAL
            step_up = getattr(transfer, "step_up", None) if transfer.kind == "step_up" else None
            holders = {transfer.allocated_worker_id, step_up and step_up.eh_worker_id}
            if user.pk not in holders:
                labels -= ON_BEHALF
            if transfer in waiting:
                assert labels, (user.username, transfer.status, "listed but nothing to do")
            else:
                assert not labels, (user.username, transfer.status, labels, "not listed")


def test_the_ranked_waiting_list_compiled_once_lists_what_the_orm_lists(demo):
    """The home panel and the "waiting for you" list read its keys by SQL compiled once per
    shape of branches (issue 14): for every demo user, the same transfers as the queryset
    built afresh, in its order, and one SQL kept per shape, not per person."""
    from transfers import selectors

    selectors._waiting_keys._compiled.clear()
    users = list(User.objects.filter(is_active=True, is_superuser=False))
    shapes = set()
    listed = 0
    for user in users:
        ranked = selectors.ranked_needing_action(user)
        rows = ranked[: len(ranked)]
        expected = list(transfers_needing_action(user))
        assert len(ranked) == len(expected), user.username
        assert {t.pk for t in rows} == {t.pk for t in expected}, user.username
        keys = [(t.next_due_at is None, t.next_due_at, not t.priority, t.created_at) for t in rows]
        assert keys == sorted(keys), user.username
        shapes.add(selectors._waiting_inputs(user)[0])
        listed += len(rows)
    assert listed > 20
    assert len(selectors._waiting_keys._compiled) <= len(shapes) < len(users)
