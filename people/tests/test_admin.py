import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from people.models import Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(client, verified_login):
    admin = UserFactory(username="sysadmin", roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True)
    verified_login(client, admin)
    return admin


def _form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "job_title": "",
        "phone": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_a_system_administrator_cannot_make_anyone_a_superuser(client, sysadmin):
    response = client.post(
        f"/admin/people/user/{sysadmin.pk}/change/",
        _form(sysadmin, is_superuser="on", is_staff="on"),
    )
    assert response.status_code == 302
    sysadmin.refresh_from_db()
    assert not sysadmin.is_superuser


def test_role_and_team_changes_are_audited_with_before_and_after(client, sysadmin):
    worker = UserFactory(username="worker")
    team = TeamFactory(name="CIN North")
    group = Group.objects.get(name=Role.SOCIAL_WORKER)
    response = client.post(
        f"/admin/people/user/{worker.pk}/change/",
        _form(
            worker,
            groups=[group.pk],
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-team": team.pk,
                "memberships-0-user": worker.pk,
            },
        ),
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="user.change", subject_id=str(worker.pk))
    assert event.actor == sysadmin
    assert event.changes["roles"] == [[], [Role.SOCIAL_WORKER]]
    assert event.changes["teams"] == [[], ["CIN North"]]
    assert Team.objects.get(pk=team.pk).members.filter(pk=worker.pk).exists()
