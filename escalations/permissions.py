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


OVERSIGHT_ROLES = (
    Role.SERVICE_MANAGER,
    Role.OPERATIONAL_MANAGER,
    Role.ASSISTANT_DIRECTOR,
    Role.INTEGRATED_FAMILY_SERVICES_MANAGER,
)


def _oversees(user, team) -> bool:
    """A manager above team level whose scope covers the team: the breach escalations of its
    deadlines reach them, so its escalations and concerns open for them."""
    from people.selectors import teams_visible_to

    return (
        user.is_active
        and user.has_role(*OVERSIGHT_ROLES)
        and teams_visible_to(user).filter(pk=team.pk).exists()
    )


def see(concern, user) -> bool:
    """The duty team, who raised it, whoever oversees the duty team, and whoever sees the
    case."""
    return (
        on_duty_team(concern, user)
        or _oversees(user, concern.duty_team)
        or (concern.raised_by_id == user.pk and user.is_active)
        or sees_case(concern.case, user)
    )


# --- The escalation ladder -------------------------------------------------------------------


def holds_level(escalation, user, number: int | None = None) -> bool:
    """Someone who answers at a level (the current one by default): they hold the level's role,
    see the team concerned (a service manager over its service; an assistant director over
    every team), and did not raise it themselves: nobody reviews their own escalation."""
    from people.selectors import teams_visible_to

    from .models import EscalationLevel

    if not user.is_active or user.pk == escalation.raised_by_id:
        return False
    level = EscalationLevel.objects.filter(
        kind=escalation.kind, number=number or escalation.level
    ).first()
    if level is None or not user.has_role(level.role):
        return False
    return teams_visible_to(user).filter(pk=escalation.team_id).exists()


def answer(escalation, user) -> bool:
    """Acknowledge, decide, or pass up: whoever answers at the current level."""
    return holds_level(escalation, user)


def withdraw(escalation, user) -> bool:
    """Whoever raised it; not a child waiting for a worker, whose escalation stays open until
    they are allocated."""
    from .models import EscalationKind

    if escalation.kind in (EscalationKind.CAPACITY, EscalationKind.HELD_CIN):
        return False
    return user.is_active and user.pk == escalation.raised_by_id


def record_oversight(escalation, user) -> bool:
    """A child in need held by the team leader: the team's managers record their visits and
    reviews while it is open."""
    from people.selectors import user_manages_team

    from .models import EscalationKind

    return (
        escalation.kind == EscalationKind.HELD_CIN
        and escalation.is_live
        and user.is_active
        and user_manages_team(user, escalation.team)
    )


def end_suspension(escalation, user) -> bool:
    """An approved suspension is lifted by whoever may suspend the protocol."""
    from people.models import may_suspend_protocol

    return escalation.suspension_in_force and may_suspend_protocol(escalation.team, user)


def see_escalation(escalation, user) -> bool:
    """Whoever raised it, whoever answers at any level it has reached, the managers of the team
    concerned, and whoever sees the case."""
    from people.selectors import user_manages_team

    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == escalation.raised_by_id or user_manages_team(user, escalation.team):
        return True
    if _oversees(user, escalation.team):
        return True
    if any(holds_level(escalation, user, n) for n in range(1, escalation.level + 1)):
        return True
    return escalation.case_id is not None and sees_case(escalation.case, user)


def _manager_of(user, team) -> bool:
    from people.selectors import user_manages_team

    return team is not None and user.is_active and user_manages_team(user, team)


def raise_for_case(case, user) -> bool:
    """From the case page: a manager of the case's team escalates a child on a CP plan or in
    care who cannot be allocated or moved for capacity, or a child in need they hold."""
    from cases.choices import AllocationState
    from cases.permissions import NEVER_UNALLOCATED

    if not _manager_of(user, case.current_team):
        return False
    if case.allocation == AllocationState.HELD_BY_TEAM_LEADER:
        return True
    # A child on a CP plan or in care left without a worker; a transfer out blocked for
    # capacity is escalated from the transfer.
    return case.plan_type in NEVER_UNALLOCATED and case.allocation != AllocationState.ALLOCATED


def raise_for_transfer(transfer, user) -> bool:
    """From a transfer between teams that is declined or blocked: the managers of either team."""
    from transfers.models import TEAM_MOVE_KINDS, TransferKind

    if transfer.kind not in (*TEAM_MOVE_KINDS, TransferKind.CIN_TO_CIC):
        return False
    return _manager_of(user, transfer.from_team) or _manager_of(user, transfer.to_team)


def request_suspension(team, user) -> bool:
    """A written request to suspend part of the protocol for a team: its managers, or a service
    or operational manager over it."""
    from people.selectors import teams_visible_to

    if _manager_of(user, team):
        return True
    return (
        user.is_active
        and user.has_role(Role.SERVICE_MANAGER, Role.OPERATIONAL_MANAGER)
        and teams_visible_to(user).filter(pk=team.pk).exists()
    )


def escalate_case(case, user) -> bool:
    """The case page's button: `raise_for_case`, and not already escalated."""
    from .models import LIVE_ESCALATION, EscalationKind

    if not raise_for_case(case, user):
        return False
    return not case.escalations.filter(
        kind__in=[EscalationKind.CAPACITY, EscalationKind.HELD_CIN], status__in=LIVE_ESCALATION
    ).exists()
