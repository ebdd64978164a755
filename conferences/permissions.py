"""Who may take each step of a transfer-in request: the roles seed 003 names, in the teams
concerned. Each is `(request, user) -> bool`, used as django-fsm's `permission=` and by the
services that record without a status change; `conferences.actions` builds every button from
these same functions. Seeing the request at all is checked first (selectors.requests_visible_to).
"""

from people.models import Service
from people.roles import Role
from people.selectors import in_team, own_teams

LOCALITY_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER)


def may_receive(user) -> bool:
    """Requests come in through MASH: any member of a MASH team records one."""
    return (
        user.is_authenticated
        and user.is_active
        and any(t.service == Service.MASH and t.is_active for t in own_teams(user))
    )


def act_for_mash(request, user) -> bool:
    return user.is_active and in_team(user, request.mash_team)


def act_as_cca(request, user) -> bool:
    """A case conference administrator of the request's conference team."""
    return user.is_active and user.has_role(Role.CCA) and in_team(user, request.cca_team)


def act_as_qa(request, user) -> bool:
    """The QA Service Manager over the conference team."""
    return (
        user.is_active
        and user.has_role(Role.QA_SERVICE_MANAGER)
        and in_team(user, request.cca_team)
    )


def act_as_chair(request, user) -> bool:
    return (
        user.is_active and user.has_role(Role.INDEPENDENT_CHAIR) and in_team(user, request.cca_team)
    )


def hold(request, user) -> bool:
    """The conference's outcome is recorded by its administrator or its chair."""
    return act_as_cca(request, user) or act_as_chair(request, user)


def cancel(request, user) -> bool:
    return act_as_cca(request, user) or act_as_qa(request, user)


def record_welfare_visit(request, user) -> bool:
    """The receiving locality team visits on the OLA's behalf."""
    return (
        request.locality_team_id is not None
        and user.is_active
        and in_team(user, request.locality_team)
        and (user.has_role(*LOCALITY_ROLES) or request.locality_team.manager_id == user.pk)
    )


def bundle_complete(request) -> bool:
    """Every document the bundle needs has been uploaded (the updated report comes later)."""
    from .models import BUNDLE_KINDS

    have = set(request.documents.values_list("kind", flat=True))
    return set(BUNDLE_KINDS) <= have
