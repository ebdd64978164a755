"""The lists' filters written without crispy-forms-gds's templates (registers.forms._Filters,
registers/_filters.html) are the markup crispy-forms-gds writes for the same form and its
helper (a GET form of selects with the sort kept and an "Apply filters" button): labels, hints,
the options chosen, error messages and error classes."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test.html import parse_html
from django.utils import timezone

from people.models import Team
from people.tests.factories import TeamFactory
from registers.forms import HistoricFilterForm, WeeklyFilterForm
from registers.selectors import Week

SORTING = {"sort": "name", "order": "desc"}


def _crispy(form) -> str:
    """The form as crispy-forms-gds writes it from its helper."""
    template = Template("{% load crispy_forms_tags %}{% crispy form %}")
    return template.render(Context({"form": form, "sorting": SORTING}))


@pytest.mark.django_db
@pytest.mark.parametrize("read", [True, False], ids=["names read", "names from the query"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"team": "CHOSEN", "kind": "step_up", "state": ""},
        {"week": "1999-W01", "team": "999999", "kind": "nope", "state": "nope"},
    ],
    ids=["unbound", "chosen", "every field in error"],
)
@pytest.mark.parametrize("form_class", [WeeklyFilterForm, HistoricFilterForm])
def test_the_filters_are_written_as_crispy_forms_gds_writes_them(form_class, data, read):
    chosen = TeamFactory(name="CIN <North> & co")
    TeamFactory(name="CIN South")
    teams = Team.objects.all()
    choices = sorted(teams.values_list("pk", "name"), key=lambda c: c[1]) if read else None
    if data is not None:
        data = {k: str(chosen.pk) if v == "CHOSEN" else v for k, v in data.items()}
    options = {"current": Week.containing(timezone.now())} if form_class is WeeklyFilterForm else {}

    def form():
        made = form_class(data, teams=teams, team_choices=choices, **options)
        made.is_valid()
        return made

    ours = render_to_string("registers/_filters.html", {"form": form(), "sorting": SORTING})
    assert parse_html(ours) == parse_html(_crispy(form()))
    if data and data["team"] == "999999":
        assert "govuk-form-group--error" in ours and 'aria-invalid="true"' in ours
    if data and data["team"] == str(chosen.pk):
        assert f'<option value="{chosen.pk}" selected>CIN &lt;North&gt; &amp; co</option>' in ours
