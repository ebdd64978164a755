from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditTrailIsAppendOnly(Exception):
    """The application adds to the audit trail; it never changes or removes a record."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit records cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditTrailIsAppendOnly("Audit records cannot be changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit records cannot be deleted.")

    delete.queryset_only = True

    def update_or_create(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit records cannot be changed.")


class AuditEvent(models.Model):
    """One change, or one read of a child's record: who, when, from which address, to what,
    from which state to which, the fields before and after, and why. Written by services in
    the same transaction as the change; append-only (the queryset and the model refuse updates
    and deletes; on PostgreSQL a trigger refuses them too)."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system acted (a scheduled sweep, a data load).",
    )
    action = models.CharField(max_length=80)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    # The case the change concerns, so a case's history is one indexed query.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    note = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="The address the request came from; empty for the system."
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.action} on {self.subject_type.model} {self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit records cannot be deleted.")
