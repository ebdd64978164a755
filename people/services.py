"""Users, teams and roles."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_fsm import can_proceed, has_transition_perm

from audit.fsm import apply_transition
from audit.services import audit_record

from .models import Team, TeamMembership, User
from .roles import ROLE_PERMISSIONS, Role


def role_groups_ensure() -> None:
    """Create a group for every role, with its permissions. Idempotent: runs after migrate."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = ROLE_PERMISSIONS.get(role, [])
        permissions = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str], by: User | None) -> None:
    before = sorted(user.groups.values_list("name", flat=True))
    user.groups.set(Group.objects.filter(name__in=roles))
    after = sorted(roles)
    if before != after:
        audit_record(
            actor=by, action="user.roles", subject=user, changes={"roles": [before, after]}
        )
    user.__dict__.pop("role_names", None)


@transaction.atomic
def team_membership_add(*, team: Team, user: User, by: User | None) -> TeamMembership:
    membership, created = TeamMembership.objects.get_or_create(team=team, user=user)
    if created:
        audit_record(
            actor=by, action="team.member_add", subject=team, changes={"member": [None, user.pk]}
        )
    return membership


def _locked_team(team: Team) -> Team:
    return Team.objects.select_for_update().get(pk=team.pk)


def _capacity_step(*, team: Team, by: User, name: str, reason: str, refused: str) -> Team:
    """Take a capacity transition: state first (ValidationError in people's words), then who
    may (PermissionDenied), then the reason; the reason is kept on the team for its pages."""
    team = _locked_team(team)
    if not can_proceed(getattr(team, name)):
        raise ValidationError(refused.format(state=team.get_capacity_display().lower()))
    if not has_transition_perm(getattr(team, name), by):
        raise PermissionDenied("Your role does not allow this change to the team's capacity.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason"})
    team.capacity_note = reason.strip()
    apply_transition(team, name, by=by, note=reason, state_field="capacity", check_permission=True)
    return team


@transaction.atomic
def team_escalate_capacity(*, team: Team, by: User, reason: str) -> Team:
    """Seed 001 s2.5: cases cannot move out of or into the team for capacity; escalated to the
    service manager, accountable for smooth transitions across the district."""
    return _capacity_step(
        team=team,
        by=by,
        name="escalate_capacity",
        reason=reason,
        refused="Only a team with open capacity can be escalated; this team's is {state}.",
    )


@transaction.atomic
def team_suspend_protocol(*, team: Team, by: User, reason: str) -> Team:
    """Seed 001 s6.1 (Appendix 1): a written decision to suspend part of the transfer protocol
    for the team, saying how it affects transfers and what mitigates the risk."""
    return _capacity_step(
        team=team,
        by=by,
        name="suspend_protocol",
        reason=reason,
        refused="The protocol is already suspended for this team.",
    )


@transaction.atomic
def team_restore(*, team: Team, by: User, reason: str) -> Team:
    """The escalation or suspension ends: the team works to the protocol as written."""
    return _capacity_step(
        team=team,
        by=by,
        name="restore",
        reason=reason,
        refused="This team's capacity is already open.",
    )
