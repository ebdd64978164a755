from datetime import UTC, date, datetime, timedelta

import pytest

from cases.tests.factories import CaseFactory
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from registers.selectors import (
    Filters,
    Week,
    historic_transfers,
    register_rows,
    weekly_transfers,
)
from transfers.models import TransferKind, TransferStage

from .conftest import make_transfer

pytestmark = pytest.mark.django_db
W47 = Week(date(2026, 11, 16))


def test_a_week_runs_monday_to_sunday_in_london_time_across_a_clock_change():
    assert Week.parse("2026-w47") == W47
    assert W47.key == "2026-W47"
    assert W47.starts_at == datetime(2026, 11, 16, 0, 0, tzinfo=UTC)  # GMT
    # British Summer Time ends on Sunday 25 October 2026: that week is 169 hours long.
    week = Week.parse("2026-W43")
    assert week.starts_at == datetime(2026, 10, 18, 23, 0, tzinfo=UTC)
    assert week.ends_at - week.starts_at == timedelta(hours=169)
    # Sunday 23:30 London is still the week of the Monday before.
    assert Week.containing(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == W47
    assert Week.parse("nonsense") is None
    assert Week.parse("2026-W60") is None


def test_a_transfer_is_on_a_weeks_list_if_it_was_open_at_any_time_that_week(world):
    case = world.north_case
    monday = W47.starts_at
    open_now = make_transfer(case=case, created_at=monday - timedelta(days=30))
    closed_in_week = make_transfer(
        case=CaseFactory(current_team=world.north),
        stage=TransferStage.COMPLETED,
        created_at=monday - timedelta(days=30),
        closed_at=monday + timedelta(hours=1),
    )
    closed_before = make_transfer(
        case=CaseFactory(current_team=world.north),
        stage=TransferStage.WITHDRAWN,
        created_at=monday - timedelta(days=30),
        closed_at=monday - timedelta(minutes=1),
    )
    created_after = make_transfer(
        case=CaseFactory(current_team=world.north), created_at=W47.ends_at
    )
    created_sunday_night = make_transfer(
        case=CaseFactory(current_team=world.north), created_at=W47.ends_at - timedelta(minutes=1)
    )
    on_list = set(weekly_transfers(user=None, week=W47))
    assert on_list == {open_now, closed_in_week, created_sunday_night}
    assert closed_before not in on_list and created_after not in on_list
    # The week after: only what is still open, or closed during that week, or created in it.
    assert set(weekly_transfers(user=None, week=W47.minus(-1))) == {
        open_now,
        created_sunday_night,
        created_after,
    }


def test_each_reader_sees_only_the_transfers_whose_case_they_may_see(world):
    north = make_transfer(case=world.north_case, to_team=world.cic)
    south = make_transfer(case=world.south_case, to_team=world.south)
    assert set(weekly_transfers(user=world.senior_admin, week=W47)) == {north, south}
    assert set(weekly_transfers(user=world.north_tm, week=W47)) == {north}
    assert set(weekly_transfers(user=world.south_tm, week=W47)) == {south}
    # The receiving team sees a live transfer coming its way.
    assert set(weekly_transfers(user=world.cic_tm, week=W47)) == {north}


def test_filters_by_team_from_or_to_by_kind_and_by_stage(world):
    into_cic = make_transfer(case=world.north_case, to_team=world.cic, stage=TransferStage.AGREED)
    south = make_transfer(
        case=world.south_case, to_team=world.north, kind=TransferKind.TEAM_TRANSFER
    )

    def listed(**filters):
        return set(weekly_transfers(user=world.senior_admin, week=W47, filters=Filters(**filters)))

    assert listed(team_id=world.cic.pk) == {into_cic}
    assert listed(team_id=world.north.pk) == {into_cic, south}  # from north, and to north
    assert listed(team_id=world.south.pk) == {south}
    assert listed(kind=TransferKind.TEAM_TRANSFER) == {south}
    assert listed(stage=TransferStage.AGREED) == {into_cic}
    assert listed(stage=TransferStage.ALLOCATED) == set()


def test_sorts_by_a_whitelisted_column_either_way_with_empty_values_last(world):
    amy = make_transfer(case=world.north_case, due_at=W47.starts_at + timedelta(days=3))
    ben = make_transfer(case=world.south_case)  # no deadline
    cat = make_transfer(
        case=CaseFactory(current_team=world.north, first_name="Cat", last_name="Cole"),
        due_at=W47.starts_at + timedelta(days=1),
    )

    def order(sort, descending=False):
        return list(
            weekly_transfers(user=world.senior_admin, week=W47, sort=sort, descending=descending)
        )

    assert order("name") == [amy, ben, cat]
    assert order("name", descending=True) == [cat, ben, amy]
    assert order("due") == [cat, amy, ben]
    assert order("due", descending=True) == [amy, cat, ben]
    assert order("not-a-column") == order("due")


def test_a_row_names_the_social_worker_the_deputies_and_the_team_manager(world):
    inactive = UserFactory(roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[world.north])
    inactive.is_active = False
    inactive.save()
    transfer = make_transfer(
        case=world.north_case, to_team=world.cic, anticipated_on=date(2026, 12, 1)
    )
    [row] = register_rows(weekly_transfers(user=None, week=W47).filter(pk=transfer.pk))
    assert (row.social_worker, row.deputy_team_managers, row.team_manager) == (
        "Sam Worker",
        "Dee Deputy",
        "Nora North",
    )
    assert row.child_name == "Amy Ashby" and row.ics_number == "ICS100"
    assert row.legal_proceedings == "Proceedings issued; Interim care order"
    assert row.kind_label == "Child in Need to Children in Care"
    assert (row.from_team_name, row.to_team_name) == ("CIN North", "Children in Care")
    assert row.anticipated_on == date(2026, 12, 1)


def test_a_row_with_nobody_allocated_and_no_manager_names_nobody(world):
    """The people on a row are read through left joins: nobody there is an empty name, never
    the NULLs' "None None"; a person with no full name is named by their username."""
    team = TeamFactory(name="No Manager Team", manager=None)
    transfer = make_transfer(case=CaseFactory(current_team=team), requested_by=world.north_tm)
    [row] = register_rows(weekly_transfers(user=None, week=W47).filter(pk=transfer.pk))
    assert (row.social_worker, row.deputy_team_managers, row.team_manager) == ("", "", "")
    nameless = UserFactory(first_name="", last_name="", username="duty.inbox")
    team.manager = nameless
    team.save()
    [row] = register_rows(weekly_transfers(user=None, week=W47).filter(pk=transfer.pk))
    assert row.team_manager == "duty.inbox"


def test_a_legal_status_outside_the_choices_is_shown_as_stored(world):
    """As get_legal_status_display would: a value no choice names (an old import, say) is
    shown as it is, never an error that takes the list or the weekly snapshot down."""
    from cases.models import Case

    transfer = make_transfer(case=world.north_case)
    Case.objects.filter(pk=world.north_case.pk).update(legal_status="s20_legacy")
    [row] = register_rows(weekly_transfers(user=None, week=W47).filter(pk=transfer.pk))
    assert row.legal_proceedings == "Proceedings issued; s20_legacy"


def test_the_historic_list_holds_closed_transfers_with_their_outcome_and_can_be_searched(world):
    make_transfer(case=world.north_case)  # live: not historic
    done = make_transfer(
        case=CaseFactory(
            current_team=world.north, first_name="Dan", last_name="Dale", ics_number="ICS9"
        ),
        stage=TransferStage.COMPLETED,
    )
    withdrawn = make_transfer(
        case=world.south_case, stage=TransferStage.WITHDRAWN, withdrawn_reason="Family moved away"
    )
    refused = make_transfer(
        # A fixed name: a random one could sound like "Ben" or "Dan" to the typo-tolerant search.
        case=CaseFactory(current_team=world.south, first_name="Xavier", last_name="Quist"),
        stage=TransferStage.REFUSED,
        decision_note="Outside our remit",
    )
    assert set(historic_transfers(user=world.senior_admin)) == {done, withdrawn, refused}
    assert set(historic_transfers(user=world.north_tm)) == {done}
    outcomes = {
        row.transfer_id: row.outcome
        for row in register_rows(historic_transfers(user=world.senior_admin))
    }
    assert outcomes == {
        done.pk: "Completed",
        withdrawn.pk: "Withdrawn: Family moved away",
        refused.pk: "Refused: Outside our remit",
    }
    assert list(historic_transfers(user=world.senior_admin, query="dan dale")) == [done]
    assert list(historic_transfers(user=world.senior_admin, query="ics9")) == [done]
    assert list(historic_transfers(user=world.senior_admin, query="Ben")) == [withdrawn]
    assert set(
        historic_transfers(user=world.senior_admin, filters=Filters(stage=TransferStage.REFUSED))
    ) == {refused}
