from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from casework.models import Meeting, MeetingKind, NotificationRecord, TafOutcome
from casework.services import meeting_plan
from deadlines.calendar import LONDON
from transfers.models import Transfer, TransferKind, TransferStatus

pytestmark = pytest.mark.django_db


def _labels(response) -> set[str]:
    return {action.label for action in response.context["casework_actions"]}


def _when(days_ago: int = 1) -> dict:
    at = (timezone.now() - timedelta(days=days_ago)).astimezone(LONDON)
    return {"held_on_0": at.day, "held_on_1": at.month, "held_on_2": at.year, "held_time": "10:30"}


def test_yfs_staff_see_and_use_the_taf_button(client, town):
    client.force_login(town.yfs_worker)
    page = client.get(town.yfs_case.get_absolute_url())
    assert "Record a TAF meeting" in _labels(page)
    assert "Invite to a CIN meeting" not in _labels(page)
    url = reverse("casework:case_meeting_new", args=[town.yfs_case.reference]) + "?kind=taf"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "status": "held",
            **_when(),
            "advising_social_worker": town.cin_sw.pk,
            "taf_outcome": TafOutcome.TRANSFER_PROPOSED,
            "attendees": [town.yfs_worker.pk],
            "outcome": "Transfer to be discussed between managers",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    meeting = Meeting.objects.get()
    assert meeting.kind == MeetingKind.TAF and meeting.advising_social_worker == town.cin_sw
    assert meeting.held_at.astimezone(LONDON).hour == 10
    page = client.get(town.yfs_case.get_absolute_url())
    assert b"Transfer proposed" in page.content


def test_a_taf_without_outcome_shows_the_error(client, town):
    client.force_login(town.yfs_tm)
    url = reverse("casework:case_meeting_new", args=[town.yfs_case.reference]) + "?kind=taf"
    response = client.post(url, {"status": "held", **_when()})
    assert response.status_code == 200
    assert "taf_outcome" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_others_get_no_taf_button_and_a_403_or_404(client, town):
    url = reverse("casework:case_meeting_new", args=[town.yfs_case.reference]) + "?kind=taf"
    client.force_login(town.cin_sw)  # cannot see the YFS case
    assert client.get(url).status_code == 404
    cin_url = reverse("casework:case_meeting_new", args=[town.cin_case.reference])
    page = client.get(town.cin_case.get_absolute_url())
    assert "Record a TAF meeting" not in _labels(page)
    assert client.get(cin_url + "?kind=taf").status_code == 403


def test_social_care_invites_yfs_to_a_cin_meeting_and_the_case_shows_joint_planning(client, town):
    client.force_login(town.cin_sw)
    page = client.get(town.cin_case.get_absolute_url())
    assert "Invite to a CIN meeting" in _labels(page)
    assert b"Joint planning" not in page.content
    url = reverse("casework:case_meeting_new", args=[town.cin_case.reference]) + "?kind=cin"
    soon = (timezone.now() + timedelta(days=5)).astimezone(LONDON)
    response = client.post(
        url,
        {
            "status": "planned",
            "planned_on_0": soon.day,
            "planned_on_1": soon.month,
            "planned_on_2": soon.year,
            "planned_time": "09:00",
            "invited": [town.yfs_worker.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(town.cin_case.get_absolute_url())
    assert b"Joint planning" in page.content
    assert escape(town.yfs_worker).encode() in page.content
    assert b"Record it as held" in page.content


def test_a_yfs_worker_gets_no_cin_button(client, town):
    client.force_login(town.yfs_worker)
    page = client.get(town.yfs_case.get_absolute_url())
    assert "Invite to a CIN meeting" not in _labels(page)
    url = reverse("casework:case_meeting_new", args=[town.yfs_case.reference]) + "?kind=cin"
    assert client.get(url).status_code == 403


def test_a_planned_meeting_is_recorded_as_held_from_its_link(client, town):
    meeting = meeting_plan(
        case=town.cin_case,
        kind=MeetingKind.HANDOVER,
        by=town.cin_tm,
        planned_for=timezone.now() + timedelta(minutes=30),
    )
    url = reverse("casework:meeting_held", args=[meeting.pk])
    client.force_login(town.yfs_worker)
    assert client.get(url).status_code == 404
    client.force_login(town.cin_sw)
    response = client.post(url, {**_when(0), "held_time": "00:00", "outcome": "Done"})
    assert response.status_code == 302, response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.held_at is not None and meeting.outcome == "Done"


def test_a_general_meeting_from_the_case_page(client, town):
    client.force_login(town.yfs_worker)
    assert "Record a meeting" in _labels(client.get(town.yfs_case.get_absolute_url()))
    url = reverse("casework:case_meeting_new", args=[town.yfs_case.reference])
    response = client.post(url, {"kind": MeetingKind.HANDOVER, "status": "held", **_when()})
    assert response.status_code == 302, response.context["form"].errors
    assert Meeting.objects.get().kind == MeetingKind.HANDOVER


def test_the_case_page_says_what_to_do_without_meetings(client, town):
    client.force_login(town.yfs_worker)
    assert b"No meetings recorded yet" in client.get(town.yfs_case.get_absolute_url()).content


def _transfer(town, worker=None) -> Transfer:
    return Transfer.objects.create(
        kind=TransferKind.STEP_UP,
        case=town.yfs_case,
        from_team=town.yfs,
        to_team=town.cin,
        requested_by=town.yfs_worker,
        status=TransferStatus.ALLOCATED if worker else TransferStatus.AWAITING_ALLOCATION,
        allocated_worker=worker,
    )


def test_the_letter_names_the_new_worker_and_team(client, town):
    transfer = _transfer(town, town.cin_sw)
    client.force_login(town.yfs_worker)
    response = client.get(reverse("casework:letter", args=[transfer.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert escape(town.cin_sw.get_full_name()) in content
    assert "01632 960999" in content and town.cin_sw.email in content
    assert "CIN North" in content and escape(town.yfs_case.full_name) in content
    assert 'data-letter="worker"' in content and "print.css" in content


def test_without_an_allocated_worker_there_is_no_letter(client, town):
    transfer = _transfer(town)
    client.force_login(town.yfs_worker)
    response = client.get(reverse("casework:letter", args=[transfer.pk]))
    assert response.status_code == 200
    assert b'data-letter="none"' in response.content
    assert b"No worker has been allocated yet" in response.content
    assert b'data-letter="worker"' not in response.content


def test_the_letter_is_404_to_someone_who_cannot_see_the_case(client, town):
    transfer = _transfer(town, town.cin_sw)
    client.force_login(town.eh_ffp)
    assert client.get(reverse("casework:letter", args=[transfer.pk])).status_code == 404


def test_recording_who_was_told(client, town):
    transfer = _transfer(town, town.cin_sw)
    url = reverse("casework:notification_new", args=[transfer.pk])
    client.force_login(town.cin_sw)  # the receiving side: not theirs to record
    assert client.get(url).status_code == 403
    client.force_login(town.yfs_worker)
    at = (timezone.now() - timedelta(hours=2)).astimezone(LONDON)
    response = client.post(
        url,
        {
            "recipient_name": "Head of Year, Oak School",
            "recipient_role": "school",
            "means": "email",
            "told_on_0": at.day,
            "told_on_1": at.month,
            "told_on_2": at.year,
            "told_time": at.strftime("%H:%M"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert NotificationRecord.objects.get().recipient_name == "Head of Year, Oak School"


def test_a_transfer_meeting_page(client, town):
    transfer = _transfer(town, town.cin_sw)
    url = reverse("casework:transfer_meeting_new", args=[transfer.pk]) + "?kind=manager_discussion"
    client.force_login(town.cin_tm)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["kind"] == "manager_discussion"
    client.force_login(town.eh_ffp)
    assert client.get(url).status_code == 404
