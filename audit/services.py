"""Writing the audit trail. Every service that changes a record calls `audit_record` inside its
own transaction, so the change and its record commit or roll back together."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .context import current_ip
from .models import AuditEvent

# Reads of a child's record: kept apart from changes on the case's own history page.
READ_ACTIONS = ("case.view", "bundledocument.download", "register.export")


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value."""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` (foreign keys as their ids), for a before/after diff."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


# Columns the database keeps itself (a transfer's or a deadline's case team: cases.case_team,
# cases migration 0008): an instance's copy may be stale, and no step of anybody's changes them.
KEPT_BY_THE_DATABASE = frozenset({"case_team"})


def _tracked_fields(instance: models.Model) -> list[models.Field]:
    """Every stored field but the bookkeeping ones (the id, auto-set timestamps, the columns
    the database keeps)."""
    return [
        field
        for field in instance._meta.concrete_fields
        if not field.primary_key
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
        and field.name not in KEPT_BY_THE_DATABASE
    ]


def saved_values(instance: models.Model) -> dict[str, Any]:
    """The row as the database holds it now (before the caller saves its in-memory changes):
    the "before" of a before/after diff. Empty for an unsaved instance."""
    if instance.pk is None:
        return {}
    fields = _tracked_fields(instance)
    row = (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values(*[field.attname for field in fields])
        .first()
    )
    if row is None:
        return {}
    return {field.name: _plain(row[field.attname]) for field in fields}


def changed_since(
    before: dict[str, Any], instance: models.Model, *, ignore: Iterable[str] = ()
) -> dict[str, list[Any]]:
    """{field: [before, after]} for every stored field of `instance` that differs from
    `before` (from `saved_values`), but those in `ignore`."""
    names = [f.name for f in _tracked_fields(instance) if f.name not in set(ignore)]
    return diff(before, snapshot(instance, names))


def audit_record(
    *,
    actor,
    action: str,
    subject: models.Model,
    case=None,
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        case=case,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        note=note,
        ip_address=current_ip(),
    )


def save_audited(
    instance: models.Model, *, actor, subject: models.Model, action: str, case=None, note=""
) -> AuditEvent | None:
    """Save `instance` and record the fields that changed from its saved row ({field: [before,
    after]}), when any did: for the detail rows a step fills in beside its transition (a
    step-up's references, decisions and actions)."""
    before = saved_values(instance)
    instance.save()
    changes = changed_since(before, instance)
    if not changes:
        return None
    return audit_record(
        actor=actor, action=action, subject=subject, case=case, changes=changes, note=note
    )


def audit_read(*, actor, subject: models.Model, action: str = "case.view", note: str = ""):
    """A read of a child's record (a case page, a document, an export): who, when, which record,
    from which address. Kept off the case's own history (no `case`), so the page that lists
    changes does not fill with its own views; the admin finds them by record."""
    return audit_record(actor=actor, action=action, subject=subject, note=note)
