"""Transfers: every hand-off of a case between teams.

One `Transfer` row per hand-off, whatever its kind, holds what every kind shares: the case, the
teams, who asked and who holds it now, urgency, and one status machine. What only one kind needs
lives in a one-to-one detail row (`StepUp` for seed 002; stepping across, CIN to CiC and the rest
add theirs). Lists, queues, deadlines and the audit trail work on `Transfer` alone."""

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.case_team import case_team_field
from casetransfer.choices import choice_label
from casetransfer.paths import path_to

from . import permissions as can


class TransferKind(models.TextChoices):
    STEP_UP = "step_up", "Step up to Social Care"
    STEP_DOWN = "step_down", "Step down from Social Care"
    STEP_ACROSS = "step_across", "Step across"
    CIN_TO_CIC = "cin_to_cic", "Child in Need to Children in Care"
    TEAM_TRANSFER = "team_transfer", "Transfer between teams"


class SocialCareOutcome(models.TextChoices):
    """What Social Care decided at the duty discussion, as practice names it (seed 002, step 3)."""

    SECTION_17 = "s17_assessment", "Section 17 (Child in Need) assessment"
    SECTION_47 = "s47_strategy", "Section 47 strategy discussion"
    NO_FURTHER_ACTION = "nfa_advice", "No further action, with advice to Early Help"
    BACK_TO_EARLY_HELP = "back_to_early_help", "Back to Early Help"


AGREED_OUTCOMES = (SocialCareOutcome.SECTION_17, SocialCareOutcome.SECTION_47)


class TransferStatus(models.TextChoices):
    ESCALATION_DISCUSSION = "escalation_discussion", "Escalation discussion"
    AWAITING_EH_DECISION = "awaiting_eh_decision", "Waiting for Early Help team manager"
    EH_NOT_AGREED = "eh_not_agreed", "Not agreed by Early Help"
    READY_TO_SEND = "ready_to_send", "Agreed: step-up form to send"
    WITH_DUTY = "with_duty", "Sent to Social Care"
    PICKED_UP = "picked_up", "Picked up by Social Care"
    NOT_AGREED = "not_agreed", "Not agreed by Social Care"
    AWAITING_ALLOCATION = "awaiting_allocation", "Agreed: awaiting allocation"
    # Transfers between teams: stepping across, step down, between Social Care teams.
    PROPOSED = "proposed", "Proposed to the receiving team"
    DECLINED = "declined", "Declined by the receiving team"
    ACCEPTED = "accepted", "Accepted: preparing the transfer"
    # Child in Need to Children in Care (seed 004).
    CARE_CONFIRMED = "care_confirmed", "Access to care confirmed: awaiting a Children in Care team"
    TEAM_ALLOCATED = "team_allocated", "Allocated to a Children in Care team"
    # Shared by every kind.
    ALLOCATED = "allocated", "Allocated to a social worker"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TransferStage(models.TextChoices):
    """The lifecycle every kind shares: what lists, queues, the one-live-transfer rule and the
    weekly list read without knowing the kind."""

    REQUESTED = "requested", "Requested"
    AGREED = "agreed", "Agreed"
    ALLOCATED = "allocated", "Allocated"
    COMPLETED = "completed", "Completed"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = TransferStatus
STAGE = TransferStage
# Which shared stage each kind's step means. Every status belongs to one stage, whatever the kind.
STAGE_OF: dict[str, str] = {
    S.ESCALATION_DISCUSSION: STAGE.REQUESTED,
    S.AWAITING_EH_DECISION: STAGE.REQUESTED,
    S.READY_TO_SEND: STAGE.REQUESTED,
    S.WITH_DUTY: STAGE.REQUESTED,
    S.PICKED_UP: STAGE.REQUESTED,
    S.EH_NOT_AGREED: STAGE.REFUSED,
    S.NOT_AGREED: STAGE.REFUSED,
    S.AWAITING_ALLOCATION: STAGE.AGREED,
    S.PROPOSED: STAGE.REQUESTED,
    S.DECLINED: STAGE.REFUSED,
    S.ACCEPTED: STAGE.AGREED,
    S.CARE_CONFIRMED: STAGE.REQUESTED,
    S.TEAM_ALLOCATED: STAGE.AGREED,
    S.ALLOCATED: STAGE.ALLOCATED,
    S.COMPLETED: STAGE.COMPLETED,
    S.WITHDRAWN: STAGE.WITHDRAWN,
}
LIVE_STAGES = [STAGE.REQUESTED, STAGE.AGREED, STAGE.ALLOCATED]
# A step-up can be withdrawn before Social Care's decision; a transfer between teams until it
# completes.
WITHDRAWABLE_STEP_UP = [
    S.ESCALATION_DISCUSSION,
    S.AWAITING_EH_DECISION,
    S.READY_TO_SEND,
    S.WITH_DUTY,
    S.PICKED_UP,
]
WITHDRAWABLE_TEAM_MOVE = [S.PROPOSED, S.ACCEPTED, S.ALLOCATED]
WITHDRAWABLE_CIN_TO_CIC = [S.CARE_CONFIRMED, S.TEAM_ALLOCATED, S.ALLOCATED]
WITHDRAWABLE = [*WITHDRAWABLE_STEP_UP, S.PROPOSED, S.ACCEPTED]
LIVE = [status for status, stage in STAGE_OF.items() if stage in LIVE_STAGES]
CLOSED = [status for status, stage in STAGE_OF.items() if stage not in LIVE_STAGES]
TEAM_MOVE_KINDS = (TransferKind.STEP_ACROSS, TransferKind.STEP_DOWN, TransferKind.TEAM_TRANSFER)


def kind_is_step_up(transfer) -> bool:
    return transfer.kind == TransferKind.STEP_UP


def kind_is_cin_to_cic(transfer) -> bool:
    return transfer.kind == TransferKind.CIN_TO_CIC


def kind_is_team_move(transfer) -> bool:
    return transfer.kind in TEAM_MOVE_KINDS


STEP_UP = {"kind": "step_up"}
TEAM_MOVE = {"kind": "team_move"}
CIN_TO_CIC = {"kind": "cin_to_cic"}
SHARED = {"kind": "shared"}


class Transfer(ConcurrentTransitionMixin, models.Model):
    kind = models.CharField(max_length=20, choices=TransferKind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="transfers")
    status = FSMField(
        max_length=30,
        choices=TransferStatus.choices,
        default=TransferStatus.ESCALATION_DISCUSSION,
        protected=True,
    )
    stage = FSMField(
        max_length=20,
        choices=TransferStage.choices,
        default=TransferStage.REQUESTED,
        protected=True,
    )
    from_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The manager the request sits with on the receiving side (the duty manager who picked it
    # up, or the team manager who closed the case within 12 weeks).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    urgent = models.BooleanField(default=False)
    section_47 = models.BooleanField("section 47 enquiry", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The duty manager who picked the request up (who may have reassigned it to another team).
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    picked_up_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the case is expected to move (for CIN to Children in Care, the first Looked After
    # review, by which the transfer discussion is due): shown on the weekly transfer list.
    anticipated_on = models.DateField("anticipated transfer date", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The due time of the transfer's earliest live (open or breached) deadline, kept by
    # deadlines.services.refresh_next_due whenever one starts, is met, cancelled or moved: the
    # lists sort by it without working it out row by row (issue 14). Never written by save().
    next_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The case's current team, kept by the database (cases.case_team).
    case_team = case_team_field()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "to_team"]),
            # The cases a live transfer to some teams involves, read from the index alone: the
            # involvement branch of every visibility check (cases.selectors).
            models.Index(
                fields=["to_team"],
                include=["case"],
                condition=models.Q(status__in=LIVE),
                name="live_transfer_to_team_case",
            ),
            models.Index(fields=["case", "status"]),
            models.Index(fields=["stage", "to_team"]),
            # The live transfers of one kind (a few hundred of 30,000 at 100,000 cases): the
            # Child in Need to Children in Care ones worked through for "waiting on you".
            models.Index(fields=["kind", "stage"], name="transfer_kind_stage"),
            # The weekly list's default order: by next deadline, then id; with the columns
            # that choose a week's rows and whose case they are about, so the list is read
            # from the index alone (a service manager's 18,700 rows: 21 to 11 ms, issue 14).
            models.Index(
                fields=["next_due_at", "id"],
                include=["created_at", "stage", "closed_at", "case_team", "case"],
                name="transfer_next_due",
            ),
        ]
        permissions = [("view_duty_queue", "Can see the Social Care duty queue")]
        constraints = [
            # A case is never in two live hand-offs at once, whatever their kinds.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(stage__in=LIVE_STAGES),
                name="one_live_transfer_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} for {self.case}"

    def save(self, *args, **kwargs):
        # next_due_at belongs to the deadline services: a copy held in memory while a deadline
        # started would otherwise write the old value back. (case_team needs no such care: the
        # database works it out again on any write of it.)
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "next_due_at"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return path_to("transfers:detail", self.pk)

    # As Django's get_FOO_display, without building every choice on each call (choices.py).
    def get_kind_display(self) -> str:
        return choice_label(TransferKind, self.kind)

    def get_status_display(self) -> str:
        return choice_label(TransferStatus, self.status)

    @property
    def is_priority(self) -> bool:
        return self.urgent or self.section_47

    @property
    def is_live(self) -> bool:
        return self.stage in LIVE_STAGES

    @property
    def is_team_move(self) -> bool:
        return kind_is_team_move(self)

    # --- the shared stage: moved with the kind's step, in the same save and audit record --------
    @transition(
        field=stage, source=[STAGE.REQUESTED, STAGE.REFUSED], target=STAGE.AGREED, custom=SHARED
    )
    def stage_agreed(self) -> None:
        """Agreed; or, from refused, a refusal overturned on escalation."""

    @transition(
        field=stage, source=[STAGE.REQUESTED, STAGE.AGREED], target=STAGE.ALLOCATED, custom=SHARED
    )
    def stage_allocated(self) -> None:
        pass

    @transition(
        field=stage, source=[STAGE.AGREED, STAGE.ALLOCATED], target=STAGE.COMPLETED, custom=SHARED
    )
    def stage_completed(self) -> None:
        pass

    @transition(
        field=stage, source=[STAGE.REQUESTED, STAGE.AGREED], target=STAGE.REFUSED, custom=SHARED
    )
    def stage_refused(self) -> None:
        pass

    @transition(field=stage, source=LIVE_STAGES, target=STAGE.WITHDRAWN, custom=SHARED)
    def stage_withdrawn(self) -> None:
        pass

    # --- step up (seed 002) -------------------------------------------------------------
    @transition(
        field=status,
        source=S.ESCALATION_DISCUSSION,
        target=S.AWAITING_EH_DECISION,
        permission=can.review_as_supervisor,
        custom=STEP_UP,
    )
    def submit_to_manager(self) -> None:
        """Step 1: the EH supervisor and worker completed the escalation discussion."""

    @transition(
        field=status,
        source=S.AWAITING_EH_DECISION,
        target=S.READY_TO_SEND,
        permission=can.decide_for_early_help,
        custom=STEP_UP,
    )
    def agree_escalation(self) -> None:
        """Step 2: the EH/Graft TM agrees everything has been done and the threshold is met."""

    @transition(
        field=status,
        source=S.AWAITING_EH_DECISION,
        target=S.EH_NOT_AGREED,
        permission=can.decide_for_early_help,
        custom=STEP_UP,
    )
    def refuse_escalation(self, *, at) -> None:
        self.closed_at = at

    @transition(
        field=status,
        source=S.READY_TO_SEND,
        target=S.WITH_DUTY,
        permission=can.send_to_duty,
        custom=STEP_UP,
    )
    def send_to_duty(self, *, sender, at) -> None:
        """Step 2: the step-up form goes to Social Care duty (or the closing TM)."""
        self.sent_by, self.sent_at = sender, at

    @transition(
        field=status,
        source=S.WITH_DUTY,
        target=S.PICKED_UP,
        permission=can.act_for_duty,
        custom=STEP_UP,
    )
    def pick_up(self, *, manager, holder, team, at) -> None:
        """Step 3: a duty ATM/TM picks the request up, for themselves or (reassigned) for the
        manager of another Social Care team."""
        self.picked_up_by, self.picked_up_at = manager, at
        self.assigned_to, self.to_team = holder, team

    @transition(
        field=status,
        source=S.PICKED_UP,
        target=S.AWAITING_ALLOCATION,
        permission=can.decide_for_social_care,
        custom=STEP_UP,
    )
    def agree_step_up(self, *, decider, at, reasons) -> None:
        """Step 3: agreed; a contact and referral are made; the case awaits allocation."""
        self.decided_by, self.decided_at, self.decision_note = decider, at, reasons

    @transition(
        field=status,
        source=S.PICKED_UP,
        target=S.NOT_AGREED,
        permission=can.decide_for_social_care,
        custom=STEP_UP,
    )
    def refuse_step_up(self, *, decider, at, reasons) -> None:
        """Step 4: not agreed; the case stays open to Early Help or Graft."""
        self.decided_by, self.decided_at, self.decision_note = decider, at, reasons
        self.closed_at = at

    @transition(
        field=status,
        source=S.NOT_AGREED,
        target=S.AWAITING_ALLOCATION,
        conditions=[kind_is_step_up],
        custom=STEP_UP,
    )
    def overturn_refusal(self, *, decider, at, reasons) -> None:
        """Step 4, escalated: the service manager overturns Social Care's decision, and the same
        step-up goes on to allocation (the escalations app checks who may)."""
        self.decided_by, self.decided_at, self.decision_note = decider, at, reasons
        self.closed_at = None

    @transition(
        field=status,
        source=S.AWAITING_ALLOCATION,
        target=S.ALLOCATED,
        permission=can.allocate,
        custom=STEP_UP,
    )
    def allocate(self, *, worker, allocator, at) -> None:
        """After the decision: a social worker in the receiving team takes the case."""
        self.allocated_worker, self.allocated_at, self.allocated_by = worker, at, allocator

    @transition(
        field=status,
        source=S.ALLOCATED,
        target=S.COMPLETED,
        conditions=[kind_is_step_up],
        custom=STEP_UP,
    )
    def complete(self, *, at) -> None:
        """The joint visit and the 10-day discussion are both recorded."""
        self.closed_at = at

    # --- transfers between teams (seeds 000 and 001) --------------------------------------------
    @transition(
        field=status,
        source=S.PROPOSED,
        target=S.ACCEPTED,
        permission=can.decide_transfer,
        conditions=[kind_is_team_move],
        custom=TEAM_MOVE,
    )
    def accept_transfer(self, *, decider, at, reasons) -> None:
        """Seed 001 s5: the receiving team manager decides and records the transfer."""
        self.decided_by, self.decided_at, self.decision_note = decider, at, reasons

    @transition(
        field=status,
        source=S.PROPOSED,
        target=S.DECLINED,
        permission=can.decide_transfer,
        conditions=[kind_is_team_move],
        custom=TEAM_MOVE,
    )
    def decline_transfer(self, *, decider, at, reasons) -> None:
        self.decided_by, self.decided_at, self.decision_note = decider, at, reasons
        self.closed_at = at

    @transition(
        field=status,
        source=S.DECLINED,
        target=S.ACCEPTED,
        conditions=[kind_is_team_move],
        custom=TEAM_MOVE,
    )
    def overturn_decline(self, *, decider, at, reasons) -> None:
        """Escalated: the service manager overturns the receiving team's refusal; the transfer
        is accepted for them (the escalations app checks who may)."""
        self.decided_by, self.decided_at, self.decision_note = decider, at, reasons
        self.closed_at = None

    @transition(
        field=status,
        source=S.ACCEPTED,
        target=S.ALLOCATED,
        permission=can.allocate_receiving,
        conditions=[kind_is_team_move],
        custom=TEAM_MOVE,
    )
    def allocate_in_receiving_team(self, *, worker, allocator, at) -> None:
        """The receiving team allocates a worker (or, for a child in need only, the team leader
        holds the case: worker None)."""
        self.allocated_worker, self.allocated_at, self.allocated_by = worker, at, allocator

    @transition(
        field=status,
        source=S.ALLOCATED,
        target=S.COMPLETED,
        permission=can.complete_transfer,
        conditions=[kind_is_team_move],
        custom=TEAM_MOVE,
    )
    def complete_transfer(self, *, at) -> None:
        """Every transfer standard met: the case moves to the receiving team."""
        self.closed_at = at

    # --- Child in Need to Children in Care (seed 004) -------------------------------------------
    @transition(
        field=status,
        source=S.CARE_CONFIRMED,
        target=S.TEAM_ALLOCATED,
        permission=can.act_as_operational_manager,
        conditions=[kind_is_cin_to_cic],
        custom=CIN_TO_CIC,
    )
    def allocate_cic_team(self, *, team, decider, at) -> None:
        """The Operational Manager allocates the case to a Children in Care team within a week."""
        self.to_team, self.assigned_to = team, team.manager
        self.decided_by, self.decided_at = decider, at

    @transition(
        field=status,
        source=S.TEAM_ALLOCATED,
        target=S.ALLOCATED,
        permission=can.allocate_receiving,
        conditions=[kind_is_cin_to_cic],
        custom=CIN_TO_CIC,
    )
    def allocate_cic_worker(self, *, worker, allocator, at) -> None:
        """The receiving TM allocates a social worker within a week of team allocation."""
        self.allocated_worker, self.allocated_at, self.allocated_by = worker, at, allocator

    @transition(
        field=status,
        source=S.ALLOCATED,
        target=S.COMPLETED,
        permission=can.complete_cin_to_cic,
        conditions=[kind_is_cin_to_cic],
        custom=CIN_TO_CIC,
    )
    def complete_cin_to_cic(self, *, at) -> None:
        """Recorded on ICS: the case moves to the Children in Care team, and from the weekly
        transfer list to the historic list."""
        self.closed_at = at

    @transition(
        field=status,
        source=WITHDRAWABLE_CIN_TO_CIC,
        target=S.WITHDRAWN,
        permission=can.withdraw,
        conditions=[kind_is_cin_to_cic],
        custom=CIN_TO_CIC,
    )
    def withdraw_cin_to_cic(self, *, withdrawn_by, reason, at) -> None:
        """The referring manager withdraws it, with the reason."""
        self.withdrawn_by, self.withdrawn_reason, self.closed_at = withdrawn_by, reason, at

    # --- withdrawal, kind by kind ---------------------------------------------------------------
    @transition(
        field=status,
        source=WITHDRAWABLE_STEP_UP,
        target=S.WITHDRAWN,
        permission=can.withdraw,
        conditions=[kind_is_step_up],
        custom=STEP_UP,
    )
    def withdraw_step_up(self, *, withdrawn_by, reason, at) -> None:
        """Before Social Care's decision, with a reason."""
        self.withdrawn_by, self.withdrawn_reason, self.closed_at = withdrawn_by, reason, at

    @transition(
        field=status,
        source=WITHDRAWABLE_TEAM_MOVE,
        target=S.WITHDRAWN,
        permission=can.withdraw,
        conditions=[kind_is_team_move],
        custom=TEAM_MOVE,
    )
    def withdraw_transfer(self, *, withdrawn_by, reason, at) -> None:
        """Until it completes, with a reason."""
        self.withdrawn_by, self.withdrawn_reason, self.closed_at = withdrawn_by, reason, at


class StepUp(models.Model):
    """What a step-up to Social Care records at each step (seed 002)."""

    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="step_up")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Early Help supervisor who holds the escalation discussion (for a Graft "
        "case, the Graft team manager).",
    )
    # The FFP/FSW who holds the case in Early Help: stays involved, and hears every step, whoever
    # pressed "start" (seed 002: "following allocation FFP/FSW remains involved").
    eh_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Early Help worker",
    )
    # Step 1: the escalation discussion form.
    concerns = models.TextField()
    work_tried = models.TextField("what has been tried")
    why_now = models.TextField("why step up now")
    supervisor_notes = models.TextField(blank=True)
    # Step 2: the EH/Graft team manager's decision.
    eh_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    eh_decided_at = models.DateTimeField(null=True, blank=True)
    eh_all_work_done = models.BooleanField(null=True, blank=True)
    eh_threshold_met = models.BooleanField(null=True, blank=True)
    eh_outcome = models.TextField("discussion and outcome", blank=True)
    eh_actions = models.TextField("actions", blank=True)
    eh_advice = models.TextField("advice to the supervisor and worker", blank=True)
    # Step 2: the step-up form sent to duty.
    request_summary = models.TextField("reason for the request", blank=True)
    current_risks = models.TextField(blank=True)
    family_informed = models.BooleanField(default=False)
    family_agrees = models.BooleanField(null=True, blank=True)
    consent_note = models.TextField(
        blank=True, help_text="Why the family has not been told, or does not agree."
    )
    routed_to_closing_manager = models.BooleanField(default=False)
    routing_reason = models.CharField(max_length=300, blank=True)
    # Step 3: the Social Care discussion and decision.
    reassigned_from = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reassign_reason = models.TextField(blank=True)
    discussion_held_at = models.DateTimeField(null=True, blank=True)
    sc_outcome = models.CharField(
        "Social Care's decision", max_length=30, choices=SocialCareOutcome.choices, blank=True
    )
    contact_reference = models.CharField(max_length=40, blank=True)
    referral_reference = models.CharField(max_length=40, blank=True)
    # After allocation.
    joint_visit_at = models.DateTimeField(null=True, blank=True)
    joint_visit_notes = models.TextField(blank=True)
    joint_visit_with_eh_worker = models.BooleanField(
        "the Early Help worker attended", default=False
    )
    joint_visit_eh_absent_reason = models.TextField(blank=True)
    ten_day_discussion_at = models.DateTimeField(null=True, blank=True)
    ten_day_notes = models.TextField(blank=True)
    worker_invited = models.BooleanField(default=False)
    supervisor_invited = models.BooleanField(default=False)
    new_plan_on = models.DateField(
        null=True, blank=True, help_text="The day a new plan replaced the existing safety plan."
    )
    new_plan_notes = models.TextField(blank=True)
    new_plan_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Step 4, not agreed: Early Help accepts Social Care's decision, or escalates it.
    refusal_accepted_at = models.DateTimeField(null=True, blank=True)
    refusal_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal_accepted_note = models.TextField(blank=True)
    escalation_requested_at = models.DateTimeField(null=True, blank=True)
    escalation_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation_note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Step-up details for transfer {self.transfer_id}"

    @property
    def sc_agreed(self) -> bool:
        return self.sc_outcome in AGREED_OUTCOMES


class TeamMove(models.Model):
    """What a transfer between teams records: stepping across (seed 000), step down, and
    transfers between Social Care teams at the remits' transfer points (seed 001). All three
    follow seed 001's transfer standards; a step across also starts with a manager-to-manager
    discussion and has a joint transition visit or meeting once agreed."""

    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="team_move")
    reason = models.TextField("why the case transfers")
    # Seed 000 s2: a step across starts with a discussion between the managers, not an email.
    discussion_held_at = models.DateTimeField(null=True, blank=True)
    discussion_with = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    discussion_notes = models.TextField(blank=True)
    # Seed 001 s5: a transfer summary when the latest assessment is over one month old.
    summary_required = models.BooleanField(default=False)
    summary_updated_information = models.TextField(blank=True)
    summary_important_dates = models.TextField(blank=True)
    summary_urgent_actions = models.TextField(blank=True)
    summary_written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary_written_at = models.DateTimeField(null=True, blank=True)
    summary_signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary_signed_off_at = models.DateTimeField(null=True, blank=True)
    # Seed 001 s5: the supervising manager quality-assures the file before transfer.
    qa_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    qa_checked_at = models.DateTimeField(null=True, blank=True)
    qa_notes = models.TextField(blank=True)
    # Seed 001 s2.6: a child in need no worker can be allocated to is held by the team leader.
    held_by_team_leader = models.BooleanField(default=False)
    # Seed 001 s2.5: a CP or CiC case that cannot be allocated goes to the Service Manager.
    capacity_escalated_at = models.DateTimeField(null=True, blank=True)
    capacity_escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    capacity_note = models.TextField(blank=True)

    class Meta:
        # The few moves whose summary is still to write or to sign off, for "waiting on you"
        # (transfers.selectors._team_move_branches): read by index, not found among every
        # move (19,000 at 100,000 cases; issue 14).
        indexes = [
            models.Index(
                fields=["transfer"],
                condition=models.Q(summary_required=True, summary_written_at__isnull=True),
                name="teammove_summary_to_write",
            ),
            models.Index(
                fields=["transfer"],
                condition=models.Q(
                    summary_written_at__isnull=False, summary_signed_off_at__isnull=True
                ),
                name="teammove_summary_to_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer details for transfer {self.transfer_id}"

    @property
    def summary_signed_off(self) -> bool:
        return self.summary_signed_off_at is not None


class MissingWork(models.Model):
    """Seed 001 s5: work the receiving team finds missing is done by the originating team,
    tracked here until done."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="missing_work")
    description = models.TextField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name_plural = "missing work"

    def __str__(self) -> str:
        return f"Missing work {self.pk} on transfer {self.transfer_id}"


class LookedAfterReason(models.TextChoices):
    """Why the child became looked after (seed 004: the first LAC review follows it)."""

    SECTION_20 = "s20", "Accommodated under section 20"
    CARE_ORDER = "care_order", "Care order granted"
    NEWBORN = "newborn", "Newborn, after discharge from hospital"


class CinToCic(models.Model):
    """What a Child in Need to Children in Care transfer records (seed 004), step by step."""

    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="cin_to_cic")
    # The Operational Manager is told the panel (ACRP) confirmed access to care.
    panel_confirmed_on = models.DateField("date the panel confirmed access to care")
    panel_notes = models.TextField(blank=True)
    # The transferring manager tells the Senior Performance Administrator.
    transfer_due_by = models.DateField(null=True, blank=True)
    brief_summary = models.TextField(blank=True)
    admin_notified_at = models.DateTimeField(null=True, blank=True)
    admin_notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The receiving TM starts the transfer discussion, due by the first Looked After review.
    looked_after_reason = models.CharField(
        max_length=20, choices=LookedAfterReason.choices, blank=True
    )
    first_lac_review_on = models.DateField("first Looked After review", null=True, blank=True)
    transfer_discussion_at = models.DateTimeField(null=True, blank=True)
    transfer_discussion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer_discussion_notes = models.TextField("timetable and key activities", blank=True)
    # The referring team tells the child, family and professionals.
    family_told_at = models.DateTimeField(null=True, blank=True)
    family_told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    family_told_notes = models.TextField(blank=True)
    # The pre-transfer discussion between the CIN and CLA social workers and DTMs, by agenda.
    pre_transfer_at = models.DateTimeField(null=True, blank=True)
    pre_transfer_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pre_transfer_attendees = models.TextField(blank=True)
    needs_and_continuity = models.TextField(blank=True)
    progress_and_actions = models.TextField(
        "progress against the plan and outstanding actions", blank=True
    )
    risk_and_care_plans = models.TextField(
        "risk management, safeguarding and care plans", blank=True
    )
    care_proceedings_issues = models.TextField(blank=True)
    introductions_and_endings = models.TextField(blank=True)
    # The social worker records the transfer on ICS before it completes.
    ics_recorded_at = models.DateTimeField(null=True, blank=True)
    ics_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Child in Need to Children in Care details for transfer {self.transfer_id}"
