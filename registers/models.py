"""The weekly case transfer list, frozen each Monday (seed 004: the Senior Administrator keeps
it weekly; a completed transfer moves to the historic list).

The live lists are queries (`registers.selectors`); what is stored is the weekly snapshot: who
was on the list and in which state, with the values as they were displayed, so a past week can
be reopened exactly as it was."""

from django.db import models
from django.urls import reverse

from casetransfer.paths import path_to


class WeeklySnapshot(models.Model):
    week = models.CharField("ISO week", max_length=8, unique=True, help_text="2026-W47")
    starts_on = models.DateField(help_text="The Monday the week starts, London time.")
    taken_at = models.DateTimeField()
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"Weekly transfer list {self.week}"

    def get_absolute_url(self) -> str:
        return f"{reverse('registers:weekly')}?week={self.week}"


class SnapshotRow(models.Model):
    """One transfer on a frozen weekly list, with the values shown that Monday. The case is kept
    as a key too, so a reopened list shows only the rows whose case the reader may see today."""

    snapshot = models.ForeignKey(WeeklySnapshot, on_delete=models.CASCADE, related_name="rows")
    transfer = models.ForeignKey("transfers.Transfer", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    from_team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey(
        "people.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case_reference = models.CharField(max_length=20)
    ics_number = models.CharField("ICS number", max_length=30, blank=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    social_worker = models.CharField(max_length=200, blank=True)
    deputy_team_managers = models.CharField("DTM", max_length=300, blank=True)
    team_manager = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20)
    kind_label = models.CharField(max_length=80)
    from_team_name = models.CharField(max_length=120, blank=True)
    to_team_name = models.CharField(max_length=120, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    anticipated_on = models.DateField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    legal_proceedings = models.CharField(max_length=200, blank=True)
    stage = models.CharField(max_length=20)
    stage_label = models.CharField(max_length=40)
    state_label = models.CharField(max_length=80)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "transfer"], name="one_row_per_transfer")
        ]

    def __str__(self) -> str:
        return f"{self.case_reference} on {self.snapshot.week}"

    @property
    def child_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def url(self) -> str:
        return path_to("transfers:detail", self.transfer_id)

    outcome = ""
