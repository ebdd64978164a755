"""The table of deadlines' rows, written by deadline_rows, say what the template said."""

from datetime import timedelta
from pathlib import Path

import time_machine
from django.template import Context, Template
from django.test.html import parse_html

from cases.models import Case
from deadlines.models import Deadline
from people.models import Team, User

from .factories import london

NOW = london(2026, 11, 25, 12, 0)

# The rows as deadlines/_deadline_table.html wrote them before issue 14's tag
# (kept beside this test).
TEMPLATE_ROWS = (Path(__file__).parent / "deadline_rows_as_template.html").read_text()
# The deadlines page's rows as deadlines/team_deadlines.html wrote them, its status tag's
# include (deadlines/_status_tag.html) written in.
PAGE_ROWS = (Path(__file__).parent / "team_deadline_rows_as_template.html").read_text()


def rows() -> list[Deadline]:
    owner = User(pk=1, username="o", first_name="Olu", last_name="O'Owner")
    team = Team(pk=1, name="North <CIN>")
    case = Case(pk=1, reference="CT-0001")
    overdue = Deadline(
        pk=1, kind="step_up_decision", status="open", due_at=NOW - timedelta(hours=2)
    )
    overdue.case, overdue.owner, overdue.owner_team = case, owner, team
    overdue.is_watched = True
    breached = Deadline(
        pk=2, kind="step_up_decision", status="breached", due_at=NOW - timedelta(days=1)
    )
    breached.owner_team = team
    breached.is_watched = False
    soon = Deadline(pk=3, kind="step_up_decision", status="open", due_at=NOW + timedelta(hours=5))
    soon.case, soon.owner = case, owner
    met_late = Deadline(pk=4, kind="step_up_decision", status="met", due_at=NOW - timedelta(days=3))
    met_late.met_at, met_late.owner_team = NOW - timedelta(days=2), team
    met = Deadline(pk=5, kind="step_up_decision", status="met", due_at=NOW - timedelta(days=3))
    met.met_at, met.owner = NOW - timedelta(days=4), owner
    cancelled = Deadline(pk=6, kind="step_up_decision", status="cancelled", due_at=NOW)
    return [overdue, breached, soon, met_late, met, cancelled]


def test_the_rows_say_what_the_template_said():
    context = {"cases": rows()}
    with time_machine.travel(NOW, tick=False):
        new = Template("{% load deadline_tags %}{% deadline_rows cases %}").render(Context(context))
        old = Template(TEMPLATE_ROWS).render(Context(context))
    assert parse_html(new) == parse_html(old)
    assert "North &lt;CIN&gt;" in new and "Olu O&#x27;Owner" in new
    assert new.count("app-overdue") == 2 and "You are waiting on this" in new


def test_the_deadlines_page_rows_and_status_tags_say_what_the_templates_said():
    context = {"deadlines": rows()}
    with time_machine.travel(NOW, tick=False):
        tag = Template("{% load deadline_tags %}{% team_deadline_rows deadlines %}")
        new = tag.render(Context(context))
        old = Template(PAGE_ROWS).render(Context(context))
    assert parse_html(new) == parse_html(old)
    for label in ("Met late", "Met<", "Breached", "Cancelled", "Open"):
        assert label in new
