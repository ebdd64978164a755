from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, ConditionalQuestion, ConditionalRadios, Field, Layout
from django import forms

from casetransfer.forms import date_field, text_line
from transfers.forms import _text, _yes_no


class RaiseConcernForm(forms.Form):
    no_safeguarding_tm_available = forms.BooleanField(
        label="I tried a safeguarding team manager and none is available",
        error_messages={
            "required": "Speak to a safeguarding team manager first; raise it here only if "
            "none is available"
        },
    )
    concern = _text(
        "What happened, and why are you worried now?",
        "Enter what happened and why you are worried",
    )
    may_lead_to_section_47 = _yes_no(
        "Has an incident taken place that may lead to a section 47 enquiry?",
        help_text="Only then does it go through EHaSH, where the joint discussion with the "
        "police takes place. Otherwise the duty officer responds directly.",
        required_message="Select yes if an incident may lead to a section 47 enquiry",
    )
    call_back_number = text_line("Phone number duty can call you on", required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_back_number"].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkbox("no_safeguarding_tm_available"),
            Field.textarea("concern"),
            Field.radios("may_lead_to_section_47", inline=True),
            Field.text("call_back_number", field_width=20),
            Button("submit", "Send to the duty officer", css_class="govuk-button--warning"),
        )


class RespondForm(forms.Form):
    contact_reference = text_line(
        "Contact reference",
        help_text="The contact you logged for the call.",
        required=False,
        max_length=40,
    )
    response = _text("How did you respond?", "Enter how duty responded")
    next_steps = _text("What happens next?", "Enter what happens next")
    via_ehash = _yes_no(
        "Does it go through EHaSH?",
        help_text="Only when an incident may lead to a section 47 enquiry.",
        required_message="Select yes if it goes through EHaSH",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("contact_reference", field_width=20),
            Field.textarea("response"),
            Field.textarea("next_steps"),
            Field.radios("via_ehash", inline=True),
            Button("submit", "Record the response"),
        )


class CloseConcernForm(forms.Form):
    note = _text("Why can it be closed?", "Enter why it can be closed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("note"), Button("submit", "Close", css_class="govuk-button--secondary")
        )


# --- The escalation ladder ----------------------------------------------------------------------


def _helper(*fields, button: str, css: str = "") -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*fields, Button("submit", button, css_class=css))
    return helper


class RaiseEscalationForm(forms.Form):
    reason = _text("Why does it need to go higher?", "Enter why it is escalated")

    def __init__(self, *args, button: str = "Escalate", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("reason"), button=button)


class SuspensionRequestForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=None,
        label="Which team is it for?",
        empty_label=None,
        error_messages={"required": "Select the team", "invalid_choice": "Select the team"},
    )
    protocol_part = _text(
        "Which part of the transfer protocol would be suspended?",
        "Enter which part of the protocol",
    )
    reason = _text(
        "Why is it needed?",
        "Enter why it is needed",
        help_text="For example the local pressures on capacity.",
    )
    starts_on = date_field("From")
    ends_on = date_field("Until", help_text="The last day it would apply. For example, 27 3 2027")
    impact = _text("How would it affect the transfer protocol?", "Enter how it affects it")
    mitigations = _text(
        "What actions are in place to mitigate any risk?",
        "Enter the actions that mitigate the risk",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.helper = _helper(
            Field.select("team"),
            Field.textarea("protocol_part"),
            Field.textarea("reason"),
            Field("starts_on"),
            Field("ends_on"),
            Field.textarea("impact"),
            Field.textarea("mitigations"),
            button="Send the request",
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        return data


class AcknowledgeForm(forms.Form):
    note = _text("What will you do?", "Enter what you will do", required=False)

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if note_required:
            self.fields["note"].required = True
            self.fields["note"].label = "What will you do until the child is allocated?"
            self.fields["note"].error_messages["required"] = (
                "Enter what you will do until the child is allocated"
            )
        self.helper = _helper(Field.textarea("note"), button="Acknowledge")


class PassUpForm(forms.Form):
    note = _text("Why does it go to the next level?", "Enter why it goes to the next level")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), button="Pass it up")


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        error_messages={"required": "Select your decision"},
    )
    sc_outcome = forms.ChoiceField(
        label="If overturned, what will Social Care do?",
        widget=forms.RadioSelect,
        required=False,
        choices=[
            ("s17_assessment", "Section 17 (Child in Need) assessment"),
            ("s47_strategy", "Section 47 strategy discussion"),
        ],
    )
    note = _text("Reasons and actions", "Enter the reasons for the decision")

    def __init__(self, *args, outcomes, step_up: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Outcome

        self.fields["outcome"].choices = [(o, Outcome(o).label) for o in outcomes]
        if step_up and Outcome.OVERTURNED in outcomes:
            self.fields["sc_outcome"].label = "What will Social Care do?"
            fields = [
                ConditionalRadios(
                    "outcome",
                    *[
                        ConditionalQuestion(Outcome(o).label, Field.radios("sc_outcome"))
                        if o == Outcome.OVERTURNED
                        else Outcome(o).label
                        for o in outcomes
                    ],
                )
            ]
        else:
            del self.fields["sc_outcome"]
            fields = [Field.radios("outcome")]
        self.helper = _helper(*fields, Field.textarea("note"), button="Record the decision")


class WithdrawEscalationForm(forms.Form):
    note = _text("Why is it withdrawn?", "Enter why it is withdrawn")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("note"), button="Withdraw", css="govuk-button--warning"
        )


class OversightForm(forms.Form):
    kind = forms.ChoiceField(
        label="What did you do?",
        widget=forms.RadioSelect,
        choices=[("visit", "A visit"), ("review", "A review")],
        error_messages={"required": "Select visit or review"},
    )
    happened_on = date_field("When?")
    note = _text("What was seen and decided?", "Enter what was seen and decided")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("kind", inline=True),
            Field("happened_on"),
            Field.textarea("note"),
            button="Record it",
        )


class EndSuspensionForm(forms.Form):
    note = _text("Why does it end now?", "Enter why it ends now")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), button="End the suspension")
