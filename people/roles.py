"""Roles are Django groups. Each role has a scope: which cases its holders may see.

A user may hold several roles; they see the union of what each role lets them see.
"""

from django.db import models


class Role(models.TextChoices):
    FFP = "ffp", "Family Focus Practitioner"
    FSW = "fsw", "Family Support Worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    EH_SUPERVISOR = "eh_supervisor", "Early Help supervisor"
    TEAM_MANAGER = "team_manager", "Team manager"
    ASSISTANT_TEAM_MANAGER = "assistant_team_manager", "Assistant or deputy team manager"
    LOCALITY_LEAD = "locality_lead", "Locality lead"
    SERVICE_MANAGER = "service_manager", "Service manager"
    OPERATIONAL_MANAGER = "operational_manager", "Operational manager"
    ASSISTANT_DIRECTOR = "assistant_director", "Assistant director"
    INTEGRATED_FAMILY_SERVICES_MANAGER = (
        "integrated_family_services_manager",
        "Integrated family services manager",
    )
    CCA = "cca", "Case conference administrator"
    INDEPENDENT_CHAIR = "independent_chair", "Independent chair"
    QA_SERVICE_MANAGER = "qa_service_manager", "QA service manager"
    SENIOR_ADMINISTRATOR = "senior_administrator", "Senior administrator"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"


class Scope(models.TextChoices):
    """How far a role sees, narrowest first."""

    TEAM = "team", "The teams they belong to"
    MANAGED = "managed", "The teams they belong to or manage"
    LOCALITY = "locality", "Every team in the localities of their teams"
    SERVICE = "service", "Every team in the services of their teams"
    ALL = "all", "Every team"


ROLE_SCOPE: dict[str, str] = {
    Role.FFP: Scope.TEAM,
    Role.FSW: Scope.TEAM,
    Role.SOCIAL_WORKER: Scope.TEAM,
    Role.CCA: Scope.TEAM,
    Role.EH_SUPERVISOR: Scope.MANAGED,
    Role.TEAM_MANAGER: Scope.MANAGED,
    Role.ASSISTANT_TEAM_MANAGER: Scope.MANAGED,
    Role.LOCALITY_LEAD: Scope.LOCALITY,
    Role.SERVICE_MANAGER: Scope.SERVICE,
    Role.OPERATIONAL_MANAGER: Scope.SERVICE,
    Role.QA_SERVICE_MANAGER: Scope.SERVICE,
    Role.INDEPENDENT_CHAIR: Scope.SERVICE,
    Role.ASSISTANT_DIRECTOR: Scope.ALL,
    Role.INTEGRATED_FAMILY_SERVICES_MANAGER: Scope.ALL,
    Role.SENIOR_ADMINISTRATOR: Scope.ALL,
    Role.SYSTEM_ADMINISTRATOR: Scope.ALL,
}

_SCOPE_ORDER = [Scope.TEAM, Scope.MANAGED, Scope.LOCALITY, Scope.SERVICE, Scope.ALL]

MANAGER_ROLES = frozenset(
    {
        Role.EH_SUPERVISOR,
        Role.TEAM_MANAGER,
        Role.ASSISTANT_TEAM_MANAGER,
        Role.LOCALITY_LEAD,
        Role.SERVICE_MANAGER,
        Role.OPERATIONAL_MANAGER,
        Role.QA_SERVICE_MANAGER,
        Role.ASSISTANT_DIRECTOR,
        Role.INTEGRATED_FAMILY_SERVICES_MANAGER,
    }
)
WORKER_ROLES = frozenset({Role.FFP, Role.FSW, Role.SOCIAL_WORKER})
ADMINISTRATOR_ROLES = frozenset({Role.CCA, Role.SENIOR_ADMINISTRATOR, Role.SYSTEM_ADMINISTRATOR})

# Model permissions each role's group is given (app_label.codename). What a role may do to one
# transfer is decided per transition, by role and team (transfers/permissions.py).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TEAM_MANAGER: ["transfers.view_duty_queue"],
    Role.ASSISTANT_TEAM_MANAGER: ["transfers.view_duty_queue"],
    Role.SYSTEM_ADMINISTRATOR: [
        "people.add_user",
        "people.change_user",
        "people.view_user",
        "people.add_team",
        "people.change_team",
        "people.view_team",
        "people.add_teammembership",
        "people.change_teammembership",
        "people.delete_teammembership",
        "people.view_teammembership",
        "cases.add_case",
        "cases.change_case",
        "cases.view_case",
        "cases.view_allocation",
        "audit.view_auditevent",
        "deadlines.view_deadline",
        "deadlines.add_closureday",
        "deadlines.change_closureday",
        "deadlines.delete_closureday",
        "deadlines.view_closureday",
        "deadlines.change_deadlinepolicy",
        "deadlines.view_deadlinepolicy",
        "deadlines.view_outboxemail",
        "deadlines.view_sweeprun",
        # Removing the authenticator app of someone who lost their phone (issue 13).
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
    ],
}


def widest_scope(scopes: set[str]) -> str | None:
    """The widest of the given scopes, or None when there are none."""
    ranked = [s for s in _SCOPE_ORDER if s in scopes]
    return ranked[-1] if ranked else None
