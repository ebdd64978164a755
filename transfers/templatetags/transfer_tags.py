from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from deadlines.models import DeadlineStatus, EmailStatus
from deadlines.templatetags.deadline_tags import relative_due
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


# A transfer's status as a GOV.UK tag (transfers/_status_tag.html), and the rows of the table
# of transfers (transfers/_transfer_table.html), written here rather than by the template
# language: a list page's 25 rows took a fifth of its time in their includes and lookups
# (issue 14).
_TAG_COLOURS = {
    "completed": "green",
    "withdrawn": "grey",
    "eh_not_agreed": "grey",
    "not_agreed": "grey",
    "with_duty": "yellow",
    "picked_up": "yellow",
}
_URGENT = SafeString('<strong class="govuk-tag govuk-tag--red">Urgent</strong>')
_SECTION_47 = SafeString('<strong class="govuk-tag govuk-tag--red">Urgent: section 47</strong>')


@register.simple_tag
def transfer_status_tag(transfer) -> SafeString:
    colour = _TAG_COLOURS.get(transfer.status, "blue")
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, transfer.get_status_display()
    )


@register.simple_tag
def transfer_urgency(transfer) -> SafeString:
    if transfer.section_47:
        return _SECTION_47
    return _URGENT if transfer.urgent else SafeString("")


def _holder(transfer) -> SafeString:
    """Who has picked the transfer up, or holds it (the duty queue's `show_holder`)."""
    picked, assigned = transfer.picked_up_by, transfer.assigned_to
    if picked:
        now_with = format_html(", now with {}", assigned) if assigned and assigned != picked else ""
        return format_html(
            '<br><span class="govuk-body-s">Picked up by {}{}</span>', picked, now_with
        )
    if assigned:
        return format_html('<br><span class="govuk-body-s">With {}</span>', assigned)
    return SafeString("")


def _next_due(transfer) -> SafeString:
    if not transfer.next_due_at:
        return SafeString("\u2013")  # an en dash: no deadline
    due = relative_due(transfer.next_due_at)
    return format_html(
        '{}<br><span class="govuk-body-s{}">{}</span>',
        date_format(localtime(transfer.next_due_at), "D j M H:i"),
        " app-overdue" if due.endswith("overdue") else "",
        due,
    )


@register.simple_tag
def transfer_rows(transfers, show_holder=False) -> SafeString:
    """The table body's rows: each request (kind, urgency, sending team), its case, status
    (and, with `show_holder`, who holds it) and next deadline."""
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row">'
        '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}'
        '<span class="govuk-visually-hidden">: case {}</span></a> {}'
        '<br><span class="govuk-body-s">from {}</span></td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}{}</td>'
        '<td class="govuk-table__cell">{}</td></tr>',
        (
            (
                transfer.get_absolute_url(),
                transfer.get_kind_display(),
                transfer.case.reference,
                transfer_urgency(transfer),
                transfer.from_team.name,
                transfer.case.reference,
                transfer_status_tag(transfer),
                _holder(transfer) if show_holder else "",
                _next_due(transfer),
            )
            for transfer in transfers
        ),
    )
