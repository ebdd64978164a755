"""Deadlines are rows: the database is the schedule. A beat task sweeps the due ones."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.case_team import case_team_field
from casetransfer.choices import choice_label

from .rules import DEFAULT_RULES, Kind, Unit


class ClosureDay(models.Model):
    """A day the authority is closed beyond weekends and bank holidays (a Christmas closure)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.reason}"


class Recipients(models.TextChoices):
    OWNER = "owner", "The owner"
    OWNER_AND_MANAGER = "owner_and_manager", "The owner and their team manager"
    MANAGER = "manager", "The owner's team manager"


class LeadUnit(models.TextChoices):
    HOURS = Unit.HOURS.value, "hours"
    WORKING_DAYS = Unit.WORKING_DAYS.value, "working days"


# The sane ranges of a policy's numbers. Beyond them a date overflows the calendar (an amount
# of 2147483647 made a send a 500) or a breach can never escalate; the database refuses them too.
MAX_AMOUNT = {Unit.HOURS: 720, Unit.WORKING_DAYS: 260, Unit.DAYS: 730}  # 30 days, 1 year, 2 years
MAX_ESCALATE_AFTER_HOURS = 720  # 30 days
MAX_REMINDER_LEAD = {"hours": 720, "working_days": 60}


class DeadlinePolicy(models.Model):
    """The authority's numbers for one kind of deadline. The formula is the protocol's (code);
    the amounts, reminders and who hears about them are data, changed in the admin, audited."""

    kind = models.CharField(max_length=40, choices=Kind.choices, unique=True)
    amount = models.PositiveIntegerField(
        validators=[MaxValueValidator(max(MAX_AMOUNT.values()))],
        help_text="The rule's amount, in the unit its formula uses (hours, working days or days): "
        "at most 720 hours, 260 working days or 730 days.",
    )
    reminder_lead = models.PositiveIntegerField(
        default=1,
        validators=[MaxValueValidator(max(MAX_REMINDER_LEAD.values()))],
        help_text="How long before the due time the reminder goes (at most 720 hours or 60 "
        "working days). 0: no reminder.",
    )
    reminder_lead_unit = models.CharField(
        max_length=20, choices=LeadUnit.choices, default=LeadUnit.WORKING_DAYS
    )
    remind = models.CharField(max_length=30, choices=Recipients.choices, default=Recipients.OWNER)
    alert_on_breach = models.CharField(
        max_length=30, choices=Recipients.choices, default=Recipients.OWNER_AND_MANAGER
    )
    escalate_after_hours = models.PositiveIntegerField(
        default=24,
        validators=[MaxValueValidator(MAX_ESCALATE_AFTER_HOURS)],
        help_text="Still open this long after the due time: alert one level up (the service "
        "manager). At most 720 hours (30 days).",
    )

    class Meta:
        verbose_name_plural = "deadline policies"
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__lte=max(MAX_AMOUNT.values())),
                name="deadlinepolicy_amount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(reminder_lead__lte=max(MAX_REMINDER_LEAD.values())),
                name="deadlinepolicy_reminder_lead_in_range",
            ),
            models.CheckConstraint(
                condition=Q(escalate_after_hours__lte=MAX_ESCALATE_AFTER_HOURS),
                name="deadlinepolicy_escalate_after_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        """The ranges that depend on the unit (an amount in hours is not one in days)."""
        errors = {}
        unit = DEFAULT_RULES[self.kind].unit if self.kind in DEFAULT_RULES else None
        limit = MAX_AMOUNT.get(unit)
        if limit is not None and self.amount is not None and self.amount > limit:
            errors["amount"] = f"Enter an amount of {limit} {Unit(unit).label.lower()} or fewer"
        lead_limit = MAX_REMINDER_LEAD.get(self.reminder_lead_unit)
        lead = self.reminder_lead
        if lead_limit is not None and lead is not None and lead > lead_limit:
            unit_label = LeadUnit(self.reminder_lead_unit).label
            errors["reminder_lead"] = f"Enter a reminder time of {lead_limit} {unit_label} or fewer"
        if errors:
            raise ValidationError(errors)

    @property
    def unit(self) -> str:
        return DEFAULT_RULES[self.kind].unit


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


class Deadline(ConcurrentTransitionMixin, models.Model):
    """One protocol timescale for one subject (a transfer, a conference...)."""

    kind = models.CharField(max_length=40, choices=Kind.choices)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    # The case's current team, kept by the database (cases.case_team).
    case_team = case_team_field()
    anchor_at = models.DateTimeField(help_text="The event that started the clock.")
    due_at = models.DateTimeField(db_index=True)
    status = FSMField(
        max_length=20, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN, protected=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    owner_team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    # Not the owner, but waiting on it (the Early Help worker going on the joint visit): they
    # hear the reminder and the breach alert too, and see it among their deadlines.
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_deadlines"
    )
    # Bumped on every reschedule so the outbox keys of the new reminders differ from the old.
    revision = models.PositiveIntegerField(default=1)
    remind_at = models.DateTimeField(null=True, blank=True)
    # Set only when a reminder was queued; a reminder the sweep did not send (past due already,
    # nobody it could reach) says why here instead.
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_skipped = models.CharField(max_length=100, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Consecutive sweeps that failed on this row, and the last error's type (never its text,
    # which may quote the data). Shown on /healthz and the administrators' home page.
    sweep_failures = models.PositiveIntegerField(default=0)
    sweep_error = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            # The breach phase: open rows by due time.
            models.Index(fields=["status", "due_at"]),
            # A person's and a team's deadlines by state and due time (home page, lists).
            models.Index(fields=["owner", "status", "due_at"], name="deadline_owner_status_due"),
            models.Index(
                fields=["owner_team", "status", "due_at"], name="deadline_team_status_due"
            ),
            # The reminder and escalation phases: only the rows still waiting are in the index.
            models.Index(
                fields=["remind_at"],
                condition=Q(status="open", reminded_at__isnull=True, reminder_skipped=""),
                name="deadline_reminder_waiting",
            ),
            models.Index(
                fields=["escalate_at"],
                condition=Q(status="breached", escalated_at__isnull=True),
                name="deadline_escalation_waiting",
            ),
            models.Index(
                fields=["sweep_failures"],
                condition=Q(sweep_failures__gt=0),
                name="deadline_sweep_failing",
            ),
            models.Index(fields=["subject_type", "subject_id"]),
            # Live deadlines soonest first, for a list that reads its first rows in that order
            # rather than sorting every row (the service manager's deadlines page, issue 14),
            # with what it checks of each row alongside (whose, and the case's team), so the
            # rows are checked in the index: reading the table for them took 13 of the page's
            # 17 ms of SQL at 100,000 cases (now 7.7).
            models.Index(
                fields=["due_at", "id"],
                include=["owner_team", "owner", "case", "case_team"],
                condition=Q(status__in=["open", "breached"]),
                name="live_deadline_due",
            ),
            # Open deadlines by due time, their team alongside: the teams' deadlines due soon
            # on a manager's home page read from the index alone. Read from the table by the
            # status index, a service manager's 1,563 due in the next two days at 100,000 cases
            # took 2.4 ms, growing with the county; 0.6 ms so (issue 14).
            models.Index(
                fields=["due_at", "id"],
                include=["owner_team"],
                condition=Q(status="open"),
                name="open_deadline_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.case or self.subject_id}"

    # As Django's get_FOO_display, without building every choice on each call (choices.py).
    def get_kind_display(self) -> str:
        return choice_label(Kind, self.kind)

    @property
    def met_late(self) -> bool:
        return self.status == DeadlineStatus.MET and self.met_at > self.due_at

    @transition(
        field=status,
        source=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
        target=DeadlineStatus.MET,
    )
    def meet(self, *, at) -> None:
        self.met_at = at

    @transition(field=status, source=DeadlineStatus.OPEN, target=DeadlineStatus.BREACHED)
    def breach(self, *, at, escalate_at) -> None:
        self.breached_at = at
        self.escalate_at = escalate_at

    @transition(
        field=status,
        source=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
        target=DeadlineStatus.CANCELLED,
    )
    def cancel(self, *, at) -> None:
        self.cancelled_at = at

    @transition(
        field=status,
        source=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
        target=DeadlineStatus.OPEN,
    )
    def reschedule(self, *, anchor_at, due_at, remind_at) -> None:
        self.anchor_at = anchor_at
        self.due_at = due_at
        self.remind_at = remind_at
        self.revision += 1
        self.reminded_at = self.breached_at = self.escalate_at = self.escalated_at = None
        self.reminder_skipped = ""


class EmailKind(models.TextChoices):
    REMINDER = "reminder", "Reminder before a deadline"
    BREACH = "breach", "Alert: deadline passed"
    ESCALATION = "escalation", "Escalation: deadline still missed"
    DIGEST = "digest", "Weekly digest"
    NOTICE = "notice", "Notice"
    FAILURE_ALERT = "failure_alert", "Alert: an email could not be sent"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OutboxEmail(ConcurrentTransitionMixin, models.Model):
    """An email to send. `dedupe_key` is unique, so the same reminder is never queued twice; the
    status machine and its lease make sure a sent email is never sent again."""

    dedupe_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="emails"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_email = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = FSMField(
        max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING, protected=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Recorded, under a live lease, just before the message is committed to the mail server
    # (before the end of its SMTP DATA). A row found "sending" with this set is never sent again.
    handed_off_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # The emails being retried after failing (casetransfer.health.mail_status, on the
            # administrators' home pages and /healthz): a handful, where the status index
            # reads every pending email (29 ms with 63,000 queued; issue 14).
            models.Index(
                fields=["id"],
                name="outbox_retrying",
                condition=models.Q(status="pending", attempts__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email}"

    @transition(field=status, source=EmailStatus.PENDING, target=EmailStatus.SENDING)
    def claim(self, *, lease_until) -> None:
        self.attempts += 1
        self.lease_until = lease_until

    @transition(field=status, source=EmailStatus.SENDING, target=EmailStatus.SENT)
    def mark_sent(self, *, at) -> None:
        self.sent_at = at
        self.lease_until = None
        self.last_error = ""

    @transition(field=status, source=EmailStatus.SENDING, target=EmailStatus.PENDING)
    def retry_later(self, *, at, error: str) -> None:
        self.next_attempt_at = at
        self.lease_until = None
        self.handed_off_at = None
        self.last_error = error[:300]

    @transition(field=status, source=EmailStatus.SENDING, target=EmailStatus.FAILED)
    def give_up(self, *, error: str) -> None:
        self.lease_until = None
        self.handed_off_at = None
        self.last_error = error[:300]

    @transition(field=status, source=EmailStatus.SENDING, target=EmailStatus.PENDING)
    def reclaim(self) -> None:
        """The worker that claimed it died before handing it to the mail server: try again."""
        self.lease_until = None

    @transition(field=status, source=EmailStatus.SENDING, target=EmailStatus.SENT)
    def presume_sent(self, *, reason: str) -> None:
        """Handed to the mail server, but its answer was never recorded (the worker died, or the
        answer never came): never sent a second time; `reason` says which."""
        self.sent_at = self.handed_off_at
        self.lease_until = None
        self.last_error = reason[:300]

    @transition(field=status, source=EmailStatus.FAILED, target=EmailStatus.PENDING)
    def requeue(self, *, at) -> None:
        self.next_attempt_at = at
        self.handed_off_at = None
        self.attempts = 0

    @transition(field=status, source=EmailStatus.PENDING, target=EmailStatus.CANCELLED)
    def cancel(self) -> None:
        pass


class SweepRun(models.Model):
    """The sweep's heartbeat: one row per sweep name, updated on every run."""

    name = models.CharField(max_length=40, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_counts = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class DigestWeek(models.Model):
    """Marks the weekly digest of one ISO week as done, so a re-run or a second beat sends
    nothing twice."""

    week = models.CharField(max_length=10, unique=True, help_text="ISO year and week: 2026-W48")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.week
