from datetime import date

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casetransfer.paths import path_to

from . import permissions as can
from .choices import AllocationState, CareProceedings, Involvement, LegalStatus, PlanType

INV, ALLOC = Involvement, AllocationState

# Cases on a Child Protection Plan or in care first: the "waiting for allocation" order.
UNALLOCATED_ORDER = models.Case(
    models.When(plan_type__in=[PlanType.CP, PlanType.CIC], then=0),
    default=1,
    output_field=models.IntegerField(),
)


class Case(ConcurrentTransitionMixin, models.Model):
    """A child whose case this software moves between teams. The case-record systems (ICS, LCS,
    EHM, Liberi) stay the record of the work; here we keep their numbers.

    Two state machines, moved only by `cases.services` (each move audited): `involvement`, which
    service the case is open to, and `allocation`, whether a worker holds it."""

    reference = models.CharField(
        max_length=20,
        unique=True,
        help_text="This system's reference: the only identifier in emails.",
    )
    ics_number = models.CharField("ICS number", max_length=30, blank=True, db_index=True)
    lcs_number = models.CharField("LCS number", max_length=30, blank=True, db_index=True)
    ehm_number = models.CharField("EHM number", max_length=30, blank=True, db_index=True)
    liberi_number = models.CharField("Liberi number", max_length=30, blank=True, db_index=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80, db_index=True)
    date_of_birth = models.DateField()
    plan_type = models.CharField(max_length=20, choices=PlanType.choices, default=PlanType.NONE)
    legal_status = models.CharField(
        max_length=30, choices=LegalStatus.choices, default=LegalStatus.NONE
    )
    care_proceedings = models.CharField(
        "care proceedings",
        max_length=30,
        choices=CareProceedings.choices,
        default=CareProceedings.NONE,
    )
    has_disability = models.BooleanField("disability", default=False)
    current_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="cases")
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocated_cases",
    )
    involvement = FSMField(
        max_length=20, choices=Involvement.choices, default=Involvement.EARLY_HELP, protected=True
    )
    allocation = FSMField(
        max_length=30,
        choices=AllocationState.choices,
        default=AllocationState.UNALLOCATED,
        protected=True,
    )
    last_closed_to_social_care_on = models.DateField(null=True, blank=True)
    last_closed_to_social_care_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team manager who closed the case to Social Care.",
    )
    last_closed_to_social_care_team = models.ForeignKey(
        "people.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The Social Care team that held the case when it was closed.",
    )
    last_closed_social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The social worker allocated when the case was closed to Social Care.",
    )
    latest_assessment_on = models.DateField(null=True, blank=True)
    safety_plan_in_force = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The fields a change to the case is audited on.
    AUDITED_FIELDS = (
        "ics_number",
        "lcs_number",
        "ehm_number",
        "liberi_number",
        "first_name",
        "last_name",
        "date_of_birth",
        "plan_type",
        "legal_status",
        "care_proceedings",
        "has_disability",
        "current_team",
        "allocated_worker",
        "last_closed_to_social_care_on",
        "last_closed_to_social_care_by",
        "last_closed_to_social_care_team",
        "last_closed_social_worker",
        "latest_assessment_on",
        "safety_plan_in_force",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["current_team", "plan_type"]),
            models.Index(fields=["current_team", "allocation"]),
            # The case list's order, for everyone and within a team (issue 14). PostgreSQL
            # also has trigram and case-number indexes: see migration 0005.
            models.Index(fields=["last_name", "first_name", "id"], name="case_name_order"),
            # A worker's own cases in name order: the first ten of a home page's "my cases"
            # read from the index (issue 14: at 100,000 cases PostgreSQL sorted a worker's
            # 700, 2.6 ms, where at 10,000 it walked the name order; 0.16 ms either way now).
            models.Index(
                fields=["allocated_worker", "last_name", "first_name", "id"],
                name="case_worker_name_order",
            ),
            models.Index(
                fields=["current_team", "last_name", "first_name", "id"],
                name="case_team_name_order",
            ),
            # A manager's "waiting for allocation" panel (cases.selectors.
            # unallocated_cases_for_manager): the open unallocated cases in the panel's order, the
            # team alongside, so the first ten are read in order, where 5,675 were read and
            # sorted for ten (12 ms; issue 14)...
            models.Index(
                UNALLOCATED_ORDER,
                models.F("last_name"),
                models.F("first_name"),
                models.F("id"),
                models.F("current_team"),
                condition=models.Q(allocated_worker__isnull=True)
                & ~models.Q(involvement=Involvement.CLOSED),
                name="case_unallocated_queue",
            ),
            # ...and their count, a team's range of this index alone: the queue's index holds
            # every team's, and at 100,000 cases PostgreSQL read a service manager's teams'
            # 5,659 cases from the table instead, for 588 (3.5 ms against 0.1; issue 14).
            models.Index(
                fields=["current_team"],
                condition=models.Q(allocated_worker__isnull=True)
                & ~models.Q(involvement=Involvement.CLOSED),
                name="case_unallocated_team",
            ),
        ]

    def __str__(self) -> str:
        # The reference, never the name: str() reaches logs and emails.
        return self.reference

    def get_absolute_url(self) -> str:
        return path_to("cases:detail", self.reference)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, on: date) -> int:
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    def birthday(self, age: int) -> date:
        """The date the child turns `age`. Born on 29 February: 1 March in a common year, the
        first day `age_on` gives that age."""
        dob = self.date_of_birth
        try:
            return dob.replace(year=dob.year + age)
        except ValueError:
            return date(dob.year + age, 3, 1)

    @property
    def needs_allocation_urgently(self) -> bool:
        """A child on a CP plan or in care is never left unallocated (seed 001)."""
        return (
            self.allocated_worker_id is None
            and self.involvement != Involvement.CLOSED
            and self.plan_type in (PlanType.CP, PlanType.CIC)
        )

    @property
    def involvement_label(self) -> str:
        """As practice says it: 'Open to Graft', 'Open to Social Care (Child in Need)'."""
        if self.involvement == Involvement.EARLY_HELP:
            from people.models import Service

            if self.current_team.service == Service.GRAFT:
                return "Open to Graft"
        plans = (PlanType.CIN, PlanType.CP, PlanType.CIC)
        if self.involvement == Involvement.SOCIAL_CARE and self.plan_type in plans:
            return f"Open to Social Care ({self.get_plan_type_display()})"
        return self.get_involvement_display()

    @property
    def allocation_label(self) -> str:
        if self.allocation == AllocationState.ALLOCATED and self.allocated_worker_id:
            return f"Allocated to {self.allocated_worker}"
        return self.get_allocation_display()

    # Involvement. The services check state and permission first and say why in people's words;
    # these guards are the last line.

    @transition(field=involvement, source=INV.EARLY_HELP, target=INV.SOCIAL_CARE)
    def step_up_to_social_care(self) -> None:
        """Seed 002: Social Care agreed the step-up."""

    @transition(
        field=involvement,
        source=INV.SOCIAL_CARE,
        target=INV.EARLY_HELP,
        permission=can.close_to_social_care,
    )
    def step_down_to_early_help(self) -> None:
        """Closed to Social Care and handed to an Early Help or Graft team."""

    @transition(
        field=involvement,
        source=INV.SOCIAL_CARE,
        target=INV.CLOSED,
        permission=can.close_to_social_care,
    )
    def close_to_social_care(self) -> None:
        """Closed to Social Care: the 12-week rule runs from here (seed 002)."""

    @transition(field=involvement, source=INV.CLOSED, target=INV.EARLY_HELP)
    def reopen_to_early_help(self) -> None:
        """A closed case opened again to Early Help or Graft."""

    @transition(field=involvement, source=INV.CLOSED, target=INV.SOCIAL_CARE)
    def open_to_social_care(self) -> None:
        """A closed case referred to Social Care again."""

    # Allocation. Taken by `case_allocate` whenever the worker changes the state.

    @transition(
        field=allocation,
        source=[ALLOC.UNALLOCATED, ALLOC.HELD_BY_TEAM_LEADER],
        target=ALLOC.ALLOCATED,
    )
    def allocate_to_worker(self) -> None:
        pass

    @transition(
        field=allocation,
        source=[ALLOC.ALLOCATED, ALLOC.HELD_BY_TEAM_LEADER],
        target=ALLOC.UNALLOCATED,
    )
    def await_allocation(self) -> None:
        pass

    @transition(
        field=allocation,
        source=ALLOC.UNALLOCATED,
        target=ALLOC.HELD_BY_TEAM_LEADER,
        conditions=[can.may_be_left_unallocated],
        permission=can.hold_by_team_leader,
    )
    def hold_by_team_leader(self) -> None:
        """Seed 001 s2.6: no social worker can take this child in need yet; the team leader
        visits and reviews until one can."""


class Allocation(models.Model):
    """Who held the case, and when. The open row (ended_at empty) is the current one."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="allocations")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_allocation_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} to {self.team}"
