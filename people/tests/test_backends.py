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
