from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

from casetransfer.forms import ManyOptionsSelect, NamedModelChoiceField, offer_teams
from people.models import Team

STATUS_CHOICES = [
    ("live", "Open or breached"),
    ("breached", "Breached"),
    ("met", "Met"),
    ("cancelled", "Cancelled"),
    ("all", "All"),
]


class TeamDeadlinesForm(forms.Form):
    # Options written from the teams' names (a service manager filters among 80 teams).
    team = NamedModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All")
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, widget=ManyOptionsSelect)

    def __init__(self, *args, teams, team_choices=None, **kwargs):
        """`teams`: those a chosen one is checked against; `team_choices`: their (id, name) by
        name, when already read (people.selectors.team_filter_for)."""
        super().__init__(*args, **kwargs)
        offer_teams(self.fields["team"], teams, team_choices)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("team"),
            Field.select("status"),
            Button("filter", "Filter", css_class="govuk-button--secondary"),
        )
