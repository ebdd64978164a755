"""Who may raise and answer an immediate safeguarding concern (seed 000 s3). Each is
`(case or concern, user) -> bool`: the services check them, the transitions' `permission=` is
them, and the buttons are built from them."""

from casework.permissions import is_yfs_or_cc_staff, sees_case
from people.roles import Role
from people.selectors import in_team

DUTY_ROLES = (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.SOCIAL_WORKER)
DUTY_MANAGER_ROLES = (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)


def may_raise(case, user) -> bool:
    """A YFS or Children's Centre worker or manager who sees the case."""
    return (
        is_yfs_or_cc_staff(user) and (user.is_worker or user.is_manager) and sees_case(case, user)
    )


def raise_concern(case, user) -> bool:
    """May raise one now: the role rule, and no concern about the case already waiting for duty
    (that call is being answered)."""
    from .models import ConcernStatus, SafeguardingConcern

    return may_raise(case, user) and not (
        SafeguardingConcern.objects.filter(case=case, status=ConcernStatus.RAISED).exists()
    )


def on_duty_team(concern, user) -> bool:
    """The duty team's manager, or a TM, ATM or social worker in it."""
    if not user.is_active:
        return False
    team = concern.duty_team
    return team.manager_id == user.pk or (in_team(user, team) and user.has_role(*DUTY_ROLES))


def respond(concern, user) -> bool:
    return on_duty_team(concern, user)


def close(concern, user) -> bool:
    """The duty team, once it has responded: it knows when what happens next is under way."""
    return on_duty_team(concern, user)


def see(concern, user) -> bool:
    """The duty team, who raised it, and whoever sees the case."""
    return (
        on_duty_team(concern, user)
        or (concern.raised_by_id == user.pk and user.is_active)
        or sees_case(concern.case, user)
    )
