from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from cases.choices import AllocationState, Involvement

register = template.Library()

# A case's plan as a GOV.UK tag, and the rows of the table of cases (includes/case_table.html),
# written here rather than by the template language: a search's 25 rows, two includes and a
# dozen lookups each, were a third of the page's own time (issue 14).
_PLAN_COLOURS = {"cp": "red", "cic": "purple", "cin": "orange", "early_help": "green"}
_HELD = SafeString(
    '<strong class="govuk-tag govuk-tag--yellow">Unallocated, held by team leader</strong>'
)
_UNALLOCATED_URGENT = SafeString('<strong class="govuk-tag govuk-tag--red">Unallocated</strong>')


@register.simple_tag
def plan_tag(case) -> SafeString:
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        _PLAN_COLOURS.get(case.plan_type, "grey"),
        case.get_plan_type_display(),
    )


def _allocation(case) -> SafeString | str:
    """Who holds the case, or why nobody does: a child on a CP plan or in care left
    unallocated is flagged red."""
    if case.allocated_worker:
        return case.allocated_worker
    if case.allocation == AllocationState.HELD_BY_TEAM_LEADER:
        return _HELD
    if case.involvement == Involvement.CLOSED:
        return "Closed"
    return _UNALLOCATED_URGENT if case.needs_allocation_urgently else "Unallocated"


@register.simple_tag
def case_rows(cases) -> SafeString:
    """The table body's rows: each child's name (a link to the case), reference, plan, team
    and worker."""
    return format_html_join(
        "\n",
        '<tr class="govuk-table__row">'
        '<td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a></td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td>'
        '<td class="govuk-table__cell">{}</td></tr>',
        (
            (
                case.get_absolute_url(),
                case.full_name,
                case.reference,
                plan_tag(case),
                case.current_team.name,
                _allocation(case),
            )
            for case in cases
        ),
    )
