"""Who may take each transfer step: the roles seed 002 names, in the teams concerned.

Each is `(transfer, user) -> bool`, used as django-fsm's `permission=` and by the services that
record a step without a status change. `transfers.actions` builds every button from these same
functions, so a button shown is a button the service accepts. Seeing the case at all is checked
first by the views (cases_visible_to)."""

from people.models import SOCIAL_CARE_SERVICES, Service, Team
from people.roles import Role
from people.selectors import in_team

EARLY_HELP_SERVICES = (Service.EARLY_HELP, Service.GRAFT)
EH_MANAGERS = (Role.TEAM_MANAGER,)
DUTY_MANAGERS = (Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)


def _manager_of(user, team: Team | None, *roles: str) -> bool:
    return in_team(user, team) and user.has_role(*roles)


def _is_graft_manager(user, team: Team | None) -> bool:
    return (
        team is not None
        and team.service == Service.GRAFT
        and team.manager_id == user.pk
        and user.is_active
    )


def may_start_step_up(case, user) -> bool:
    """Role and team only: an FFP/FSW or EH supervisor in the Early Help or Graft team holding
    the case, or the Graft TM (who stands in for the EH supervisor on a Graft case)."""
    team = case.current_team
    if team.service not in EARLY_HELP_SERVICES:
        return False
    return _manager_of(user, team, Role.FFP, Role.FSW, Role.EH_SUPERVISOR) or _is_graft_manager(
        user, team
    )


def start_step_up(case, user) -> bool:
    """May start one now: the role rule, and no other transfer of the case in progress."""
    from .selectors import has_live_transfer

    return may_start_step_up(case, user) and not has_live_transfer(case.pk)


def review_as_supervisor_of(user, team: Team) -> bool:
    """An EH supervisor in the team; for a Graft case, the Graft TM in the supervisor's place
    (seed 002: "EH Supervisor and EH/GRAFT TM")."""
    return _manager_of(user, team, Role.EH_SUPERVISOR) or _is_graft_manager(user, team)


def _named_supervisor(transfer, user) -> bool:
    step_up = getattr(transfer, "step_up", None)
    return (
        step_up is not None
        and step_up.supervisor_id == user.pk
        # The requester never reviews their own escalation discussion.
        and transfer.requested_by_id != user.pk
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
    if transfer.assigned_to_id == user.pk and user.is_active:
        return True
    return _manager_of(user, transfer.to_team, *DUTY_MANAGERS)


def decide_for_social_care(transfer, user) -> bool:
    """The manager holding the request (who picked it up, or the manager of the team it was
    reassigned to), or the receiving team's manager."""
    if not user.has_role(*DUTY_MANAGERS) or not user.is_active:
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


def record_joint_visit(transfer, user) -> bool:
    """The visit is joint: the allocated social worker, their managers, or the Early Help
    worker who went on it."""
    step_up = getattr(transfer, "step_up", None)
    eh_worker = step_up is not None and step_up.eh_worker_id == user.pk and user.is_active
    return eh_worker or record_after_allocation(transfer, user)


def withdraw(transfer, user) -> bool:
    """Whoever asked, while still in the sending team; or its supervisors and manager (for a
    transfer between teams, its TMs and ATMs)."""
    if transfer.requested_by_id == user.pk and in_team(user, transfer.from_team):
        return True
    if transfer.kind != "step_up" and _manages(user, transfer.from_team):
        return True
    return _manager_of(
        user, transfer.from_team, Role.EH_SUPERVISOR, *EH_MANAGERS
    ) or _is_graft_manager(user, transfer.from_team)


def request_escalation(transfer, user) -> bool:
    """After Social Care says no: the Locality Lead, or the Graft TM (seed 002, step 4)."""
    if user.has_role(Role.LOCALITY_LEAD) and transfer.from_team.locality:
        return user.memberships.filter(team__locality=transfer.from_team.locality).exists() or (
            in_team(user, transfer.from_team)
        )
    return transfer.from_team.service == Service.GRAFT and decide_for_early_help(transfer, user)


def accept_refusal(transfer, user) -> bool:
    """After Social Care says no, the Early Help side may accept the decision: the named
    supervisor, the sending team's manager, or whoever could escalate it instead."""
    return (
        _named_supervisor(transfer, user)
        or decide_for_early_help(transfer, user)
        or request_escalation(transfer, user)
    )


# --- transfers between teams (seeds 000 and 001) ------------------------------------------------


def _manages(user, team: Team | None) -> bool:
    """The team's manager, or a TM/ATM who belongs to it."""
    if team is None or not user.is_active:
        return False
    return team.manager_id == user.pk or _manager_of(user, team, *DUTY_MANAGERS)


MOVABLE_FROM = (*SOCIAL_CARE_SERVICES, Service.YOUTH_AND_FAMILY, Service.CHILDRENS_CENTRE)


def may_propose_transfer(case, user) -> bool:
    """Seed 001 s5: the team manager decides a transfer; the managers of the Social Care, Youth
    & Family or Children's Centre team holding the case propose it. (Early Help to Social Care
    is a step-up.)"""
    return (
        case.involvement != "closed"
        and case.current_team.service in MOVABLE_FROM
        and _manages(user, case.current_team)
    )


def propose_transfer(case, user) -> bool:
    from .models import LIVE_STAGES, Transfer

    return may_propose_transfer(case, user) and not (
        Transfer.objects.filter(case=case, stage__in=LIVE_STAGES).exists()
    )


def decide_transfer(transfer, user) -> bool:
    """The receiving team's manager (or a TM who belongs to it) accepts or declines."""
    team = transfer.to_team
    if team is None or not user.is_active:
        return False
    return team.manager_id == user.pk or _manager_of(user, team, Role.TEAM_MANAGER)


def prepare_transfer(transfer, user) -> bool:
    """The originating team's managers, or the worker allocated to the case there, prepare the
    transfer: the summary, notifications, meetings."""
    case = transfer.case
    worker = case.allocated_worker_id == user.pk and case.current_team_id == transfer.from_team_id
    return (worker and user.is_active) or _manages(user, transfer.from_team)


def sign_off_summary(transfer, user) -> bool:
    """Seed 001 s5: summaries are signed off by the team manager of the originating team."""
    team = transfer.from_team
    return user.is_active and (
        team.manager_id == user.pk or _manager_of(user, team, Role.TEAM_MANAGER)
    )


def quality_assure(transfer, user) -> bool:
    """Seed 001 s5: the supervising manager quality-assures the file before transfer."""
    return _manages(user, transfer.from_team)


def allocate_receiving(transfer, user) -> bool:
    return _manages(user, transfer.to_team)


def record_missing_work(transfer, user) -> bool:
    """The receiving team finds the work missing: its social workers and managers."""
    social_worker = in_team(user, transfer.to_team) and user.has_role(Role.SOCIAL_WORKER)
    return social_worker or _manages(user, transfer.to_team)


def resolve_missing_work(transfer, user) -> bool:
    """The originating team does it (seed 001 s5)."""
    return prepare_transfer(transfer, user)


def complete_transfer(transfer, user) -> bool:
    """The originating team's managers complete it once every standard is met."""
    return _manages(user, transfer.from_team)


def escalate_capacity(transfer, user) -> bool:
    """The receiving team's managers, when no worker can be allocated to a CP or CiC case."""
    return _manages(user, transfer.to_team)


# --- Child in Need to Children in Care (seed 004) ----------------------------------------------


def _operational_manager_over(user, team: Team | None) -> bool:
    from people.selectors import teams_visible_to

    return (
        team is not None
        and user.is_active
        and user.has_role(Role.OPERATIONAL_MANAGER)
        and teams_visible_to(user).filter(pk=team.pk).exists()
    )


def may_confirm_access_to_care(case, user) -> bool:
    """Seed 004: the Operational Manager, over the Child in Need team holding the case."""
    return (
        case.current_team.service == Service.CHILDREN_IN_NEED
        and case.involvement == "social_care"
        and _operational_manager_over(user, case.current_team)
    )


def confirm_access_to_care(case, user) -> bool:
    from .models import LIVE_STAGES, Transfer

    return may_confirm_access_to_care(case, user) and not (
        Transfer.objects.filter(case=case, stage__in=LIVE_STAGES).exists()
    )


def act_as_operational_manager(transfer, user) -> bool:
    return _operational_manager_over(user, transfer.from_team)


def notify_senior_administrator(transfer, user) -> bool:
    """The transferring manager: a manager of the Child in Need team."""
    return _manages(user, transfer.from_team)


def receiving_team_manager(transfer, user) -> bool:
    return _manages(user, transfer.to_team)


def pre_transfer_discussion(transfer, user) -> bool:
    """The CIN and CLA social workers and DTMs, and their managers."""
    workers = (Role.SOCIAL_WORKER, Role.ASSISTANT_TEAM_MANAGER)
    either = in_team(user, transfer.from_team) or in_team(user, transfer.to_team)
    return (
        (either and user.has_role(*workers))
        or _manages(user, transfer.from_team)
        or (_manages(user, transfer.to_team))
    )


def record_on_ics(transfer, user) -> bool:
    """The social worker records the transfer on ICS: either side's, or their managers."""
    return (
        prepare_transfer(transfer, user)
        or (transfer.allocated_worker_id == user.pk and user.is_active)
        or _manages(user, transfer.to_team)
    )


def complete_cin_to_cic(transfer, user) -> bool:
    return _manages(user, transfer.from_team) or _manages(user, transfer.to_team)
