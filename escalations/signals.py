"""A child allocated a social worker, however it happened (a transfer, the case page, a
step-up): the capacity and held-by-team-leader escalations about them are resolved in the same
transaction. The beat's `escalate_overdue` catches any allocation made outside a transition."""


def case_allocated(sender, instance, name, **kwargs) -> None:
    from cases.models import Case

    if sender is not Case or name != "allocate_to_worker":
        return
    from .services import resolve_for_allocated_case

    resolve_for_allocated_case(case=instance)
