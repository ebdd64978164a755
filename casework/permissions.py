"""Who may record meetings and notifications. Each is `(case or transfer, user) -> bool`: the
services check them, and the buttons (cases.actions, casework.actions) are built from them, so a
button shown is a button that works."""

from cases.choices import Involvement
from people.models import SOCIAL_CARE_SERVICES, Service, User
from people.roles import Role
from people.selectors import in_team, own_teams

# Seed 000: the teams that hold cases outside Social Care and raise concerns with duty.
YFS_AND_CC_SERVICES = (Service.YOUTH_AND_FAMILY, Service.CHILDRENS_CENTRE)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _in_a_team_of(user: User, services) -> bool:
    """A member or manager of a team of one of `services`: from the teams read once within a
    GET (own_teams; a case page asks for each of its buttons), afresh anywhere else."""
    return any(team.service in services for team in own_teams(user))


def sees_case(case, user) -> bool:
    from cases.selectors import sees_case_now

    return _active(user) and sees_case_now(user, case)


def _works_on(user) -> bool:
    """Someone who takes part in casework: a worker or a manager (not an administrator)."""
    return user.is_worker or user.is_manager


def record_meeting(case, user) -> bool:
    """Someone who sees the case and is in its team (or holds it), or a manager who sees it."""
    if not _active(user) or not _works_on(user) or not sees_case(case, user):
        return False
    if user.is_manager:
        return True
    return in_team(user, case.current_team) or case.allocated_worker_id == user.pk


def record_transfer_meeting(transfer, user) -> bool:
    """As for the case, or someone in either team of the transfer (the manager-to-manager
    discussion, the joint visit and the handover involve both sides)."""
    if record_meeting(transfer.case, user):
        return True
    if not _active(user) or not _works_on(user) or not sees_case(transfer.case, user):
        return False
    return (
        in_team(user, transfer.from_team)
        or in_team(user, transfer.to_team)
        or transfer.allocated_worker_id == user.pk
    )


def is_yfs_or_cc_case(case) -> bool:
    return case.current_team.service in YFS_AND_CC_SERVICES


def record_taf_meeting(case, user) -> bool:
    """Seed 000 s4: a TAF about escalating concerns on a case YFS or a Children's Centre holds."""
    return (
        is_yfs_or_cc_case(case)
        and case.involvement != Involvement.CLOSED
        and record_meeting(case, user)
    )


def invite_to_cin_meeting(case, user) -> bool:
    """Seed 000 s5: a CIN meeting on a case open to a safeguarding (Social Care) team, to which
    YFS or Children's Centre staff are invited."""
    return (
        case.involvement == Involvement.SOCIAL_CARE
        and case.current_team.service in SOCIAL_CARE_SERVICES
        and record_meeting(case, user)
    )


def may_advise_taf(user: User) -> bool:
    """The social worker a safeguarding team manager sends to a TAF: a social worker (or a
    Social Care manager) in a Social Care team."""
    return (
        _active(user)
        and user.has_role(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)
        and _in_a_team_of(user, SOCIAL_CARE_SERVICES)
    )


def is_yfs_or_cc_staff(user: User) -> bool:
    """A member or manager of a YFS or Children's Centre team."""
    return _active(user) and _in_a_team_of(user, YFS_AND_CC_SERVICES)


def record_notification(transfer, user) -> bool:
    """Seed 001 s5: the originating team tells everyone involved who the new worker is, once one
    is allocated: its members and managers (or a manager who sees the case)."""
    # Allocated: a worker, or (a child in need only) the receiving team leader holds the case.
    if transfer.status not in ("allocated", "completed") or not _active(user):
        return False
    if not _works_on(user):
        return False
    if not sees_case(transfer.case, user):
        return False
    return in_team(user, transfer.from_team) or user.is_manager


def view_letter(transfer, user) -> bool:
    """The letter is the originating team's to send: whoever may record the notification."""
    return _active(user) and sees_case(transfer.case, user)
