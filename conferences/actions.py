"""The buttons a person is offered on a transfer-in request, and the step pages behind them,
from one table: each step's permission (the functions the services check), the states it is
open in, its form and the service it calls. A button shown is a button that works; a step page
checks the same pair."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from people.models import User

from . import forms, services
from . import permissions as can
from .models import CANCELLABLE, TransferInRequest
from .models import ConferenceStatus as S


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    secondary: bool = False
    warning: bool = False


@dataclass(frozen=True)
class Step:
    label: str
    permission: Callable[[TransferInRequest, User], bool]
    states: tuple[str, ...]
    form: type
    perform: Callable  # (request, user, form) -> None
    done: str
    intro: str = ""
    still_open: Callable[[TransferInRequest], bool] = lambda request: True
    secondary: bool = False
    warning: bool = False
    form_kwargs: Callable = field(default=lambda request, user: {})

    def open_for(self, request: TransferInRequest) -> bool:
        return request.status in self.states and self.still_open(request)

    def allowed(self, request: TransferInRequest, user: User) -> bool:
        return self.open_for(request) and self.permission(request, user)


def _confirm(label: str):
    return lambda request, user: {"submit": label}


STEPS: dict[str, Step] = {
    "acknowledge": Step(
        "Acknowledge receipt and send to the CCA team",
        can.act_for_mash,
        (S.RECEIVED,),
        forms.ConfirmForm,
        lambda r, u, f: services.conference_acknowledge(request=r, by=u),
        "Receipt acknowledged: the CCA team and the QA Service Manager have the details.",
        intro="The acknowledgement to the other authority is generated for you to send.",
        form_kwargs=_confirm("Acknowledge and send to the CCA team"),
    ),
    "record-family": Step(
        "Record the family as CPE",
        can.act_as_cca,
        (S.ACKNOWLEDGED,),
        forms.RecordFamilyForm,
        lambda r, u, f: services.conference_record_family(
            request=r, by=u, lcs_numbers=f.lcs_numbers()
        ),
        "Family recorded: each child has a case, shown as CPE.",
        intro="A case is opened for each child, on a Child Protection Plan held by the other "
        "authority (CPE). Responsibility stays with them until the conference.",
    ),
    "protocol": Step(
        "Send the protocol email",
        can.act_as_cca,
        (S.FAMILY_RECORDED,),
        forms.ConfirmForm,
        lambda r, u, f: services.conference_send_protocol_email(request=r, by=u),
        "Protocol email recorded as sent. Copy, print or download it from the request page.",
        intro="Send the email below to the other authority's social worker, then record it.",
        form_kwargs=_confirm("Record the protocol email as sent"),
    ),
    "upload": Step(
        "Add a document to the bundle",
        can.act_as_cca,
        services.UPLOAD_STATES,
        forms.UploadForm,
        lambda r, u, f: services.conference_upload_document(
            request=r, by=u, kind=f.cleaned_data["kind"], uploaded=f.cleaned_data["file"]
        ),
        "Document added to the bundle.",
        secondary=True,
    ),
    "outstanding": Step(
        "Request outstanding information",
        can.act_as_cca,
        services.OUTSTANDING_STATES,
        forms.OutstandingForm,
        lambda r, u, f: services.conference_record_outstanding(
            request=r, by=u, outstanding=f.cleaned_data["outstanding"]
        ),
        "Recorded. The request to the other authority is on the request page.",
        secondary=True,
    ),
    "bundle-received": Step(
        "Mark the bundle received",
        can.act_as_cca,
        (S.AWAITING_BUNDLE,),
        forms.ConfirmForm,
        lambda r, u, f: services.conference_receive_bundle(request=r, by=u),
        "Bundle marked received.",
        still_open=can.bundle_complete,
        form_kwargs=_confirm("Mark the bundle received"),
    ),
    "share": Step(
        "Share the bundle with the QA Service Manager and team manager",
        can.act_as_cca,
        (S.BUNDLE_RECEIVED,),
        forms.ShareForm,
        lambda r, u, f: services.conference_share_bundle(
            request=r, by=u, locality_team=f.cleaned_data["locality_team"]
        ),
        "Bundle shared with the QA Service Manager and the team manager.",
    ),
    "discussion": Step(
        "Record the discussion with the team manager",
        can.act_as_qa,
        (S.WITH_QA,),
        forms.DiscussionForm,
        lambda r, u, f: services.conference_record_discussion(
            request=r,
            by=u,
            team_manager=f.cleaned_data["team_manager"],
            discussed_at=f.at("discussed_on", "discussed_time"),
            notes=f.cleaned_data["notes"],
        ),
        "Discussion recorded.",
    ),
    "decision": Step(
        "Record the decision",
        can.act_as_qa,
        (S.DISCUSSED,),
        forms.DecisionForm,
        lambda r, u, f: services.conference_decide(
            request=r, by=u, decision=f.cleaned_data["decision"], reasons=f.cleaned_data["reasons"]
        ),
        "Decision recorded. The response to the other authority is on the request page.",
    ),
    "tentative-date": Step(
        "Offer a tentative date",
        can.act_as_qa,
        (S.ACCEPTED,),
        forms.TentativeDateForm,
        lambda r, u, f: services.conference_offer_tentative_date(
            request=r, by=u, tentative_date=f.cleaned_data["tentative_date"]
        ),
        "Tentative date offered. The locality team has the social worker's details.",
        intro="Ask the holding social worker to contact the CCA team 2 weeks before. Until the "
        "conference, responsibility stays with the holding authority.",
        form_kwargs=lambda r, u: {"suggested": services.suggested_tentative_date(r)},
    ),
    "agree-date": Step(
        "Agree the conference date",
        can.act_as_cca,
        (S.DATE_OFFERED,),
        forms.AgreeDateForm,
        lambda r, u, f: services.conference_agree_date(
            request=r,
            by=u,
            conference_at=f.at("conference_on", "conference_time"),
            venue=f.cleaned_data["venue"],
            agreed_with=f.cleaned_data["agreed_with"],
            chair=f.cleaned_data["chair"],
        ),
        "Conference date agreed. The updated report is due 48 hours before.",
    ),
    "sw-contact": Step(
        "Record the holding social worker's contact",
        can.act_as_cca,
        services.INVITATION_STATES,
        forms.SwContactForm,
        lambda r, u, f: services.conference_record_sw_contact(
            request=r, by=u, note=f.cleaned_data["note"]
        ),
        "Contact recorded.",
        still_open=lambda r: r.sw_contacted_at is None,
        secondary=True,
    ),
    "welfare-visit": Step(
        "Record a welfare visit",
        can.record_welfare_visit,
        services.VISIT_STATES,
        forms.WelfareVisitForm,
        lambda r, u, f: services.conference_record_welfare_visit(
            request=r,
            by=u,
            visited_by=f.cleaned_data["visited_by"],
            visited_at=f.at("visited_on", "visited_time"),
            note=f.cleaned_data["note"],
        ),
        "Welfare visit recorded.",
        intro="A visit on behalf of the holding authority, which stays responsible until the "
        "conference.",
        secondary=True,
        form_kwargs=lambda r, u: {"user": u},
    ),
    "invitee": Step(
        "Add to the invitation list",
        can.act_as_cca,
        services.INVITATION_STATES,
        forms.InviteeForm,
        lambda r, u, f: services.conference_add_invitee(request=r, by=u, **f.cleaned_data),
        "Added to the invitation list.",
        secondary=True,
    ),
    "confirm-invitations": Step(
        "Confirm the invitation list",
        can.act_as_cca,
        (S.SCHEDULED,),
        forms.ConfirmForm,
        lambda r, u, f: services.conference_confirm_invitations(request=r, by=u),
        "Invitation list confirmed.",
        still_open=lambda r: r.invitations_confirmed_at is None,
        secondary=True,
        form_kwargs=_confirm("Confirm the invitation list"),
    ),
    "move-date": Step(
        "Move the conference date",
        can.act_as_cca,
        (S.SCHEDULED,),
        forms.MoveDateForm,
        lambda r, u, f: services.conference_move_date(
            request=r,
            by=u,
            conference_at=f.at("conference_on", "conference_time"),
            reason=f.cleaned_data["reason"],
        ),
        "Conference moved. Its deadlines moved with it.",
        secondary=True,
    ),
    "hold": Step(
        "Record the conference outcome",
        can.hold,
        (S.SCHEDULED,),
        forms.HoldForm,
        lambda r, u, f: services.conference_hold(
            request=r, by=u, outcome=f.cleaned_data["outcome"], note=f.cleaned_data["note"]
        ),
        "Outcome recorded: responsibility has transferred and the cases await allocation.",
    ),
    "cancel": Step(
        "Cancel the conference",
        can.cancel,
        CANCELLABLE,
        forms.CancelForm,
        lambda r, u, f: services.conference_cancel(
            request=r, by=u, reason=f.cleaned_data["reason"]
        ),
        "Cancelled. Responsibility stays with the other authority.",
        warning=True,
    ),
}


def request_actions(request: TransferInRequest, user: User) -> list[Action]:
    return [
        Action(
            step.label,
            reverse("conferences:step", args=[request.pk, key]),
            secondary=step.secondary,
            warning=step.warning,
        )
        for key, step in STEPS.items()
        if step.allowed(request, user)
    ]
