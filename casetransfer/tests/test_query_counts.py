"""Every page a user opens costs the same number of queries whatever the data's size (issue 14):
each page is counted on the demo at 1,000 cases (transfers of every kind and state, their
deadlines) and again at 2,000 cases with 2,000 historical deadlines, under one budget. No
timing is asserted here: bench/run.py measures time."""

import pytest
from django.core.management import call_command

from cases.models import Case
from people.models import User
from transfers.models import LIVE_STAGES, Transfer

SMALL, LARGE = 1000, 2000

# Each page: who opens it, the request, and its query budget: what it cost on PostgreSQL when
# this was written (sessions, the user, their roles, the menu, the page's own queries), plus 3.
HOMES = {
    "ffp.north": 19,
    "ehsup.north": 18,
    "cintm.north": 18,
    "dutytm": 18,
    "sw.cin.north": 19,
    "locality.north": 19,
    "sm.socialcare": 21,
    "ad": 19,
    "cca": 23,
}
PAGES = {
    "case list": ("ffp.north", "get", "/cases/", None, 12),
    "case list, everything visible": ("ad", "get", "/cases/", None, 11),
    "case page": ("ffp.north", "get", "{case}", None, 27),
    "case deadlines": ("ffp.north", "get", "{case}deadlines/", None, 12),
    "search by name": ("locality.north", "post", "/cases/", {"q": "amara patel"}, 11),
    "search by name, a typo": ("locality.north", "post", "/cases/", {"q": "amra patell"}, 11),
    "search by number": ("cintm.north", "post", "/cases/", {"q": "{ics}"}, 11),
    "duty queue": ("dutytm", "get", "/transfers/duty/", None, 11),
    "inbox": ("cintm.north", "get", "/transfers/inbox/", None, 10),
    "transfer page": ("cintm.north", "get", "{transfer}", None, 18),
    "deadlines": ("dutytm", "get", "/deadlines/", None, 13),
    "deadlines, service manager": ("sm.socialcare", "get", "/deadlines/", None, 13),
    "weekly list": ("cintm.north", "get", "/transfers/weekly/", None, 12),
    "weekly list, service manager": ("sm.socialcare", "get", "/transfers/weekly/", None, 13),
    "weekly list, everything visible": ("senioradmin", "get", "/transfers/weekly/", None, 12),
}


def _targets() -> dict[str, str]:
    tm = User.objects.get(username="cintm.north")
    worker = User.objects.get(username="ffp.north")
    case = Case.objects.filter(current_team__memberships__user=worker).order_by("pk").first()
    sc_case = (
        Case.objects.filter(current_team__manager=tm).exclude(ics_number="").order_by("pk").first()
    )
    transfer = (
        Transfer.objects.filter(to_team__manager=tm, stage__in=LIVE_STAGES).order_by("pk").first()
    )
    return {
        "case": case.get_absolute_url(),
        "ics": sc_case.ics_number,
        "transfer": f"/transfers/{transfer.pk}/",
    }


def _open(client, method: str, path: str, data) -> None:
    response = client.post(path, data, follow=True) if method == "post" else client.get(path)
    assert response.status_code == 200, path


def _requests():
    for username, budget in HOMES.items():
        yield f"home, {username}", username, "get", "/", None, budget
    for name, (username, method, path, data, budget) in PAGES.items():
        yield name, username, method, path, data, budget


def _count_every_page(assert_max_queries) -> dict[str, int]:
    """Open every page (once to fill the session), then count its queries under its budget."""
    from django.test import Client

    targets = _targets()
    counts = {}
    for name, username, method, path, data, budget in _requests():
        client = Client()
        client.force_login(User.objects.get(username=username))
        path = path.format(**targets)
        data = {k: v.format(**targets) for k, v in data.items()} if data else None
        _open(client, method, path, data)
        with assert_max_queries(budget) as queries:
            _open(client, method, path, data)
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_every_page_costs_the_same_queries_at_two_data_sizes(django_assert_max_num_queries):
    call_command("seed_demo", cases=SMALL, verbosity=0)
    small = _count_every_page(django_assert_max_num_queries)

    call_command("seed_demo", cases=LARGE, historical_deadlines=LARGE, verbosity=0)
    assert Case.objects.count() >= LARGE
    assert Transfer.objects.filter(stage__in=LIVE_STAGES).count() >= LARGE // 5
    large = _count_every_page(django_assert_max_num_queries)

    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grew, f"query counts grew with the data (at {SMALL}, at {LARGE} cases): {grew}"
