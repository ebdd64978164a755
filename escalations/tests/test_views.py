import pytest
from django.urls import reverse
from django.utils.html import escape

from escalations.models import ConcernStatus, SafeguardingConcern
from escalations.services import concern_raise

pytestmark = pytest.mark.django_db
BUTTON = "Raise an immediate safeguarding concern"


def _labels(response) -> set[str]:
    return {action.label for action in response.context["casework_actions"]}


def _raise(town) -> SafeguardingConcern:
    return concern_raise(
        case=town.yfs_case,
        by=town.yfs_worker,
        concern="Disclosed being hit",
        no_safeguarding_tm_available=True,
    )


def test_yfs_staff_raise_a_concern_from_the_case_page(client, town):
    client.force_login(town.yfs_worker)
    assert BUTTON in _labels(client.get(town.yfs_case.get_absolute_url()))
    url = reverse("escalations:raise_concern", args=[town.yfs_case.reference])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "no_safeguarding_tm_available": "on",
            "concern": "Disclosed being hit",
            "may_lead_to_section_47": "yes",
        },
    )
    concern = SafeguardingConcern.objects.get()
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    assert concern.via_ehash
    detail = client.get(concern.get_absolute_url())
    assert b"goes through EHaSH" in detail.content
    page = client.get(town.yfs_case.get_absolute_url())
    assert BUTTON not in _labels(page)  # one is already waiting for duty
    assert b"Waiting for duty" in page.content


def test_the_raise_form_insists_no_safeguarding_tm_was_available(client, town):
    client.force_login(town.yfs_tm)
    url = reverse("escalations:raise_concern", args=[town.yfs_case.reference])
    response = client.post(url, {"concern": "x", "may_lead_to_section_47": "no"})
    assert response.status_code == 200
    assert "no_safeguarding_tm_available" in response.context["form"].errors
    assert not SafeguardingConcern.objects.exists()


def test_social_care_staff_get_no_raise_button_and_a_403(client, town):
    client.force_login(town.cin_sw)
    assert BUTTON not in _labels(client.get(town.cin_case.get_absolute_url()))
    url = reverse("escalations:raise_concern", args=[town.cin_case.reference])
    assert client.get(url).status_code == 403
    # A YFS case they cannot see is not revealed.
    url = reverse("escalations:raise_concern", args=[town.yfs_case.reference])
    assert client.get(url).status_code == 404


def test_an_assistant_director_sees_the_case_but_may_not_raise(client, town):
    client.force_login(town.director)
    assert BUTTON not in _labels(client.get(town.yfs_case.get_absolute_url()))
    url = reverse("escalations:raise_concern", args=[town.yfs_case.reference])
    assert client.get(url).status_code == 403


def test_the_duty_officer_responds_from_the_concern_page(client, town):
    concern = _raise(town)
    client.force_login(town.duty_sw)
    detail = client.get(concern.get_absolute_url())
    assert detail.status_code == 200
    assert escape(town.yfs_case.full_name).encode() in detail.content
    assert b"Record the response" in detail.content
    url = reverse("escalations:respond", args=[concern.pk])
    response = client.post(
        url, {"response": "Called back", "next_steps": "Visit today", "via_ehash": "no"}
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESPONDED
    assert b"Close the concern" in client.get(concern.get_absolute_url()).content
    assert client.get(url).status_code == 302  # no longer open: back to the concern


def test_others_cannot_respond(client, town):
    concern = _raise(town)
    url = reverse("escalations:respond", args=[concern.pk])
    client.force_login(town.yfs_worker)  # raised it: sees it, may not answer it
    detail = client.get(concern.get_absolute_url())
    assert detail.status_code == 200 and b"Record the response" not in detail.content
    assert client.get(url).status_code == 403
    client.force_login(town.elsewhere_tm)  # another duty team
    assert client.get(concern.get_absolute_url()).status_code == 404
    assert client.get(url).status_code == 404
