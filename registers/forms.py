from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fluid, Layout
from django import forms

from casetransfer.forms import ManyOptionsSelect, NamedModelChoiceField
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


class WeeklyFilterForm(forms.Form):
    """The weekly list's filters: in the query string, as no child's name is ever among them."""

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

    def __init__(self, *args, teams, current: Week, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        weeks = [current.minus(n) for n in range(WEEKS_OFFERED)]
        asked = Week.parse(self.data.get("week", "")) if self.is_bound else None
        if asked and asked.monday < weeks[-1].monday:
            weeks.append(asked)
        self.fields["week"].choices = [
            (week.key, f"{week.label} ({week.key}){', this week' if week == current else ''}")
            for week in weeks
        ]
        self.fields["team"].queryset = teams
        self.helper = _gds_get_helper("week", "team", "kind", "state")

    def clean_week(self) -> Week:
        week = Week.parse(self.cleaned_data["week"]) if self.cleaned_data["week"] else None
        return week or self.current


class HistoricFilterForm(forms.Form):
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

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
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
