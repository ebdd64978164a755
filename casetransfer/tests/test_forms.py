"""The shared form layer (casetransfer/forms.py, casetransfer/templatetags/govuk_forms.py,
templates/gds/): GOV.UK error messages, the character count, and error-summary links that reach
an element on the page."""

import re
from datetime import date

import pytest
import time_machine
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.template import Context, Template

from casetransfer.forms import date_field, text_area, yes_no

pytestmark = pytest.mark.django_db


class Sample(forms.Form):
    urgent = yes_no("Is this urgent?", "Select yes if this is urgent")
    people = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select who was there"},
    )
    visited_on = date_field("Date of the visit")
    born_on = date_field("Date of birth", required=False, past=True, earliest=date(2001, 1, 1))
    notes = text_area("Notes", "Enter the notes", max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("urgent"),
            Field.checkboxes("people"),
            Field("visited_on"),
            Field("born_on"),
            Field.textarea("notes"),
        )


def _render(form) -> str:
    return Template(
        "{% load crispy_forms_tags crispy_forms_gds %}{% error_summary form %}{% crispy form %}"
    ).render(Context({"form": form}))


def _errors(**data) -> dict[str, list[str]]:
    form = Sample(data=data)
    form.is_valid()
    return form.errors


def test_every_error_summary_link_reaches_an_element_on_the_page():
    html = _render(Sample(data={"visited_on_0": "31", "visited_on_1": "2", "visited_on_2": "26"}))
    links = re.findall(r'<li><a href="#([^"]+)">', html)
    assert links == ["id_urgent_1", "id_people_1", "id_visited_on_2", "id_notes"]
    for target in links:
        assert f'id="{target}"' in html, target


def test_a_date_left_empty_links_to_its_first_box():
    html = _render(Sample(data={}))
    assert '<a href="#id_visited_on_0">Enter the date of the visit</a>' in html
    assert 'id="id_visited_on_0"' in html


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the date of the visit"),
        ("3", "", "2026", "Date of the visit must include a month"),
        ("", "", "2026", "Date of the visit must include a day and month"),
        ("31", "2", "2026", "Date of the visit must be a real date"),
        ("1", "13", "2026", "Date of the visit must be a real date"),
        ("1", "2", "26", "Year must include 4 numbers"),
        ("1", "2", "20266", "Year must include 4 numbers"),
        ("99999999999999999999", "1", "2026", "Date of the visit must be a real date"),
        ("one", "2", "2026", "Date of the visit must be a real date"),
        ("٣", "2", "2026", "Date of the visit must be a real date"),
    ],
)
def test_dates_speak_the_design_systems_error_messages(day, month, year, message):
    errors = _errors(visited_on_0=day, visited_on_1=month, visited_on_2=year)
    assert errors["visited_on"] == [message]


def test_a_huge_number_in_a_date_is_an_error_not_a_crash():
    form = Sample(data={"visited_on_0": "1", "visited_on_1": "1", "visited_on_2": "9" * 400})
    assert not form.is_valid()
    assert form.errors["visited_on"] == ["Year must include 4 numbers"]
    form = Sample(data={"visited_on_0": "9" * 400, "visited_on_1": "1", "visited_on_2": "2026"})
    assert form.errors["visited_on"] == ["Date of the visit must be a real date"]


@time_machine.travel("2026-06-01 12:00 +01:00", tick=False)
def test_a_date_of_birth_is_in_the_past_and_within_sane_years():
    assert _errors(born_on_0="2", born_on_1="6", born_on_2="2026")["born_on"] == [
        "Date of birth must be today or in the past"
    ]
    assert _errors(born_on_0="31", born_on_1="12", born_on_2="1926")["born_on"] == [
        "Date of birth must be the same as or after 1 January 2001"
    ]
    assert "born_on" not in _errors(born_on_0="1", born_on_1="6", born_on_2="2026")


def test_a_valid_date_is_a_date():
    form = Sample(
        data={
            "urgent": "yes",
            "people": ["a"],
            "notes": "ok",
            "visited_on_0": " 27 ",
            "visited_on_1": "03",
            "visited_on_2": "2026",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visited_on"] == date(2026, 3, 27)
    assert form.cleaned_data["born_on"] is None


def test_text_over_its_limit_says_so_in_words_and_is_never_cut_by_the_browser():
    assert _errors(notes="x" * 51)["notes"] == ["The notes must be 50 characters or fewer"]
    assert text_area("Why?", "Enter why", max_length=5000).error_messages["max_length"] == (
        "Why must be 5,000 characters or fewer"
    )
    html = _render(Sample())
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "maxlength" not in textarea
    assert "govuk-js-character-count" in textarea
    assert 'aria-describedby="id_notes-info"' in textarea
    assert (
        'class="govuk-character-count" data-module="govuk-character-count" data-maxlength="50"'
        in html
    )
    assert "You can enter up to 50 characters" in html


def test_text_that_was_not_utf8_is_refused_not_stored_as_replacement_characters(client):
    assert _errors(notes="\ufffd")["notes"] == [
        "The notes has characters that could not be read. Type it in again"
    ]


def test_a_radio_question_says_select_yes_if():
    assert _errors()["urgent"] == ["Select yes if this is urgent"]


def test_a_nul_byte_in_a_case_reference_is_not_found(client, make_user):
    client.force_login(make_user())
    assert client.get("/cases/%00/").status_code == 404
    assert client.get("/cases/%00/allocate/").status_code == 404


@pytest.mark.parametrize("value", [None, "2", 2, "3", ""])
def test_a_select_of_many_options_is_the_markup_djangos_select_writes(value):
    from django.test.html import parse_html
    from django.utils.safestring import mark_safe

    from casetransfer.forms import ManyOptionsSelect

    choices = [
        ("", "All teams"),
        (1, "Children's Centre North"),
        (2, 'Early Help "North" & <South>'),
        (4, mark_safe("Already &amp; safe")),  # written as it is, as Django's template does
        ("Group", [(3, "In a group"), (2, "Listed twice: selected once"), (None, "None")]),
        (None, "No value"),
    ]
    attrs = {"id": "id_team", "class": "govuk-select", "aria-describedby": "id_team_hint"}
    ours = ManyOptionsSelect(choices=choices).render("team", value, attrs=attrs)
    djangos = forms.Select(choices=choices).render("team", value, attrs=attrs)
    assert parse_html(ours) == parse_html(djangos)
    assert ours.count(" selected>") == 1  # the first option of the value; "" for none
    assert ('<option value="2" selected>' in ours) == (str(value) == "2")


@pytest.mark.django_db
def test_a_select_of_model_choices_is_the_markup_djangos_select_writes():
    from django.test.html import parse_html

    from casetransfer.forms import ManyOptionsSelect
    from people.models import Team
    from people.tests.factories import TeamFactory

    chosen = TeamFactory(name="CIN <North>")
    TeamFactory(name="CIN South")
    field = forms.ModelChoiceField(Team.objects.order_by("name"), empty_label="All teams")
    ours = ManyOptionsSelect(choices=field.choices).render("team", chosen.pk)
    djangos = forms.Select(choices=field.choices).render("team", chosen.pk)
    assert parse_html(ours) == parse_html(djangos)
    assert f'<option value="{chosen.pk}" selected>CIN &lt;North&gt;</option>' in ours


@pytest.mark.django_db
def test_the_filter_selects_are_styled_as_govuk_selects():
    from cases.forms import CaseSearchForm
    from people.models import Team

    form = CaseSearchForm(teams=Team.objects.all())
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    selects = re.findall(r"<select[^>]*>", html)
    assert len(selects) == 2
    assert all('class="govuk-select"' in select for select in selects)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form_path", ["cases.forms.CaseSearchForm", "deadlines.forms.TeamDeadlinesForm"]
)
def test_a_filter_select_with_an_error_is_marked_as_django_select_is(form_path):
    """A team no longer offered (a stale link) is an error on the select, styled as on
    Django's own Select: the red border, and the message it is described by."""
    from django.utils.module_loading import import_string

    from people.models import Team
    from people.tests.factories import TeamFactory

    TeamFactory(name="CIN North")
    form = import_string(form_path)({"team": "999999"}, teams=Team.objects.all())
    assert not form.is_valid()
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    (team,) = re.findall(r'<select name="team"[^>]*>', html)
    assert 'class="govuk-select govuk-input--error"' in team
    assert 'aria-describedby="id_team_1_error"' in team
    assert 'aria-invalid="true"' in team


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": "ICS1"},
        {"q": "<b>Amy & co</b>", "plan_type": "cin"},
        {"q": "x" * 101, "team": "999999", "plan_type": "nope"},
    ],
    ids=["unbound", "a number", "escaped", "every field in error"],
)
def test_the_case_search_form_is_written_as_crispy_forms_gds_writes_it(data):
    """The case list's form, written without templates (issue 14), is crispy-forms-gds's markup:
    labels, hint, error messages, error classes and aria attributes."""
    from django.template import Context, Template
    from django.test.html import parse_html

    from cases.forms import CaseSearchForm
    from people.models import Team
    from people.tests.factories import TeamFactory

    chosen = TeamFactory(name="CIN <North>")
    TeamFactory(name="CIN South")
    teams = Team.objects.all()
    choices = list(teams.values_list("pk", "name"))

    def form():
        if data is None:
            return CaseSearchForm(initial={"team": chosen.pk}, teams=teams, team_choices=choices)
        bound = CaseSearchForm(data, teams=teams, team_choices=choices)
        bound.is_valid()
        return bound

    crispy = Template("{% load crispy_forms_tags %}{% crispy form %}").render(
        Context({"form": form()})
    )
    ours = f'<form method="post">{form().as_govuk()}</form>'
    assert parse_html(ours) == parse_html(crispy)
    if data and "team" in data:
        assert 'aria-invalid="true"' in ours and "govuk-form-group--error" in ours
