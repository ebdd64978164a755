"""seed_demo at scale (issue 14): transfers and deadlines grow with the cases."""

import pytest
from django.core.management import call_command

from deadlines.models import Deadline, DeadlineStatus
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
