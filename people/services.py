"""Users, teams and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

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
