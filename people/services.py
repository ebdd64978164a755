"""Users, teams and roles."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
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
    for cached in ("role_names", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cached, None)


@transaction.atomic
def user_password_changed(*, user: User, by: User | None) -> None:
    """A password was set: by its owner (the password change page) or by someone else (an
    administrator in the admin). Audited, never with the password; when someone else set it,
    the owner is emailed, so an account taken over does not go unnoticed."""
    from deadlines.emails import london, notice_email, outbox_enqueue

    own = by is not None and by.pk == user.pk
    event = audit_record(
        actor=by,
        action="user.password_change" if own else "user.password_set",
        subject=user,
        changes={"password": ["(hidden)", "(changed)"]},
        note="Changed by the user" if own else f"Set by {by or 'the system'}",
    )
    if own or not user.email:
        return
    email = notice_email(
        key=f"password-set:{event.pk}",
        recipient=user,
        subject="Your Case transfers password was changed",
        heading="Your password was changed",
        lines=[
            f"{by or 'The system'} set a new password for your account ({user.username}) on "
            f"{london(event.at)}.",
            "If you did not ask for this, tell your system administrator at once. If you did, "
            "change it to one only you know.",
        ],
        link=reverse("password_change"),
    )
    outbox_enqueue(email)


@transaction.atomic
def team_membership_add(*, team: Team, user: User, by: User | None) -> TeamMembership:
    membership, created = TeamMembership.objects.get_or_create(team=team, user=user)
    if created:
        audit_record(
            actor=by, action="team.member_add", subject=team, changes={"member": [None, user.pk]}
        )
    return membership


@transaction.atomic
def team_membership_end(*, team: Team, user: User, by: User | None) -> bool:
    """The user leaves the team: access to its cases ends with the membership (access follows
    membership), and their open allocations and deadlines on its cases go back to the team
    manager for reallocation, each change audited. Returns whether they were a member."""
    from cases.services import case_hand_back_on_leaving

    deleted, _ = TeamMembership.objects.filter(team=team, user=user).delete()
    if not deleted:
        return False
    audit_record(
        actor=by, action="team.member_remove", subject=team, changes={"member": [user.pk, None]}
    )
    case_hand_back_on_leaving(team=team, user=user, by=by)
    return True


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
