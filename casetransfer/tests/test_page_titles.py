"""Issue 12 (WCAG 2.4.2, page titled): every page's title says where you are, and no two pages
share one. One person of each role follows the links of the demo from their home page; each
page they reach is named by its path (and its page number, for a list in pages)."""

import re
from collections import deque
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from people.models import User
from people.roles import Role

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
LINK = re.compile(r'href="(/[^"#]*)')
# Not pages to read: downloads, printouts, sign-out and the admin (titled by Django's admin).
NOT_PAGES = ("/admin/", "/accounts/logout", "/static/", "/healthz", "export", "/print", "letter")
PAGES_PER_PERSON = 80
SITE = " \N{EN DASH} casetransfer"  # base.html puts it after every title


def _page(href: str) -> str | None:
    """The page a link reaches: its path, plus the page number of a list in pages. Other
    query strings (filters, sorting) show the same page differently, under the same title."""
    parts = urlsplit(unescape(href))
    if any(part in parts.path for part in NOT_PAGES):
        return None
    number = parse_qs(parts.query).get("page", ["1"])[0]
    return parts.path if number == "1" else f"{parts.path}?page={number}"


def _title(content: bytes) -> str:
    found = TITLE.search(content.decode())
    assert found, "a page without a <title>"
    return " ".join(unescape(found.group(1)).split())


def _walk(client, user) -> dict[str, str]:
    """Each page the person reaches from home, following links, with its title."""
    client.force_login(user)
    titles: dict[str, str] = {}
    queue = deque(["/"])
    while queue and len(titles) < PAGES_PER_PERSON:
        page = queue.popleft()
        if page in titles:
            continue
        response = client.get(page, follow=True)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        if response.redirect_chain:  # the page it went on to is the one titled
            page = _page(response.redirect_chain[-1][0])
            if page is None or page in titles:
                continue
        titles[page] = _title(response.content)
        for href in LINK.findall(response.content.decode()):
            reached = _page(href)
            if reached and reached not in titles:
                queue.append(reached)
    return titles


@pytest.fixture
def people_of_every_role(db):
    call_command("seed_demo", cases=120)
    people = []
    for role in Role.values:
        person = (
            User.objects.filter(is_active=True, is_superuser=False, groups__name=role)
            .order_by("username")
            .first()
        )
        if person and person not in people:
            people.append(person)
    return people


def test_every_page_has_its_own_title_saying_where_you_are(client, people_of_every_role):
    pages_of_title: dict[str, set[str]] = {}
    for person in people_of_every_role:
        for page, title in _walk(client, person).items():
            assert title.endswith(SITE), (page, title)
            assert title.removesuffix(SITE).strip(), (page, "an empty title")
            pages_of_title.setdefault(title, set()).add(page.split("?")[0] + _number(page))
    shared = {title: pages for title, pages in pages_of_title.items() if len(pages) > 1}
    assert not shared, "\n".join(f"{t}: {sorted(p)[:3]}" for t, p in sorted(shared.items()))
    assert len(pages_of_title) > 40


def _number(page: str) -> str:
    return page[page.index("?") :] if "?" in page else ""


def test_a_later_page_of_a_list_says_which_page_it_is(client, people_of_every_role):
    manager = next(person for person in people_of_every_role if person.is_manager)
    client.force_login(manager)
    first = _title(client.get("/cases/").content)
    second = _title(client.get("/cases/?page=2").content)
    assert first == "Cases" + SITE
    assert re.fullmatch(r"Cases \(page 2 of \d+\)" + SITE, second), second
