from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

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
        return frozenset(self.groups.values_list("name", flat=True))

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


class Team(models.Model):
    """A team with a remit: the ages and plan types of the children it serves."""

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
    is_active = models.BooleanField(default=True)
    members = models.ManyToManyField(User, through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def remit_covers(self, *, age: int, plan_type: str) -> bool:
        """Whether a child of this age and plan type falls within the team's remit."""
        if not self.remit_min_age <= age <= self.remit_max_age:
            return False
        return not self.remit_plan_types or plan_type in self.remit_plan_types


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
