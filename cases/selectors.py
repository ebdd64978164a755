"""Reading cases for pages and lists, always scoped to what the user may see."""

from django.db.models import Case as Case_
from django.db.models import IntegerField, Q, QuerySet, When

from audit.models import AuditEvent
from people.models import Team, User
from people.selectors import teams_of, teams_visible_to

from .choices import Involvement, PlanType
from .models import Allocation, Case

NUMBER_FIELDS = ("reference", "ics_number", "lcs_number", "ehm_number", "liberi_number")


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases in the user's visible teams, any case allocated to the user, and any case a transfer
    involves them in (a step-up sent to duty is the duty team's to see; see involved_case_ids)."""
    from transfers.selectors import involved_case_ids

    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    from casework.models import Meeting, MeetingKind
    from escalations.models import SafeguardingConcern

    teams = teams_visible_to(user)
    # Seed 000: the duty team sees a YFS or Children's Centre case while a concern about it
    # waits for them; a YFS or Children's Centre worker invited to a CIN meeting sees that case.
    concerns = SafeguardingConcern.objects.filter(
        duty_team__in=teams_of(user).values("pk")
    ).exclude(status="closed")
    invited = Meeting.objects.filter(kind=MeetingKind.CIN, invited=user)
    return Case.objects.filter(
        Q(current_team__in=teams.values("pk"))
        | Q(allocated_worker=user)
        | Q(pk__in=involved_case_ids(user, teams))
        | Q(pk__in=concerns.values("case_id"))
        | Q(pk__in=invited.values("case_id"))
    )


def case_get_for_user(*, user: User, reference: str) -> Case | None:
    """The case if the user may see it, else None (callers answer 404 either way)."""
    return (
        cases_visible_to(user)
        .select_related(
            "current_team",
            "allocated_worker",
            "last_closed_to_social_care_by",
            "last_closed_to_social_care_team",
        )
        .filter(reference=reference)
        .first()
    )


def case_search(
    *, user: User, query: str = "", team_id: int | None = None, plan_type: str = ""
) -> QuerySet[Case]:
    """Search by name or any case number; filter by team and plan type."""
    cases = cases_visible_to(user).select_related("current_team", "allocated_worker")
    query = query.strip()
    if query:
        by_number = Q()
        for field in NUMBER_FIELDS:
            by_number |= Q(**{f"{field}__iexact": query})
        # Every word must match the first or last name: "Amy Smith" finds Amy Smith only.
        by_name = Q()
        for word in query.split():
            by_name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        cases = cases.filter(by_number | by_name)
    if team_id:
        cases = cases.filter(current_team_id=team_id)
    if plan_type:
        cases = cases.filter(plan_type=plan_type)
    return cases.order_by("last_name", "first_name", "id")


def case_allocation_history(case: Case) -> QuerySet[Allocation]:
    return case.allocations.select_related("team", "worker", "allocated_by")


def case_audit_history(case: Case) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(case=case).select_related("actor", "subject_type")


def unallocated_cases_for_manager(user: User) -> QuerySet[Case]:
    """Open cases in the teams the user manages that have no allocated worker, CP and CiC
    first; those a team leader holds still wait for a worker, so they are listed too."""
    return (
        Case.objects.filter(current_team__in=teams_of(user).values("pk"), allocated_worker=None)
        .exclude(involvement=Involvement.CLOSED)
        .select_related("current_team")
        .annotate(
            risk_order=Case_(
                When(plan_type__in=[PlanType.CP, PlanType.CIC], then=0),
                default=1,
                output_field=IntegerField(),
            )
        )
        .order_by("risk_order", "last_name", "first_name")
    )


def step_down_teams(case: Case) -> QuerySet[Team]:
    """The Early Help and Graft teams a case can step down to: those of its locality first."""
    from .services import EARLY_HELP_SERVICES

    locality = case.current_team.locality
    return (
        Team.objects.filter(service__in=EARLY_HELP_SERVICES, is_active=True)
        .annotate(
            here=Case_(When(locality=locality, then=0), default=1, output_field=IntegerField())
        )
        .order_by("here", "name")
    )
