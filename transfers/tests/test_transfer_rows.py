"""The table of transfers' rows, written by transfer_rows, say what the template said."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.template import Context, Template
from django.test.html import parse_html

from cases.models import Case
from deadlines.tests.factories import london
from people.models import Team, User
from transfers.models import Transfer

NOW = london(2026, 11, 25, 12, 0)

# The rows as transfers/_transfer_table.html wrote them before issue 14's tag
# (kept beside this test).
TEMPLATE_ROWS = (Path(__file__).parent / "transfer_rows_as_template.html").read_text()


def transfer(pk, **fields) -> Transfer:
    """A transfer in memory (no query is needed to show one)."""
    row = Transfer(pk=pk, **fields)
    row.case = Case(pk=pk, reference=f"CT-{pk:04d}")
    row.from_team = Team(pk=pk, name="North <CIN> & Co")
    return row


def rows() -> list[Transfer]:
    manager = User(pk=1, username="m", first_name="Mo", last_name="O'Manager")
    colleague = User(pk=2, username="c", first_name="Cy", last_name="Colleague")
    return [
        transfer(
            1,
            kind="step_up",
            status="with_duty",
            section_47=True,
            next_due_at=NOW - timedelta(hours=3),
        ),
        transfer(
            2, kind="team_move", status="proposed", urgent=True, next_due_at=NOW + timedelta(days=2)
        ),
        transfer(
            3, kind="step_up", status="picked_up", picked_up_by=manager, assigned_to=colleague
        ),
        transfer(4, kind="step_up", status="picked_up", picked_up_by=manager, assigned_to=manager),
        transfer(5, kind="cin_to_cic", status="completed", assigned_to=colleague),
        transfer(6, kind="step_up", status="not_agreed"),
    ]


@pytest.mark.parametrize("show_holder", [True, False])
def test_the_rows_say_what_the_template_said(show_holder):
    context = {"cases": rows(), "show_holder": show_holder}
    with time_machine.travel(NOW, tick=False):
        tag = Template("{% load transfer_tags %}{% transfer_rows cases show_holder %}")
        new = tag.render(Context(context))
        old = Template(TEMPLATE_ROWS).render(Context(context))
    assert parse_html(new) == parse_html(old)
    assert "North &lt;CIN&gt; &amp; Co" in new and "Urgent: section 47" in new
    assert ("Picked up by Mo O&#x27;Manager, now with Cy Colleague" in new) is show_holder
    assert "3\xa0hours overdue" in new and "app-overdue" in new
