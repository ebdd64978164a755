from django import template

register = template.Library()

ACTION_LABELS = {
    "case.create": "Case opened",
    "case.update": "Case details changed",
    "case.allocate": "Allocation changed",
    "deadline.start": "Deadline set",
    "deadline.meet": "Deadline met",
    "deadline.breach": "Deadline missed",
    "deadline.cancel": "Deadline cancelled",
    "deadline.reschedule": "Deadline moved",
    "transfer.start": "Escalation discussion opened",
    "transfer.submit_to_manager": "Sent to the Early Help team manager",
    "transfer.agree_escalation": "Agreed by Early Help",
    "transfer.refuse_escalation": "Not agreed by Early Help",
    "transfer.send_to_duty": "Step-up form sent to Social Care",
    "transfer.pick_up": "Picked up by Social Care",
    "transfer.agree_step_up": "Step-up agreed by Social Care",
    "transfer.refuse_step_up": "Step-up not agreed by Social Care",
    "transfer.allocate": "Allocated to a social worker",
    "transfer.joint_visit": "Joint visit recorded",
    "transfer.ten_day_discussion": "10-day discussion recorded",
    "transfer.complete": "Step-up completed",
    "transfer.withdraw": "Request withdrawn",
    "transfer.escalation_requested": "Decision escalated to the service manager",
}


@register.filter
def action_label(action: str) -> str:
    """An audit action as people read it: 'transfer.pick_up' -> 'Picked up by Social Care'."""
    return ACTION_LABELS.get(action, action.split(".")[-1].replace("_", " ").capitalize())
