"""Immediate safeguarding concerns (seed 000 s3). Issue #11 grows this app into full
escalations.

When YFS or a Children's Centre has an immediate safeguarding concern and no safeguarding team
manager is available, the worker or manager phones the duty officer, who logs the call as a
contact and responds straight away. Not through EHaSH, unless an incident may lead to a section
47 enquiry, when the joint discussion with the police takes place there."""

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casetransfer.paths import path_to
from people.roles import Role

from . import permissions as can


class ConcernStatus(models.TextChoices):
    RAISED = "raised", "Waiting for duty"
    RESPONDED = "responded", "Responded to by duty"
    CLOSED = "closed", "Closed"


class SafeguardingConcern(ConcurrentTransitionMixin, models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    status = FSMField(
        max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.RAISED, protected=True
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    # The YFS or Children's Centre team the person who raised it works in.
    raised_from_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    # The Social Care duty team whose duty officer responds.
    duty_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    concern = models.TextField("what happened")
    call_back_number = models.CharField(max_length=40, blank=True)
    no_safeguarding_tm_available = models.BooleanField(
        "no safeguarding team manager was available", default=False
    )
    via_ehash = models.BooleanField(
        "goes through EHaSH",
        default=False,
        help_text="Only when an incident may lead to a section 47 enquiry: the joint discussion "
        "with the police takes place in EHaSH.",
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    contact_reference = models.CharField(
        max_length=40, blank=True, help_text="The contact the duty officer logged for the call."
    )
    response = models.TextField(blank=True)
    next_steps = models.TextField("what happens next", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = "immediate safeguarding concern"
        indexes = [models.Index(fields=["status", "duty_team", "raised_at"])]

    def __str__(self) -> str:
        return f"Immediate safeguarding concern {self.pk} for {self.case}"

    def get_absolute_url(self) -> str:
        return path_to("escalations:concern", self.pk)

    @property
    def is_priority(self) -> bool:
        """Always urgent: the deadline emails headline it so."""
        return True

    @transition(
        field=status,
        source=ConcernStatus.RAISED,
        target=ConcernStatus.RESPONDED,
        permission=can.respond,
    )
    def respond(self, *, responder, at, response, next_steps, contact_reference, via_ehash) -> None:
        """The duty officer logged the call as a contact and responded straight away."""
        self.responded_by, self.responded_at = responder, at
        self.response, self.next_steps = response, next_steps
        self.contact_reference, self.via_ehash = contact_reference, via_ehash

    @transition(
        field=status,
        source=ConcernStatus.RESPONDED,
        target=ConcernStatus.CLOSED,
        permission=can.close,
    )
    def close(self, *, closer, at, closing_note) -> None:
        """What happens next is under way elsewhere (a contact, a referral, a strategy
        discussion): nothing more is waited for here."""
        self.closed_by, self.closed_at, self.closing_note = closer, at, closing_note


# --- Escalations (DOMAIN.md A, B and C; issue 11) ----------------------------------------------
# Whenever a transfer is refused, blocked or cannot wait, the protocols say who escalates to whom.
# Each escalation climbs levels (data: `EscalationLevel`), each level with a response deadline
# (`escalation_response`); a level that does not answer in time passes it up automatically.


class EscalationKind(models.TextChoices):
    REFUSED_STEP_UP = "refused_step_up", "Step-up not agreed by Social Care"
    BLOCKED_TRANSFER = "blocked_transfer", "Transfer declined or blocked"
    CAPACITY = "capacity", "No capacity to allocate a child on a CP plan or in care"
    HELD_CIN = "held_cin", "Child in need held by the team leader"
    PROTOCOL_SUSPENSION = "protocol_suspension", "Request to suspend part of the protocol"


class EscalationStatus(models.TextChoices):
    RAISED = "raised", "Raised: waiting for a response"
    ACKNOWLEDGED = "acknowledged", "Being looked at"
    ESCALATED = "escalated", "Passed to the next level"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


LIVE_ESCALATION = [
    EscalationStatus.RAISED,
    EscalationStatus.ACKNOWLEDGED,
    EscalationStatus.ESCALATED,
]


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld: the decision stands"
    OVERTURNED = "overturned", "Overturned: the transfer goes ahead"
    APPROVED = "approved", "Approved: the protocol is suspended"
    REFUSED = "refused", "Refused: the protocol applies as written"
    ALLOCATED = "allocated", "The child is allocated a social worker"
    ACTIONS_AGREED = "actions_agreed", "Actions agreed"


class EscalationLevel(models.Model):
    """One rung of an escalation's ladder: who answers at it (a role, scoped to the team
    concerned) and what they are called. Data, edited in the admin."""

    kind = models.CharField(max_length=30, choices=EscalationKind.choices)
    number = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=40, choices=Role.choices)
    title = models.CharField(max_length=120, help_text='As people say it: "Service manager".')

    class Meta:
        ordering = ["kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="one_level_per_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="levels_count_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: level {self.number}, {self.title}"


def has_next_level(escalation) -> bool:
    return EscalationLevel.objects.filter(
        kind=escalation.kind, number__gt=escalation.level
    ).exists()


class Escalation(ConcurrentTransitionMixin, models.Model):
    kind = models.CharField(max_length=30, choices=EscalationKind.choices)
    status = FSMField(
        max_length=20,
        choices=EscalationStatus.choices,
        default=EscalationStatus.RAISED,
        protected=True,
    )
    level = models.PositiveSmallIntegerField(default=1)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    transfer = models.ForeignKey(
        "transfers.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
    )
    # The team the escalation is about: whose decision, capacity or protocol. Who answers at
    # each level is found from it (a service manager over its service, say).
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="escalations")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    reason = models.TextField("why it is escalated")
    # The current level's clock: when it is breached the escalation goes up a level.
    response_deadline = models.ForeignKey(
        "deadlines.Deadline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who acknowledged it at the current level.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    last_escalated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField("reasons and actions", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_note = models.TextField(blank=True)
    # Protocol suspensions (seed 001 s6.1, Appendix 1).
    protocol_part = models.TextField("which part of the protocol", blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    impact = models.TextField("how it affects the protocol", blank=True)
    mitigations = models.TextField("actions to mitigate the risk", blank=True)
    suspension_ended_at = models.DateTimeField(null=True, blank=True)
    suspension_ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    suspension_end_note = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [
            models.Index(fields=["status", "kind", "raised_at"]),
            models.Index(fields=["case", "status"]),
            models.Index(fields=["team", "status"]),
        ]

    def __str__(self) -> str:
        about = f"case {self.case.reference}" if self.case_id else f"{self.team}"
        return f"Escalation {self.pk}: {self.get_kind_display().lower()} ({about})"

    def get_absolute_url(self) -> str:
        return path_to("escalations:escalation", self.pk)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_ESCALATION

    @property
    def is_priority(self) -> bool:
        """Children on CP plans or in care left without a worker are headlined urgent."""
        return self.kind == EscalationKind.CAPACITY

    @property
    def suspension_in_force(self) -> bool:
        return (
            self.kind == EscalationKind.PROTOCOL_SUSPENSION
            and self.outcome == Outcome.APPROVED
            and self.suspension_ended_at is None
        )

    @transition(
        field=status,
        source=[EscalationStatus.RAISED, EscalationStatus.ESCALATED],
        target=EscalationStatus.ACKNOWLEDGED,
        permission=can.answer,
    )
    def acknowledge(self, *, holder, at) -> None:
        """Someone at the current level has it: they hold its clock."""
        self.held_by, self.acknowledged_at = holder, at

    @transition(
        field=status,
        source=LIVE_ESCALATION,
        target=EscalationStatus.ESCALATED,
        permission=can.answer,
        conditions=[has_next_level],
    )
    def escalate(self, *, at) -> None:
        """Up one level: by the current level's choice, or because its response deadline
        passed."""
        self.level += 1
        self.held_by = self.acknowledged_at = None
        self.last_escalated_at = at

    @transition(
        field=status,
        source=LIVE_ESCALATION,
        target=EscalationStatus.RESOLVED,
        permission=can.answer,
    )
    def resolve(self, *, resolver, at, outcome, reasons) -> None:
        """Decided at the current level, with the outcome and the reasons and actions."""
        self.resolved_by, self.resolved_at = resolver, at
        self.outcome, self.outcome_note = outcome, reasons

    @transition(
        field=status,
        source=LIVE_ESCALATION,
        target=EscalationStatus.WITHDRAWN,
        permission=can.withdraw,
    )
    def withdraw(self, *, reason) -> None:
        """Whoever raised it no longer needs it decided."""
        self.withdrawn_note = reason


class OversightKind(models.TextChoices):
    VISIT = "visit", "Visit"
    REVIEW = "review", "Review"


class OversightRecord(models.Model):
    """Seed 001 s2.6: while no social worker can be allocated to a child in need, the team
    leader visits and reviews; the service manager reads these on the escalation."""

    escalation = models.ForeignKey(
        Escalation, on_delete=models.PROTECT, related_name="oversight_records"
    )
    kind = models.CharField(max_length=10, choices=OversightKind.choices)
    happened_on = models.DateField("date")
    note = models.TextField("what was seen and decided")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["happened_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.happened_on:%d %B %Y}"
