"""Forms for meetings and notifications. They check what a person typed; the services check
who may record what, and the protocol's rules."""

from datetime import datetime

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, ConditionalQuestion, ConditionalRadios, Field, Layout
from django import forms

from casetransfer.forms import TextField
from deadlines.calendar import LONDON
from people.models import User
from transfers.forms import _date, _parse_time, _text, _time

from .models import MeetingKind, NotificationMeans, RecipientRole, TafOutcome

# The kinds a person chooses among on a general "Record a meeting" page; TAF and CIN meetings
# have their own buttons, because who may record them and what they record differ.
GENERAL_KINDS = [
    (k.value, k.label)
    for k in (
        MeetingKind.MANAGER_DISCUSSION,
        MeetingKind.PRE_TRANSFER,
        MeetingKind.JOINT_TRANSITION,
        MeetingKind.HANDOVER,
    )
]
HELD, PLANNED = "held", "planned"


def _at(day, clock) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON)


def _people(label: str, help_text: str = "") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MeetingForm(forms.Form):
    """Plan a meeting or record one held. `kind` fixed (a TAF or a CIN meeting) drops the kind
    question; the TAF and CIN questions appear only for their kinds."""

    kind = forms.ChoiceField(
        label="What kind of meeting?",
        choices=GENERAL_KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of meeting"},
    )
    status = forms.ChoiceField(
        label="Has the meeting happened?",
        choices=[(HELD, "Yes, record it as held"), (PLANNED, "No, it is planned")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the meeting has happened"},
    )
    held_on = _date("Date it was held")
    held_time = _time("Time it was held")
    planned_on = _date("Date it is planned for")
    planned_time = _time("Time it is planned for")
    attendees = _people("Who from the teams attends?")
    other_attendees = _text(
        "Other people attending",
        "",
        required=False,
        help_text="Family members and other agencies, for example: mother, school nurse.",
    )
    advising_social_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Social worker sent to advise",
        help_text="The social worker the safeguarding team manager sends to offer advice and "
        "support.",
        required=False,
        empty_label="Choose the social worker",
    )
    taf_outcome = forms.ChoiceField(
        label="What was the outcome?",
        choices=TafOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    invited = _people(
        "Who from Youth & Family Services or a Children's Centre is invited?",
        "Where there are joint roles, invite them so the work is planned jointly.",
    )
    notes = _text("Notes", "", required=False)
    outcome = _text("Outcome and actions agreed", "", required=False)

    def __init__(self, *args, kind: str | None, colleagues, invitable=None, advisers=None, **kw):
        super().__init__(*args, **kw)
        self.fixed_kind = kind
        self.fields["attendees"].queryset = colleagues
        if kind:
            del self.fields["kind"]
        if kind != MeetingKind.TAF:
            del self.fields["advising_social_worker"], self.fields["taf_outcome"]
        else:
            self.fields["advising_social_worker"].queryset = advisers
        if kind != MeetingKind.CIN:
            del self.fields["invited"]
        else:
            self.fields["invited"].queryset = invitable
        held = [Field("held_on"), Field.text("held_time", field_width=5)]
        if kind == MeetingKind.TAF:
            held += [Field.radios("taf_outcome")]
        held += [Field.textarea("outcome")]
        layout = [] if kind else [Field.radios("kind")]
        if kind == MeetingKind.TAF:
            layout += [Field.select("advising_social_worker")]
        if kind == MeetingKind.CIN:
            layout += [Field.checkboxes("invited")]
        layout += [
            ConditionalRadios(
                "status",
                ConditionalQuestion("Yes, record it as held", *held),
                ConditionalQuestion(
                    "No, it is planned",
                    Field("planned_on"),
                    Field.text("planned_time", field_width=5),
                ),
            ),
            Field.checkboxes("attendees"),
            Field.textarea("other_attendees"),
            Field.textarea("notes"),
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(*layout, Button("submit", "Save the meeting"))

    def full_clean(self):
        # The date and time of the other answer are not asked for: leave them out of the check.
        status = self.data.get(self.add_prefix("status")) if self.is_bound else None
        hidden = ("held_on", "held_time") if status == PLANNED else ()
        if status == HELD:
            hidden = ("planned_on", "planned_time")
        for name in hidden:
            self.fields[name].required = False
        if status != HELD and "taf_outcome" in self.fields:
            self.fields["taf_outcome"].required = False
        super().full_clean()

    def clean_held_time(self):
        value = self.cleaned_data.get("held_time")
        return _parse_time(value) if value else None

    def clean_planned_time(self):
        value = self.cleaned_data.get("planned_time")
        return _parse_time(value) if value else None

    def clean(self):
        data = super().clean()
        if data.get("status") == HELD and self.fixed_kind == MeetingKind.TAF:
            if not data.get("taf_outcome"):
                self.add_error("taf_outcome", "Select whether the case stays with the team")
            if not data.get("advising_social_worker"):
                self.add_error(
                    "advising_social_worker",
                    "Choose the social worker the safeguarding team manager sent to advise",
                )
        return data

    @property
    def kind_value(self) -> str:
        return self.fixed_kind or self.cleaned_data["kind"]

    @property
    def is_held(self) -> bool:
        return self.cleaned_data["status"] == HELD

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "kind": self.kind_value,
            "attendees": list(data["attendees"]),
            "other_attendees": data["other_attendees"],
            "notes": data["notes"],
        }
        if "advising_social_worker" in self.fields:
            kwargs["advising_social_worker"] = data["advising_social_worker"]
        if "invited" in self.fields:
            kwargs["invited"] = list(data["invited"])
        if self.is_held:
            kwargs["held_at"] = _at(data["held_on"], data["held_time"])
            kwargs["outcome"] = data["outcome"]
            if "taf_outcome" in self.fields:
                kwargs["taf_outcome"] = data["taf_outcome"]
        else:
            kwargs["planned_for"] = _at(data["planned_on"], data["planned_time"])
        return kwargs


class MeetingHeldForm(forms.Form):
    """A planned meeting, recorded as held."""

    held_on = _date("Date it was held")
    held_time = _time("Time it was held")
    taf_outcome = forms.ChoiceField(
        label="What was the outcome?",
        choices=TafOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the case stays with the team"},
    )
    advising_social_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Social worker sent to advise",
        empty_label="Choose the social worker",
        error_messages={
            "required": "Choose the social worker the safeguarding team manager sent to advise"
        },
    )
    attendees = _people("Who from the teams attended?")
    other_attendees = _text("Other people who attended", "", required=False)
    notes = _text("Notes", "", required=False)
    outcome = _text("Outcome and actions agreed", "", required=False)

    def __init__(self, *args, meeting, colleagues, advisers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = colleagues
        self.initial.setdefault("attendees", list(meeting.attendees.all()))
        self.initial.setdefault("other_attendees", meeting.other_attendees)
        self.initial.setdefault("notes", meeting.notes)
        taf = meeting.kind == MeetingKind.TAF
        layout = [Field("held_on"), Field.text("held_time", field_width=5)]
        if taf:
            self.fields["advising_social_worker"].queryset = advisers
            self.initial.setdefault("advising_social_worker", meeting.advising_social_worker)
            layout += [Field.select("advising_social_worker"), Field.radios("taf_outcome")]
        else:
            del self.fields["taf_outcome"], self.fields["advising_social_worker"]
        layout += [
            Field.checkboxes("attendees"),
            Field.textarea("other_attendees"),
            Field.textarea("notes"),
            Field.textarea("outcome"),
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(*layout, Button("submit", "Record the meeting as held"))

    def clean_held_time(self):
        return _parse_time(self.cleaned_data["held_time"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "held_at": _at(data["held_on"], data["held_time"]),
            "attendees": list(data["attendees"]),
            "other_attendees": data["other_attendees"],
            "notes": data["notes"],
            "outcome": data["outcome"],
        }
        if "taf_outcome" in self.fields:
            kwargs["taf_outcome"] = data["taf_outcome"]
            kwargs["advising_social_worker"] = data["advising_social_worker"]
        return kwargs


class NotificationForm(forms.Form):
    recipient_name = TextField(
        label="Who was told?",
        help_text="A name, or the agency and role, for example: Head of Year, Oak School.",
        max_length=200,
        error_messages={"required": "Enter who was told"},
    )
    recipient_role = forms.ChoiceField(
        label="Who are they?",
        choices=RecipientRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who they are"},
    )
    means = forms.ChoiceField(
        label="How were they told?",
        choices=NotificationMeans.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how they were told"},
    )
    told_on = _date("Date they were told")
    told_time = _time("Time they were told")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("recipient_name"),
            Field.radios("recipient_role"),
            Field.radios("means"),
            Field("told_on"),
            Field.text("told_time", field_width=5),
            Button("submit", "Record who was told"),
        )

    def clean_told_time(self):
        return _parse_time(self.cleaned_data["told_time"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "recipient_name": data["recipient_name"],
            "recipient_role": data["recipient_role"],
            "means": data["means"],
            "told_at": _at(data["told_on"], data["told_time"]),
        }
