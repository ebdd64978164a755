from datetime import date

from django.conf import settings
from django.db import models
from django.urls import reverse

from .choices import CareProceedings, LegalStatus, PlanType


class Case(models.Model):
    """A child whose case this software moves between teams. The case-record systems (ICS, LCS,
    EHM, Liberi) stay the record of the work; here we keep their numbers."""

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
    last_closed_to_social_care_on = models.DateField(null=True, blank=True)
    last_closed_to_social_care_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The team manager who closed the case to Social Care.",
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
        "latest_assessment_on",
        "safety_plan_in_force",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["current_team", "plan_type"])]

    def __str__(self) -> str:
        # The reference, never the name: str() reaches logs and emails.
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.reference])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, on: date) -> int:
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    @property
    def needs_allocation_urgently(self) -> bool:
        """A child on a CP plan or in care is never left unallocated (seed 001)."""
        return self.allocated_worker_id is None and self.plan_type in (PlanType.CP, PlanType.CIC)


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
