"""Forms for each step of a transfer-in request. They check what a person typed; the services
check the protocol (who may, in which state, dates against the request)."""

from datetime import date, datetime

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Fluid, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from casetransfer.forms import DateField, date_field, text_area, text_line
from deadlines.calendar import LONDON
from people.models import Service, Team, User
from people.roles import Role
from people.selectors import users_in_team
from transfers.forms import _parse_time  # one way to read a time, shared with the step-ups

from .models import Decision, DocumentKind, InviteeRole, Outcome
from .services import locality_managers, locality_teams, upload_limit

MAX_CHILDREN = 4


def _text(label: str, required_message: str, *, required: bool = True, help_text: str = ""):
    return text_area(label, required_message, required=required, help_text=help_text)


def _line(label: str, required_message: str = "", *, required: bool = True, max_length=120):
    return text_line(label, required_message, required=required, max_length=max_length)


def _date(label: str, *, required: bool = True, help_text: str = "For example, 27 3 2026", **kw):
    return date_field(label, required=required, help_text=help_text, **kw)


def _date_of_birth(label: str, *, required: bool) -> DateField:
    """A child's date of birth: not in the future, and within the last 25 years (care leavers
    are supported to 25)."""
    today = timezone.localdate()
    return _date(
        label,
        required=required,
        help_text="For example, 27 3 2015",
        past=True,
        earliest=date(today.year - 25, 1, 1),
    )


def _time(label: str) -> forms.CharField:
    return text_line(label, help_text="24-hour clock, for example 14:30", max_length=5)


def _helper(*fields, submit: str, warning: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(
        *fields, Button("submit", submit, css_class="govuk-button--warning" if warning else "")
    )
    return helper


class StepForm(forms.Form):
    """Every step form takes the request it acts on."""

    submit_label = "Continue"

    def __init__(self, *args, tir=None, **kwargs):
        self.tir = tir
        super().__init__(*args, **kwargs)

    def at(self, date_field: str, time_field: str) -> datetime:
        return datetime.combine(
            self.cleaned_data[date_field], self.cleaned_data[time_field], tzinfo=LONDON
        )

    def clean(self):
        data = super().clean()
        for name in self.fields:
            if name.endswith("_time") and data.get(name):
                try:
                    data[name] = _parse_time(data[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return data


class ConfirmForm(StepForm):
    """A step with nothing to type: the button is the record."""

    def __init__(self, *args, submit: str = "Confirm", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit=submit)


class ReceiveForm(StepForm):
    cca_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Case conference team",
        empty_label=None,
        error_messages={"required": "Choose the case conference team"},
    )
    requesting_authority = _line("Requesting authority")
    ola_social_worker = _line("Social worker's name")
    ola_social_worker_email = forms.EmailField(
        label="Social worker's email",
        error_messages={
            "required": "Enter the social worker's email",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "The social worker's email must be 320 characters or fewer",
        },
    )
    ola_social_worker_phone = _line("Social worker's phone", max_length=40)
    ola_team_manager = _line("Their team manager", required=False)
    moved_in_on = _date("Date the family moved in")
    new_address = _text("The family's new address", "Enter the family's new address")
    received_on = _date("Date the written request arrived")
    received_time = _time("Time the written request arrived")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cca_team"].queryset = Team.objects.filter(
            service=Service.CONFERENCE_AND_QA, is_active=True
        ).order_by("name")
        child_fieldsets = []
        for n in range(1, MAX_CHILDREN + 1):
            required = n == 1
            suffix = f" (child {n})"
            self.fields[f"child_{n}_first_name"] = _line(
                "First name" + suffix, f"Enter child {n}'s first name", required=required
            )
            self.fields[f"child_{n}_last_name"] = _line(
                "Last name" + suffix, f"Enter child {n}'s last name", required=required
            )
            self.fields[f"child_{n}_date_of_birth"] = _date_of_birth(
                "Date of birth" + suffix, required=required
            )
            self.fields[f"child_{n}_ola_reference"] = _line(
                "The other authority's case number" + suffix, required=False, max_length=40
            )
            child_fieldsets.append(
                Fieldset(
                    Field.text(f"child_{n}_first_name", field_width=Fluid.ONE_HALF),
                    Field.text(f"child_{n}_last_name", field_width=Fluid.ONE_HALF),
                    Field(f"child_{n}_date_of_birth"),
                    Field.text(f"child_{n}_ola_reference", field_width=Fluid.ONE_THIRD),
                    legend=f"Child {n}" + ("" if required else " (if the request covers them)"),
                    legend_size=Size.MEDIUM,
                )
            )
        self.helper = _helper(
            Field.select("cca_team"),
            Fieldset(
                Field.text("requesting_authority", field_width=Fluid.TWO_THIRDS),
                Field.text("ola_social_worker", field_width=Fluid.TWO_THIRDS),
                Field.text("ola_social_worker_email", field_width=Fluid.TWO_THIRDS),
                Field.text("ola_social_worker_phone", field_width=Fluid.ONE_THIRD),
                Field.text("ola_team_manager", field_width=Fluid.TWO_THIRDS),
                legend="The other local authority",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field("moved_in_on"),
                Field.textarea("new_address", rows=3),
                Field("received_on"),
                Field.text("received_time", field_width=5),
                legend="The move and the request",
                legend_size=Size.MEDIUM,
            ),
            *child_fieldsets,
            submit="Record the request",
        )

    def clean(self):
        data = super().clean()
        for n in range(2, MAX_CHILDREN + 1):
            names = [f"child_{n}_first_name", f"child_{n}_last_name", f"child_{n}_date_of_birth"]
            given = [name for name in names if data.get(name)]
            if given and len(given) < 3:
                for name in names:
                    if not data.get(name) and name not in self.errors:
                        self.add_error(
                            name, f"Enter child {n}'s {name.split('_', 2)[2]}".replace("_", " ")
                        )
        return data

    def children(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "first_name": data[f"child_{n}_first_name"].strip(),
                "last_name": data[f"child_{n}_last_name"].strip(),
                "date_of_birth": data[f"child_{n}_date_of_birth"],
                "ola_reference": data.get(f"child_{n}_ola_reference", "").strip(),
            }
            for n in range(1, MAX_CHILDREN + 1)
            if data.get(f"child_{n}_first_name")
        ]


class RecordFamilyForm(StepForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = []
        for child in self.tir.children.filter(case__isnull=True):
            name = f"lcs_{child.pk}"
            self.fields[name] = _line(
                f"LCS number for {child.full_name}", required=False, max_length=30
            )
            fields.append(Field.text(name, field_width=Fluid.ONE_THIRD))
        self.helper = _helper(*fields, submit="Record the family as CPE")

    def lcs_numbers(self) -> dict[int, str]:
        return {
            int(name.removeprefix("lcs_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("lcs_")
        }


class UploadForm(StepForm):
    kind = forms.ChoiceField(
        label="Which document is it?",
        choices=DocumentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select which document this is"},
    )
    file = forms.FileField(
        label="Upload the document",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = upload_limit() // (1024 * 1024)
        self.fields["file"].help_text = f"A PDF, Word document or image, smaller than {limit} MB."
        self.helper = _helper(
            Field.radios("kind", legend_size=Size.SMALL),
            Field("file"),
            submit="Add the document",
        )


class OutstandingForm(StepForm):
    outstanding = _text(
        "What is still outstanding?",
        "Enter what is still outstanding",
        help_text="This goes into the request to the other authority.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.tir is not None and not self.is_bound:
            self.initial.setdefault("outstanding", self.tir.outstanding_note)
        self.helper = _helper(Field.textarea("outstanding", rows=5), submit="Record and request it")


class ShareForm(StepForm):
    locality_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Receiving locality team",
        help_text="Its team manager sees the bundle with the QA Service Manager.",
        empty_label="Choose the team for the family's new address",
        error_messages={"required": "Choose the receiving locality team"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locality_team"].queryset = locality_teams()
        self.helper = _helper(Field.select("locality_team"), submit="Share the bundle")


class DiscussionForm(StepForm):
    team_manager = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Team manager",
        empty_label=None,
        error_messages={"required": "Choose the team manager"},
    )
    discussed_on = _date("Date of the discussion")
    discussed_time = _time("Time of the discussion")
    notes = _text("What was discussed and agreed", "Enter what was discussed and agreed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        managers = [person.pk for person in locality_managers(self.tir)]
        self.fields["team_manager"].queryset = User.objects.filter(pk__in=managers)
        self.helper = _helper(
            Field.select("team_manager"),
            Field("discussed_on"),
            Field.text("discussed_time", field_width=5),
            Field.textarea("notes"),
            submit="Record the discussion",
        )


class DecisionForm(StepForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select accept or decline"},
    )
    reasons = _text(
        "Reasons",
        "Enter the reasons for the decision",
        help_text="As set out in the policy on transfer in requests. They go to the other "
        "authority in the response.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("decision", legend_size=Size.MEDIUM),
            Field.textarea("reasons"),
            submit="Record the decision",
        )


class TentativeDateForm(StepForm):
    tentative_date = _date("Tentative conference date")

    def __init__(self, *args, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        moved = self.tir.moved_in_on
        hint = f"The family moved in on {moved:%d %B %Y}."
        if suggested:
            hint += f" Within 15 working days of the written request: by {suggested:%d %B %Y}."
            if not self.is_bound:
                self.initial["tentative_date"] = suggested
        self.fields["tentative_date"].help_text = hint
        self.helper = _helper(Field("tentative_date"), submit="Offer this date")


class WelfareVisitForm(StepForm):
    visited_by = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Who visited",
        empty_label=None,
        error_messages={"required": "Choose who visited"},
    )
    visited_on = _date("Date of the visit")
    visited_time = _time("Time of the visit")
    note = _text("What happened on the visit", "Enter what happened on the visit")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_by"].queryset = users_in_team(self.tir.locality_team)
        if user is not None and not self.is_bound:
            self.initial["visited_by"] = user.pk
        self.helper = _helper(
            Field.select("visited_by"),
            Field("visited_on"),
            Field.text("visited_time", field_width=5),
            Field.textarea("note"),
            submit="Record the visit",
        )


class SwContactForm(StepForm):
    note = _text("What was arranged", "Enter what was arranged")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), submit="Record the contact")


class AgreeDateForm(StepForm):
    conference_on = _date("Conference date")
    conference_time = _time("Conference start time")
    venue = _line("Where", max_length=200)
    agreed_with = _line(
        "Agreed with", "Enter who in the locality service agreed the date", max_length=200
    )
    chair = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Independent Chair",
        empty_label=None,
        error_messages={"required": "Choose the Independent Chair"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = users_in_team(self.tir.cca_team, Role.INDEPENDENT_CHAIR)
        if not self.is_bound and self.tir.tentative_date:
            self.initial["conference_on"] = self.tir.tentative_date
        self.helper = _helper(
            Field("conference_on"),
            Field.text("conference_time", field_width=5),
            Field.text("venue", field_width=Fluid.TWO_THIRDS),
            Field.text("agreed_with", field_width=Fluid.TWO_THIRDS),
            Field.select("chair"),
            submit="Agree the date",
        )


class MoveDateForm(StepForm):
    conference_on = _date("New conference date")
    conference_time = _time("New start time")
    reason = _text("Why does it move?", "Enter why the conference moves")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("conference_on"),
            Field.text("conference_time", field_width=5),
            Field.textarea("reason", rows=3),
            submit="Move the conference",
        )


class InviteeForm(StepForm):
    role = forms.ChoiceField(
        label="Role",
        choices=InviteeRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the invitee's role"},
    )
    name = _line("Name", "Enter the invitee's name")
    organisation = _line("Organisation", required=False)
    contact = _line("Email or phone", "Enter an email address or phone number", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("role", legend_size=Size.SMALL),
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.text("organisation", field_width=Fluid.TWO_THIRDS),
            Field.text("contact", field_width=Fluid.TWO_THIRDS),
            submit="Add to the invitation list",
        )


class HoldForm(StepForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the conference's outcome"},
    )
    note = _text("The conference's decisions", "Enter the conference's decisions")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        team = self.tir.locality_team
        self.fields[
            "outcome"
        ].help_text = (
            f"Responsibility transfers here: each child's case goes to {team} for allocation."
        )
        self.helper = _helper(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.textarea("note"),
            submit="Record the outcome",
        )


class CancelForm(StepForm):
    reason = _text("Why is it cancelled or declined?", "Enter why the conference is cancelled")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("reason", rows=3), submit="Cancel the conference", warning=True
        )
