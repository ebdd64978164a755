"""The table of cases' rows, written by case_rows, say what the template said."""

from pathlib import Path

from django.template import Context, Template
from django.test.html import parse_html

from cases.choices import AllocationState, Involvement, PlanType
from cases.models import Case
from people.models import Team, User

# The rows as includes/case_table.html wrote them before issue 14's tag, with the plan tag's
# and the worker cell's includes written in (kept beside this test).
TEMPLATE_ROWS = (Path(__file__).parent / "case_rows_as_template.html").read_text()


def case(pk, **fields) -> Case:
    """A case in memory (no query is needed to show one)."""
    row = Case(pk=pk, reference=f"CT-{pk:04d}", first_name="Amy", last_name="O'Neil <b>", **fields)
    row.current_team = Team(pk=pk, name="North <CIN> & Co")
    return row


def rows() -> list[Case]:
    worker = User(pk=1, username="w", first_name="Wyn", last_name="O'Worker")
    return [
        case(1, plan_type=PlanType.CP, allocated_worker=worker),
        case(2, plan_type=PlanType.CIC),  # unallocated in care: flagged
        case(3, plan_type=PlanType.CIN, allocation=AllocationState.HELD_BY_TEAM_LEADER),
        case(4, plan_type=PlanType.EARLY_HELP, involvement=Involvement.CLOSED),
        case(5, plan_type=PlanType.CP, involvement=Involvement.CLOSED),
        case(6, plan_type=PlanType.EARLY_HELP),
        case(7, plan_type=PlanType.NONE),
    ]


def test_the_rows_say_what_the_template_said():
    context = Context({"cases": rows()})
    new = Template("{% load case_tags %}{% case_rows cases %}").render(context)
    old = Template(TEMPLATE_ROWS).render(context)
    assert parse_html(new) == parse_html(old)
    assert "O&#x27;Neil &lt;b&gt;" in new and "North &lt;CIN&gt; &amp; Co" in new
    assert "Wyn O&#x27;Worker" in new
    assert new.count("govuk-tag--red") == 3  # two CP plans, and the child in care unallocated
    assert "Unallocated, held by team leader" in new and ">Closed<" in new


def test_the_plan_tag_on_the_case_page_is_the_rows_tag():
    for row in rows():
        new = Template("{% load case_tags %}{% plan_tag case %}").render(Context({"case": row}))
        assert f"{row.get_plan_type_display()}</strong>" in new
    assert "govuk-tag--grey" in new  # no plan
