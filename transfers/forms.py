"""Forms for each step of a step-up. They check what a person typed; the services check the
protocol (who may, in which state, and the dates against the case's history)."""

import re
from datetime import datetime, time

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from cases.choices import PlanType
from deadlines.calendar import LONDON
from people.models import User

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, help_text: str = "", required_message: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message or f"Select yes or no: {label.lower()}"},
    )


def _text(label: str, required_message: str, *, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": required_message},
    )


def _date(label: str, help_text: str = "For example, 27 3 2026") -> DateInputField:
    field = DateInputField(label=label, help_text=help_text)
    field.error_messages["required"] = f"Enter the {label.lower()}"
    field.error_messages["incomplete"] = f"Enter the {label.lower()} as day, month and year"
    return field


def _helper(*fields, submit: str, secondary: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(
        *fields,
        Button("submit", submit, css_class="govuk-button--secondary" if secondary else ""),
    )
    return helper


class StartStepUpForm(forms.Form):
    """Step 1: the escalation discussion form."""

    supervisor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Early Help supervisor",
        empty_label="Choose the supervisor you discussed this with",
        error_messages={"required": "Choose the Early Help supervisor"},
    )
    concerns = _text("What are the concerns?", "Enter the concerns")
    work_tried = _text(
        "What has been tried to avoid stepping up?",
        "Enter what has been tried",
    )
    why_now = _text("Why step up now?", "Enter why the case should step up now")
    urgent = _yes_no(
        "Is this urgent safeguarding?",
        "Urgent requests are discussed with Social Care duty within 4 hours and the same day.",
        "Select yes if this is urgent safeguarding",
    )
    section_47 = forms.BooleanField(
        label="A section 47 enquiry may be needed",
        required=False,
        help_text="Section 47 requests are always treated as urgent and go first in the queue.",
    )

    def __init__(self, *args, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        self.helper = _helper(
            Field.select("supervisor"),
            Field.textarea("concerns"),
            Field.textarea("work_tried"),
            Field.textarea("why_now"),
            Field.radios("urgent", inline=True, legend_size=Size.SMALL),
            Field.checkbox("section_47"),
            submit="Start the escalation discussion",
        )


class SupervisorReviewForm(forms.Form):
    supervisor_notes = _text(
        "Supervisor's notes for the team manager", "Enter your notes for the team manager"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("supervisor_notes"), submit="Send to the team manager")


class EhDecisionForm(forms.Form):
    """Step 2: the EH/Graft team manager's decision."""

    agreed = _yes_no(
        "Has everything been done to avoid stepping up, and is the CIN or CP threshold met?",
        required_message="Select yes if the step-up is agreed",
    )
    outcome = _text("Discussion and outcome", "Enter the discussion and its outcome")
    actions = _text("Actions", "Enter the actions agreed")
    advice = _text(
        "Advice for the supervisor and worker",
        "Enter the advice",
        required=False,
        help_text="Required when the step-up is not agreed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("agreed", legend_size=Size.SMALL),
            Field.textarea("outcome"),
            Field.textarea("actions"),
            Field.textarea("advice"),
            submit="Record the decision",
        )

    def clean(self):
        data = super().clean()
        if data.get("agreed") is False and not data.get("advice", "").strip():
            self.add_error("advice", "Enter the advice for the supervisor and worker")
        return data


class SendStepUpForm(forms.Form):
    """Step 2: the step-up form to Social Care duty."""

    request_summary = _text("Reason for the request", "Enter the reason for the request")
    current_risks = _text("Current risks and safety plan", "Enter the current risks")
    family_informed = _yes_no("Has the family been told about the request?")
    urgent = _yes_no(
        "Is this urgent safeguarding?",
        "Urgent: discussed within 4 hours and the same working day. Otherwise within 48 hours, "
        "or by the end of the working week.",
        "Select yes if this is urgent safeguarding",
    )
    section_47 = forms.BooleanField(label="A section 47 enquiry may be needed", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("request_summary"),
            Field.textarea("current_risks"),
            Field.radios("family_informed", inline=True, legend_size=Size.SMALL),
            Field.radios("urgent", inline=True, legend_size=Size.SMALL),
            Field.checkbox("section_47"),
            submit="Send to Social Care duty",
        )


class ConfirmForm(forms.Form):
    """A single button: used where the action needs no input but must be a POST."""

    def __init__(self, *args, submit: str = "Confirm", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit=submit)


TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class DutyDecisionForm(forms.Form):
    """Steps 3 and 4: the discussion with Early Help and Social Care's decision."""

    discussion_date = _date("Date of the discussion")
    discussion_time = forms.CharField(
        label="Time of the discussion",
        help_text="24-hour clock, for example 14:30",
        max_length=5,
        error_messages={"required": "Enter the time of the discussion"},
    )
    agreed = _yes_no("Is the step-up agreed?", required_message="Select yes if it is agreed")
    contact_reference = forms.CharField(
        label="Contact reference (EHM)",
        required=False,
        max_length=40,
        help_text="Required when agreed: the contact created with 'step up to SC'.",
    )
    referral_reference = forms.CharField(
        label="Referral reference (LCS)",
        required=False,
        max_length=40,
        help_text="Required when agreed.",
    )
    plan_type = forms.ChoiceField(
        label="Plan while awaiting allocation",
        choices=[(PlanType.CIN, PlanType.CIN.label), (PlanType.CP, PlanType.CP.label)],
        initial=PlanType.CIN,
        widget=forms.RadioSelect,
        required=False,
    )
    note = _text(
        "Reasons for the decision",
        "Enter the reasons for the decision",
        required=False,
        help_text="Required when not agreed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("discussion_date"),
            Field.text("discussion_time", field_width=5),
            Field.radios("agreed", inline=True, legend_size=Size.SMALL),
            Field.text("contact_reference", field_width=20),
            Field.text("referral_reference", field_width=20),
            Field.radios("plan_type", legend_size=Size.SMALL),
            Field.textarea("note"),
            submit="Record the decision",
        )

    def clean_discussion_time(self) -> time:
        match = TIME_PATTERN.match(self.cleaned_data["discussion_time"].strip())
        if not match:
            raise ValidationError("Enter the time as hours and minutes, for example 14:30")
        return time(int(match.group(1)), int(match.group(2)))

    def clean(self):
        data = super().clean()
        if data.get("agreed") is True:
            for name, message in (
                ("contact_reference", "Enter the contact reference"),
                ("referral_reference", "Enter the referral reference"),
            ):
                if not data.get(name, "").strip():
                    self.add_error(name, message)
            if not data.get("plan_type"):
                self.add_error("plan_type", "Choose Child in Need or Child Protection")
        if data.get("agreed") is False and not data.get("note", "").strip():
            self.add_error("note", "Enter the reasons for the decision")
        return data

    @property
    def discussion_held_at(self) -> datetime:
        return datetime.combine(
            self.cleaned_data["discussion_date"],
            self.cleaned_data["discussion_time"],
            tzinfo=LONDON,
        )


class AllocateSocialWorkerForm(forms.Form):
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Social worker",
        empty_label="Choose a social worker",
        error_messages={"required": "Choose the social worker"},
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.helper = _helper(Field.select("worker"), submit="Allocate")


class JointVisitForm(forms.Form):
    visited_on = _date("Date of the joint visit")
    eh_worker_attended = forms.BooleanField(
        label="The Early Help worker (FFP/FSW) visited with the social worker",
        error_messages={
            "required": "A joint visit is with the Early Help worker: confirm they attended"
        },
    )
    notes = _text("Notes", "", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("visited_on"),
            Field.checkbox("eh_worker_attended"),
            Field.textarea("notes"),
            submit="Record the joint visit",
        )


class TenDayDiscussionForm(forms.Form):
    held_on = _date("Date of the 10-day discussion")
    worker_invited = forms.BooleanField(
        label="The Early Help worker (FFP/FSW) was invited",
        error_messages={"required": "The Early Help worker must be invited to the discussion"},
    )
    supervisor_invited = forms.BooleanField(
        label="The Early Help supervisor was invited",
        error_messages={"required": "The Early Help supervisor must be invited too"},
    )
    new_plan_agreed = forms.BooleanField(
        label="A new plan was agreed and replaces the existing safety plan",
        required=False,
        help_text="Until a new plan is in place, the existing safety plan stays in force.",
    )
    notes = _text("Notes: plan for the continued work", "", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("held_on"),
            Field.checkbox("worker_invited"),
            Field.checkbox("supervisor_invited"),
            Field.checkbox("new_plan_agreed"),
            Field.textarea("notes"),
            submit="Record the 10-day discussion",
        )


class WithdrawForm(forms.Form):
    reason = _text("Why is the request being withdrawn?", "Enter why the request is withdrawn")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("reason"), submit="Withdraw the request")
        self.helper.layout[-1].field_classes = "govuk-button govuk-button--warning"


class EscalateForm(forms.Form):
    note = _text(
        "Why should the decision be looked at again?", "Enter why the decision should be reviewed"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), submit="Escalate to the service manager")
