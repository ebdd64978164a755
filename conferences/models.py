"""Transfer-in Child Protection Conferences (seed 003; DOMAIN.md section D).

A family on a Child Protection Plan held by another local authority (the OLA) moves here. The OLA
asks, through MASH, for a transfer-in conference. One `TransferInRequest` follows the request from
receipt to the conference, with a child row per child (siblings share a request), the bundle of
documents the protocol email asks for, the welfare visits the locality team makes on the OLA's
behalf and the conference's invitation list. Its `status` moves only through
`conferences.services`, each move audited."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casetransfer.paths import path_to

from . import permissions as can


class ConferenceStatus(models.TextChoices):
    RECEIVED = "received", "Received via MASH"
    ACKNOWLEDGED = "acknowledged", "Acknowledged: with the CCA team"
    FAMILY_RECORDED = "family_recorded", "Family recorded as CPE"
    AWAITING_BUNDLE = "awaiting_bundle", "Protocol email sent: waiting for the bundle"
    BUNDLE_RECEIVED = "bundle_received", "Bundle received"
    WITH_QA = "with_qa", "Shared with the QA Service Manager and team manager"
    DISCUSSED = "discussed", "Discussed with the team manager"
    ACCEPTED = "accepted", "Accepted: tentative date to offer"
    DATE_OFFERED = "date_offered", "Tentative date offered"
    SCHEDULED = "scheduled", "Conference scheduled"
    HELD = "held", "Conference held"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


S = ConferenceStatus
CLOSED = (S.HELD, S.DECLINED, S.CANCELLED)
LIVE = tuple(s for s in S.values if s not in CLOSED)
# Until the conference the holding authority keeps responsibility (seed 003).
CANCELLABLE = LIVE


class Decision(models.TextChoices):
    ACCEPT = "accept", "Accept: hold a transfer-in conference"
    DECLINE = "decline", "Decline"


class Outcome(models.TextChoices):
    CP_PLAN_CONTINUES = "cp_plan_continues", "Child Protection Plan continues here"
    NO_CP_PLAN = "no_cp_plan", "No Child Protection Plan: supported as a child in need"


class DocumentKind(models.TextChoices):
    """What the protocol email asks the OLA for (seed 003)."""

    CP_PLAN = "cp_plan", "Current Child Protection Plan"
    CONFERENCE_MINUTES = "conference_minutes", "All previous Child Protection Conference minutes"
    CORE_GROUP_MINUTES = "core_group_minutes", "Last Core Group meeting minutes"
    RISK_ASSESSMENT = "risk_assessment", "Current risk assessment reflecting the move"
    CHRONOLOGY = "chronology", "Chronology of significant events"
    VIABILITY_ASSESSMENT = (
        "viability_assessment",
        "Viability assessment of carers, with PNC and DBS checks",
    )
    UPDATED_REPORT = (
        "updated_report",
        "Updated report for the conference, shared with the family (48 hours before)",
    )


# The bundle: what must be in before it is shared. The updated report comes later, 48 hours
# before the conference, on its own clock.
BUNDLE_KINDS = tuple(k for k in DocumentKind.values if k != DocumentKind.UPDATED_REPORT)


class TransferInRequest(ConcurrentTransitionMixin, models.Model):
    """One request from another authority for a transfer-in conference, for one or more
    children of one family."""

    reference = models.CharField(
        max_length=20, unique=True, help_text="This system's reference: used in emails."
    )
    status = FSMField(
        max_length=30, choices=ConferenceStatus.choices, default=S.RECEIVED, protected=True
    )
    mash_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    cca_team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        related_name="transfer_in_requests",
        help_text="The case conference team that runs the conference.",
    )
    locality_team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_conferences",
        help_text="The receiving locality team: visits on the OLA's behalf, holds the case after.",
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chaired_conferences",
    )

    # The request, as the OLA sent it.
    requesting_authority = models.CharField("requesting authority", max_length=120)
    ola_social_worker = models.CharField("OLA social worker", max_length=120)
    ola_social_worker_email = models.EmailField("OLA social worker's email")
    ola_social_worker_phone = models.CharField("OLA social worker's phone", max_length=40)
    ola_team_manager = models.CharField("OLA team manager", max_length=120, blank=True)
    moved_in_on = models.DateField("date the family moved in")
    new_address = models.TextField("the family's new address")
    request_received_at = models.DateTimeField("written request received")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledgement_text = models.TextField(blank=True)

    family_recorded_at = models.DateTimeField(null=True, blank=True)
    protocol_sent_at = models.DateTimeField(null=True, blank=True)
    protocol_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    protocol_email_text = models.TextField(blank=True)

    outstanding_note = models.TextField(
        blank=True, help_text="What the OLA has still to send, as last recorded."
    )
    outstanding_requested_at = models.DateTimeField(null=True, blank=True)
    outstanding_letter_text = models.TextField(blank=True)
    sw_contacted_at = models.DateTimeField(
        null=True, blank=True, help_text="The holding social worker contacted the CCA team."
    )
    bundle_received_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)

    discussed_with = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    discussed_at = models.DateTimeField(null=True, blank=True)
    discussion_notes = models.TextField(blank=True)

    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_text = models.TextField(blank=True)

    tentative_date = models.DateField(null=True, blank=True)
    date_offered_at = models.DateTimeField(null=True, blank=True)
    conference_at = models.DateTimeField(null=True, blank=True)
    conference_venue = models.CharField(max_length=200, blank=True)
    date_agreed_with = models.CharField(
        max_length=200, blank=True, help_text="Who in the locality service agreed the date."
    )
    invitations_confirmed_at = models.DateTimeField(null=True, blank=True)
    report_received_at = models.DateTimeField(null=True, blank=True)

    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True, help_text="Why it was declined or cancelled.")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "transfer-in conference request"
        ordering = ["-request_received_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return path_to("conferences:detail", self.pk)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def ola_responsible(self) -> bool:
        """Until the conference is held, the holding authority keeps responsibility."""
        return self.status != S.HELD

    # The protocol's steps. The services check state and permission first and say why; these
    # guards are the last line.

    @transition(field=status, source=S.RECEIVED, target=S.ACKNOWLEDGED, permission=can.act_for_mash)
    def acknowledge(self) -> None:
        """MASH acknowledges receipt and sends the details to the CCA team and QA SM."""

    @transition(
        field=status, source=S.ACKNOWLEDGED, target=S.FAMILY_RECORDED, permission=can.act_as_cca
    )
    def record_family(self) -> None:
        """The CCA records the family, showing as CPE."""

    @transition(
        field=status,
        source=S.FAMILY_RECORDED,
        target=S.AWAITING_BUNDLE,
        permission=can.act_as_cca,
    )
    def send_protocol_email(self) -> None:
        """The CCA asks the OLA for the documents the protocol needs."""

    @transition(
        field=status,
        source=S.AWAITING_BUNDLE,
        target=S.BUNDLE_RECEIVED,
        permission=can.act_as_cca,
        conditions=[can.bundle_complete],
    )
    def receive_bundle(self) -> None:
        """Every document of the bundle is in."""

    @transition(field=status, source=S.BUNDLE_RECEIVED, target=S.WITH_QA, permission=can.act_as_cca)
    def share_bundle(self) -> None:
        """Shared with the QA Service Manager and the receiving locality team manager."""

    @transition(field=status, source=S.WITH_QA, target=S.DISCUSSED, permission=can.act_as_qa)
    def discuss_with_team_manager(self) -> None:
        """The QA SM and the TM agree the way forward."""

    @transition(field=status, source=S.DISCUSSED, target=S.ACCEPTED, permission=can.act_as_qa)
    def accept_transfer_in(self) -> None:
        """The QA SM accepts the request and answers the OLA with the reasons."""

    @transition(field=status, source=S.DISCUSSED, target=S.DECLINED, permission=can.act_as_qa)
    def decline_transfer_in(self) -> None:
        """The QA SM declines the request and answers the OLA with the reasons."""

    @transition(field=status, source=S.ACCEPTED, target=S.DATE_OFFERED, permission=can.act_as_qa)
    def offer_tentative_date(self) -> None:
        """A tentative date from the move-in date; the holding SW to contact the CCA team."""

    @transition(field=status, source=S.DATE_OFFERED, target=S.SCHEDULED, permission=can.act_as_cca)
    def agree_conference_date(self) -> None:
        """The CCA and the locality service agree the conference date."""

    @transition(field=status, source=S.SCHEDULED, target=S.SCHEDULED, permission=can.act_as_cca)
    def move_conference_date(self) -> None:
        """The conference is re-dated: its deadlines move with it."""

    @transition(field=status, source=S.SCHEDULED, target=S.HELD, permission=can.hold)
    def hold_conference(self) -> None:
        """The conference is held: responsibility transfers here."""

    @transition(field=status, source=CANCELLABLE, target=S.CANCELLED, permission=can.cancel)
    def cancel_conference(self) -> None:
        """No conference after all (the family did not move, the OLA withdrew...)."""


class TransferInChild(models.Model):
    """One child of the request. Recorded here as CPE: on a Child Protection Plan held by
    another authority, which stays responsible until the conference."""

    request = models.ForeignKey(
        TransferInRequest, on_delete=models.CASCADE, related_name="children"
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    ola_reference = models.CharField("the OLA's case number", max_length=40, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer_in",
    )
    # CPE: Child Protection Plan held elsewhere. Cleared when the conference takes it on.
    cp_plan_elsewhere = models.BooleanField("CPE", default=True)

    class Meta:
        ordering = ["date_of_birth", "id"]

    def __str__(self) -> str:
        return self.case.reference if self.case_id else f"child {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _bundle_path(document: "BundleDocument", filename: str) -> str:
    """A random name: the uploaded file's own name may carry a child's name."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"conference_bundles/{document.request_id}/{uuid.uuid4().hex}{suffix}"


class BundleDocument(models.Model):
    """One uploaded document of the bundle. Stored under MEDIA_ROOT, which is never served
    directly: only `conferences:document` sends it, to someone who may see the request."""

    request = models.ForeignKey(
        TransferInRequest, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    file = models.FileField(upload_to=_bundle_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.request}"


class WelfareVisit(models.Model):
    """A visit the locality team made on the OLA's behalf before the conference."""

    request = models.ForeignKey(
        TransferInRequest, on_delete=models.CASCADE, related_name="welfare_visits"
    )
    visited_at = models.DateTimeField()
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["visited_at", "id"]

    def __str__(self) -> str:
        return f"Welfare visit for {self.request} on {self.visited_at:%d %b %Y}"


class InviteeRole(models.TextChoices):
    CORE_GROUP = "core_group", "Local Core Group professional"
    OLA_SOCIAL_WORKER = "ola_social_worker", "OLA social worker"
    FAMILY = "family", "Family member"
    CHAIR = "chair", "Independent Chair"
    TEAM_MANAGER = "team_manager", "Receiving team manager"
    AGENCY = "agency", "Agency"


class Invitee(models.Model):
    """Someone on the conference's invitation list."""

    request = models.ForeignKey(
        TransferInRequest, on_delete=models.CASCADE, related_name="invitees"
    )
    role = models.CharField(max_length=30, choices=InviteeRole.choices)
    name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120, blank=True)
    contact = models.CharField(
        max_length=200, help_text="An email address or phone number for the invitation."
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["role", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement of the request"
    PROTOCOL = "protocol", "Protocol email: information and action required"
    ACCEPTED = "accepted", "Response: request accepted"
    DECLINED = "declined", "Response: request declined"
    OUTSTANDING = "outstanding", "Request for outstanding information"


class LetterTemplate(models.Model):
    """The words of a letter to the OLA, edited by administrators in the Django admin. The body
    is a Django template; see the help text for what it may use."""

    kind = models.CharField(max_length=30, choices=LetterKind.choices, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=(
            "Available: {{ reference }}, {{ requesting_authority }}, {{ social_worker }}, "
            "{{ children_names }}, {{ child_or_children }}, {{ children }} (each with "
            "full_name, date_of_birth, reference), {{ several }} (true for siblings), "
            "{{ moved_in_on }}, {{ tentative_date }}, {{ conference_at }}, {{ reasons }}, "
            "{{ outstanding }}, {{ documents }}, {{ cca_team }}, {{ signed }}."
        )
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()
