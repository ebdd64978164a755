"""seed_demo at scale (issue 14): transfers and deadlines grow with the cases."""

import pytest
from django.core.management import call_command

from cases.demo import set_of_team
from cases.models import Case
from deadlines.models import Deadline, DeadlineStatus
from people.models import Team, User
from transfers.models import LIVE_STAGES, Transfer, TransferKind

pytestmark = pytest.mark.django_db


def test_transfers_of_every_kind_grow_with_the_cases_and_history_on_request():
    call_command("seed_demo", cases=1000, verbosity=0)
    live = Transfer.objects.filter(stage__in=LIVE_STAGES)
    assert live.count() == 200  # a fifth of the cases
    assert Transfer.objects.exclude(stage__in=LIVE_STAGES).count() == 100
    assert set(live.values_list("kind", flat=True)) == set(TransferKind.values)
    on_transfers = Deadline.objects.filter(subject_type__model="transfer")
    historical = Deadline.objects.filter(
        subject_type__model="case", status__in=[DeadlineStatus.MET, DeadlineStatus.CANCELLED]
    )
    before = on_transfers.count(), historical.count()
    call_command("seed_demo", cases=2000, historical_deadlines=500, verbosity=0)
    assert Transfer.objects.filter(stage__in=LIVE_STAGES).count() == 400
    # Each of the 300 new transfers has its deadline, beside the 500 historical rows.
    assert on_transfers.count() - before[0] == 300
    assert historical.count() - before[1] == 500
    # Topping up again adds nothing.
    call_command("seed_demo", cases=2000, verbosity=0)
    assert Transfer.objects.count() == 600


def test_a_larger_demo_is_more_teams_so_a_caseload_stays_a_caseload():
    call_command("seed_demo", cases=500, cases_per_team_set=500, verbosity=0)
    worker = User.objects.get(username="ffp.north")
    caseload = Case.objects.filter(allocated_worker=worker).count()
    assert caseload > 0
    call_command("seed_demo", cases=1000, cases_per_team_set=500, verbosity=0)
    # The second 500 cases went to a second set of teams and staff, not to the same worker.
    assert Case.objects.filter(allocated_worker=worker).count() == caseload
    assert Case.objects.filter(allocated_worker__username="ffp.north.2").count() > 0
    assert set_of_team(Case.objects.get(reference="DM0000500").current_team.name) == 1
    assert set_of_team(Case.objects.get(reference="DM0000501").current_team.name) == 2
    assert Team.objects.get(name="Social Care Duty 2").manager.username == "dutytm.2"
    assert Team.objects.get(name="Early Help North 2").locality == "North 2"
    # County-wide roles are not repeated.
    assert User.objects.filter(username__startswith="ad").count() == 1
    # Transfers reach both sets, and each stays within its case's set.
    sets = set()
    for transfer in Transfer.objects.select_related("from_team", "to_team", "case__current_team"):
        one = set_of_team(transfer.case.current_team.name)
        assert set_of_team(transfer.from_team.name) == one
        assert transfer.to_team is None or set_of_team(transfer.to_team.name) == one
        sets.add(one)
    assert sets == {1, 2}


def test_one_team_set_whatever_the_size_on_request():
    call_command("seed_demo", cases=300, cases_per_team_set=0, verbosity=0)
    assert not Team.objects.filter(name__endswith=" 2").exists()
    assert set_of_team(Case.objects.get(reference="DM0000300").current_team.name) == 1
