"""A list's table rows, built in Python as Django's admin builds a change list's rows
(`items_for_result`): fifty rows of fifteen cells, each a variable, a filter or two and an
escape in the template language, took 15 ms of a weekly list page; built with format_html they
take a fraction of it (issue 14). The markup is the GOV.UK table's, as the template had it."""

import functools
from datetime import date, datetime

from django import template
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

NONE = "\u2013"  # an en dash: no value
CELL = '<td class="govuk-table__cell">{}</td>'
TAGS = {
    "completed": "govuk-tag--green",
    "withdrawn": "govuk-tag--grey",
    "refused": "govuk-tag--grey",
}


@functools.lru_cache(maxsize=16)
def _calendar(language: str | None) -> tuple[list[str], list[str]]:
    """The months' and weekdays' short names in `language`, translated once: each lazy name
    looked up in the active translation every time was a tenth of a weekly list (issue 14)."""
    months = [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)]
    return months, [str(WEEKDAYS_ABBR[weekday]) for weekday in range(7)]


def day(value: date | datetime | None) -> str:
    """'20 Nov 2026' (the date filter's "j M Y"), a moment in London time; NONE for none."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    months, _ = _calendar(translation.get_language())
    return f"{value.day} {months[value.month]} {value.year}"


def moment(value: datetime | None) -> str:
    """'Fri 20 Nov 2026 12:00' (the date filter's "D j M Y H:i"), London time; NONE for none."""
    if value is None:
        return NONE
    local = timezone.localtime(value)
    _, weekdays = _calendar(translation.get_language())
    return f"{weekdays[local.weekday()]} {day(local)} {local:%H:%M}"


def _child(row, printing: bool) -> SafeString:
    if printing:
        return format_html("{} ({})", row.child_name, row.case_reference)
    return format_html(
        '<a class="govuk-link" href="{}">{}</a><br><span class="govuk-body-s">{}</span>',
        row.url,
        row.child_name,
        row.case_reference,
    )


def _people(row) -> SafeString:
    return format_html(
        '<span class="app-register-person">SW: {}</span> '
        '<span class="app-register-person">DTM: {}</span> '
        '<span class="app-register-person">TM: {}</span>',
        row.social_worker or "none",
        row.deputy_team_managers or "none",
        row.team_manager or "none",
    )


def _state(row, printing: bool) -> SafeString | str:
    if printing:
        return row.state_label
    return format_html(
        '<strong class="govuk-tag {}">{}</strong><br><span class="govuk-body-s">{}</span>',
        TAGS.get(row.stage, "govuk-tag--blue"),
        row.stage_label,
        row.state_label,
    )


@register.simple_tag
def register_cells(row, printing: bool = False, historic: bool = False) -> SafeString:
    """The cells of one row of the weekly or historic list (a live row or a frozen one)."""
    cells = [
        row.ics_number or NONE,
        _child(row, printing),
        day(row.date_of_birth),
        _people(row),
        row.kind_label,
        row.from_team_name,
        row.to_team_name or NONE,
        day(row.requested_at),
        day(row.decided_at),
        day(row.anticipated_on),
        row.legal_proceedings or "None",
        _state(row, printing),
        *((day(row.closed_at), row.outcome) if historic else (moment(row.next_due_at),)),
    ]
    return format_html(CELL * len(cells), *cells)
