"""One way to take a django-fsm transition: check it, take it, save, and audit it, together.

Callers wrap it in their own `transaction.atomic()` with the rows the transition derives."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from .services import audit_record, changed_since, saved_values


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
