"""Who may take each transfer transition: the roles seed 002 names, in the teams concerned.

Each is `(transfer, user) -> bool`, used as django-fsm's `permission=`. Seeing the case at all is
checked first by the views (cases_visible_to)."""

from people.models import Service, Team
from people.roles import Role
from people.selectors import in_team


def _manager_of(user, team: Team | None, *roles: str) -> bool:
    return in_team(user, team) and user.has_role(*roles)


EH_MANAGERS = (Role.TEAM_MANAGER,)
DUTY_MANAGERS = (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)


def start_step_up(case, user) -> bool:
    """An FFP/FSW (or the EH supervisor) in the Early Help or Graft team holding the case."""
    return _manager_of(user, case.current_team, Role.FFP, Role.FSW, Role.EH_SUPERVISOR)


def review_as_supervisor_of(user, team: Team) -> bool:
    return _manager_of(user, team, Role.EH_SUPERVISOR)


def _named_supervisor(transfer, user) -> bool:
    step_up = getattr(transfer, "step_up", None)
    return (
        step_up is not None
        and step_up.supervisor_id == user.pk
        and review_as_supervisor_of(user, transfer.from_team)
    )


def review_as_supervisor(transfer, user) -> bool:
    """The supervisor the worker held the escalation discussion with."""
    return _named_supervisor(transfer, user)


def decide_for_early_help(transfer, user) -> bool:
    """The EH team manager, or the Graft TM for a Graft case: the manager of the sending team."""
    return user.is_active and transfer.from_team.manager_id == user.pk


def send_to_duty(transfer, user) -> bool:
    """The named EH supervisor, or the EH/Graft team manager."""
    return _named_supervisor(transfer, user) or decide_for_early_help(transfer, user)


def act_for_duty(transfer, user) -> bool:
    """The duty TM/ATM of the receiving team; or, under the 12-week rule, the closing TM."""
    if transfer.assigned_to_id == user.pk:
        return True
    return _manager_of(user, transfer.to_team, *DUTY_MANAGERS)


def decide_for_social_care(transfer, user) -> bool:
    """The manager who picked it up, or the receiving team's manager."""
    if not user.has_role(*DUTY_MANAGERS):
        return False
    to_team = transfer.to_team
    if transfer.assigned_to_id == user.pk:
        return True
    return to_team is not None and to_team.manager_id == user.pk


def allocate(transfer, user) -> bool:
    return _manager_of(user, transfer.to_team, *DUTY_MANAGERS)


def record_after_allocation(transfer, user) -> bool:
    """The allocated social worker, or a manager of the receiving team."""
    return (transfer.allocated_worker_id == user.pk and user.is_active) or allocate(transfer, user)


def withdraw(transfer, user) -> bool:
    """Whoever asked, while still in the sending team; or its supervisors and manager."""
    if transfer.requested_by_id == user.pk and in_team(user, transfer.from_team):
        return True
    return _manager_of(user, transfer.from_team, Role.EH_SUPERVISOR, *EH_MANAGERS)


def request_escalation(transfer, user) -> bool:
    """After Social Care says no: the Locality Lead, or the Graft TM (seed 002, step 4)."""
    if user.has_role(Role.LOCALITY_LEAD) and transfer.from_team.locality:
        return user.memberships.filter(team__locality=transfer.from_team.locality).exists() or (
            in_team(user, transfer.from_team)
        )
    return transfer.from_team.service == Service.GRAFT and decide_for_early_help(transfer, user)
