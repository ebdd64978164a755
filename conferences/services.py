"""Transfer-in Child Protection Conferences (seed 003; DOMAIN.md section D).

One service per step. Each runs in one transaction: it re-reads the request FOR UPDATE (so two
people acting at once: one wins, the other is refused), takes the django-fsm transition through
`audit.fsm.apply_transition` (state, then the transition's `permission=`, then save and the
audit record), writes deadline and outbox rows, and leaves every email to be sent after commit.

Clocks (DEADLINES.md): `transfer_in_conference` from the written request (15 working days, the
CCA team's); `holding_sw_contact` (2 weeks before the conference) from the tentative date;
`pre_conference_report` (48 hours before) from the agreed date. Moving the conference moves both
of the last two and cancels their old reminders."""

from datetime import date, datetime, time

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.fsm import apply_transition
from audit.services import audit_record
from cases.choices import Involvement, PlanType
from cases.services import case_allocate, case_create, case_update
from deadlines.calendar import LONDON
from deadlines.emails import london, notice_email, outbox_enqueue
from deadlines.rules import Kind
from deadlines.services import (
    deadline_cancel,
    deadline_meet,
    deadline_reassign,
    deadline_reschedule,
    deadline_start,
    deadline_watch,
    open_deadlines,
)
from people.models import SOCIAL_CARE_SERVICES, Service, Team, User
from people.roles import Role
from people.selectors import in_team, teams_of, users_in_team

from . import permissions as can
from .letters import letter_as_text, render_letter
from .models import (
    CLOSED,
    BundleDocument,
    Decision,
    DocumentKind,
    Invitee,
    InviteeRole,
    LetterKind,
    Outcome,
    TransferInChild,
    TransferInRequest,
    WelfareVisit,
)
from .models import ConferenceStatus as S

# What an upload may be, judged by its content (magic numbers), never by its name or the
# browser's word: PDF, Word, and photographs or scans.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
}
DEFAULT_UPLOAD_LIMIT = 20 * 1024 * 1024
# Uploads belong to a request from the protocol email until the conference.
UPLOAD_STATES = (S.AWAITING_BUNDLE, S.BUNDLE_RECEIVED, S.WITH_QA, S.DISCUSSED, S.ACCEPTED)
UPLOAD_STATES += (S.DATE_OFFERED, S.SCHEDULED)
OUTSTANDING_STATES = UPLOAD_STATES
VISIT_STATES = (S.ACCEPTED, S.DATE_OFFERED, S.SCHEDULED)
INVITATION_STATES = (S.DATE_OFFERED, S.SCHEDULED)
# The receiving locality team is a Social Care team.
LOCALITY_SERVICES = SOCIAL_CARE_SERVICES
# A conference with no time of its own (a tentative date) is counted from 10:00 that day.
TENTATIVE_TIME = time(10, 0)


def upload_limit() -> int:
    return getattr(settings, "CONFERENCE_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_LIMIT)


def require_text(**fields: tuple[str, str]) -> None:
    errors = {name: message for name, (value, message) in fields.items() if not value.strip()}
    if errors:
        raise ValidationError(errors)


def locked(request: TransferInRequest) -> TransferInRequest:
    return (
        TransferInRequest.objects.select_for_update(of=("self",))
        .select_related("cca_team", "mash_team", "locality_team", "chair")
        .get(pk=request.pk)
    )


def first_case(request: TransferInRequest):
    """The case an audit record or deadline hangs on: the eldest child's, once recorded."""
    child = request.children.exclude(case=None).select_related("case").first()
    return child.case if child else None


def _step(request: TransferInRequest, name: str, *, by: User, note: str = "") -> None:
    apply_transition(
        request, name, by=by, note=note, case=first_case(request), check_permission=True
    )


def _record(request: TransferInRequest, action: str, *, by: User, note: str = "", **changes):
    """An audit record of a step that does not change the status."""
    audit_record(
        actor=by,
        action=f"transferinrequest.{action}",
        subject=request,
        case=first_case(request),
        changes={k: [None, v] for k, v in changes.items()},
        note=note,
    )


def _guard(request: TransferInRequest, permission, by: User, states, what: str) -> None:
    """For a step without a transition: the state, then the permission, as django-fsm does."""
    if request.status not in states:
        from django_fsm import TransitionNotAllowed

        raise TransitionNotAllowed(
            f"Cannot {what} when the request is {request.get_status_display().lower()}"
        )
    if not permission(request, by):
        raise PermissionDenied("Your role does not allow this step.")


# Who hears of each step.


def ccas(request: TransferInRequest) -> list[User]:
    return list(users_in_team(request.cca_team, Role.CCA))


def qa_managers(request: TransferInRequest) -> list[User]:
    people = list(users_in_team(request.cca_team, Role.QA_SERVICE_MANAGER))
    manager = request.cca_team.manager
    if manager and manager.has_role(Role.QA_SERVICE_MANAGER) and manager not in people:
        people.insert(0, manager)
    return people


def locality_managers(request: TransferInRequest) -> list[User]:
    team = request.locality_team
    if team is None:
        return []
    people = list(users_in_team(team, Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER))
    if team.manager and team.manager not in people:
        people.insert(0, team.manager)
    return people


def notify(
    request: TransferInRequest,
    *,
    event: str,
    recipients,
    heading: str,
    lines: list[str],
    by: User | None = None,
) -> int:
    """One outbox email per distinct active recipient with an address, but not whoever acted.
    The request reference and a link; never a child's name."""
    sent, seen = 0, set()
    for person in recipients:
        if not isinstance(person, User) or person.pk in seen or (by and person.pk == by.pk):
            continue
        seen.add(person.pk)
        if not person.is_active or not person.email:
            continue
        email = notice_email(
            key=f"conference:{request.pk}:{event}:{person.pk}",
            recipient=person,
            subject=f"[{request.reference}] {heading}",
            heading=heading,
            lines=[f"Transfer-in conference request {request.reference}.", *lines],
            link=request.get_absolute_url(),
        )
        sent += outbox_enqueue(email)[1]
    return sent


def _next_reference() -> str:
    last = (
        TransferInRequest.objects.filter(reference__startswith="TI").order_by("-reference").first()
    )
    number = int(last.reference[2:]) + 1 if last and last.reference[2:].isdigit() else 1
    return f"TI{number:06d}"


def _at(day: date, at: time = TENTATIVE_TIME) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


def _mash_team_of(user: User) -> Team:
    team = teams_of(user).filter(service=Service.MASH, is_active=True).order_by("name").first()
    if team is None:
        raise PermissionDenied("Only MASH records a transfer-in request.")
    return team


@transaction.atomic
def conference_receive(
    *,
    by: User,
    cca_team: Team,
    requesting_authority: str,
    ola_social_worker: str,
    ola_social_worker_email: str,
    ola_social_worker_phone: str,
    moved_in_on: date,
    new_address: str,
    request_received_at: datetime,
    children: list[dict],
    ola_team_manager: str = "",
) -> TransferInRequest:
    """Step 1: MASH records the OLA's written request, a row per child. The 15-working-day
    clock for the conference starts from when the written request arrived; the CCA team owns
    it."""
    if not can.may_receive(by):
        raise PermissionDenied("Only MASH records a transfer-in request.")
    require_text(
        requesting_authority=(requesting_authority, "Enter the requesting authority"),
        ola_social_worker=(ola_social_worker, "Enter the OLA social worker's name"),
        ola_social_worker_phone=(ola_social_worker_phone, "Enter the social worker's phone"),
        new_address=(new_address, "Enter the family's new address"),
    )
    if cca_team.service != Service.CONFERENCE_AND_QA:
        raise ValidationError({"cca_team": "Choose a case conference team"})
    if not children:
        raise ValidationError("Enter at least one child")
    if request_received_at > timezone.now():
        raise ValidationError({"request_received_at": "The request cannot arrive in the future"})
    request = TransferInRequest(
        reference=_next_reference(),
        mash_team=_mash_team_of(by),
        cca_team=cca_team,
        requesting_authority=requesting_authority.strip(),
        ola_social_worker=ola_social_worker.strip(),
        ola_social_worker_email=ola_social_worker_email.strip(),
        ola_social_worker_phone=ola_social_worker_phone.strip(),
        ola_team_manager=ola_team_manager.strip(),
        moved_in_on=moved_in_on,
        new_address=new_address.strip(),
        request_received_at=request_received_at,
        received_by=by,
    )
    request.full_clean(exclude=["status"])
    request.save()
    for fields in children:
        child = TransferInChild(request=request, **fields)
        child.full_clean()
        child.save()
    audit_record(
        actor=by,
        action="transferinrequest.receive",
        subject=request,
        to_state=request.status,
        note=f"From {request.requesting_authority}, {len(children)} "
        + ("children" if len(children) > 1 else "child"),
    )
    deadline_start(
        kind=Kind.TRANSFER_IN_CONFERENCE,
        subject=request,
        anchor_at=request_received_at,
        owner_team=cca_team,
        by=by,
    )
    return request


@transaction.atomic
def conference_acknowledge(*, request: TransferInRequest, by: User) -> TransferInRequest:
    """Step 1: MASH acknowledges receipt to the sender (the acknowledgement is generated and
    kept) and sends the details to the CCA team and the QA Service Manager."""
    request = locked(request)
    letter = render_letter(request, LetterKind.ACKNOWLEDGEMENT)
    _step(request, "acknowledge", by=by, note="Receipt acknowledged to the OLA")
    request.acknowledged_at, request.acknowledged_by = timezone.now(), by
    request.acknowledgement_text = letter_as_text(letter)
    request.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_text"])
    deadline = open_deadlines(request, Kind.TRANSFER_IN_CONFERENCE).first()
    due = f", by {london(deadline.due_at)}" if deadline else ""
    notify(
        request,
        event="acknowledged",
        recipients=ccas(request) + qa_managers(request),
        heading="New transfer-in conference request",
        lines=[
            f"{request.requesting_authority} asks for a transfer-in child protection conference"
            f"{due}. Record the family and send the protocol email."
        ],
        by=by,
    )
    return request


@transaction.atomic
def conference_record_family(
    *, request: TransferInRequest, by: User, lcs_numbers: dict[int, str] | None = None
) -> TransferInRequest:
    """Step 2: the CCA records the family: a case per child, on a Child Protection Plan held by
    another authority (CPE), open in the conference team until the conference. The CCA takes
    the conference clock."""
    request = locked(request)
    _step(request, "record_family", by=by, note="Family recorded as CPE")
    lcs_numbers = lcs_numbers or {}
    for child in request.children.select_for_update():
        if child.case_id:
            continue
        child.case = case_create(
            by=by,
            current_team=request.cca_team,
            first_name=child.first_name,
            last_name=child.last_name,
            date_of_birth=child.date_of_birth,
            plan_type=PlanType.CP,
            involvement=Involvement.SOCIAL_CARE,
            lcs_number=lcs_numbers.get(child.pk, "").strip(),
        )
        child.cp_plan_elsewhere = True
        child.save(update_fields=["case", "cp_plan_elsewhere"])
        _record(
            request,
            "record_child",
            by=by,
            note=f"Case {child.case.reference}: CPE, responsibility with "
            f"{request.requesting_authority}",
        )
    request.family_recorded_at = timezone.now()
    request.save(update_fields=["family_recorded_at"])
    deadline_reassign(subject=request, kind=Kind.TRANSFER_IN_CONFERENCE, owner=by, by=by)
    return request


@transaction.atomic
def conference_send_protocol_email(*, request: TransferInRequest, by: User) -> TransferInRequest:
    """Step 2: the CCA sends the protocol email asking the OLA for the bundle; the text sent
    is kept."""
    request = locked(request)
    letter = render_letter(request, LetterKind.PROTOCOL)
    _step(request, "send_protocol_email", by=by, note="Protocol email sent to the OLA")
    request.protocol_sent_at, request.protocol_sent_by = timezone.now(), by
    request.protocol_email_text = letter_as_text(letter)
    request.save(update_fields=["protocol_sent_at", "protocol_sent_by", "protocol_email_text"])
    return request


def check_upload(uploaded: UploadedFile) -> str:
    """The upload's content type, from its content; a ValidationError if it is too big or not
    a PDF, Word document or image."""
    limit = upload_limit()
    if uploaded.size is None or uploaded.size > limit:
        raise ValidationError(
            {"file": f"The file must be smaller than {limit // (1024 * 1024)} MB"}
        )
    if uploaded.size == 0:
        raise ValidationError({"file": "The selected file is empty"})
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError({"file": "The selected file must be a PDF, Word document or image"})
    return kind.mime


@transaction.atomic
def conference_upload_document(
    *, request: TransferInRequest, by: User, kind: str, uploaded: UploadedFile
) -> BundleDocument:
    """Bundle tracking: one document of the bundle received (or the updated report, which
    meets its 48-hour deadline)."""
    request = locked(request)
    _guard(request, can.act_as_cca, by, UPLOAD_STATES, "add a document")
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "Choose which document this is"})
    content_type = check_upload(uploaded)
    now = timezone.now()
    document = BundleDocument(
        request=request,
        kind=kind,
        original_name=(uploaded.name or "document")[-200:],
        content_type=content_type,
        size=uploaded.size,
        uploaded_by=by,
        uploaded_at=now,
    )
    document.file.save(uploaded.name or "document", uploaded, save=False)
    document.save()
    audit_record(
        actor=by,
        action="bundledocument.upload",
        subject=request,
        case=first_case(request),
        changes={"document": [None, document.pk], "kind": [None, kind]},
        note=f"{document.get_kind_display()} received ({ALLOWED_TYPES[content_type]})",
    )
    if kind == DocumentKind.UPDATED_REPORT:
        request.report_received_at = now
        request.save(update_fields=["report_received_at"])
        deadline_meet(
            subject=request, kind=Kind.PRE_CONFERENCE_REPORT, by=by, note="Updated report in"
        )
    return document


def bundle_checklist(request: TransferInRequest) -> list[dict]:
    """Each document the protocol asks for: received (with its uploads) or outstanding."""
    documents: dict[str, list[BundleDocument]] = {}
    for document in request.documents.select_related("uploaded_by"):
        documents.setdefault(document.kind, []).append(document)
    return [
        {
            "kind": kind,
            "label": label,
            "documents": documents.get(kind, []),
            "received": bool(documents.get(kind)),
            "in_bundle": kind != DocumentKind.UPDATED_REPORT,
        }
        for kind, label in DocumentKind.choices
    ]


@transaction.atomic
def conference_record_outstanding(
    *, request: TransferInRequest, by: User, outstanding: str
) -> TransferInRequest:
    """Bundle tracking (step 4) and step 7: what the OLA has still to send, recorded, and the
    request for it to the OLA generated and kept."""
    require_text(outstanding=(outstanding, "Enter what is still outstanding"))
    request = locked(request)
    _guard(request, can.act_as_cca, by, OUTSTANDING_STATES, "request outstanding information")
    request.outstanding_note = outstanding.strip()
    request.outstanding_requested_at = timezone.now()
    request.outstanding_letter_text = letter_as_text(render_letter(request, LetterKind.OUTSTANDING))
    request.save(
        update_fields=["outstanding_note", "outstanding_requested_at", "outstanding_letter_text"]
    )
    _record(request, "request_outstanding", by=by, note=request.outstanding_note)
    return request


@transaction.atomic
def conference_receive_bundle(*, request: TransferInRequest, by: User) -> TransferInRequest:
    """Step 4: the CCA marks the bundle received: every document is in."""
    request = locked(request)
    if request.status == S.AWAITING_BUNDLE and not can.bundle_complete(request):
        raise ValidationError(
            "The bundle is not complete. Add the missing documents, or record what is outstanding."
        )
    _step(request, "receive_bundle", by=by, note="Bundle complete")
    request.bundle_received_at = timezone.now()
    request.outstanding_note = ""
    request.save(update_fields=["bundle_received_at", "outstanding_note"])
    return request


def locality_teams():
    return Team.objects.filter(is_active=True, service__in=LOCALITY_SERVICES).order_by("name")


@transaction.atomic
def conference_share_bundle(
    *, request: TransferInRequest, by: User, locality_team: Team
) -> TransferInRequest:
    """Step 5: the CCA shares the bundle with the QA Service Manager and the team manager of
    the receiving locality team, who then see the request and wait on its clock."""
    if locality_team.service not in LOCALITY_SERVICES or not locality_team.is_active:
        raise ValidationError({"locality_team": "Choose the receiving locality team"})
    request = locked(request)
    request.locality_team = locality_team
    _step(request, "share_bundle", by=by, note=f"Shared with {locality_team}")
    request.shared_at = timezone.now()
    request.save(update_fields=["shared_at", "locality_team"])
    deadline_watch(
        subject=request,
        kind=Kind.TRANSFER_IN_CONFERENCE,
        people=qa_managers(request) + locality_managers(request),
        by=by,
    )
    notify(
        request,
        event="shared",
        recipients=qa_managers(request) + locality_managers(request),
        heading="Transfer-in bundle shared with you",
        lines=[
            f"{by} shared the bundle for a family moving into {locality_team}'s area. The QA "
            "Service Manager discusses it with the team manager and decides."
        ],
        by=by,
    )
    return request


@transaction.atomic
def conference_record_discussion(
    *,
    request: TransferInRequest,
    by: User,
    team_manager: User,
    discussed_at: datetime,
    notes: str,
) -> TransferInRequest:
    """Step 5: the QA SM records the discussion with the receiving team manager."""
    require_text(notes=(notes, "Enter what was discussed and agreed"))
    request = locked(request)
    if not in_team(team_manager, request.locality_team) or not (
        team_manager.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)
        or request.locality_team.manager_id == team_manager.pk
    ):
        raise ValidationError({"team_manager": "Choose a manager of the receiving team"})
    if discussed_at > timezone.now():
        raise ValidationError({"discussed_at": "The discussion cannot be in the future"})
    _step(request, "discuss_with_team_manager", by=by, note=notes)
    request.discussed_with, request.discussed_at = team_manager, discussed_at
    request.discussion_notes = notes.strip()
    request.save(update_fields=["discussed_with", "discussed_at", "discussion_notes"])
    return request


@transaction.atomic
def conference_decide(
    *, request: TransferInRequest, by: User, decision: str, reasons: str
) -> TransferInRequest:
    """Step 5: the QA SM decides, with the reasons (as the policy on transfer in requests sets
    them out); the response to the OLA is generated and kept. Declined: the clock stops and
    responsibility stays with the OLA."""
    require_text(reasons=(reasons, "Enter the reasons for the decision"))
    if decision not in Decision.values:
        raise ValidationError({"decision": "Select accept or decline"})
    request = locked(request)
    accept = decision == Decision.ACCEPT
    _step(request, "accept_transfer_in" if accept else "decline_transfer_in", by=by, note=reasons)
    now = timezone.now()
    request.decision, request.decision_reasons = decision, reasons.strip()
    request.decided_at, request.decided_by = now, by
    kind = LetterKind.ACCEPTED if accept else LetterKind.DECLINED
    request.response_text = letter_as_text(render_letter(request, kind))
    fields = ["decision", "decision_reasons", "decided_at", "decided_by", "response_text"]
    if not accept:
        request.closed_reason, request.closed_at = request.decision_reasons, now
        fields += ["closed_reason", "closed_at"]
        deadline_cancel(subject=request, by=by, reason="Transfer-in request declined")
    request.save(update_fields=fields)
    notify(
        request,
        event="decided",
        recipients=ccas(request) + locality_managers(request),
        heading="Transfer-in request accepted" if accept else "Transfer-in request declined",
        lines=[
            f"{by} {'accepted' if accept else 'declined'} the request and answered the OLA."
            + (" A tentative conference date follows." if accept else "")
        ],
        by=by,
    )
    return request


def suggested_tentative_date(request: TransferInRequest) -> date | None:
    """The conference's own clock: 15 working days from the written request."""
    deadline = open_deadlines(request, Kind.TRANSFER_IN_CONFERENCE).first()
    return deadline.due_at.astimezone(LONDON).date() if deadline else None


@transaction.atomic
def conference_offer_tentative_date(
    *, request: TransferInRequest, by: User, tentative_date: date
) -> TransferInRequest:
    """Step 6: the QA SM offers a tentative date based on the move-in date, asks the holding
    social worker to contact the CCA team 2 weeks before (that clock starts), and passes the
    social worker's details to the locality team to agree welfare visits on the OLA's behalf.
    Until the conference, responsibility stays with the OLA."""
    request = locked(request)
    if tentative_date < request.moved_in_on:
        raise ValidationError(
            {"tentative_date": "The conference cannot be before the family moves in"}
        )
    if tentative_date < timezone.localdate():
        raise ValidationError({"tentative_date": "The tentative date must be in the future"})
    _step(request, "offer_tentative_date", by=by, note=f"Tentative date {tentative_date:%d %b %Y}")
    request.tentative_date, request.date_offered_at = tentative_date, timezone.now()
    request.save(update_fields=["tentative_date", "date_offered_at"])
    deadline_start(
        kind=Kind.HOLDING_SW_CONTACT,
        subject=request,
        anchor_at=_at(tentative_date),
        case=first_case(request),
        owner_team=request.cca_team,
        by=by,
        watchers=ccas(request),
    )
    notify(
        request,
        event="date_offered",
        recipients=locality_managers(request) + ccas(request),
        heading="Welfare visits on behalf of another authority",
        lines=[
            f"A tentative transfer-in conference date is offered: {tentative_date:%A %d %B %Y}.",
            "Contact the holding social worker (details on the request) to agree welfare "
            "visits on their authority's behalf. Until the conference, responsibility stays "
            "with the holding authority.",
        ],
        by=by,
    )
    return request


@transaction.atomic
def conference_record_welfare_visit(
    *, request: TransferInRequest, by: User, visited_by: User, visited_at: datetime, note: str
) -> WelfareVisit:
    """Step 6: a welfare visit the locality team made on the OLA's behalf."""
    require_text(note=(note, "Enter what happened on the visit"))
    request = locked(request)
    _guard(request, can.record_welfare_visit, by, VISIT_STATES, "record a welfare visit")
    if not in_team(visited_by, request.locality_team):
        raise ValidationError({"visited_by": "Choose who visited, from the locality team"})
    if visited_at > timezone.now():
        raise ValidationError({"visited_at": "The visit cannot be in the future"})
    visit = WelfareVisit.objects.create(
        request=request,
        visited_at=visited_at,
        visited_by=visited_by,
        note=note.strip(),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    _record(request, "record_welfare_visit", by=by, note=f"Visit by {visited_by}", visit=visit.pk)
    return visit


@transaction.atomic
def conference_record_sw_contact(
    *, request: TransferInRequest, by: User, note: str
) -> TransferInRequest:
    """Step 6: the holding social worker contacted the CCA team to finalise the arrangements."""
    require_text(note=(note, "Enter what was arranged"))
    request = locked(request)
    _guard(request, can.act_as_cca, by, INVITATION_STATES, "record the social worker's contact")
    request.sw_contacted_at = timezone.now()
    request.save(update_fields=["sw_contacted_at"])
    _record(request, "record_sw_contact", by=by, note=note.strip())
    deadline_meet(subject=request, kind=Kind.HOLDING_SW_CONTACT, by=by, note=note.strip())
    return request


def _conference_watchers(request: TransferInRequest) -> list[User]:
    return ccas(request) + locality_managers(request) + ([request.chair] if request.chair else [])


@transaction.atomic
def conference_agree_date(
    *,
    request: TransferInRequest,
    by: User,
    conference_at: datetime,
    venue: str,
    agreed_with: str,
    chair: User,
) -> TransferInRequest:
    """Step 7: the CCA and the locality service agree the date. The updated report falls due
    48 hours before it; the holding SW's contact clock moves to the agreed date. The chair,
    the OLA's social worker and the receiving team manager go on the invitation list."""
    require_text(
        venue=(venue, "Enter where the conference is held"),
        agreed_with=(agreed_with, "Enter who in the locality service agreed the date"),
    )
    if conference_at <= timezone.now():
        raise ValidationError({"conference_at": "The conference must be in the future"})
    request = locked(request)
    if not can.act_as_chair(request, chair):
        raise ValidationError({"chair": "Choose an Independent Chair of the conference team"})
    _step(request, "agree_conference_date", by=by, note=f"Conference {london(conference_at)}")
    request.conference_at, request.conference_venue = conference_at, venue.strip()
    request.date_agreed_with, request.chair = agreed_with.strip(), chair
    request.save(update_fields=["conference_at", "conference_venue", "date_agreed_with", "chair"])
    for deadline in open_deadlines(request, Kind.HOLDING_SW_CONTACT):
        deadline_reschedule(
            deadline=deadline, anchor_at=conference_at, by=by, reason="Conference date agreed"
        )
    deadline_start(
        kind=Kind.PRE_CONFERENCE_REPORT,
        subject=request,
        anchor_at=conference_at,
        case=first_case(request),
        owner_team=request.cca_team,
        by=by,
        watchers=_conference_watchers(request),
    )
    now = timezone.now()
    manager = request.locality_team.manager if request.locality_team else None
    standing = [
        (InviteeRole.CHAIR, str(chair), request.cca_team.name, chair.email or "-"),
        (
            InviteeRole.OLA_SOCIAL_WORKER,
            request.ola_social_worker,
            request.requesting_authority,
            request.ola_social_worker_email or request.ola_social_worker_phone,
        ),
    ]
    if manager:
        standing.append(
            (InviteeRole.TEAM_MANAGER, str(manager), request.locality_team.name, manager.email)
        )
    for role, name, organisation, contact in standing:
        if not request.invitees.filter(role=role, name=name).exists():
            Invitee.objects.create(
                request=request,
                role=role,
                name=name,
                organisation=organisation,
                contact=contact or "-",
                added_by=by,
                added_at=now,
            )
    notify(
        request,
        event="scheduled",
        recipients=_conference_watchers(request),
        heading=f"Transfer-in conference on {london(conference_at)}",
        lines=[
            f"{by} agreed the conference date with {request.date_agreed_with}. The updated "
            "report is due 48 hours before. Add it to your calendar from the request page."
        ],
        by=by,
    )
    return request


@transaction.atomic
def conference_move_date(
    *, request: TransferInRequest, by: User, conference_at: datetime, reason: str
) -> TransferInRequest:
    """Step 8: the conference is re-dated. Its report and contact deadlines move with it
    (`deadline_reschedule`), and their old reminders are cancelled."""
    require_text(reason=(reason, "Enter why the conference moves"))
    if conference_at <= timezone.now():
        raise ValidationError({"conference_at": "The conference must be in the future"})
    request = locked(request)
    before = request.conference_at
    _step(request, "move_conference_date", by=by, note=reason)
    request.conference_at = conference_at
    request.save(update_fields=["conference_at"])
    for kind in (Kind.PRE_CONFERENCE_REPORT, Kind.HOLDING_SW_CONTACT):
        for deadline in open_deadlines(request, kind):
            deadline_reschedule(deadline=deadline, anchor_at=conference_at, by=by, reason=reason)
    notify(
        request,
        event=f"moved:{conference_at.timestamp():.0f}",
        recipients=_conference_watchers(request),
        heading=f"Transfer-in conference moved to {london(conference_at)}",
        lines=[
            f"{by} moved the conference from {london(before)}: {reason.strip()}",
            "Download the calendar file again from the request page.",
        ],
        by=by,
    )
    return request


@transaction.atomic
def conference_add_invitee(
    *, request: TransferInRequest, by: User, role: str, name: str, organisation: str, contact: str
) -> Invitee:
    """Step 7: someone on the invitation list, with their role and contact."""
    require_text(
        name=(name, "Enter the invitee's name"),
        contact=(contact, "Enter an email address or phone number"),
    )
    if role not in InviteeRole.values:
        raise ValidationError({"role": "Select the invitee's role"})
    request = locked(request)
    _guard(request, can.act_as_cca, by, INVITATION_STATES, "change the invitation list")
    invitee = Invitee.objects.create(
        request=request,
        role=role,
        name=name.strip(),
        organisation=organisation.strip(),
        contact=contact.strip(),
        added_by=by,
        added_at=timezone.now(),
    )
    _record(request, "add_invitee", by=by, note=f"{invitee.get_role_display()} invited")
    return invitee


# Seed 003: the local Core Group, the OLA's social worker, the family and the Independent Chair.
REQUIRED_INVITEES = (
    InviteeRole.CORE_GROUP,
    InviteeRole.OLA_SOCIAL_WORKER,
    InviteeRole.FAMILY,
    InviteeRole.CHAIR,
)


def missing_invitees(request: TransferInRequest) -> list[str]:
    have = set(request.invitees.values_list("role", flat=True))
    return [InviteeRole(role).label for role in REQUIRED_INVITEES if role not in have]


@transaction.atomic
def conference_confirm_invitations(*, request: TransferInRequest, by: User) -> TransferInRequest:
    """Step 7: the CCA confirms the invitation list with the OLA."""
    request = locked(request)
    _guard(request, can.act_as_cca, by, (S.SCHEDULED,), "confirm the invitation list")
    missing = missing_invitees(request)
    if missing:
        raise ValidationError(f"The invitation list has no {', '.join(missing).lower()} yet.")
    request.invitations_confirmed_at = timezone.now()
    request.save(update_fields=["invitations_confirmed_at"])
    _record(request, "confirm_invitations", by=by, note="Invitation list confirmed with the OLA")
    return request


@transaction.atomic
def conference_hold(
    *, request: TransferInRequest, by: User, outcome: str, note: str
) -> TransferInRequest:
    """Step 9: the conference is held. Responsibility transfers here: each child's case goes to
    the receiving locality team for allocation, no longer CPE. The conference clock is met."""
    require_text(note=(note, "Enter the conference's decisions"))
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Select the conference's outcome"})
    request = locked(request)
    if request.conference_at and request.conference_at > timezone.now():
        raise ValidationError("The conference has not taken place yet")
    _step(request, "hold_conference", by=by, note=note)
    now = timezone.now()
    request.outcome, request.outcome_note, request.held_at = outcome, note.strip(), now
    request.save(update_fields=["outcome", "outcome_note", "held_at"])
    plan = PlanType.CP if outcome == Outcome.CP_PLAN_CONTINUES else PlanType.CIN
    for child in request.children.select_related("case").select_for_update(of=("self",)):
        child.cp_plan_elsewhere = False
        child.save(update_fields=["cp_plan_elsewhere"])
        if child.case is None:
            continue
        if child.case.plan_type != plan:
            case_update(case=child.case, by=by, plan_type=plan, note="Transfer-in conference")
        case_allocate(
            case=child.case,
            team=request.locality_team,
            worker=None,
            by=by,
            reason=f"Transfer-in conference {request.reference}: responsibility transfers from "
            f"{request.requesting_authority}",
        )
    deadline_meet(subject=request, kind=Kind.TRANSFER_IN_CONFERENCE, by=by, note="Held")
    deadline_cancel(subject=request, by=by, reason="Conference held")
    notify(
        request,
        event="held",
        recipients=ccas(request) + qa_managers(request) + locality_managers(request),
        heading="Transfer-in conference held: cases to allocate",
        lines=[
            f"The conference was held. Responsibility has transferred from "
            f"{request.requesting_authority}: allocate a social worker to each child's case."
        ],
        by=by,
    )
    return request


@transaction.atomic
def conference_cancel(*, request: TransferInRequest, by: User, reason: str) -> TransferInRequest:
    """Step 9: no conference (the family did not move, the OLA withdrew). Its clocks stop;
    responsibility stays with the OLA."""
    require_text(reason=(reason, "Enter why the conference is cancelled"))
    request = locked(request)
    _step(request, "cancel_conference", by=by, note=reason)
    request.closed_reason, request.closed_at = reason.strip(), timezone.now()
    request.save(update_fields=["closed_reason", "closed_at"])
    deadline_cancel(subject=request, by=by, reason=f"Conference cancelled: {reason.strip()}")
    notify(
        request,
        event="cancelled",
        recipients=ccas(request) + qa_managers(request) + _conference_watchers(request),
        heading="Transfer-in conference cancelled",
        lines=[f"{by} cancelled it: no further action is needed here."],
        by=by,
    )
    return request


def is_closed(request: TransferInRequest) -> bool:
    return request.status in CLOSED


def letter_url(request: TransferInRequest, kind: str) -> str:
    return reverse("conferences:letter", args=[request.pk, kind])
