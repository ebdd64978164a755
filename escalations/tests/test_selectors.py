from datetime import timedelta

import pytest
from django.utils import timezone

from escalations.selectors import open_concerns_for_duty
from escalations.services import concern_raise, concern_respond

pytestmark = pytest.mark.django_db


def test_duty_sees_waiting_concerns_oldest_first_and_only_their_teams(town):
    from cases.tests.factories import CaseFactory

    now = timezone.now()
    other_case = CaseFactory(current_team=town.cc)
    third_case = CaseFactory(current_team=town.yfs)
    newer = concern_raise(
        case=town.yfs_case,
        by=town.yfs_worker,
        concern="a",
        no_safeguarding_tm_available=True,
        at=now - timedelta(minutes=5),
    )
    older = concern_raise(
        case=other_case,
        by=town.cc_worker,
        concern="b",
        no_safeguarding_tm_available=True,
        at=now - timedelta(minutes=50),
    )
    answered = concern_raise(
        case=third_case,
        by=town.yfs_tm,
        concern="c",
        no_safeguarding_tm_available=True,
        at=now - timedelta(hours=2),
    )
    concern_respond(concern=answered, by=town.duty_tm, response="r", next_steps="n")
    for person in (town.duty_tm, town.duty_atm, town.duty_sw):
        assert list(open_concerns_for_duty(person)) == [older, newer]
    assert not open_concerns_for_duty(town.elsewhere_tm).exists()
    assert not open_concerns_for_duty(town.yfs_worker).exists()
