"""The Python test of who sees a case (cases.selectors.visible_case_test, used by the case and
transfer pages and the deadlines list; issue 14) answers as the database filter does, for
every demo user and every case; and a GET works out the ids a user sees once, however many
checks its page makes."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from cases.selectors import cases_visible_to, sees_fresh_case
from people.models import User
from transfers.models import LIVE_STAGES, Transfer


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120, verbosity=0)


def test_it_agrees_with_the_database_filter_for_every_user_and_case(demo):
    cases = list(Case.objects.all())
    for user in User.objects.all():
        in_sql = set(cases_visible_to(user).values_list("pk", flat=True))
        in_python = {case.pk for case in cases if sees_fresh_case(user, case)}
        assert in_python == in_sql, user.username


def test_a_transfer_page_works_out_what_its_reader_sees_once(demo, client):
    transfer = Transfer.objects.filter(stage__in=LIVE_STAGES, to_team__manager__isnull=False)
    transfer = transfer.select_related("to_team__manager").first()
    client.force_login(transfer.to_team.manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(transfer.get_absolute_url()).status_code == 200
    unions = [q for q in queries.captured_queries if 'AS "tag"' in q["sql"]]
    assert len(unions) == 1
