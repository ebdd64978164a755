"""The demo meetings and concerns are made through the services, once, and every button they
put on a case page works for every demo user who is offered it."""

import pytest
from django.core.management import call_command

from cases.selectors import cases_visible_to
from casework.demo import seed_casework
from casework.models import Meeting, MeetingKind, NotificationRecord
from escalations.demo import seed_concerns
from escalations.models import ConcernStatus, SafeguardingConcern
from people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120)
    seed_casework()
    seed_concerns()


def test_the_demo_shows_each_record_once(demo):
    taf = Meeting.objects.get(kind=MeetingKind.TAF)
    assert taf.case.current_team.name == "Youth & Family Services"
    assert taf.advising_social_worker and taf.taf_outcome
    cin = Meeting.objects.filter(kind=MeetingKind.CIN)
    assert cin.count() == 2 and all(m.invited.exists() for m in cin)
    assert cin.filter(held_at__isnull=True).count() == 1
    statuses = sorted(SafeguardingConcern.objects.values_list("status", "via_ehash"))
    assert statuses == [(ConcernStatus.RAISED, False), (ConcernStatus.RESPONDED, True)]
    counts = (Meeting.objects.count(), NotificationRecord.objects.count())
    assert seed_casework() == 0 and seed_concerns() == 0
    assert (Meeting.objects.count(), NotificationRecord.objects.count()) == counts


def test_every_casework_button_on_a_demo_case_page_opens(client, demo):
    cases = {m.case for m in Meeting.objects.select_related("case")}
    cases |= {c.case for c in SafeguardingConcern.objects.select_related("case")}
    pressed = set()
    for user in User.objects.filter(is_active=True, is_superuser=False):
        client.force_login(user)
        visible = set(cases_visible_to(user).values_list("pk", flat=True))
        for case in cases:
            if case.pk not in visible:
                continue
            page = client.get(case.get_absolute_url())
            assert page.status_code == 200
            for action in page.context["casework_actions"]:
                assert action.url in page.content.decode()
                response = client.get(action.url)
                assert response.status_code == 200, (user.username, action.label)
                assert b"<form" in response.content
                pressed.add(action.label)
    assert pressed >= {
        "Record a meeting",
        "Record a TAF meeting",
        "Invite to a CIN meeting",
        "Raise an immediate safeguarding concern",
    }


def test_the_duty_officer_sees_the_waiting_demo_concern(client, demo):
    from escalations.selectors import open_concerns_for_duty

    duty = User.objects.get(username="dutyatm")
    waiting = list(open_concerns_for_duty(duty))
    assert len(waiting) == 1
    client.force_login(duty)
    assert client.get(waiting[0].get_absolute_url()).status_code == 200
