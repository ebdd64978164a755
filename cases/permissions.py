"""Who may take each case transition. Each is `(case, user) -> bool`: django-fsm's
`permission=` on the transition, and what `cases.actions` asks before offering a button."""

from people.models import SOCIAL_CARE_SERVICES
from people.selectors import user_manages_team

from .choices import AllocationState, Involvement, PlanType

NEVER_UNALLOCATED = (PlanType.CP, PlanType.CIC)


def may_be_left_unallocated(case) -> bool:
    """Seed 001 s2.5: a child on a CP plan or in care is never left unallocated."""
    return case.plan_type not in NEVER_UNALLOCATED


def allocate(case, user) -> bool:
    """A manager of the team holding the case, while the case is open."""
    return case.involvement != Involvement.CLOSED and user_manages_team(user, case.current_team)


def close_to_social_care(case, user) -> bool:
    """The team manager (or an assistant team manager) of the Social Care team holding the case:
    the closure that starts the 12-week rule (seed 002) is theirs."""
    return (
        case.involvement == Involvement.SOCIAL_CARE
        and case.current_team.service in SOCIAL_CARE_SERVICES
        and user_manages_team(user, case.current_team)
    )


def hold_by_team_leader(case, user) -> bool:
    """A manager of the team holding an unallocated child in need (seed 001 s2.6)."""
    return (
        case.involvement == Involvement.SOCIAL_CARE
        and case.allocation == AllocationState.UNALLOCATED
        and may_be_left_unallocated(case)
        and user_manages_team(user, case.current_team)
    )
