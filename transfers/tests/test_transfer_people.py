"""The transfer page reads the people a transfer names in one query after the transfer, not
through sixteen joins to the users table (issue 14), and finds each where select_related
would have put it."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casetransfer.prepared import source
from people.models import Service, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services
from transfers.models import TransferStatus
from transfers.selectors import PEOPLE_NAMED, transfer_get_for_user
from transfers.tests.conftest import walk_step_up, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _named(transfer) -> dict[str, object]:
    people = {}
    for part, names in PEOPLE_NAMED.items():
        holder = getattr(transfer, part, None) if part else transfer
        for name in names:
            people[f"{part}.{name}"] = getattr(holder, name) if holder is not None else None
    return people


def test_every_person_named_is_read_in_one_query_and_is_the_right_one(
    world,  # noqa: F811
    django_assert_num_queries,
):
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    expected = _named(type(transfer).objects.get(pk=transfer.pk))
    assert expected[".requested_by"] == world.ffp
    assert expected["step_up.supervisor"] == world.supervisor
    assert expected[".picked_up_by"] is not None

    with CaptureQueriesContext(connection) as queries:
        read = transfer_get_for_user(user=world.duty_tm, pk=transfer.pk)
    sent = [source(q["sql"]) for q in queries.captured_queries]
    users = [sql for sql in sent if '"people_user"' in sql]
    assert len(users) == 1 and " JOIN " not in users[0]  # one query, by primary key
    transfer_sql = sent[0]
    # The case, the two teams, the three parts and the team a step-up was passed on from.
    assert transfer_sql.count("JOIN") <= 7 and '"people_user"' not in transfer_sql
    with django_assert_num_queries(0):
        assert _named(read) == expected


def test_a_transfer_out_of_sight_reads_nobody(world):  # noqa: F811
    transfer = walk_step_up(world, TransferStatus.PICKED_UP)
    with CaptureQueriesContext(connection) as queries:
        assert transfer_get_for_user(user=world.outsider, pk=transfer.pk) is None
    assert not any('"people_user"' in source(q["sql"]) for q in queries.captured_queries)


def test_only_people_are_named():
    models = {"": "Transfer", "step_up": "StepUp", "team_move": "TeamMove"}
    for part, names in PEOPLE_NAMED.items():
        model = apps.get_model("transfers", models[part])
        for name in names:
            assert model._meta.get_field(name).related_model is User, (part, name)


def test_a_step_up_passed_to_another_team_still_says_which_team_it_came_from(world):  # noqa: F811
    assessment = TeamFactory(
        name="Assessment",
        service=Service.ASSESSMENT,
        locality="North",
        manager=UserFactory(roles=[Role.TEAM_MANAGER]),
    )
    transfer = walk_step_up(world, TransferStatus.WITH_DUTY)
    services.step_up_pick_up(
        transfer=transfer, by=world.duty_atm, reassign_to=assessment, reason="Needs assessment"
    )
    read = transfer_get_for_user(user=assessment.manager, pk=transfer.pk)
    assert read.step_up.reassigned_from == world.duty
    assert read.picked_up_by == world.duty_atm
