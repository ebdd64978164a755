"""Roles whose lists are often empty still learn from their home page what they do here."""

import pytest

from people.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "link"),
    [
        (Role.CCA, "/conferences/"),
        (Role.INDEPENDENT_CHAIR, "/conferences/chair/"),
        (Role.QA_SERVICE_MANAGER, "/conferences/qa/"),
    ],
)
def test_the_home_page_says_what_the_role_does_here(client, make_user, role, link):
    client.force_login(make_user(roles=[role]))
    content = client.get("/").content.decode()
    assert "What you do here" in content
    assert f'href="{link}"' in content
    assert client.get(link).status_code == 200


def test_a_worker_gets_no_guidance_panel(client, make_user):
    client.force_login(make_user(roles=[Role.SOCIAL_WORKER]))
    assert "What you do here" not in client.get("/").content.decode()


def test_a_mash_team_manager_learns_what_mash_does(client, make_user):
    from people.models import Service
    from people.tests.factories import TeamFactory

    mash = TeamFactory(name="MASH", service=Service.MASH)
    client.force_login(make_user(roles=[Role.TEAM_MANAGER], teams=[mash]))
    content = client.get("/").content.decode()
    assert "MASH receives transfer-in requests" in content


def test_a_panels_count_in_thousands_has_a_thousands_separator(client, make_user, monkeypatch):
    """'(4,144)' and 'Showing 1 of 4,144', as people write numbers."""
    from cases.tests.factories import CaseFactory
    from casetransfer import views
    from casetransfer.home import Panel

    panel = Panel(key="unallocated", title="Waiting", items=[CaseFactory()], total=4144)
    monkeypatch.setattr(views, "home_panels", lambda user: [panel])
    client.force_login(make_user(roles=[Role.SOCIAL_WORKER]))
    content = client.get("/").content.decode()
    assert "(4,144)" in content
    assert "Showing 1 of 4,144." in content
