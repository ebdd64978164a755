from django import template

from deadlines.models import DeadlineStatus, EmailStatus
from transfers.models import TransferStatus

register = template.Library()

_LABELS = {
    **dict(EmailStatus.choices),
    **dict(DeadlineStatus.choices),
    **dict(TransferStatus.choices),
}


@register.filter
def state_label(value: str) -> str:
    """A status code as people read it: 'with_duty' -> 'Sent to Social Care'."""
    return _LABELS.get(value, value.replace("_", " ").capitalize() if value else "")
