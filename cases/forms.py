from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django import forms
from django.utils.safestring import mark_safe

from casetransfer.forms import (
    ManyOptionsSelect,
    NamedModelChoiceField,
    TextField,
    govuk_button,
    govuk_field,
    offer_teams,
)
from people.models import Team, User

from .choices import PlanType


class CaseSearchForm(forms.Form):
    q = TextField(
        label="Name or case number",
        required=False,
        max_length=100,
        help_text="A child's name, or a reference, ICS, LCS, EHM or Liberi number",
    )
    team = NamedModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All")
    plan_type = forms.ChoiceField(
        label="Plan type",
        choices=[("", "All"), *PlanType.choices],
        required=False,
        widget=ManyOptionsSelect,
    )

    def __init__(self, *args, teams=None, team_choices=None, **kwargs):
        """`teams`: the teams a reader may filter by; `team_choices`: their (id, name), by name,
        when already read (people.selectors.team_choices_visible_to)."""
        super().__init__(*args, **kwargs)
        if teams is not None:
            offer_teams(self.fields["team"], teams, team_choices)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field.text("q", field_width=Fluid.FULL),
            Field.select("team"),
            Field.select("plan_type"),
            Button("search", "Search", css_class="govuk-button--secondary"),
            Button("clear", "Clear search", css_class="govuk-button--secondary"),
        )

    def as_govuk(self) -> str:
        """The fields and buttons of the helper's layout, as crispy-forms-gds writes them,
        without its templates (casetransfer.forms.govuk_field): the case list's form."""
        return mark_safe(  # noqa: S308 -- every value escaped, as the templates escape them
            "\n".join(
                [
                    govuk_field(self["q"], width=Fluid.for_input(Fluid.FULL)),
                    govuk_field(self["team"]),
                    govuk_field(self["plan_type"]),
                    govuk_button("search", "Search", secondary=True),
                    govuk_button("clear", "Clear search", secondary=True),
                ]
            )
        )


class AllocateForm(forms.Form):
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Allocate to",
        empty_label="Choose a worker",
        error_messages={"required": "Choose the worker to allocate the case to"},
    )
    reason = TextField(
        label="Reason (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The allocation the manager saw: a second manager's choice on a stale page is refused.
    seen_allocation = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.helper = FormHelper()
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Field.select("worker"),
            Field.textarea("reason"),
            Button("allocate", "Allocate"),
        )


class CloseToSocialCareForm(forms.Form):
    reason = TextField(
        label="Why is Social Care closing the case?",
        help_text=(
            "For 12 weeks, a step-up from Early Help comes back to you, to allocate to your team "
            "or the previous social worker."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the case is being closed"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason"),
            Button("close", "Close Social Care involvement", css_class="govuk-button--warning"),
        )


class StepDownForm(forms.Form):
    to_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Which Early Help or Graft team takes the case?",
        empty_label="Choose a team",
        error_messages={"required": "Choose the Early Help or Graft team"},
    )
    reason = TextField(
        label="Why is the case stepping down?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the case is being stepped down"},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = teams
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("to_team"),
            Field.textarea("reason"),
            Button("step_down", "Step down to Early Help"),
        )


class HoldForm(forms.Form):
    reason = TextField(
        label="Why can no social worker be allocated yet?",
        help_text=(
            "While you hold the case you are responsible for its visits, reviews and oversight, "
            "and for allocating it at the earliest opportunity."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why no social worker can be allocated yet"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field.textarea("reason"), Button("hold", "Hold the case"))
