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


@register.inclusion_tag("transfers/_task_list.html", takes_context=True)
def step_up_task_list(context, transfer):
    """The step-up's steps as a GOV.UK task list, for the person viewing the page. Reuses the
    page's timeline (the transfer's audit events) when it has one, so it costs no query."""
    from transfers.task_list import step_up_tasks

    request = context.get("request")
    tasks = step_up_tasks(transfer, request.user, context.get("timeline"))
    return {"transfer": transfer, "tasks": tasks}
