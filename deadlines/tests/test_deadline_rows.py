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
    return [overdue, breached, soon]


def test_the_rows_say_what_the_template_said():
    context = {"cases": rows()}
    with time_machine.travel(NOW, tick=False):
        new = Template("{% load deadline_tags %}{% deadline_rows cases %}").render(Context(context))
        old = Template(TEMPLATE_ROWS).render(Context(context))
    assert parse_html(new) == parse_html(old)
    assert "North &lt;CIN&gt;" in new and "Olu O&#x27;Owner" in new
    assert new.count("app-overdue") == 2 and "You are waiting on this" in new
