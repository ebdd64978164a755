"""Every form in the app, submitted empty and then with bad dates and over-long text, as the
demo users who reach it: it answers with an error summary (never a 500), every link in the
summary reaches an element on the page, and no message is Python's or Django's own wording.

The forms are found as a person finds them: from each demo user's home page, following links
(as transfers/tests/test_every_button.py presses every button), plus every URL in the URL conf
that takes no argument."""

import contextlib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)

from people.models import User

pytestmark = pytest.mark.django_db

# Words of Python's and Django's own messages, never shown to a person.
RAW = re.compile(
    r"out of range|Ensure this value|Enter a valid|This field is required|Select a valid choice"
    r"|invalid literal|must be in range|year \d+ is out",
)
SKIP = re.compile(r"^/(admin|accounts/logout|healthz)|\.(pdf|ics|csv|xlsx)$|/documents/|/export")
LINK_LIMIT_PER_ROUTE = 3  # pages of one kind each person opens


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.summary_links, self._in_summary = set(), [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "div" and "govuk-error-summary" in (attrs.get("class") or "").split():
            self._in_summary = 1
        elif tag == "div" and self._in_summary:
            self._in_summary += 1
        if tag == "a" and attrs.get("href"):
            (self.summary_links if self._in_summary else self.links).append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "div" and self._in_summary:
            self._in_summary -= 1


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _route(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    step = match.kwargs.get("step") or match.kwargs.get("kind") or ""
    return f"{match.view_name}:{step}"


def _no_argument_paths() -> list[str]:
    paths = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    f"{prefix}{pattern.namespace + ':' if pattern.namespace else ''}",
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                with contextlib.suppress(NoReverseMatch):
                    paths.append(reverse(prefix + pattern.name))

    walk(get_resolver().url_patterns)
    return [p for p in paths if not SKIP.search(p)]


def _bad_data(form) -> dict:
    """Every date with a two-digit year and a day past the month's end; text far too long."""
    data = {}
    for bound in form.visible_fields():
        widget = bound.field.widget
        if hasattr(widget, "widgets") and len(widget.widgets) == 3:
            data.update(
                {
                    f"{bound.html_name}_0": "31",
                    f"{bound.html_name}_1": "2",
                    f"{bound.html_name}_2": "26",
                }
            )
        elif getattr(bound.field, "max_length", None) and bound.field.max_length > 5:
            data[bound.html_name] = "x" * (bound.field.max_length + 1)
    return data


def _one_user_per_role_set() -> list[User]:
    users = {}
    for user in User.objects.filter(is_active=True).prefetch_related("groups").order_by("username"):
        users.setdefault(frozenset(g.name for g in user.groups.all()) | {user.is_superuser}, user)
    return list(users.values())


@pytest.fixture
def demo(db):
    call_command("seed_demo", cases=120)


def test_every_form_answers_bad_input_with_a_summary_whose_links_reach_their_fields(client, demo):
    checked: dict[str, str] = {}
    problems = []
    for user in _one_user_per_role_set():
        client.force_login(user)
        seen_urls: set[str] = set()
        per_route: dict[str, int] = {}
        queue = ["/", *_no_argument_paths()]
        while queue:
            path = queue.pop(0)
            key = _route(path)
            if not key or path in seen_urls or per_route.get(key, 0) >= LINK_LIMIT_PER_ROUTE:
                continue
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            seen_urls.add(path)
            per_route[key] = per_route.get(key, 0) + 1
            html = response.content.decode()
            for href in _parse(html).links:
                target = urlsplit(href)
                if (
                    not target.netloc
                    and target.path.startswith("/")
                    and not SKIP.search(target.path)
                ):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
            form = (response.context or {}).get("form")
            if key in checked or form is None or not getattr(form, "helper", None):
                continue
            if 'method="post"' not in html:
                continue
            for data in ({}, _bad_data(form)):
                answer = client.post(path, data)
                assert answer.status_code < 500, (user.username, path, data)
                if answer.status_code != 200:
                    continue  # nothing required: the step went through
                page = _parse(answer.content.decode())
                if not page.summary_links:
                    continue
                checked[key] = path
                for link in page.summary_links:
                    if not link.startswith("#") or link[1:] not in page.ids:
                        problems.append((user.username, path, link))
                for message in re.findall(r"<li>(?:<a [^>]*>)?([^<]*)", answer.content.decode()):
                    if RAW.search(message):
                        problems.append((user.username, path, message))
    assert not problems, "\n".join(map(str, problems))
    # The forms of every app were reached.
    apps = {key.split(":")[0] for key in checked}
    assert {"transfers", "cases", "casework", "conferences"} <= apps, sorted(checked)
    assert len(checked) >= 25, sorted(checked)
