"""The weekly list's ids and rows read by SQL compiled once (issue 14) answer as the querysets
they are compiled from: for every demo user, filter and sort, and for a page's rows by primary
key, the same rows register_rows reads."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from people.models import Team, User
from registers.selectors import (
    SORTS,
    Filters,
    Week,
    _weekly_ids,
    register_rows,
    rows_by_pk,
    weekly_ids,
    weekly_transfers,
)
from transfers.models import Transfer, TransferKind, TransferStage


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120, verbosity=0)


def _expected(user, week, filters=None, sort="due", descending=False, limit=1001):
    rows = weekly_transfers(
        user=user, week=week, filters=filters or Filters(), sort=sort, descending=descending
    )
    return list(rows.values_list("pk", flat=True)[:limit])


def test_the_compiled_ids_are_the_lists_ids_for_every_user_in_order(demo):
    week = Week.containing(timezone.now())
    seen = 0
    for user in User.objects.all():
        expected = _expected(user, week)
        assert weekly_ids(user=user, week=week, limit=1001) == expected, user.username
        seen += len(expected)
    assert seen > 0, "the demo's users see transfers this week"


def test_the_compiled_ids_follow_every_sort_and_filter(demo):
    week = Week.containing(timezone.now())
    manager = User.objects.filter(groups__name="service_manager").first()
    team = Team.objects.get(pk=Transfer.objects.exclude(to_team=None).first().to_team_id)
    assert manager is not None
    filters = [
        Filters(),
        Filters(team_id=team.pk),
        Filters(kind=TransferKind.STEP_UP),
        Filters(stage=TransferStage.REQUESTED),
        Filters(team_id=team.pk, kind=TransferKind.STEP_UP, stage=TransferStage.REQUESTED),
    ]
    for sort in SORTS:
        for descending in (False, True):
            expected = _expected(manager, week, sort=sort, descending=descending)
            got = weekly_ids(user=manager, week=week, limit=1001, sort=sort, descending=descending)
            assert got == expected, (sort, descending)
    for chosen in filters:
        assert weekly_ids(user=manager, week=week, limit=1001, filters=chosen) == _expected(
            manager, week, filters=chosen
        ), chosen


def test_the_limit_and_an_earlier_week_are_the_calls_own(demo):
    """One compiled query answers every week and limit: its bounds and LIMIT are parameters."""
    manager = User.objects.filter(groups__name="service_manager").first()
    this_week = Week.containing(timezone.now())
    _weekly_ids._compiled.clear()  # kept per process: only this test's shapes
    for week in (this_week, this_week.minus(1), this_week.minus(5)):
        for limit in (1, 3, 1001):
            assert weekly_ids(user=manager, week=week, limit=limit) == _expected(
                manager, week, limit=limit
            ), (week, limit)
    shapes = {key[3] for key in _weekly_ids._compiled}
    assert len(shapes) == 1, "one shape, whatever the week and the limit"


def test_a_reader_who_is_not_active_reads_no_ids(demo):
    user = User.objects.filter(groups__name="service_manager").first()
    user.is_active = False
    assert weekly_ids(user=user, week=Week.containing(timezone.now()), limit=1001) == []


def test_a_pages_rows_by_primary_key_are_the_rows_register_rows_reads(demo):
    ids = list(Transfer.objects.order_by("-pk").values_list("pk", flat=True)[:50])
    expected = register_rows(Transfer.objects.filter(pk__in=ids).order_by("-pk"))
    assert any(row.deputy_team_managers for row in expected), "the demo names deputies"
    assert rows_by_pk(None, ids) == expected
    assert rows_by_pk(None, []) == []


def test_a_rows_link_is_its_transfers_page(demo):
    for row in rows_by_pk(None, list(Transfer.objects.values_list("pk", flat=True)[:5])):
        assert row.url == reverse("transfers:detail", args=[row.transfer_id])
