import functools

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fluid, Layout
from django import forms
from django.utils.safestring import mark_safe

from casetransfer.forms import ManyOptionsSelect, NamedModelChoiceField, govuk_field, offer_teams
from people.models import Team
from transfers.models import TransferKind, TransferStage

from .selectors import CLOSED_STAGES, Week

WEEKS_OFFERED = 104  # two years of weeks in the selector; an older one can still be linked to
APPLY = HTML(
    '<button type="submit" class="govuk-button govuk-button--secondary" '
    'data-module="govuk-button">Apply filters</button>'
)


# The column the list is sorted by and which way (the view's `sorting`, only sorts it knows),
# carried through the filters: applying a filter keeps the list's order.
KEEP_SORT = HTML(
    '<input type="hidden" name="sort" value="{{ sorting.sort }}">'
    '<input type="hidden" name="order" value="{{ sorting.order }}">'
)


def _gds_get_helper(*fields) -> FormHelper:
    """A GET form: no button name in the query string, only the filters and the sort."""
    helper = FormHelper()
    helper.form_method = "get"
    helper.layout = Layout(*[Field.select(name) for name in fields], KEEP_SORT, APPLY)
    return helper


class _Filters(forms.Form):
    """A list's filters, in the query string (no child's name is ever among them), each a
    select. The page writes them in registers/_filters.html with the sort kept and the button:
    the markup crispy-forms-gds writes for the form's helper (its layout, and whether to show
    errors in the summary), without its templates, which took 5 ms of a weekly list (issue
    14); registers/tests/test_forms.py compares the two in each state."""

    def as_govuk(self) -> str:
        fields = [govuk_field(self[name]) for name in self.fields]
        return mark_safe("\n".join(fields))  # noqa: S308 -- each value escaped, as crispy's are


def _week_choice(week: Week, current: Week) -> tuple[str, str]:
    return week.key, f"{week.label} ({week.key}){', this week' if week == current else ''}"


@functools.lru_cache(maxsize=4)
def _weeks_offered(current: Week) -> list[tuple[str, str]]:
    """The weeks the selector offers, this one first: written once a week, not on every opening
    (a millisecond of a weekly list; issue 14)."""
    return [_week_choice(current.minus(n), current) for n in range(WEEKS_OFFERED)]


class WeeklyFilterForm(_Filters):
    """The weekly list's filters."""

    week = forms.ChoiceField(label="Week of", required=False, widget=ManyOptionsSelect)
    team = NamedModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="All teams",
        help_text="Transfers from or to this team",
    )
    kind = forms.ChoiceField(
        label="Transfer",
        choices=[("", "All transfers"), *TransferKind.choices],
        required=False,
        widget=ManyOptionsSelect,
    )
    state = forms.ChoiceField(
        label="Stage",
        choices=[("", "All stages"), *TransferStage.choices],
        required=False,
        widget=ManyOptionsSelect,
    )

    def __init__(self, *args, teams, current: Week, team_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        choices = _weeks_offered(current)
        asked = Week.parse(self.data.get("week", "")) if self.is_bound else None
        if asked and asked.monday < current.minus(WEEKS_OFFERED - 1).monday:
            choices = [*choices, _week_choice(asked, current)]
        self.fields["week"].choices = choices
        offer_teams(self.fields["team"], teams, team_choices)
        self.helper = _gds_get_helper("week", "team", "kind", "state")

    def clean_week(self) -> Week:
        week = Week.parse(self.cleaned_data["week"]) if self.cleaned_data["week"] else None
        return week or self.current


class HistoricFilterForm(_Filters):
    team = NamedModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="All teams",
        help_text="Transfers from or to this team",
    )
    kind = forms.ChoiceField(
        label="Transfer",
        choices=[("", "All transfers"), *TransferKind.choices],
        required=False,
        widget=ManyOptionsSelect,
    )
    state = forms.ChoiceField(
        label="Outcome",
        choices=[("", "All outcomes")]
        + [(s.value, s.label) for s in TransferStage if s in CLOSED_STAGES],
        required=False,
        widget=ManyOptionsSelect,
    )

    def __init__(self, *args, teams, team_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_teams(self.fields["team"], teams, team_choices)
        self.helper = _gds_get_helper("team", "kind", "state")


class HistoricSearchForm(forms.Form):
    """POSTed and kept in the session, like the case search: a child's name never reaches a
    URL, an access log or browser history."""

    q = forms.CharField(
        label="Name or case number",
        required=False,
        max_length=100,
        help_text="A child's name, or a reference, ICS, LCS, EHM or Liberi number",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field.text("q", field_width=Fluid.FULL),
            Button("search", "Search", css_class="govuk-button--secondary"),
            Button("clear", "Clear search", css_class="govuk-button--secondary"),
        )
