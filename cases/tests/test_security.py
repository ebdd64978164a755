"""Issue 13 on cases: allocation is idempotent and safe under a race; every view of a case is
audited; leaving a team ends access and hands the leaver's work back."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.choices import AllocationState
from cases.models import Allocation
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from deadlines.models import Deadline
from deadlines.rules import Kind
from deadlines.services import deadline_start
from people.roles import Role
from people.services import team_membership_end
from people.tests.factories import TeamFactory, UserFactory


@pytest.fixture
def team():
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    team = TeamFactory(name="CIN North", manager=manager)
    UserFactory(username="atm", roles=[Role.ASSISTANT_TEAM_MANAGER], teams=[team])
    UserFactory(username="sw1", roles=[Role.SOCIAL_WORKER], teams=[team])
    UserFactory(username="sw2", roles=[Role.SOCIAL_WORKER], teams=[team])
    return team


def _user(username):
    return UserFactory._meta.model.objects.get(username=username)


# --- allocation: a double POST, a race -----------------------------------------------------


@pytest.mark.django_db
def test_a_form_sent_twice_allocates_once_with_one_audit_record(client, team):
    case = CaseFactory(current_team=team)
    Allocation.objects.create(case=case, team=team, started_at=timezone.now())
    client.force_login(team.manager)
    url = reverse("cases:allocate", args=[case.reference])
    seen = client.get(url).context["form"].initial["seen_allocation"]
    data = {"worker": _user("sw1").pk, "reason": "Capacity", "seen_allocation": seen}
    first = client.post(url, data)
    second = client.post(url, data)  # the same form again (a double click)
    assert first.status_code == second.status_code == 302
    assert Allocation.objects.filter(case=case, worker=_user("sw1")).count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.allocate").count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.allocate_to_worker")


@pytest.mark.django_db
def test_allocating_again_to_the_same_worker_writes_nothing(team):
    case = CaseFactory(current_team=team)
    first = case_allocate(case=case, team=team, worker=_user("sw1"), by=team.manager)
    again = case_allocate(case=case, team=team, worker=_user("sw1"), by=team.manager)
    assert again == first
    assert Allocation.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.allocate").count() == 1


@pytest.mark.django_db
def test_a_choice_made_on_a_stale_page_is_refused_with_a_clear_message(client, team):
    case = CaseFactory(current_team=team)
    Allocation.objects.create(case=case, team=team, started_at=timezone.now())
    url = reverse("cases:allocate", args=[case.reference])
    client.force_login(team.manager)
    seen = client.get(url).context["form"].initial["seen_allocation"]
    # Meanwhile the ATM allocates to another worker.
    case_allocate(case=case, team=team, worker=_user("sw2"), by=_user("atm"))
    response = client.post(url, {"worker": _user("sw1").pk, "seen_allocation": seen})
    assert response.status_code == 200
    assert "Someone else changed who holds this case" in response.content.decode()
    case.refresh_from_db()
    assert case.allocated_worker == _user("sw2")


def _race(actions) -> list:
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait()
            results[i] = action()
        except Exception as error:  # kept, so the test can say why the loser lost
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_allocating_at_once_one_wins_the_other_is_told(team):
    case = CaseFactory(current_team=team)
    seen = Allocation.objects.create(case=case, team=team, started_at=timezone.now()).pk
    results = _race(
        [
            lambda: case_allocate(
                case=case, team=team, worker=_user("sw1"), by=team.manager, seen_allocation=seen
            ),
            lambda: case_allocate(
                case=case, team=team, worker=_user("sw2"), by=_user("atm"), seen_allocation=seen
            ),
        ]
    )
    winners = [r for r in results if isinstance(r, Allocation)]
    losers = [r for r in results if isinstance(r, ValidationError)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert "Someone else changed who holds this case" in losers[0].messages[0]
    assert Allocation.objects.filter(case=case, ended_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.allocate").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_allocation_sent_twice_at_once_makes_one_row(team):
    case = CaseFactory(current_team=team)
    seen = Allocation.objects.create(case=case, team=team, started_at=timezone.now()).pk

    def allocate():
        return case_allocate(
            case=case, team=team, worker=_user("sw1"), by=team.manager, seen_allocation=seen
        )

    results = _race([allocate, allocate])
    assert all(isinstance(r, Allocation) for r in results), results
    assert results[0].pk == results[1].pk
    assert Allocation.objects.filter(case=case, worker=_user("sw1")).count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.allocate").count() == 1


# --- read audit ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_view_of_a_case_page_is_audited_with_who_when_and_where(client, team):
    case = CaseFactory(current_team=team)
    worker = _user("sw1")
    client.force_login(worker)
    client.get(case.get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    client.get(case.get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    views = AuditEvent.objects.filter(action="case.view", subject_id=str(case.pk))
    assert views.count() == 2
    view = views.first()
    assert view.actor == worker and view.ip_address == "10.1.2.3"
    assert case.reference in view.note
    assert view.at is not None
    # A refused view (another team's case) shows nothing and records nothing.
    other = CaseFactory(current_team=TeamFactory())
    assert client.get(other.get_absolute_url()).status_code == 404
    assert not AuditEvent.objects.filter(action="case.view", subject_id=str(other.pk)).exists()
    # The case's own history lists changes, not its views.
    page = client.get(case.get_absolute_url()).content.decode()
    assert "case.view" not in page


@pytest.mark.django_db
def test_a_system_administrator_sees_who_viewed_a_case(client, team, verified_login):
    case = CaseFactory(current_team=team)
    client.force_login(_user("sw1"))
    client.get(case.get_absolute_url())
    admin = UserFactory(username="sysadmin", is_staff=True, is_superuser=True)
    verified_login(client, admin)
    listing = client.get(
        reverse("admin:audit_auditevent_changelist"), {"kind": "reads", "q": case.reference}
    )
    assert listing.status_code == 200
    rows = list(listing.context["cl"].result_list)
    assert [(r.action, r.actor.username) for r in rows] == [("case.view", "sw1")]


# --- leaving a team ------------------------------------------------------------------------


@pytest.mark.django_db
def test_leaving_a_team_ends_access_and_hands_the_work_back_to_the_manager(client, team):
    worker = _user("sw1")
    held = [CaseFactory(current_team=team) for _ in range(3)]
    for case in held:
        case_allocate(case=case, team=team, worker=worker, by=team.manager)
    deadline = deadline_start(
        kind=Kind.STEP_UP_STANDARD,
        subject=held[0],
        case=held[0],
        anchor_at=timezone.now() + timedelta(days=400),
        owner=worker,
        owner_team=team,
    )
    new_team = TeamFactory(name="CIN South")
    UserFactory(username="sw1", teams=[new_team])
    client.force_login(worker)
    assert client.get(held[0].get_absolute_url()).status_code == 200

    assert team_membership_end(team=team, user=worker, by=team.manager) is True

    assert client.get(held[0].get_absolute_url()).status_code == 404
    assert not client.get(reverse("cases:list")).context["cases"]
    for case in held:
        case.refresh_from_db()
        assert case.allocated_worker is None
        assert case.allocation == AllocationState.UNALLOCATED
        assert case.current_team == team
        handback = AuditEvent.objects.filter(case=case, action="case.allocate").first()
        assert handback.actor == team.manager
        assert "left CIN North" in handback.note
        assert handback.changes["allocated_worker"] == [worker.pk, None]
    assert not Allocation.objects.filter(worker=worker, ended_at__isnull=True).exists()
    deadline.refresh_from_db()
    assert deadline.owner == team.manager
    assert AuditEvent.objects.filter(action="deadline.reassign", subject_id=str(deadline.pk))
    assert AuditEvent.objects.filter(action="team.member_remove", subject_id=str(team.pk))
    # Deadlines elsewhere are not touched.
    assert Deadline.objects.filter(owner=worker).count() == 0
