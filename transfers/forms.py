"""Forms for each step of a step-up. They check what a person typed; the services check the
protocol (who may, in which state, and the dates against the case's history)."""

import re
from datetime import datetime, time

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    Button,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Layout,
    Size,
)
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, When

from casetransfer.forms import DateField, date_field, text_area, text_line, yes_no
from deadlines.calendar import LONDON
from people.models import Team, User

from .models import LookedAfterReason, SocialCareOutcome


def _yes_no(label: str, help_text: str = "", required_message: str = "") -> forms.TypedChoiceField:
    return yes_no(label, required_message or f"Select yes or no: {label.lower()}", help_text)


def _text(label: str, required_message: str, *, required: bool = True, help_text: str = ""):
    return text_area(label, required_message, required=required, help_text=help_text)


def _date(label: str, help_text: str = "For example, 27 3 2026") -> DateField:
    return date_field(label, help_text=help_text)


TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _time(label: str) -> forms.CharField:
    return text_line(label, help_text="24-hour clock, for example 14:30", max_length=5)


def _parse_time(value: str) -> time:
    match = TIME_PATTERN.match(value.strip())
    if not match:
        raise ValidationError("Enter the time as hours and minutes, for example 14:30")
    return time(int(match.group(1)), int(match.group(2)))


def _at(data: dict, date_field: str, time_field: str) -> datetime:
    return datetime.combine(data[date_field], data[time_field], tzinfo=LONDON)


# One question for urgency: a section 47 request is always urgent, so it is an answer of its
# own rather than a tick box that silently overrides "not urgent".
URGENCY = [
    ("section_47", "Yes: a section 47 enquiry may be needed"),
    ("urgent", "Yes: urgent safeguarding"),
    ("standard", "No"),
]


def _urgency() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Is this urgent safeguarding?",
        help_text="Urgent and section 47 requests are discussed with Social Care duty within 4 "
        "hours and the same working day; others within 48 hours, or by the end of the working "
        "week. A section 47 request is always urgent.",
        choices=URGENCY,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how urgent this is"},
    )


def urgency_flags(value: str) -> dict[str, bool]:
    return {"urgent": value in ("urgent", "section_47"), "section_47": value == "section_47"}


def urgency_initial(transfer) -> str:
    if transfer.section_47:
        return "section_47"
    return "urgent" if transfer.urgent else "standard"


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
        help_text="For a Graft case, the Graft team manager takes the supervisor's place.",
        empty_label="Choose the supervisor you discussed this with",
        error_messages={"required": "Choose the Early Help supervisor"},
    )
    concerns = _text("What are the concerns?", "Enter the concerns")
    work_tried = _text(
        "What has been tried to avoid stepping up?",
        "Enter what has been tried",
    )
    why_now = _text("Why step up now?", "Enter why the case should step up now")
    urgency = _urgency()

    def __init__(self, *args, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        self.helper = _helper(
            Field.select("supervisor"),
            Field.textarea("concerns"),
            Field.textarea("work_tried"),
            Field.textarea("why_now"),
            Field.radios("urgency", legend_size=Size.SMALL),
            submit="Start the escalation discussion",
        )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        flags = urgency_flags(data.pop("urgency"))
        return {**data, **flags}


class SupervisorReviewForm(forms.Form):
    supervisor_notes = _text(
        "Supervisor's notes for the team manager", "Enter your notes for the team manager"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("supervisor_notes"), submit="Send to the team manager")


class EhDecisionForm(forms.Form):
    """Step 2: the EH/Graft team manager's decision, one question at a time: has everything
    been done to avoid stepping up, and is the threshold met? Both yes means agreed."""

    all_work_done = _yes_no(
        "Has all the work that could avoid a step-up taken place?",
        required_message="Select yes if all the work to avoid a step-up has taken place",
    )
    threshold_met = _yes_no(
        "Does the case meet the threshold for Child in Need or Child Protection?",
        required_message="Select yes if the case meets the threshold",
    )
    outcome = _text("Discussion and outcome", "Enter the discussion and its outcome")
    actions = _text("Actions", "Enter the actions agreed")
    advice = _text(
        "Advice for the supervisor and worker",
        "Enter the advice",
        required=False,
        help_text="Required if you answer no to either question: the step-up is then not "
        "agreed and the case stays with Early Help.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("all_work_done", inline=True, legend_size=Size.SMALL),
            Field.radios("threshold_met", inline=True, legend_size=Size.SMALL),
            Field.textarea("outcome"),
            Field.textarea("actions"),
            Field.textarea("advice"),
            submit="Record the decision",
        )

    def clean(self):
        data = super().clean()
        refused = data.get("all_work_done") is False or data.get("threshold_met") is False
        if refused and not data.get("advice", "").strip():
            self.add_error("advice", "Enter the advice for the supervisor and worker")
        return data


class SendStepUpForm(forms.Form):
    """Step 2: the step-up form to Social Care duty."""

    request_summary = _text("Reason for the request", "Enter the reason for the request")
    current_risks = _text("Current risks and safety plan", "Enter the current risks")
    family_informed = _yes_no(
        "Has the family been told about the request?",
        required_message="Select yes if the family has been told about the request",
    )
    family_agrees = _yes_no(
        "Does the family agree?", required_message="Select yes if the family agrees"
    )
    consent_note = _text(
        "Why has the family not been told, or why go ahead without their agreement?",
        "Enter the reason",
        required=False,
    )
    urgency = _urgency()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family_agrees"].required = False
        self.helper = _helper(
            Field.textarea("request_summary"),
            Field.textarea("current_risks"),
            ConditionalRadios(
                "family_informed",
                ConditionalQuestion("Yes", Field.radios("family_agrees", inline=True)),
                "No",
            ),
            Field.textarea("consent_note"),
            Field.radios("urgency", legend_size=Size.SMALL),
            submit="Send to Social Care duty",
        )

    def clean(self):
        data = super().clean()
        informed = data.get("family_informed")
        if informed is True and data.get("family_agrees") is None:
            self.add_error("family_agrees", "Select yes if the family agrees to the request")
        needs_reason = informed is False or (informed and data.get("family_agrees") is False)
        if needs_reason and not data.get("consent_note", "").strip():
            self.add_error(
                "consent_note",
                "Enter why the family has not been told"
                if informed is False
                else "Enter why the request goes ahead without the family's agreement",
            )
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if not data["family_informed"]:
            data["family_agrees"] = None
        flags = urgency_flags(data.pop("urgency"))
        return {**data, **flags}


class ConfirmForm(forms.Form):
    """A single button: used where the action needs no input but must be a POST."""

    def __init__(self, *args, submit: str = "Confirm", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit=submit)


class PickUpForm(forms.Form):
    """Step 3: duty picks the request up, and may pass it to another Social Care team."""

    keep = forms.ChoiceField(
        label="Who will discuss and decide this request?",
        choices=[("keep", "Me"), ("reassign", "Another Social Care team")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who will discuss and decide this request"},
    )
    reassign_to = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        required=False,
        empty_label="Choose the team",
        help_text="Its team manager holds the request and its deadline from now on.",
    )
    reason = _text("Why does it go to that team?", "Enter why", required=False)

    def __init__(self, *args, teams, keep_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reassign_to"].queryset = teams
        self.fields["keep"].choices = [
            ("keep", keep_label),
            ("reassign", "Another Social Care team"),
        ]
        self.helper = _helper(
            ConditionalRadios(
                "keep",
                keep_label,
                ConditionalQuestion(
                    "Another Social Care team",
                    Field.select("reassign_to"),
                    Field.textarea("reason"),
                ),
            ),
            submit="Pick up this request",
        )

    def clean(self):
        data = super().clean()
        if data.get("keep") == "reassign":
            if not data.get("reassign_to"):
                self.add_error("reassign_to", "Choose the team to pass the request to")
            if not data.get("reason", "").strip():
                self.add_error("reason", "Enter why the request goes to that team")
        return data

    def service_kwargs(self) -> dict:
        if self.cleaned_data["keep"] != "reassign":
            return {}
        return {
            "reassign_to": self.cleaned_data["reassign_to"],
            "reason": self.cleaned_data["reason"],
        }


AGREED_CHOICES = [
    (SocialCareOutcome.SECTION_17, SocialCareOutcome.SECTION_17.label),
    (SocialCareOutcome.SECTION_47, SocialCareOutcome.SECTION_47.label),
]
REFUSED_CHOICES = [
    (SocialCareOutcome.NO_FURTHER_ACTION, SocialCareOutcome.NO_FURTHER_ACTION.label),
    (SocialCareOutcome.BACK_TO_EARLY_HELP, SocialCareOutcome.BACK_TO_EARLY_HELP.label),
]


class DutyDecisionForm(forms.Form):
    """Steps 3 and 4: the discussion with Early Help and Social Care's decision, as practice
    names it. Nothing is pre-selected; what applies to one answer is revealed by it."""

    discussion_date = _date("Date of the discussion")
    discussion_time = _time("Time of the discussion")
    agreed = _yes_no(
        "Is the step-up agreed?", required_message="Select yes if the step-up is agreed"
    )
    agreed_outcome = forms.ChoiceField(
        label="What happens next?",
        choices=AGREED_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    contact_reference = text_line(
        "Contact reference (EHM)",
        required=False,
        max_length=40,
        help_text="The contact created with 'step up to SC'.",
    )
    referral_reference = text_line("Referral reference (LCS)", required=False, max_length=40)
    refused_outcome = forms.ChoiceField(
        label="What happens next?",
        choices=REFUSED_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    note = _text(
        "Reasons for the decision",
        "Enter the reasons for the decision",
        required=False,
        help_text="Required when not agreed: Early Help reads them on the request.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("discussion_date"),
            Field.text("discussion_time", field_width=5),
            ConditionalRadios(
                "agreed",
                ConditionalQuestion(
                    "Yes",
                    Field.radios("agreed_outcome", legend_size=Size.SMALL),
                    Field.text("contact_reference", field_width=20),
                    Field.text("referral_reference", field_width=20),
                ),
                ConditionalQuestion("No", Field.radios("refused_outcome", legend_size=Size.SMALL)),
            ),
            Field.textarea("note"),
            submit="Record the decision",
        )

    def clean_discussion_time(self) -> time:
        return _parse_time(self.cleaned_data["discussion_time"])

    def clean(self):
        data = super().clean()
        if data.get("agreed") is True:
            if not data.get("agreed_outcome"):
                self.add_error("agreed_outcome", "Select what happens next")
            for name, message in (
                ("contact_reference", "Enter the contact reference"),
                ("referral_reference", "Enter the referral reference"),
            ):
                if not data.get(name, "").strip():
                    self.add_error(name, message)
        if data.get("agreed") is False:
            if not data.get("refused_outcome"):
                self.add_error("refused_outcome", "Select what happens next")
            if not data.get("note", "").strip():
                self.add_error("note", "Enter the reasons for the decision")
        return data

    @property
    def discussion_held_at(self) -> datetime:
        return _at(self.cleaned_data, "discussion_date", "discussion_time")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        agreed = data["agreed"]
        return {
            "outcome": data["agreed_outcome"] if agreed else data["refused_outcome"],
            "discussion_held_at": self.discussion_held_at,
            "note": data["note"],
            "contact_reference": data["contact_reference"] if agreed else "",
            "referral_reference": data["referral_reference"] if agreed else "",
        }


class AllocateSocialWorkerForm(forms.Form):
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Social worker",
        empty_label="Choose a social worker",
        error_messages={"required": "Choose the social worker"},
    )

    def __init__(self, *args, workers, previous=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["worker"]
        if previous is not None:
            # Seed 002's 12-week rule: the previous social worker is offered first.
            workers = workers.annotate(
                previous_first=Case(When(pk=previous.pk, then=0), default=1)
            ).order_by("previous_first", "last_name", "first_name")
            field.label_from_instance = lambda user: (
                f"{user} (previous social worker)" if user.pk == previous.pk else str(user)
            )
            field.help_text = f"{previous} held the case when it was closed to Social Care."
        field.queryset = workers
        self.helper = _helper(Field.select("worker"), submit="Allocate")


class JointVisitForm(forms.Form):
    visited_on = _date("Date of the joint visit")
    visited_time = _time("Time of the joint visit")
    eh_worker_attended = _yes_no(
        "Did the Early Help worker (FFP/FSW) visit with the social worker?",
        required_message="Select yes if the Early Help worker attended",
    )
    eh_worker_absent_reason = _text(
        "Why did the Early Help worker not attend?", "Enter why", required=False
    )
    notes = _text("Notes", "", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("visited_on"),
            Field.text("visited_time", field_width=5),
            ConditionalRadios(
                "eh_worker_attended",
                "Yes",
                ConditionalQuestion("No", Field.textarea("eh_worker_absent_reason")),
            ),
            Field.textarea("notes"),
            submit="Record the joint visit",
        )

    def clean_visited_time(self) -> time:
        return _parse_time(self.cleaned_data["visited_time"])

    def clean(self):
        data = super().clean()
        if (
            data.get("eh_worker_attended") is False
            and not data.get("eh_worker_absent_reason", "").strip()
        ):
            self.add_error(
                "eh_worker_absent_reason", "Enter why the Early Help worker did not attend"
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "visited_at": _at(data, "visited_on", "visited_time"),
            "eh_worker_attended": data["eh_worker_attended"],
            "eh_worker_absent_reason": data["eh_worker_absent_reason"],
            "notes": data["notes"],
        }


class TenDayDiscussionForm(forms.Form):
    held_on = _date("Date of the 10-day discussion")
    held_time = _time("Time of the 10-day discussion")
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
            Field.text("held_time", field_width=5),
            Field.checkbox("worker_invited"),
            Field.checkbox("supervisor_invited"),
            Field.checkbox("new_plan_agreed"),
            Field.textarea("notes"),
            submit="Record the 10-day discussion",
        )

    def clean_held_time(self) -> time:
        return _parse_time(self.cleaned_data["held_time"])

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["held_at"] = _at(data, "held_on", "held_time")
        del data["held_on"], data["held_time"]
        return data


class NewPlanForm(forms.Form):
    agreed_on = _date("Date the new plan was agreed")
    notes = _text("What is the new plan?", "Enter what the new plan is")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("agreed_on"), Field.textarea("notes"), submit="Record the new plan"
        )


class AcceptRefusalForm(forms.Form):
    note = _text("Notes for the case record", "", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), submit="Accept the decision")


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


# --- transfers between teams (seeds 000 and 001) ----------------------------------------------


class ProposeTransferForm(forms.Form):
    """Seed 001 s5 / seed 000 s2: propose moving the case to a team whose remit covers it."""

    to_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Which team should the case transfer to?",
        empty_label="Choose the team",
        error_messages={"required": "Choose the team"},
    )
    reason = _text("Why should the case transfer?", "Enter why the case should transfer")
    discussion_date = _date("Date of the manager-to-manager discussion")
    discussion_time = _time("Time of the discussion")
    discussion_with = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Which receiving manager did you discuss it with?",
        empty_label="Choose the manager",
        required=False,
    )
    discussion_notes = _text(
        "What did the managers agree?", "Enter what was agreed", required=False
    )

    def __init__(self, *args, teams, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = teams
        self.fields["discussion_with"].queryset = managers
        for name in ("discussion_date", "discussion_time"):
            self.fields[name].required = False
        self.helper = _helper(
            Field.select("to_team"),
            Field.textarea("reason"),
            Field("discussion_date"),
            Field.text("discussion_time", field_width=5),
            Field.select("discussion_with"),
            Field.textarea("discussion_notes"),
            submit="Propose the transfer",
        )

    def clean_discussion_time(self):
        value = self.cleaned_data.get("discussion_time", "")
        return _parse_time(value) if value.strip() else None

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        held_at = None
        if data.get("discussion_date") and data.get("discussion_time"):
            held_at = _at(data, "discussion_date", "discussion_time")
        return {
            "to_team": data["to_team"],
            "reason": data["reason"],
            "discussion_held_at": held_at,
            "discussion_with": data.get("discussion_with"),
            "discussion_notes": data.get("discussion_notes", ""),
        }


class DecideTransferForm(forms.Form):
    accepted = _yes_no(
        "Do you accept the transfer into your team?",
        required_message="Select yes if you accept the transfer",
    )
    reasons = _text("Reasons for the decision", "Enter the reasons for the decision")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("accepted", inline=True, legend_size=Size.SMALL),
            Field.textarea("reasons"),
            submit="Record the decision",
        )


class TransferSummaryForm(forms.Form):
    updated_information = _text("Updated case information", "Enter the updated case information")
    important_dates = _text("Important dates", "Enter the important dates")
    urgent_actions = _text("Urgent actions to follow up", "Enter the urgent actions, or 'None'")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("updated_information"),
            Field.textarea("important_dates"),
            Field.textarea("urgent_actions"),
            submit="Save the summary for sign-off",
        )


class QualityAssuranceForm(forms.Form):
    notes = _text(
        "What did you check?",
        "Enter what you checked",
        help_text="Records up to date and the case meets the practice standards of the team "
        "remits (seed 001).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("notes"), submit="Record the check")


class AllocateReceivingForm(forms.Form):
    choice = forms.ChoiceField(
        label="Who will hold the case?",
        choices=[("worker", "A worker in the team"), ("team_leader", "The team leader, for now")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who will hold the case"},
    )
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Worker",
        empty_label="Choose the worker",
        required=False,
    )
    reason = _text(
        "Why can no worker be allocated yet?",
        "Enter why",
        required=False,
        help_text="The team leader visits, reviews and oversees the case until a worker is "
        "allocated. Never for a child on a CP plan or in care.",
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.helper = _helper(
            ConditionalRadios(
                "choice",
                ConditionalQuestion("A worker in the team", Field.select("worker")),
                ConditionalQuestion("The team leader, for now", Field.textarea("reason")),
            ),
            submit="Allocate",
        )

    def clean(self):
        data = super().clean()
        if data.get("choice") == "worker" and not data.get("worker"):
            self.add_error("worker", "Choose the worker")
        if data.get("choice") == "team_leader" and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why no worker can be allocated yet")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if data["choice"] == "team_leader":
            return {"worker": None, "team_leader_holds": True, "reason": data["reason"]}
        return {"worker": data["worker"]}


class NoteForm(forms.Form):
    """One required text box and a button."""

    def __init__(self, *args, label: str, required_message: str, submit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = text_area(label, required_message)
        self.helper = _helper(Field.textarea("note"), submit=submit)


# --- Child in Need to Children in Care (seed 004) ----------------------------------------------


class AccessToCareForm(forms.Form):
    panel_confirmed_on = _date("Date the panel confirmed access to care")
    notes = _text("Notes", "", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("panel_confirmed_on"),
            Field.textarea("notes"),
            submit="Record and tell the team manager",
        )


class NotifyAdministratorForm(forms.Form):
    due_by = _date("Date the case is due to transfer by")
    summary = _text("Brief summary", "Enter a brief summary")
    ics_number = text_line("ICS number", "Enter the ICS number", max_length=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("due_by"),
            Field.textarea("summary"),
            Field.text("ics_number", field_width=10),
            submit="Tell the Senior Performance Administrator",
        )


class ChildrenInCareTeamForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Children in Care team",
        empty_label="Choose the team",
        error_messages={"required": "Choose the team"},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.helper = _helper(Field.select("team"), submit="Allocate to this team")


class LookedAfterReviewForm(forms.Form):
    first_lac_review_on = _date("Date of the first Looked After review")
    looked_after_reason = forms.ChoiceField(
        label="Why is the child looked after?",
        choices=LookedAfterReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the child is looked after"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("first_lac_review_on"),
            Field.radios("looked_after_reason", legend_size=Size.SMALL),
            submit="Save the review date",
        )


class TransferDiscussionForm(forms.Form):
    held_on = _date("Date of the transfer discussion")
    held_time = _time("Time of the transfer discussion")
    notes = _text(
        "Timetable and key activities agreed", "Enter the timetable and key activities agreed"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("held_on"),
            Field.text("held_time", field_width=5),
            Field.textarea("notes"),
            submit="Record the transfer discussion",
        )

    def clean_held_time(self) -> time:
        return _parse_time(self.cleaned_data["held_time"])

    def service_kwargs(self) -> dict:
        return {
            "held_at": _at(self.cleaned_data, "held_on", "held_time"),
            "notes": self.cleaned_data["notes"],
        }


class PreTransferForm(forms.Form):
    held_on = _date("Date of the pre-transfer discussion")
    held_time = _time("Time of the pre-transfer discussion")
    attendees = _text(
        "Who took part?",
        "Enter who took part",
        help_text="The CIN and CLA social workers and deputy team managers.",
    )
    needs_and_continuity = _text("Needs and continuity", "Enter what was agreed on this item")
    progress_and_actions = _text(
        "Progress against the plan and outstanding actions", "Enter what was agreed on this item"
    )
    risk_and_care_plans = _text(
        "Risk management, safeguarding and care plans", "Enter what was agreed on this item"
    )
    care_proceedings_issues = _text("Care proceedings issues", "Enter what was agreed on this item")
    introductions_and_endings = _text(
        "Introductions and endings", "Enter what was agreed on this item"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("held_on"),
            Field.text("held_time", field_width=5),
            Field.textarea("attendees"),
            Field.textarea("needs_and_continuity"),
            Field.textarea("progress_and_actions"),
            Field.textarea("risk_and_care_plans"),
            Field.textarea("care_proceedings_issues"),
            Field.textarea("introductions_and_endings"),
            submit="Record the pre-transfer discussion",
        )

    def clean_held_time(self) -> time:
        return _parse_time(self.cleaned_data["held_time"])

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["held_at"] = _at(data, "held_on", "held_time")
        del data["held_on"], data["held_time"]
        return data
