"""Records several protocols share: meetings about a case (seed 000 s2, s4, s5; seed 001 s2.3)
and who was told of a transfer (seed 001 s5). Written only by `casework.services`."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class MeetingKind(models.TextChoices):
    MANAGER_DISCUSSION = "manager_discussion", "Manager-to-manager discussion"
    JOINT_TRANSITION = "joint_transition", "Joint transition visit or meeting"
    HANDOVER = "handover", "Handover meeting"
    TAF = "taf", "Team Around the Family (TAF) meeting"
    PRE_TRANSFER = "pre_transfer", "Pre-transfer discussion"
    CIN = "cin", "Child in Need (CIN) meeting"


class TafOutcome(models.TextChoices):
    """Seed 000 s4: the advice may keep the case where it is rather than transferring it."""

    STAYS = "stays", "The case stays with the current team"
    TRANSFER_PROPOSED = "transfer_proposed", "Transfer proposed"


class Meeting(models.Model):
    """A discussion, visit or meeting about a case, planned or held. A planned meeting has
    `planned_for` and no `held_at` until it is recorded as held."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="meetings")
    transfer = models.ForeignKey(
        "transfers.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
    )
    kind = models.CharField(max_length=30, choices=MeetingKind.choices)
    planned_for = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended"
    )
    other_attendees = models.TextField(
        blank=True, help_text="Family members and other agencies, as free text."
    )
    notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    # Seed 000 s4: the social worker the safeguarding team manager sends to advise a TAF.
    advising_social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    taf_outcome = models.CharField(
        "TAF outcome", max_length=30, choices=TafOutcome.choices, blank=True
    )
    # Seed 000 s5: YFS or Children's Centre staff invited to a CIN meeting, for joint planning.
    invited = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meeting_invitations"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    # The fields a change to a meeting is audited on (the many-to-many ones as id lists).
    AUDITED_FIELDS = (
        "kind",
        "transfer",
        "planned_for",
        "held_at",
        "other_attendees",
        "notes",
        "outcome",
        "advising_social_worker",
        "taf_outcome",
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_at__isnull=False) | Q(planned_for__isnull=False),
                name="meeting_held_or_planned",
            ),
            models.CheckConstraint(
                condition=Q(taf_outcome="") | Q(kind="taf"),
                name="taf_outcome_only_for_taf",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.case}"

    @property
    def is_planned(self) -> bool:
        return self.held_at is None

    @property
    def when(self):
        return self.held_at or self.planned_for


class RecipientRole(models.TextChoices):
    PARENT_CARER = "parent_carer", "Parent or carer"
    CHILD = "child", "Child or young person"
    SCHOOL = "school", "School"
    HEALTH = "health", "Health"
    POLICE = "police", "Police"
    OTHER_AGENCY = "other_agency", "Other agency"
    PROFESSIONAL = "professional", "Professional"
    OTHER = "other", "Other"


class NotificationMeans(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    IN_PERSON = "in_person", "In person"


class NotificationRecord(models.Model):
    """Seed 001 s5: the originating team tells every actively involved agency, professional and
    family member, in writing, who the newly allocated worker and team are. One row per person
    told."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    transfer = models.ForeignKey(
        "transfers.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    recipient_name = models.CharField(max_length=200)
    recipient_role = models.CharField(max_length=30, choices=RecipientRole.choices)
    means = models.CharField(max_length=20, choices=NotificationMeans.choices)
    told_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-told_at", "-id"]

    def __str__(self) -> str:
        return f"Notification {self.pk} for {self.case}"
