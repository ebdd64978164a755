"""Issue 12: the home page shows ten of what waits for you; "See all" reaches every one of
them, page by page, next deadline first. The same for the requests a worker started."""

import pytest
from django.urls import reverse

from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from transfers.models import TransferStatus

from .conftest import walk_step_up

pytestmark = pytest.mark.django_db


def _with_duty(world, count):
    return [
        walk_step_up(
            world,
            TransferStatus.WITH_DUTY,
            case=CaseFactory(current_team=world.eh, plan_type=PlanType.EARLY_HELP),
        )
        for _ in range(count)
    ]


def test_the_home_page_links_to_every_transfer_waiting(client, world):
    transfers = _with_duty(world, 27)
    client.force_login(world.duty_tm)
    home = client.get("/").content.decode()
    assert "Showing 10 of 27." in home
    assert f'href="{reverse("transfers:waiting")}"' in home
    assert "See all 27 transfers waiting for you" in home

    first = client.get(reverse("transfers:waiting"))
    second = client.get(reverse("transfers:waiting"), {"page": 2})
    listed = [*first.context["transfers"], *second.context["transfers"]]
    assert len(first.context["transfers"]) == 25
    assert {t.pk for t in listed} == {t.pk for t in transfers}
    dues = [t.next_due_at for t in listed]
    assert dues == sorted(dues)
    assert "27 in all, the next deadline first." in first.content.decode()


def test_the_requests_a_worker_started_are_all_reachable(client, world):
    _with_duty(world, 12)
    client.force_login(world.ffp)
    home = client.get("/").content.decode()
    assert "See all 12 requests you started" in home
    page = client.get(reverse("transfers:started"))
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 12


def test_an_empty_list_says_what_happens_next(client, world):
    client.force_login(world.outsider)
    content = client.get(reverse("transfers:waiting")).content.decode()
    assert "Nothing is waiting for you" in content


def test_the_list_shows_only_what_waits_for_that_person(client, world):
    _with_duty(world, 3)
    client.force_login(world.cin_tm)
    assert client.get(reverse("transfers:waiting")).context["page_obj"].paginator.count == 0


def test_the_waiting_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    _with_duty(world, 3)
    client.force_login(world.duty_tm)
    client.get(reverse("transfers:waiting"))
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("transfers:waiting"))
    _with_duty(world, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("transfers:waiting"))
