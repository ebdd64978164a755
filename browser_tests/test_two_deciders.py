"""Two managers of the receiving team decide the same transfer at the same moment, from two
browsers (issue 13): two separate OS processes, each an HTTP client with its own session, sign in
through /accounts/login/ with its CSRF token, load the decision form, wait until both have it,
then submit together to the live server (PostgreSQL).

Exactly one decision stands, with exactly one audit record; the other manager is told clearly
that someone acted on the request first, and nothing they entered was saved, even when the
decline that won took the case out of their team's view."""

import html
import json
import subprocess
import sys
import textwrap

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services
from transfers.models import Transfer, TransferStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.fault,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "pass-word-123"  # people.tests.factories.UserFactory's

# One browser: signs in, loads the decision form, says "ready", waits for "go" on stdin, then
# submits the decision (and the "check your answers" confirmation with it), and prints where it
# ended up and the page it was shown.
DECIDER = textwrap.dedent(
    """
    import json
    import re
    import sys

    import requests

    base, username, password, path, accepted = sys.argv[1:6]
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30)
    page = session.post(
        base + "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.search(page.text).group(1),
        },
        headers={"Referer": base + "/accounts/login/"},
        timeout=30,
    )
    assert "/accounts/login/" not in page.url, page.text[:2000]
    form = session.get(base + path, timeout=30)
    assert form.status_code == 200 and 'name="reasons"' in form.text, form.text[:2000]
    print("ready", flush=True)
    sys.stdin.readline()
    answer = session.post(
        base + path,
        data={
            "csrfmiddlewaretoken": token.search(form.text).group(1),
            "accepted": accepted,
            "reasons": f"Decided by {username}",
            "confirm": "yes",
        },
        headers={"Referer": base + path},
        timeout=60,
    )
    print(json.dumps({"status": answer.status_code, "url": answer.url, "page": answer.text}))
    """
)


@pytest.fixture
def deciders(tmp_path):
    """Start decider processes; every one is stopped at the end, whatever happened."""
    script = tmp_path / "decider.py"
    script.write_text(DECIDER)
    started = []

    def start(*args: str) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 -- our own script, with this interpreter
            [sys.executable, str(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(tmp_path / f"decider-{len(started)}.log").open("wb"),
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def receiving_team_with_two_managers(world):
    """A transfer proposed to a Children in Care team with two team managers."""
    cic_tm = UserFactory(username="cictm", roles=[Role.TEAM_MANAGER])
    cic = TeamFactory(
        name="Children in Care",
        service=Service.CHILDREN_IN_CARE,
        manager=cic_tm,
        remit_plan_types=[PlanType.CIC],
    )
    cic_tm.memberships.create(team=cic)
    second_tm = UserFactory(username="cictm2", roles=[Role.TEAM_MANAGER], teams=[cic])
    case = CaseFactory(current_team=world.cin, plan_type=PlanType.CIC)
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm)
    transfer = services.transfer_propose(
        case=case, by=world.cin_tm, to_team=cic, reason="Care order granted"
    )
    return transfer, cic_tm, second_tm


def decisions():
    return AuditEvent.objects.filter(
        action__in=["transfer.accept_transfer", "transfer.decline_transfer"]
    )


def test_two_managers_deciding_at_once_one_wins_the_other_is_told(live_server, world, deciders):
    transfer, cic_tm, second_tm = receiving_team_with_two_managers(world)
    path = reverse("transfers:decide", args=[transfer.pk])

    # Both accept, each with their own reasons: whose reasons stand says who won. (Accepting
    # keeps the transfer on both managers' pages; a decline that wins is the next test.)
    first = deciders(live_server.url, cic_tm.username, PASSWORD, path, "yes")
    second = deciders(live_server.url, second_tm.username, PASSWORD, path, "yes")
    for process in (first, second):
        assert process.stdout.readline() == "ready\n"  # both have the form in front of them
    for process in (first, second):
        process.stdin.write("go\n")
        process.stdin.flush()
    results = {}
    for person, process in ((cic_tm, first), (second_tm, second)):
        out, _ = process.communicate(timeout=60)
        results[person] = json.loads(out)

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert decisions().count() == 1
    winner = decisions().get().actor
    loser = second_tm if winner == cic_tm else cic_tm
    assert transfer.decision_note == f"Decided by {winner.username}"
    # Both end on the transfer's page; the loser is told who acted first, and that nothing of
    # theirs was saved.
    for result in results.values():
        assert result["status"] == 200, {p.username: r["status"] for p, r in results.items()}
        assert result["url"].endswith(transfer.get_absolute_url())
    told = html.unescape(results[loser]["page"])
    assert f"{winner} acted on this request first" in told
    assert "Nothing you entered was saved." in told
    assert "acted on this request first" not in html.unescape(results[winner]["page"])
    assert Transfer.objects.filter(case=transfer.case).count() == 1


def test_the_manager_who_lost_to_a_decline_is_told_too(world, client):
    transfer, cic_tm, second_tm = receiving_team_with_two_managers(world)
    path = reverse("transfers:decide", args=[transfer.pk])
    # The second manager has the form open when the first declines.
    client.force_login(second_tm)
    assert client.get(path).status_code == 200
    services.transfer_decide(transfer=transfer, by=cic_tm, accepted=False, reasons="No room")
    response = client.post(
        path, {"accepted": "yes", "reasons": "We can take it", "confirm": "yes"}, follow=True
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"{cic_tm} acted on this request first" in page
    assert "Nothing you entered was saved." in page
    assert decisions().count() == 1
