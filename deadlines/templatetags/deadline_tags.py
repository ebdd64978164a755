from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.timezone import localtime

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


@register.simple_tag
def deadline_rows(deadlines) -> SafeString:
    """The rows of the table of deadlines (deadlines/_deadline_table.html): what, its case,
    when due (and how long until, or how long overdue), who owns it and whether the reader
    waits on it. Written here rather than by the template language: its lookups and filters
    were most of a home page panel's time (issue 14)."""
    now = timezone.now()
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row">'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}<br>{}</td>'
        '<td class="govuk-table__cell">{}{}{}</td></tr>',
        (
            (
                deadline.get_kind_display(),
                _case_link(deadline.case),
                date_format(localtime(deadline.due_at), "D j M H:i"),
                _how_long(deadline, now),
                deadline.owner or "",
                _owner_team(deadline.owner_team),
                _WAITING if getattr(deadline, "is_watched", False) else "",
            )
            for deadline in deadlines
        ),
    )


_WAITING = SafeString('<br><span class="govuk-body-s">You are waiting on this</span>')


def _how_long(deadline, now) -> SafeString:
    """How long until the deadline, or how long past it (marked overdue)."""
    return format_html(
        '<strong class="app-overdue">{}</strong>'
        if is_overdue(deadline, now)
        else '<span class="govuk-body-s">{}</span>',
        relative_due(deadline.due_at, now),
    )


def _case_link(case, none="\u2013") -> SafeString:
    """A link to the case, or `none` (an en dash) for a deadline about no case."""
    if case is None:
        return SafeString(none)
    return format_html(
        '<a class="govuk-link" href="{}">{}</a>', case.get_absolute_url(), case.reference
    )


def _owner_team(team) -> SafeString:
    if team is None:
        return SafeString("")
    return format_html('<br><span class="govuk-body-s">{}</span>', team.name)


_MET_LATE = SafeString('<strong class="govuk-tag govuk-tag--orange">Met late</strong>')
_MET = SafeString('<strong class="govuk-tag govuk-tag--green">Met</strong>')
_BREACHED = SafeString('<strong class="govuk-tag govuk-tag--red">Breached</strong>')
_CANCELLED = SafeString('<strong class="govuk-tag govuk-tag--grey">Cancelled</strong>')
_OPEN = SafeString('<strong class="govuk-tag govuk-tag--blue">Open</strong>')


@register.simple_tag
def deadline_status_tag(deadline, now=None) -> SafeString:
    """A deadline's status as a GOV.UK tag (deadlines/_status_tag.html): open past its due
    time is already breached to its reader, swept or not."""
    if deadline.status == "met":
        return _MET_LATE if deadline.met_late else _MET
    if is_overdue(deadline, now):
        return _BREACHED
    return _CANCELLED if deadline.status == "cancelled" else _OPEN


@register.simple_tag
def team_deadline_rows(deadlines) -> SafeString:
    """The rows of the deadlines page's table (deadlines/team_deadlines.html): deadline_rows'
    cells with the year in the due date, how long until or past it for a live one only, the
    owner's team always, and a status column."""
    now = timezone.now()
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row">'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}{}</td>'
        '<td class="govuk-table__cell">{}<br><span class="govuk-body-s">{}</span>{}</td>'
        '<td class="govuk-table__cell">{}</td></tr>',
        (
            (
                deadline.get_kind_display(),
                _case_link(deadline.case, none=""),
                date_format(localtime(deadline.due_at), "D j M Y H:i"),
                format_html("<br>{}", _how_long(deadline, now))
                if deadline.status in ("open", "breached")
                else "",
                deadline.owner or "",
                deadline.owner_team.name if deadline.owner_team else "",
                _WAITING if getattr(deadline, "is_watched", False) else "",
                deadline_status_tag(deadline, now),
            )
            for deadline in deadlines
        ),
    )
