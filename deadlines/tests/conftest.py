"""An organisation to run the deadline engine against."""

from types import SimpleNamespace

import pytest
from django.core import mail

from cases.tests.factories import CaseFactory
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

from .factories import CHILD_FIRST, CHILD_LAST


@pytest.fixture
def org(db):
    """Two Children in Need teams (one service) and an Early Help team, with their people.

    `team` is managed by `manager`; `owner` and `colleague` work in it. `service_manager` sits
    in the sibling team of the same service; `other_service_manager` in Early Help."""
    team = TeamFactory(name="North CIN", service=Service.CHILDREN_IN_NEED)
    sibling = TeamFactory(name="South CIN", service=Service.CHILDREN_IN_NEED)
    other = TeamFactory(name="East Early Help", service=Service.EARLY_HELP)
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER], teams=[team])
    team.manager = manager
    team.save()
    other_manager = UserFactory(username="tm_other", roles=[Role.TEAM_MANAGER], teams=[other])
    other.manager = other_manager
    other.save()
    owner = UserFactory(username="sw", roles=[Role.SOCIAL_WORKER], teams=[team])
    colleague = UserFactory(username="sw2", roles=[Role.SOCIAL_WORKER], teams=[team])
    other_owner = UserFactory(username="ehw", roles=[Role.FFP], teams=[other])
    service_manager = UserFactory(username="sm", roles=[Role.SERVICE_MANAGER], teams=[sibling])
    other_service_manager = UserFactory(
        username="sm_other", roles=[Role.SERVICE_MANAGER], teams=[other]
    )
    director = UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR])
    admin = UserFactory(username="sysadmin", roles=[Role.SYSTEM_ADMINISTRATOR])
    case = CaseFactory(current_team=team, first_name=CHILD_FIRST, last_name=CHILD_LAST)
    other_case = CaseFactory(current_team=other, first_name="Ottoline", last_name="Brackenbury")
    mail.outbox.clear()
    return SimpleNamespace(
        team=team,
        sibling=sibling,
        other=other,
        manager=manager,
        other_manager=other_manager,
        owner=owner,
        colleague=colleague,
        other_owner=other_owner,
        service_manager=service_manager,
        other_service_manager=other_service_manager,
        director=director,
        admin=admin,
        case=case,
        other_case=other_case,
    )
