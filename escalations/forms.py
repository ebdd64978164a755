from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

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
    call_back_number = forms.CharField(
        label="Phone number duty can call you on",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkbox("no_safeguarding_tm_available"),
            Field.textarea("concern"),
            Field.radios("may_lead_to_section_47", inline=True),
            Field.text("call_back_number", field_width=20),
            Button("submit", "Send to the duty officer", css_class="govuk-button--warning"),
        )


class RespondForm(forms.Form):
    contact_reference = forms.CharField(
        label="Contact reference",
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
