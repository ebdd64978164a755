"""Issue 13: an account taken over does not go unnoticed; leaving a team in the admin ends
access to its cases."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from deadlines.models import OutboxEmail
from people.models import TeamMembership
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(client, verified_login):
    admin = UserFactory(username="sysadmin", roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True)
    verified_login(client, admin)
    return admin


def _set_password(client, user, password="another-strong-passphrase"):
    return client.post(
        f"/admin/people/user/{user.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
        REMOTE_ADDR="10.0.0.7",
    )


def test_an_administrator_setting_a_password_is_audited_and_the_owner_is_emailed(
    client, sysadmin, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER], email="cintm@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = _set_password(client, manager)
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("another-strong-passphrase")
    event = AuditEvent.objects.get(action="user.password_set", subject_id=str(manager.pk))
    assert event.actor == sysadmin
    assert event.ip_address == "10.0.0.7"
    assert "another-strong-passphrase" not in str(event.changes) + event.note
    email = OutboxEmail.objects.get(recipient=manager)
    assert email.to_email == "cintm@example.org"
    assert "password" in email.subject.lower()
    assert "/accounts/password_change/" in email.body_text
    assert "cintm" in email.body_text
    assert "another-strong-passphrase" not in email.body_text + email.body_html
    assert [m.to for m in mail.outbox] == [["cintm@example.org"]]


def test_a_weak_password_set_in_the_admin_is_refused_and_nothing_is_recorded(client, sysadmin):
    manager = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    response = _set_password(client, manager, password="123")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="user.password_set").exists()
    assert not OutboxEmail.objects.exists()


def test_removing_a_membership_in_the_admin_ends_access_and_hands_the_cases_back(client, sysadmin):
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    team = TeamFactory(name="CIN North", manager=manager)
    worker = UserFactory(username="worker", roles=[Role.SOCIAL_WORKER], teams=[team])
    case = CaseFactory(current_team=team)
    case_allocate(case=case, team=team, worker=worker, by=manager)
    membership = TeamMembership.objects.get(user=worker, team=team)
    response = client.post(
        f"/admin/people/user/{worker.pk}/change/",
        {
            "username": worker.username,
            "first_name": worker.first_name,
            "last_name": worker.last_name,
            "email": worker.email,
            "is_active": "on",
            "groups": [g.pk for g in worker.groups.all()],
            "job_title": "",
            "phone": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": membership.pk,
            "memberships-0-user": worker.pk,
            "memberships-0-team": team.pk,
            "memberships-0-DELETE": "on",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert not TeamMembership.objects.filter(user=worker).exists()
    case.refresh_from_db()
    assert case.allocated_worker is None
    removal = AuditEvent.objects.get(action="team.member_remove")
    assert removal.actor == sysadmin and removal.changes == {"member": [worker.pk, None]}
    handback = AuditEvent.objects.filter(case=case, action="case.allocate").first()
    assert handback.actor == sysadmin and "left CIN North" in handback.note
    change = AuditEvent.objects.get(action="user.change", subject_id=str(worker.pk))
    assert change.changes["teams"] == [["CIN North"], []]


def test_a_role_change_in_the_admin_is_audited(client, sysadmin):
    from django.contrib.auth.models import Group

    worker = UserFactory(username="worker", roles=[Role.SOCIAL_WORKER])
    response = client.post(
        f"/admin/people/user/{worker.pk}/change/",
        {
            "username": worker.username,
            "first_name": worker.first_name,
            "last_name": worker.last_name,
            "email": worker.email,
            "is_active": "on",
            "groups": [Group.objects.get(name=Role.TEAM_MANAGER).pk],
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.change", subject_id=str(worker.pk))
    assert event.actor == sysadmin
    assert event.changes["roles"] == [[Role.SOCIAL_WORKER], [Role.TEAM_MANAGER]]
