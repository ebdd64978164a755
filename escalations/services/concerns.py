"""Immediate safeguarding concerns (seed 000 s3): raised by YFS or a Children's Centre when no
safeguarding team manager is available, answered straight away by the Social Care duty officer.

Each service runs in one transaction: the row, its audit record, its deadline and its emails
commit together, and the emails are sent after commit."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.fsm import apply_transition
from audit.services import audit_record
from cases.models import Case
from casework.permissions import YFS_AND_CC_SERVICES
from deadlines.emails import london
from deadlines.rules import Kind
from deadlines.services import deadline_meet, deadline_start
from people.models import Service, Team, User
from people.selectors import teams_of

from .. import permissions as can
from ..models import SafeguardingConcern
from .notify import notify

# The protocol's urgent response: within 4 hours, and the same working day.
RESPONSE_KIND = Kind.SAFEGUARDING_CONCERN


def duty_team_for(case: Case) -> Team:
    """The Social Care duty team of the case's locality, else any duty team (as a step-up is
    routed: transfers.services.step_up.step_up_route)."""
    duty = Team.objects.filter(service=Service.SOCIAL_CARE_DUTY, is_active=True).order_by("pk")
    team = duty.filter(locality=case.current_team.locality).first() or duty.first()
    if team is None:
        raise ValidationError("No Social Care duty team is set up. Phone duty and tell an admin.")
    return team


def _raiser_team(case: Case, user: User) -> Team:
    """The YFS or Children's Centre team the person raises it from: the case's, if theirs."""
    teams = teams_of(user).filter(service__in=YFS_AND_CC_SERVICES).order_by("pk")
    return teams.filter(pk=case.current_team_id).first() or teams.first()


def _duty_managers(team: Team) -> list[User]:
    from transfers.services.common import duty_managers

    return duty_managers(team)


def _tell(concern: SafeguardingConcern, event: str, people, heading: str, lines: list[str]):
    """Queue one URGENT notice per person: the case reference and a link, never a name."""
    reference = concern.case.reference
    return notify(
        key=f"concern:{concern.pk}:{event}",
        people=people,
        reference=reference,
        urgent=True,
        heading=heading,
        lines=[f"Case {reference}: immediate safeguarding concern.", *lines],
        link=concern.get_absolute_url(),
    )


@transaction.atomic
def concern_raise(
    *,
    case: Case,
    by: User,
    concern: str,
    no_safeguarding_tm_available: bool,
    may_lead_to_section_47: bool = False,
    call_back_number: str = "",
    at: datetime | None = None,
) -> SafeguardingConcern:
    """Seed 000 s3: no safeguarding team manager is available, so the concern goes to the duty
    officer, logged as a contact, for a response straight away. Through EHaSH only when an
    incident may lead to a section 47 enquiry."""
    if not can.may_raise(case, by):
        raise PermissionDenied(
            "Only Youth & Family Services or Children's Centre staff who work with the case can "
            "raise an immediate safeguarding concern here."
        )
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("current_team").get(pk=case.pk)
    )
    if not can.raise_concern(case, by):
        raise ValidationError(
            "A concern about this case is already waiting for duty. Phone the duty officer."
        )
    errors = {}
    if not concern.strip():
        errors["concern"] = "Enter what happened and why you are worried"
    if not no_safeguarding_tm_available:
        errors["no_safeguarding_tm_available"] = (
            "Speak to a safeguarding team manager first; raise it here only if none is available"
        )
    if errors:
        raise ValidationError(errors)
    at = at or timezone.now()
    duty = duty_team_for(case)
    record = SafeguardingConcern(
        case=case,
        raised_by=by,
        raised_at=at,
        raised_from_team=_raiser_team(case, by),
        duty_team=duty,
        concern=concern.strip(),
        call_back_number=call_back_number.strip(),
        no_safeguarding_tm_available=True,
        via_ehash=may_lead_to_section_47,
    )
    # The protected status field refuses to be set again by clean: it is the default.
    record.full_clean(exclude=["status"])
    record.save()
    audit_record(
        actor=by,
        action="safeguardingconcern.raise",
        subject=record,
        case=case,
        to_state=record.status,
        note="Through EHaSH: may lead to a section 47 enquiry" if record.via_ehash else "",
    )
    deadline = deadline_start(
        kind=RESPONSE_KIND,
        subject=record,
        anchor_at=at,
        case=case,
        owner=duty.manager,
        owner_team=duty,
        by=by,
        watchers=[by],
    )
    route = (
        "An incident may lead to a section 47 enquiry: it goes through EHaSH for the joint "
        "discussion with the police."
        if record.via_ehash
        else "Not through EHaSH: the duty officer responds directly."
    )
    _tell(
        record,
        "raised",
        _duty_managers(duty),
        "Immediate safeguarding concern for the duty officer",
        [
            f"{by} ({record.raised_from_team}) has an immediate safeguarding concern and no "
            "safeguarding team manager is available.",
            f"Log the call as a contact and respond straight away, by {london(deadline.due_at)}.",
            route,
        ],
    )
    return record


def _locked(concern: SafeguardingConcern) -> SafeguardingConcern:
    return (
        SafeguardingConcern.objects.select_for_update(of=("self",))
        .select_related("case", "duty_team", "raised_by")
        .get(pk=concern.pk)
    )


@transaction.atomic
def concern_respond(
    *,
    concern: SafeguardingConcern,
    by: User,
    response: str,
    next_steps: str,
    contact_reference: str = "",
    via_ehash: bool | None = None,
) -> SafeguardingConcern:
    """The duty officer records the response and what happens next; the response deadline is
    met. The person who raised it hears that duty has answered."""
    errors = {}
    if not response.strip():
        errors["response"] = "Enter how duty responded"
    if not next_steps.strip():
        errors["next_steps"] = "Enter what happens next"
    if errors:
        raise ValidationError(errors)
    concern = _locked(concern)
    now = timezone.now()
    apply_transition(
        concern,
        "respond",
        by=by,
        check_permission=True,
        case=concern.case,
        note=next_steps.strip(),
        responder=by,
        at=now,
        response=response.strip(),
        next_steps=next_steps.strip(),
        contact_reference=contact_reference.strip(),
        via_ehash=concern.via_ehash if via_ehash is None else via_ehash,
    )
    deadline_meet(subject=concern, kind=RESPONSE_KIND, by=by, at=now)
    _tell(
        concern,
        "responded",
        [concern.raised_by],
        "Duty has responded to your safeguarding concern",
        [f"{by} ({concern.duty_team}) has responded. Open it to see what happens next."],
    )
    return concern


@transaction.atomic
def concern_close(*, concern: SafeguardingConcern, by: User, note: str = "") -> SafeguardingConcern:
    """Nothing more is waited for here: what happens next is under way."""
    concern = _locked(concern)
    apply_transition(
        concern,
        "close",
        by=by,
        check_permission=True,
        case=concern.case,
        note=note.strip(),
        closer=by,
        at=timezone.now(),
        closing_note=note.strip(),
    )
    return concern
