"""Team remits (seed 001 s3): which children a team serves, as data on the team (ages, plan types,
disability), and why a team does not take a child, in people's words.

Also the Disabled Children's Service routing (seed 001, amendment to s3.10): referrals for
disabled children go to a Disabled Children Team at 0-15 and a Young People's Team at 16-17, and
the service keeps them through Child in Need, Child Protection and Child in Care planning."""

from datetime import date
from typing import Protocol

from django.db.models import Case, IntegerField, Value, When

from cases.choices import PlanType

from .models import RemitDisability, Service, Team

# The age at which the Young People's Team takes over from the Disabled Children Team.
YOUNG_PEOPLE_FROM_AGE = 16
ADULT_AGE = 18


class Child(Protocol):
    """What a remit reads of a case."""

    plan_type: str
    has_disability: bool

    def age_on(self, on: date) -> int: ...


def _team_name(team: Team) -> str:
    """'The Young People's Team', but 'Children in Care': a name ending in Team takes 'the'."""
    name = team.name
    if name.lower().endswith("team") and not name.lower().startswith("the "):
        return f"The {name}"
    return name


def _ages(team: Team) -> str:
    low, high = team.remit_min_age, team.remit_max_age
    if low == high:
        return f"{low} year olds"
    if low == 0:
        return f"children aged 0 to {high}"
    return f"{low} to {high} year olds"


def _child_age(age: int) -> str:
    return "under 1" if age < 1 else str(age)


def _article(label: str) -> str:
    return "an" if label[:1].lower() in "aeiou" else "a"


def _on_plan(plan_type: str) -> str:
    """'on a Child in Need plan', 'on an Early Help plan', 'with no plan'."""
    if plan_type == PlanType.NONE:
        return "with no plan"
    label = PlanType(plan_type).label if plan_type in PlanType.values else plan_type
    return f"on {_article(label)} {label} plan"


def _team_plans(team: Team) -> str:
    codes = [code for code in PlanType.values if code in team.remit_plan_types]
    labels = [PlanType(code).label for code in codes if code != PlanType.NONE]
    parts = []
    if labels:
        joined = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        parts.append(f"on {_article(joined)} {joined} plan")
    if PlanType.NONE in codes:
        parts.append("with no plan")
    return " or ".join(parts)


def remit_reason(team: Team, *, age: int, plan_type: str, has_disability: bool) -> str | None:
    """None when `team` may take a child of this age, plan type and disability; otherwise why
    not, in one sentence. The first reason found is given: the team closed or its protocol
    suspended, then age, plan type and disability."""
    name = _team_name(team)
    if not team.is_active:
        return f"{name} is no longer an active team."
    if team.is_suspended:
        note = team.capacity_note.strip()
        because = f": {note}" if note else "."
        return f"The transfer protocol is suspended for {team.name}{because}"
    if not team.remit_covers_age(age):
        return f"{name} serves {_ages(team)}; this child is {_child_age(age)}."
    if not team.remit_covers_plan_type(plan_type):
        child_plan = "has no plan" if plan_type == PlanType.NONE else f"is {_on_plan(plan_type)}"
        return f"{name} serves children {_team_plans(team)}; this child {child_plan}."
    if not team.remit_covers_disability(has_disability):
        if team.remit_disability == RemitDisability.DISABLED_ONLY:
            return f"{name} serves disabled children only; this child is not recorded as disabled."
        return (
            f"{name} does not serve disabled children; this child is recorded as disabled, so "
            "the Disabled Children's Service holds the case."
        )
    return None


def remit_refusal(team: Team, case: Child, on: date) -> str | None:
    """None when `team`'s remit covers the child on date `on` (their age then, their plan type,
    their disability) and the team is active with the protocol in force; otherwise why not, in
    people's words, for the page proposing a transfer to say."""
    return remit_reason(
        team, age=case.age_on(on), plan_type=case.plan_type, has_disability=case.has_disability
    )


def dcs_service_for_age(age: int) -> str | None:
    """The Disabled Children's Service's part for a child of `age`: a Disabled Children Team at
    0-15, a Young People's Team at 16-17; None from 18, when adult services take over."""
    if age >= ADULT_AGE:
        return None
    return Service.DISABLED_CHILDREN if age < YOUNG_PEOPLE_FROM_AGE else Service.YOUNG_PEOPLE


def dcs_team_for(case: Child, on: date, locality: str = "") -> Team | None:
    """Seed 001 s3.10 (amended): the Disabled Children's Service team for a disabled child on
    date `on`: a Disabled Children Team at 0-15, a Young People's Team at 16-17, among the active
    teams whose remit covers the child and whose protocol is not suspended. A team in `locality`
    comes first, then a county-wide one (no locality), then any other; by name within each.
    None when the child is not recorded as disabled, is 18 or over, or no team can take them."""
    if not case.has_disability:
        return None
    service = dcs_service_for_age(case.age_on(on))
    if service is None:
        return None
    nearer = [When(locality=locality, then=Value(0))] if locality else []
    teams = Team.objects.filter(service=service, is_active=True).annotate(
        nearness=Case(
            *nearer,
            When(locality="", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    for team in teams.order_by("nearness", "name"):
        if remit_refusal(team, case, on) is None:
            return team
    return None


def teams_for_transfer(case: Child, on: date, from_team: Team) -> list[tuple[Team, str | None]]:
    """Every active team but `from_team`, each with why it cannot take the child (None: it can),
    so a page can offer the eligible ones and say why the others are not. The eligible come
    first, each group in name order."""
    teams = Team.objects.filter(is_active=True).exclude(pk=from_team.pk).order_by("name")
    answers = [(team, remit_refusal(team, case, on)) for team in teams]
    return sorted(answers, key=lambda pair: pair[1] is not None)
