import pytest
from django.contrib.auth.models import Group

from people.roles import ROLE_PERMISSIONS, Role
from people.services import role_groups_ensure
from people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    for role, wanted in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(wanted), role


def test_role_groups_are_idempotent():
    role_groups_ensure()
    role_groups_ensure()
    assert Group.objects.filter(name=Role.TEAM_MANAGER).count() == 1


def test_a_team_manager_may_see_the_duty_queue_and_a_worker_may_not():
    assert UserFactory(roles=[Role.TEAM_MANAGER]).has_perm("transfers.view_duty_queue")
    assert not UserFactory(roles=[Role.FFP]).has_perm("transfers.view_duty_queue")


def test_a_system_administrator_manages_teams_and_deadline_rules_but_deletes_no_case():
    admin = UserFactory(roles=[Role.SYSTEM_ADMINISTRATOR])
    assert admin.has_perm("people.change_team")
    assert admin.has_perm("deadlines.change_deadlinepolicy")
    assert not admin.has_perm("cases.delete_case")
