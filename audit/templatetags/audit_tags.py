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
    "stepup.details": "Step-up details recorded",
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
    "transfer.access_to_care_confirmed": "Panel confirmed access to care",
    "transfer.administrator_notified": "Senior Performance Administrator told",
    "transfer.allocate_cic_team": "Allocated to a Children in Care team",
    "transfer.lac_review_set": "First Looked After review date set",
    "transfer.transfer_discussion": "Transfer discussion recorded",
    "transfer.allocate_cic_worker": "Children in Care social worker allocated",
    "transfer.family_told": "Child, family and professionals told",
    "transfer.pre_transfer_discussion": "Pre-transfer discussion recorded",
    "transfer.recorded_on_ics": "Transfer recorded on ICS",
    "transfer.complete_cin_to_cic": "Transfer to Children in Care completed",
    "transfer.withdraw_cin_to_cic": "Transfer withdrawn",
    "meeting.plan": "Meeting planned",
    "meeting.record": "Meeting recorded",
    "notification.record": "Written notification recorded",
    "safeguardingconcern.raise": "Immediate safeguarding concern raised",
    "safeguardingconcern.respond": "Duty responded to the safeguarding concern",
    "safeguardingconcern.close": "Safeguarding concern closed",
    "escalation.raise": "Escalated",
    "escalation.acknowledge": "Acknowledged",
    "escalation.escalate": "Passed to the next level",
    "escalation.level_skipped": "Passed up: nobody answers at that level",
    "escalation.resolve": "Decided",
    "escalation.withdraw": "Withdrawn",
    "escalation.visit_recorded": "Team leader's visit recorded",
    "escalation.review_recorded": "Team leader's review recorded",
    "escalation.suspension_ended": "Protocol suspension ended",
    "escalationlevel.change": "Escalation level changed",
    "escalationlevel.add": "Escalation level added",
    "transfer.overturn_refusal": "Social Care's decision overturned on escalation",
    "transfer.overturn_decline": "The receiving team's decline overturned on escalation",
}


@register.filter
def action_label(action: str) -> str:
    """An audit action as people read it: 'transfer.pick_up' -> 'Picked up by Social Care'."""
    return ACTION_LABELS.get(action, action.split(".")[-1].replace("_", " ").capitalize())


# Field names whose model verbose name does not say it well enough on a case's history.
FIELD_LABELS = {
    "kind": "kind",
    "watchers": "people told",
    "met_at": "met",
    "owner": "owner",
    "decided_at": "decided",
    "decided_by": "decided by",
    "closed_at": "closed",
    "sent_at": "sent",
    "cancelled_at": "cancelled",
    "allocated_at": "allocated",
    "picked_up_at": "picked up",
    "held_at": "held",
    "anchor_at": "counted from",
    "remind_at": "reminder",
    "first_lac_review_on": "first Looked After review",
    "ten_day_discussion_on": "10-day discussion",
    "new_plan_on": "new plan agreed",
    "due_at": "due date",
    "status": "status",
    "stage": "stage",
    "allocated_worker": "allocated worker",
    "current_team": "team",
    "to_team": "receiving team",
    "from_team": "sending team",
}


def _field_labels() -> dict[str, str]:
    """Every project model field's verbose name, by field name (the first model wins)."""
    from django.apps import apps

    labels: dict[str, str] = {}
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in PROJECT_APPS:
            continue
        for field in model._meta.get_fields():
            if hasattr(field, "verbose_name") and field.name not in labels:
                labels[field.name] = str(field.verbose_name)
    return labels


PROJECT_APPS = {"audit", "cases", "casework", "conferences", "deadlines", "escalations"}
PROJECT_APPS |= {"people", "registers", "transfers"}
_LABELS: dict[str, str] = {}


def field_label(name: str, model=None) -> str:
    """A field as people read it: 'ten_day_discussion_on' -> 'Ten day discussion on'."""
    label = FIELD_LABELS.get(name)
    if label is None and model is not None:
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except Exception:
            label = None
    if label is None:
        if not _LABELS:
            _LABELS.update(_field_labels())
        label = _LABELS.get(name, name.replace("_", " "))
    return label[:1].upper() + label[1:]


def _when(value) -> str | None:
    """A date or time from the record, in London time; None when the value is not one."""
    from datetime import date, datetime

    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    if not isinstance(value, str) or not value[:4].isdigit():
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) == 10:
        return date_format(date.fromisoformat(value), "j M Y")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "j M Y H:i")


def _value(value) -> str | None:
    """Only dates, times and yes/no are shown: ids and free text say nothing here."""
    if value is None or value == "":
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _when(value)


@register.filter
def changed_fields(event) -> list[str]:
    """What an audit event changed, in words: 'Due date: 1 Mar 2026 17:00 → 4 Mar 2026 17:00',
    or just the field's label where the values are not dates or yes/no (ids, text, lists)."""
    from django.contrib.contenttypes.models import ContentType

    changes = event.changes or {}
    model = None
    if getattr(event, "subject_type_id", None):
        model = ContentType.objects.get_for_id(event.subject_type_id).model_class()
    lines = []
    for name, change in changes.items():
        label = field_label(name, model)
        if isinstance(change, dict) and {"before", "after"} <= change.keys():
            before, after = change["before"], change["after"]
        elif isinstance(change, list | tuple) and len(change) == 2:
            before, after = change
        else:
            lines.append(label)
            continue
        shown = _value(before), _value(after)
        if None not in shown and shown != ("not set", "not set"):
            lines.append(f"{label}: {shown[0]} → {shown[1]}")
        else:
            lines.append(label)
    return lines
