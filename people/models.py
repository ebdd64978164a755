from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .roles import ADMINISTRATOR_ROLES, MANAGER_ROLES, ROLE_SCOPE, WORKER_ROLES, Role


class Service(models.TextChoices):
    EARLY_HELP = "early_help", "Early Help"
    GRAFT = "graft", "Graft"
    SOCIAL_CARE_DUTY = "social_care_duty", "Social Care duty"
    ASSESSMENT = "assessment", "Assessment"
    CHILDREN_IN_NEED = "children_in_need", "Children in Need"
    CHILDREN_IN_CARE = "children_in_care", "Children in Care"
    DISABLED_CHILDREN = "disabled_children", "Disabled Children (0-15)"
    YOUNG_PEOPLE = "young_people", "Young People (16-17)"
    YOUTH_AND_FAMILY = "youth_and_family", "Youth & Family Services"
    CHILDRENS_CENTRE = "childrens_centre", "Children's Centre"
    CONFERENCE_AND_QA = "conference_and_qa", "Case Conference & QA"
    MASH = "mash", "MASH"


# The statutory side: where a step-up can be sent, and whose managers keep a duty queue.
SOCIAL_CARE_SERVICES = (
    Service.SOCIAL_CARE_DUTY,
    Service.ASSESSMENT,
    Service.CHILDREN_IN_NEED,
    Service.CHILDREN_IN_CARE,
    Service.DISABLED_CHILDREN,
    Service.YOUNG_PEOPLE,
)
# Seed 001 s3.10 (amended 2017): the Disabled Children's Service, Disabled Children Teams for 0-15
# year olds and Young People's Teams for 16-17 year olds.
DISABLED_CHILDRENS_SERVICES = (Service.DISABLED_CHILDREN, Service.YOUNG_PEOPLE)


class RemitDisability(models.TextChoices):
    """Whether a team serves disabled children: one part of its remit."""

    ANY = "any", "Any child"
    DISABLED_ONLY = "disabled_only", "Disabled children only"
    NOT_DISABLED = "not_disabled", "Not for disabled children"


class User(AbstractUser):
    """A member of staff. Roles are groups; teams come through TeamMembership."""

    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        from .backends import roles_and_permissions

        return roles_and_permissions(self)

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(roles))

    @property
    def is_worker(self) -> bool:
        return bool(self.role_names & WORKER_ROLES)

    @property
    def is_manager(self) -> bool:
        return bool(self.role_names & MANAGER_ROLES)

    @property
    def is_administrator(self) -> bool:
        return bool(self.role_names & ADMINISTRATOR_ROLES)

    @property
    def role_labels(self) -> list[str]:
        return [Role(name).label for name in sorted(self.role_names) if name in ROLE_SCOPE]


class Capacity(models.TextChoices):
    """Seed 001: capacity trouble is escalated to the service manager (s2.5); a suspension of
    the protocol is asked for in writing and decided above the team (s6, Appendix 1)."""

    OPEN = "open", "Open"
    CAPACITY_ESCALATED = "capacity_escalated", "Capacity escalated"
    PROTOCOL_SUSPENDED = "protocol_suspended", "Protocol suspended"


def may_escalate_capacity(team: "Team", user: "User") -> bool:
    """The team's own managers, or a service manager over it (seed 001 s2.5)."""
    from .selectors import teams_visible_to, user_manages_team

    if user_manages_team(user, team):
        return True
    return (
        user.has_role(Role.SERVICE_MANAGER) and teams_visible_to(user).filter(pk=team.pk).exists()
    )


def may_suspend_protocol(team: "Team", user: "User") -> bool:
    """Seed 001 s6.1: the Integrated Family Services Manager decides, the Assistant Director
    is told; either may record the decision."""
    return user.is_active and user.has_role(
        Role.INTEGRATED_FAMILY_SERVICES_MANAGER, Role.ASSISTANT_DIRECTOR
    )


def may_restore(team: "Team", user: "User") -> bool:
    """A suspension is lifted by whoever may suspend; an escalation, also by whoever may
    escalate."""
    if team.capacity == Capacity.PROTOCOL_SUSPENDED:
        return may_suspend_protocol(team, user)
    return may_escalate_capacity(team, user) or may_suspend_protocol(team, user)


class Team(ConcurrentTransitionMixin, models.Model):
    """A team with a remit: the ages, plan types and disability of the children it serves (data,
    edited in the admin), and a capacity state machine moved only by `people.services`."""

    name = models.CharField(max_length=120, unique=True)
    service = models.CharField(max_length=40, choices=Service.choices)
    locality = models.CharField(max_length=80, blank=True)
    manager = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_teams",
        help_text="The team manager: approves transfers in and out.",
    )
    email = models.EmailField(blank=True, help_text="The team's shared mailbox.")
    remit_min_age = models.PositiveSmallIntegerField(default=0)
    remit_max_age = models.PositiveSmallIntegerField(
        default=17, help_text="Inclusive: 17 means up to the 18th birthday."
    )
    remit_plan_types = models.JSONField(
        default=list,
        blank=True,
        help_text="Plan types the team holds (codes from PlanType); empty means any.",
    )
    remit_disability = models.CharField(
        max_length=20,
        choices=RemitDisability.choices,
        default=RemitDisability.ANY,
        help_text="Whether the team serves disabled children, only them, or any child.",
    )
    is_active = models.BooleanField(default=True)
    capacity = FSMField(
        max_length=30, choices=Capacity.choices, default=Capacity.OPEN, protected=True
    )
    capacity_note = models.TextField(
        blank=True, help_text="Why the team's capacity is escalated or the protocol suspended."
    )
    members = models.ManyToManyField(User, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_suspended(self) -> bool:
        """Some of the transfer protocol is suspended for this team (seed 001 s6)."""
        return self.capacity == Capacity.PROTOCOL_SUSPENDED

    @transition(
        field=capacity,
        source=Capacity.OPEN,
        target=Capacity.CAPACITY_ESCALATED,
        permission=may_escalate_capacity,
    )
    def escalate_capacity(self) -> None:
        """Seed 001 s2.5: cases cannot move for capacity; the service manager is told."""

    @transition(
        field=capacity,
        source=[Capacity.OPEN, Capacity.CAPACITY_ESCALATED],
        target=Capacity.PROTOCOL_SUSPENDED,
        permission=may_suspend_protocol,
    )
    def suspend_protocol(self) -> None:
        """Seed 001 s6.1: a written decision to deviate from the protocol for a while."""

    @transition(
        field=capacity,
        source=[Capacity.CAPACITY_ESCALATED, Capacity.PROTOCOL_SUSPENDED],
        target=Capacity.OPEN,
        permission=may_restore,
    )
    def restore(self) -> None:
        """Back to the protocol as written."""

    # The remit is data: ages, plan types and disability. `people.remits` says, in people's
    # words, why a team does not cover a child.

    def remit_covers_age(self, age: int) -> bool:
        return self.remit_min_age <= age <= self.remit_max_age

    def remit_covers_plan_type(self, plan_type: str) -> bool:
        return not self.remit_plan_types or plan_type in self.remit_plan_types

    def remit_covers_disability(self, has_disability: bool) -> bool:
        if self.remit_disability == RemitDisability.DISABLED_ONLY:
            return has_disability
        if self.remit_disability == RemitDisability.NOT_DISABLED:
            return not has_disability
        return True

    def remit_covers(self, *, age: int, plan_type: str, has_disability: bool | None = None) -> bool:
        """Whether a child of this age and plan type (and, when given, disability) falls within
        the team's remit."""
        if not (self.remit_covers_age(age) and self.remit_covers_plan_type(plan_type)):
            return False
        return has_disability is None or self.remit_covers_disability(has_disability)


class TeamMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    joined_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="unique_team_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
