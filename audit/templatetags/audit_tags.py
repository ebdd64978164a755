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
    "transfer.withdraw_step_up": "Request withdrawn",
    "transfer.withdraw_transfer": "Transfer withdrawn",
    "transfer.escalation_requested": "Decision escalated to the service manager",
    "transfer.refusal_accepted": "Social Care's decision accepted by Early Help",
    "transfer.new_plan": "New plan recorded",
    "transfer.propose": "Transfer proposed",
    "transfer.accept_transfer": "Transfer accepted by the receiving team",
    "transfer.decline_transfer": "Transfer declined by the receiving team",
    "transfer.summary_written": "Transfer summary written",
    "transfer.summary_signed_off": "Transfer summary signed off",
    "transfer.quality_assured": "File quality-assured",
    "transfer.allocate_in_receiving_team": "Allocated in the receiving team",
    "transfer.capacity_escalated": "Capacity escalated to the Service Manager",
    "transfer.missing_work": "Missing work recorded",
    "transfer.missing_work_done": "Missing work done",
    "transfer.complete_transfer": "Transfer completed",
    "meeting.plan": "Meeting planned",
    "meeting.record": "Meeting recorded",
    "notification.record": "Written notification recorded",
    "safeguardingconcern.raise": "Immediate safeguarding concern raised",
    "safeguardingconcern.respond": "Duty responded to the safeguarding concern",
    "safeguardingconcern.close": "Safeguarding concern closed",
}


@register.filter
def action_label(action: str) -> str:
    """An audit action as people read it: 'transfer.pick_up' -> 'Picked up by Social Care'."""
    return ACTION_LABELS.get(action, action.split(".")[-1].replace("_", " ").capitalize())
