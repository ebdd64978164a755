"""A home page's panels read by SQL compiled once list what the querysets they are compiled from
list, for every demo user: the cases waiting for allocation, the escalations to decide, the
cases allocated to a worker."""

import pytest
from django.core.management import call_command

from cases.models import Case
from cases.selectors import unallocated_cases_for_manager, unallocated_panel
from casetransfer.home import _allocated_to, _my_cases
from escalations.selectors import escalations_panel, escalations_to_answer
from people.models import User


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120, verbosity=0)


def _same(first, total, queryset, size):
    assert [row.pk for row in first] == list(queryset.values_list("pk", flat=True)[:size])
    assert total == queryset.count()


@pytest.mark.parametrize("size", [3, 10])
def test_each_panel_lists_what_its_queryset_lists_for_every_user(demo, size):
    users = list(User.objects.all())
    totals = {"unallocated": 0, "escalations": 0, "mine": 0}
    for user in users:
        first, total = unallocated_panel(user, size)
        _same(first, total, unallocated_cases_for_manager(user), size)
        totals["unallocated"] += total
        first, total = escalations_panel(user, size)
        _same(first, total, escalations_to_answer(user), size)
        totals["escalations"] += total
        mine = _my_cases(user.pk, shape=size)
        total = _allocated_to(user.pk).count()
        _same(mine, total, Case.objects.filter(allocated_worker=user), size)
        totals["mine"] += total
    assert all(totals.values()), f"the demo fills every panel for someone: {totals}"


def test_a_reader_who_is_not_active_has_no_escalations_to_decide(demo):
    user = User.objects.filter(groups__name="service_manager").first()
    user.is_active = False
    assert escalations_panel(user, 10) == ([], 0)
