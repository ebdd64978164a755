from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def relative_due(due_at, now=None):
    """'in 2 hours' before the due time; '3 hours overdue' after it."""
    now = now or timezone.now()
    if due_at > now:
        return f"in {timeuntil(due_at, now, depth=1)}"
    return f"{timesince(due_at, now, depth=1)} overdue"


@register.filter
def is_overdue(deadline, now=None):
    now = now or timezone.now()
    return deadline.status == "breached" or (deadline.status == "open" and deadline.due_at <= now)
