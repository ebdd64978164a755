"""Immediate safeguarding concerns (seed 000 s3). Issue #11 grows this app into full
escalations.

When YFS or a Children's Centre has an immediate safeguarding concern and no safeguarding team
manager is available, the worker or manager phones the duty officer, who logs the call as a
contact and responds straight away. Not through EHaSH, unless an incident may lead to a section
47 enquiry, when the joint discussion with the police takes place there."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

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
        return reverse("escalations:concern", args=[self.pk])

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
