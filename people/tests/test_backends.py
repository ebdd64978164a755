"""The permission backend reads what Django's ModelBackend reads, in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from people.backends import ModelBackendOneQuery
from people.models import User
from people.roles import Role
from people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)  # no permission cache yet


def test_a_persons_own_and_their_roles_permissions_in_one_query(django_assert_num_queries):
    user = UserFactory(roles=[Role.TEAM_MANAGER])
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    expected = ModelBackend().get_all_permissions(fresh(user))
    assert "audit.view_auditevent" in expected
    assert any(not p.startswith("audit.") for p in expected)  # the role's own permissions
    reader = fresh(user)
    with django_assert_num_queries(1):
        assert ModelBackendOneQuery().get_all_permissions(reader) == expected
    with django_assert_num_queries(0):  # cached on the user for the request
        assert reader.has_perm("audit.view_auditevent")


def test_none_for_an_inactive_person_and_every_one_for_a_superuser():
    user = UserFactory(roles=[Role.TEAM_MANAGER], is_active=False)
    assert ModelBackendOneQuery().get_all_permissions(fresh(user)) == set()
    admin = UserFactory(is_superuser=True)
    assert (
        len(ModelBackendOneQuery().get_all_permissions(fresh(admin))) == Permission.objects.count()
    )


def test_a_persons_roles_and_permissions_are_read_together(django_assert_num_queries):
    """Every page asks a person's roles (their scope) and a permission (the menu): one query."""
    user = UserFactory(roles=[Role.TEAM_MANAGER, Role.SOCIAL_WORKER])
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    expected = ModelBackend().get_all_permissions(fresh(user))
    reader = fresh(user)
    with django_assert_num_queries(1):
        assert reader.role_names == {Role.TEAM_MANAGER, Role.SOCIAL_WORKER}
        assert reader.has_perm("audit.view_auditevent")
        assert reader.get_all_permissions() == expected


def test_roles_without_permissions_and_no_roles_at_all():
    from django.contrib.auth.models import Group

    bare = Group.objects.create(name="A role with no permissions")
    user = UserFactory()
    user.groups.add(bare)
    reader = fresh(user)
    assert reader.role_names == {"A role with no permissions"}
    assert reader.get_all_permissions() == set()
    nobody = fresh(UserFactory())
    assert nobody.role_names == frozenset()
    assert nobody.get_all_permissions() == set()


def test_a_superuser_and_an_inactive_person_are_answered_as_django_answers():
    admin = fresh(UserFactory(is_superuser=True, roles=[Role.TEAM_MANAGER]))
    assert admin.role_names == {Role.TEAM_MANAGER}
    assert admin.has_perm("audit.view_auditevent")
    assert admin.get_all_permissions() == ModelBackend().get_all_permissions(fresh(admin))
    gone = fresh(UserFactory(roles=[Role.TEAM_MANAGER], is_active=False))
    assert gone.role_names == {Role.TEAM_MANAGER}
    assert not gone.has_perm("transfers.view_duty_queue")
    assert gone.get_all_permissions() == set()


def test_a_permission_asked_first_reads_the_roles_with_it(django_assert_num_queries):
    user = UserFactory(roles=[Role.TEAM_MANAGER])
    expected = ModelBackend().get_all_permissions(fresh(user))
    reader = fresh(user)
    with django_assert_num_queries(1):
        assert reader.get_all_permissions() == expected
        assert reader.role_names == {Role.TEAM_MANAGER}
