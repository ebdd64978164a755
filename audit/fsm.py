"""One way to take a django-fsm transition: check it, take it, save, and audit it, together.

Callers wrap it in their own `transaction.atomic()` with the rows the transition derives."""

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from casetransfer.bulk import insert_rows

from .context import current_ip
from .models import AuditEvent
from .services import (
    _plain,
    _tracked_fields,
    audit_record,
    changed_since,
    saved_values,
)


def apply_transition(
    instance: models.Model,
    name: str,
    *,
    by=None,
    note: str = "",
    case=None,
    check_permission: bool = False,
    state_field: str = "status",
    **kwargs: Any,
) -> Any:
    """Take transition `name` on `instance`, save it, and write the audit record.

    With `check_permission`, `by` must pass the transition's `permission=`. A stale copy (another
    process moved the row first) raises django_fsm.ConcurrentTransition on save, when the model
    uses ConcurrentTransitionMixin.
    """
    method = getattr(instance, name)
    # State first: a step that is no longer open is "moved on", whoever asks.
    if not can_proceed(method):
        raise TransitionNotAllowed(
            f"Cannot {name.replace('_', ' ')} from {getattr(instance, state_field)}",
            object=instance,
            method=method,
        )
    if check_permission and (by is None or not has_transition_perm(method, by)):
        raise PermissionDenied("Your role does not allow this step.")
    from_state = getattr(instance, state_field)
    # Before: the saved row, so fields the caller set in memory ahead of the transition show too.
    before = saved_values(instance)
    result = method(**kwargs)
    instance.save()
    audit_record(
        actor=by,
        action=f"{instance._meta.model_name}.{name}",
        subject=instance,
        case=case,
        from_state=from_state,
        to_state=getattr(instance, state_field),
        changes=changed_since(before, instance, ignore=[state_field]),
        note=note,
    )
    return result


def apply_transition_to_locked(
    instances: list[models.Model],
    name: str,
    *,
    note: str = "",
    state_field: str = "status",
    arguments: Callable[[models.Model], dict[str, Any]] = lambda instance: {},
    write: Callable[[list[models.Model], list[str]], None] | None = None,
) -> None:
    """Take transition `name` on each of `instances` and write them and their audit records
    with one statement each (a system step: no actor, no permission to check): the deadline
    sweep's batches (issue 14).

    Only for rows this transaction has locked (select_for_update): no other process can move
    them, so the lock stands where ConcurrentTransitionMixin's check on save would. Each
    transition method still checks its source state (TransitionNotAllowed); anything raised
    leaves the caller to roll back the whole batch. `arguments(instance)` gives each call's
    keyword arguments. `write(instances, fields)` saves the changed fields (by default
    `write_alike`; a caller that knows the new values follow another pattern can do it in
    fewer, simpler statements)."""
    if not instances:
        return
    model = type(instances[0])
    tracked = [(f.name, f.attname) for f in _tracked_fields(instances[0]) if f.name != state_field]
    subject_type = ContentType.objects.get_for_model(model)
    at = timezone.now()
    action = f"{model._meta.model_name}.{name}"
    ip_address = current_ip()
    changed: set[str] = set()
    events = []
    for instance in instances:
        method = getattr(instance, name)
        from_state = getattr(instance, state_field)
        if not can_proceed(method):
            raise TransitionNotAllowed(
                f"Cannot {name.replace('_', ' ')} from {from_state}", object=instance, method=method
            )
        before = [getattr(instance, attname) for _, attname in tracked]
        method(**arguments(instance))
        changes = _changes(instance, tracked, before)
        changed.update(changes)
        events.append(
            {
                "at": at,
                "actor_id": None,
                "action": action,
                "subject_type_id": subject_type.pk,
                "subject_id": str(instance.pk),
                "case_id": getattr(instance, "case_id", None),
                "from_state": from_state,
                "to_state": getattr(instance, state_field),
                "changes": changes,
                "note": note,
                "ip_address": ip_address,
            }
        )
    fields = [state_field, *sorted(changed)]
    (write or write_alike)(instances, fields)
    insert_rows(AuditEvent, events)
    for instance in instances:
        # As save() does: the copies now match their rows, so a later transition on one of them
        # is checked against the state written here (ConcurrentTransitionMixin).
        if hasattr(instance, "_update_initial_state"):
            instance._update_initial_state()


# Past this many different sets of new values, a batch is written with one bulk_update.
ALIKE_GROUPS = 4


def write_alike(instances: list[models.Model], fields: list[str]) -> None:
    """Save `fields` of `instances` (rows of one model) with one plain UPDATE for each set of
    new values they share (`... WHERE id IN (...)`): a batch whose transition set the same
    values on every row (an outbox batch claimed with one lease, marked sent at one time) is
    one short statement. A bulk_update builds and sends a CASE branch per row for each field:
    for batches of 20 emails, a third of a worker's time outside the mail server (issue 14).
    Rows with more than ALIKE_GROUPS sets of values, or a value that cannot be compared (a JSON
    document), still go in one bulk_update."""
    if not instances:
        return
    model = type(instances[0])
    attnames = [model._meta.get_field(name).attname for name in fields]
    groups: dict[tuple, list] = {}
    try:
        for instance in instances:
            values = tuple(getattr(instance, attname) for attname in attnames)
            groups.setdefault(values, []).append(instance.pk)
            if len(groups) > ALIKE_GROUPS:
                break
    except TypeError:  # an unhashable value
        groups = {}
    if not groups or len(groups) > ALIKE_GROUPS:
        model._base_manager.bulk_update(instances, fields)
        return
    for values, ids in groups.items():
        model._base_manager.filter(pk__in=ids).update(**dict(zip(attnames, values, strict=True)))


def _changes(
    instance: models.Model, tracked: list[tuple[str, str]], before: list[Any]
) -> dict[str, list[Any]]:
    """diff(snapshot before, snapshot after) for one row of a batch, without rendering the values
    a transition left alone: the same object before and after renders the same (issue 14)."""
    changes = {}
    for (name, attname), old in zip(tracked, before, strict=True):
        new = getattr(instance, attname)
        if new is not old and (old_value := _plain(old)) != (new_value := _plain(new)):
            changes[name] = [old_value, new_value]
    return changes
