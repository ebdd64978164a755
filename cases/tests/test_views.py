"""The case pages as each role sees them."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    mine = TeamFactory(name="Mine")
    other = TeamFactory(name="Other", service="early_help")
    manager = UserFactory(username="tm", roles=[Role.TEAM_MANAGER])
    mine.manager = manager
    mine.save()
    worker = UserFactory(username="sw", roles=[Role.SOCIAL_WORKER], teams=[mine])
    my_case = CaseFactory(current_team=mine, first_name="Ada", last_name="Lovelace")
    other_case = CaseFactory(current_team=other, first_name="Bob", last_name="Other")
    return {
        "mine": mine,
        "other": other,
        "manager": manager,
        "worker": worker,
        "my_case": my_case,
        "other_case": other_case,
    }


def test_pages_need_login(client, setup):
    for url in [reverse("home"), reverse("cases:list"), setup["my_case"].get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_page_and_healthz_are_open(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/healthz").status_code in (200, 503)


def test_login_with_a_wrong_password_shows_an_error_summary(client, setup):
    response = client.post(reverse("login"), {"username": "sw", "password": "nope"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Error: Sign in" in response.content


@pytest.mark.parametrize("user_key", ["worker", "manager"])
def test_a_case_in_my_team_is_shown(client, setup, user_key):
    client.force_login(setup[user_key])
    response = client.get(setup["my_case"].get_absolute_url())
    assert response.status_code == 200
    assert b"Ada Lovelace" in response.content


@pytest.mark.parametrize("user_key", ["worker", "manager"])
def test_a_case_in_another_team_answers_404(client, setup, user_key):
    client.force_login(setup[user_key])
    response = client.get(setup["other_case"].get_absolute_url())
    assert response.status_code == 404
    assert b"Bob" not in response.content


def test_an_unknown_case_answers_404_too(client, setup):
    client.force_login(setup["worker"])
    assert client.get(reverse("cases:detail", args=["CT9999999"])).status_code == 404


def test_case_list_shows_only_visible_cases(client, setup):
    client.force_login(setup["worker"])
    response = client.get(reverse("cases:list"))
    assert list(response.context["cases"]) == [setup["my_case"]]


def search(client, **fields):
    """Search as the page does: POST. A name or number search answers on the POST itself (it is
    never stored); filters alone are kept and redirect to the list."""
    response = client.post(
        reverse("cases:list"), {"q": "", "team": "", "plan_type": "", **fields}, follow=True
    )
    if fields.get("q"):
        assert response.redirect_chain == []
    else:
        assert response.redirect_chain == [(reverse("cases:list"), 302)]
    return response


def _session_text(client) -> str:
    from django.contrib.sessions.models import Session

    return str(Session.objects.get(session_key=client.session.session_key).get_decoded())


def test_case_list_searches_by_name_and_number(client, setup):
    mine = setup["mine"]
    CaseFactory(current_team=mine, first_name="Ada", last_name="Smith", ics_number="ICS42")
    client.force_login(setup["worker"])
    by_name = search(client, q="ada lovelace").context["cases"]
    assert [c.last_name for c in by_name] == ["Lovelace"]
    by_number = search(client, q="ics42").context["cases"]
    assert [c.last_name for c in by_number] == ["Smith"]
    by_other_team = search(client, q="Bob").context["cases"]
    assert list(by_other_team) == []


def test_a_search_never_puts_the_name_in_a_url(client, setup):
    client.force_login(setup["worker"])
    response = search(client, q="Lovelace")
    assert all("Lovelace" not in url for url, _ in response.redirect_chain)
    assert "Lovelace" not in response.request["QUERY_STRING"]
    page = response.content.decode()
    assert 'method="post"' in page
    assert "?q=" not in page


def test_a_name_search_is_never_kept_in_the_session_its_pages_are_posted_again(client, setup):
    CaseFactory.create_batch(30, current_team=setup["mine"], last_name="Jones")
    client.force_login(setup["worker"])
    first = search(client, q="jones")
    assert [c.last_name for c in first.context["cases"]] == ["Jones"] * 25
    assert "jones" not in _session_text(client).lower()
    page = first.content.decode()
    assert 'name="page" value="2"' in page and 'value="jones"' in page
    second = client.post(
        reverse("cases:list"), {"q": "jones", "team": "", "plan_type": "", "page": "2"}
    )
    assert [c.last_name for c in second.context["cases"]] == ["Jones"] * 5
    assert "jones" not in _session_text(client).lower()
    # The plain list afterwards is not filtered by the search.
    assert client.get(reverse("cases:list")).context["paginator"].count == 31


def test_the_filters_are_kept_across_pages_and_cleared_on_request(client, setup):
    CaseFactory.create_batch(30, current_team=setup["mine"], plan_type=PlanType.CP)
    client.force_login(setup["worker"])
    search(client, plan_type="cp")
    second = client.get(reverse("cases:list"), {"page": 2})
    assert len(second.context["cases"]) == 5
    client.post(reverse("cases:list"), {"clear": "Clear search"})
    assert client.get(reverse("cases:list")).context["paginator"].count == 31


def test_a_name_kept_in_the_session_before_issue_13_is_dropped(client, setup):
    client.force_login(setup["worker"])
    session = client.session
    session["case_search"] = {"q": "Lovelace", "team": None, "plan_type": ""}
    session.save()
    response = client.get(reverse("cases:list"))
    assert len(response.context["cases"]) == 1
    assert "Lovelace" not in _session_text(client)


def test_case_list_filters_by_plan_type(client, setup):
    cp = CaseFactory(current_team=setup["mine"], plan_type=PlanType.CP)
    client.force_login(setup["worker"])
    response = search(client, plan_type="cp")
    assert list(response.context["cases"]) == [cp]


def test_case_list_is_paginated(client, setup):
    CaseFactory.create_batch(30, current_team=setup["mine"])
    client.force_login(setup["worker"])
    first = client.get(reverse("cases:list"))
    assert len(first.context["cases"]) == 25
    second = client.get(reverse("cases:list"), {"page": 2})
    assert len(second.context["cases"]) == 6


def test_case_list_says_when_nothing_matches(client, setup):
    client.force_login(setup["worker"])
    response = search(client, q="zzzz")
    assert b"No cases match your search" in response.content


def test_a_team_outside_the_users_scope_is_refused(client, setup):
    client.force_login(setup["worker"])
    response = client.post(reverse("cases:list"), {"team": setup["other"].pk})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_case_list_query_count_does_not_grow_with_rows(
    client, setup, django_assert_max_num_queries
):
    CaseFactory.create_batch(25, current_team=setup["mine"], allocated_worker=setup["worker"])
    client.force_login(setup["worker"])
    with django_assert_max_num_queries(12):
        client.get(reverse("cases:list"))


def test_a_manager_allocates_a_worker_and_it_is_audited(client, setup):
    client.force_login(setup["manager"])
    url = reverse("cases:allocate", args=[setup["my_case"].reference])
    assert client.get(url).status_code == 200
    response = client.post(url, {"worker": setup["worker"].pk, "reason": "Capacity"})
    assert response.status_code == 302
    setup["my_case"].refresh_from_db()
    assert setup["my_case"].allocated_worker == setup["worker"]
    assert AuditEvent.objects.filter(case=setup["my_case"], action="case.allocate").exists()


def test_allocating_without_a_worker_shows_an_error_and_changes_nothing(client, setup):
    client.force_login(setup["manager"])
    url = reverse("cases:allocate", args=[setup["my_case"].reference])
    response = client.post(url, {"worker": ""})
    assert response.status_code == 200
    assert b"Choose the worker to allocate the case to" in response.content
    setup["my_case"].refresh_from_db()
    assert setup["my_case"].allocated_worker is None


def test_a_worker_cannot_allocate(client, setup):
    client.force_login(setup["worker"])
    url = reverse("cases:allocate", args=[setup["my_case"].reference])
    assert client.get(url).status_code == 403
    assert client.post(url, {"worker": setup["worker"].pk}).status_code == 403


def test_a_manager_cannot_allocate_another_teams_case(client, setup):
    client.force_login(setup["manager"])
    url = reverse("cases:allocate", args=[setup["other_case"].reference])
    assert client.post(url, {"worker": setup["worker"].pk}).status_code == 404


def test_home_shows_a_manager_the_unallocated_cp_case_first(client, setup):
    cp = CaseFactory(current_team=setup["mine"], plan_type=PlanType.CP, last_name="Zed")
    client.force_login(setup["manager"])
    response = client.get(reverse("home"))
    panel = next(p for p in response.context["panels"] if p.key == "unallocated")
    assert panel.items[0] == cp


def test_home_shows_no_unallocated_panel_to_a_manager_of_no_team(client, setup):
    """An assistant director manages the service, not a team: "Cases waiting for allocation in
    your teams (0)" told them nothing."""
    director = UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR])
    assert director.is_manager
    client.force_login(director)
    response = client.get(reverse("home"))
    assert "unallocated" not in [p.key for p in response.context["panels"]]
    assert "waiting for allocation in your teams" not in response.content.decode()


def test_home_shows_a_worker_their_cases(client, setup):
    case = CaseFactory(
        current_team=setup["mine"], allocated_worker=setup["worker"], date_of_birth=date(2012, 1, 1)
    )
    client.force_login(setup["worker"])
    response = client.get(reverse("home"))
    panel = next(p for p in response.context["panels"] if p.key == "my_cases")
    assert panel.items == [case]


def test_a_list_of_thousands_says_how_many_with_a_thousands_separator(client, setup, monkeypatch):
    """Counts are written as people write them: "18,597 cases", not "18597 cases"."""
    from cases.paging import CountedSoFar

    CaseFactory(current_team=setup["mine"])
    monkeypatch.setattr(CountedSoFar, "CAP", 20000)
    monkeypatch.setattr(CountedSoFar, "count", 18597)
    client.force_login(setup["manager"])
    page = client.get(reverse("cases:list")).content.decode()
    assert "18,597 cases" in page


def test_a_long_case_list_says_more_than_it_counted_and_pages_on(client, setup, monkeypatch):
    """Browsing is counted only so far: beyond it the list says "More than", the pager says
    "at least", and Next still leads on (issue 14)."""
    from cases.paging import CountedSoFar
    from cases.views import CaseListView

    monkeypatch.setattr(CountedSoFar, "CAP", 3)
    monkeypatch.setattr(CaseListView, "paginate_by", 2)
    for n in range(5):
        CaseFactory(current_team=setup["mine"], last_name=f"Zed{n}")
    client.force_login(setup["manager"])  # six cases in their team
    page = client.get(reverse("cases:list")).content.decode()
    assert "More than 3 cases." in page  # the cap; two pages and one row were read
    assert "Page 1 of at least 3" in page
    assert 'rel="next"' in page
    last = client.get(reverse("cases:list"), {"page": 3}).content.decode()
    assert "6 cases." in last  # counted whole on the way to page 3
    assert "Page 3 of 3" in last
    assert 'rel="next"' not in last


def test_a_case_list_page_far_past_the_end_is_not_found_not_an_error(client, setup):
    client.force_login(setup["manager"])
    assert client.get(reverse("cases:list"), {"page": "99999999999999999999999"}).status_code == 404
