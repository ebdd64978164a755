"""The pages: every one checks team and role (another team's request answers 404, a step the
role may not take 403), the buttons offered are the steps that work, and each list and panel
shows the right work."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from conferences.actions import STEPS, request_actions
from conferences.models import TransferInRequest

from .conftest import S, walk

pytestmark = pytest.mark.django_db


def _detail(request):
    return reverse("conferences:detail", args=[request.pk])


def test_another_teams_request_answers_404(conf, client):
    request = walk(conf, S.SCHEDULED)
    for name in ("detail", "calendar"):
        url = reverse(f"conferences:{name}", args=[request.pk])
        client.force_login(conf.other_cca)
        assert client.get(url).status_code == 404
        client.force_login(conf.outsider)
        assert client.get(url).status_code == 404
    client.force_login(conf.other_cca)
    assert client.get(reverse("conferences:step", args=[request.pk, "hold"])).status_code == 404
    assert request.reference not in client.get(reverse("conferences:list")).content.decode()


def test_a_step_the_role_may_not_take_answers_403(conf, client):
    request = walk(conf, S.WITH_QA)
    client.force_login(conf.cca)
    url = reverse("conferences:step", args=[request.pk, "decision"])
    assert client.get(url).status_code == 403
    client.force_login(conf.locality_tm)
    assert client.get(url).status_code == 403


def test_pages_answer_for_each_role(conf, client):
    request = walk(conf, S.SCHEDULED, children=3)
    for user in (conf.cca, conf.qasm, conf.chair, conf.locality_tm, conf.locality_sw):
        client.force_login(user)
        page = client.get(_detail(request))
        assert page.status_code == 200, user
        body = page.content.decode()
        assert "Responsibility stays with Northshire County Council" in body
        assert "Cara Okafor" in body
    client.force_login(conf.chair)
    chair = client.get(reverse("conferences:chair")).content.decode()
    assert request.reference in chair and "Not yet received" in chair
    client.force_login(conf.cca)
    assert client.get(reverse("conferences:chair")).status_code == 403
    assert client.get(reverse("conferences:qa")).status_code == 403
    assert request.reference in client.get(reverse("conferences:list")).content.decode()


def test_every_button_offered_opens_and_no_other_step_does(conf, client):
    people = [conf.mash_worker, conf.cca, conf.qasm, conf.chair, conf.locality_tm]
    for state in (S.RECEIVED, S.AWAITING_BUNDLE, S.WITH_QA, S.DISCUSSED, S.SCHEDULED):
        request = walk(conf, state)
        for user in people:
            client.force_login(user)
            offered = {a.url for a in request_actions(request, user)}
            for key in STEPS:
                url = reverse("conferences:step", args=[request.pk, key])
                status = client.get(url).status_code
                if url in offered:
                    assert status == 200, (state, user, key)
                else:
                    assert status in (302, 403, 404), (state, user, key, status)
        TransferInRequest.objects.filter(pk=request.pk).update(status=S.CANCELLED)


def test_receiving_a_request_for_three_siblings_through_the_page(conf, client):
    client.force_login(conf.mash_worker)
    today = timezone.localdate()
    data = {
        "cca_team": conf.cca_team.pk,
        "requesting_authority": "Westshire Council",
        "ola_social_worker": "Pat Holder",
        "ola_social_worker_email": "pat@westshire.example",
        "ola_social_worker_phone": "0100",
        "ola_team_manager": "",
        "new_address": "2 High Street",
        "received_time": "09:30",
    }
    for prefix, day in (
        ("moved_in_on", today - timedelta(days=5)),
        ("received_on", today - timedelta(days=1)),
    ):
        data |= {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}
    for n, name in enumerate(["Ann", "Bob", "Cat"], start=1):
        data |= {
            f"child_{n}_first_name": name,
            f"child_{n}_last_name": "Doe",
            f"child_{n}_date_of_birth_0": "1",
            f"child_{n}_date_of_birth_1": "2",
            f"child_{n}_date_of_birth_2": str(2015 + n),
        }
    response = client.post(reverse("conferences:receive"), data)
    assert response.status_code == 302
    request = TransferInRequest.objects.get(requesting_authority="Westshire Council")
    assert request.children.count() == 3
    client.force_login(conf.cca)
    assert client.get(reverse("conferences:receive")).status_code == 403


def test_a_half_entered_second_child_is_an_error(conf, client):
    client.force_login(conf.mash_worker)
    response = client.post(
        reverse("conferences:receive"), {"child_2_first_name": "Bob", "cca_team": conf.cca_team.pk}
    )
    assert response.status_code == 200
    assert "Enter child 2&#x27;s last name" in response.content.decode()


def test_a_step_taken_through_its_page(conf, client):
    request = walk(conf, S.DISCUSSED)
    client.force_login(conf.qasm)
    url = reverse("conferences:step", args=[request.pk, "decision"])
    empty = client.post(url, {})
    assert "There is a problem" in empty.content.decode()
    response = client.post(url, {"decision": "accept", "reasons": "Risk continues."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.ACCEPTED
    # The step is no longer open: back to the request, with a message.
    assert client.get(url).status_code == 302


def test_calendar_file(conf, client):
    request = walk(conf, S.SCHEDULED)
    client.force_login(conf.chair)
    response = client.get(reverse("conferences:calendar", args=[request.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == request.conference_at
    assert request.reference in str(event["summary"])
    assert "Okafor" not in response.content.decode()


def test_home_panels_for_the_cca_qa_sm_chair_and_mash(conf, client):
    received = walk(conf, S.RECEIVED)
    with_qa = walk(conf, S.WITH_QA)
    scheduled = walk(conf, S.SCHEDULED)
    expectations = {
        conf.mash_worker: (received, with_qa),
        conf.cca: (scheduled, with_qa),
        conf.qasm: (with_qa, scheduled),
        conf.chair: (scheduled, with_qa),
    }
    for user, (shown, hidden) in expectations.items():
        client.force_login(user)
        body = client.get("/").content.decode()
        assert 'data-panel="conferences"' in body, user
        section = body.split('data-panel="conferences"')[1].split("</section>")[0]
        assert shown.reference in section, user
        assert hidden.reference not in section, user
    client.force_login(conf.locality_sw)
    assert 'data-panel="conferences"' not in client.get("/").content.decode()
