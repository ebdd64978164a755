"""Reading deadlines for pages: scoped like cases."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from people.models import User
from people.selectors import teams_visible_to

from .models import Deadline, DeadlineStatus

DUE_SOON = timedelta(days=2)
LIVE = [DeadlineStatus.OPEN, DeadlineStatus.BREACHED]


def _watched_by(user: User) -> QuerySet:
    return Deadline.watchers.through.objects.filter(user_id=user.pk)


def _team_ids(user: User) -> QuerySet:
    # A subquery: the planner loops over the few teams, a range scan of the team index each.
    return teams_visible_to(user).values("pk")


def _one_of(*branches: QuerySet) -> QuerySet[Deadline]:
    """Deadlines in any of `branches`: the UNION of their ids, each branch served by its own
    index ((owner, status, due_at), (owner_team, status, due_at), the watchers' table), where
    an OR of the three would scan the whole due_at index."""
    ids = [branch.order_by().values("pk") for branch in branches]
    return Deadline.objects.filter(pk__in=ids[0].union(*ids[1:]) if len(ids) > 1 else ids[0])


def _annotated(deadlines: QuerySet[Deadline], user: User) -> QuerySet[Deadline]:
    watched = _watched_by(user)
    return deadlines.annotate(
        is_watched=Exists(watched.filter(deadline_id=OuterRef("pk")))
    ).select_related("case", "owner", "owner_team")


def deadlines_for_user(user: User, condition: Q | None = None) -> QuerySet[Deadline]:
    """The deadlines a person answers for or waits on: their own, the ones they watch (the joint
    visit an Early Help worker goes on), and, for managers, their teams'. Each row says whether
    the person watches it (`is_watched`). `condition` is applied inside each branch, where
    the indexes can serve it."""
    condition = condition if condition is not None else Q()
    watched = _watched_by(user).values("deadline_id")
    branches = [
        Deadline.objects.filter(condition, owner=user),
        Deadline.objects.filter(condition, pk__in=watched),
    ]
    if user.is_manager or user.is_superuser:
        branches.append(Deadline.objects.filter(condition, owner_team__in=_team_ids(user)))
    return _annotated(_one_of(*branches), user)


def due_soon(user: User, now: datetime | None = None) -> QuerySet[Deadline]:
    now = now or timezone.now()
    soon = Q(status=DeadlineStatus.OPEN, due_at__gt=now, due_at__lte=now + DUE_SOON)
    return deadlines_for_user(user, soon).order_by("due_at")


def overdue(user: User, now: datetime | None = None) -> QuerySet[Deadline]:
    """Breached, or past due and not yet swept (the page must not wait for the sweep)."""
    now = now or timezone.now()
    late = Q(status=DeadlineStatus.BREACHED) | Q(status=DeadlineStatus.OPEN, due_at__lte=now)
    return deadlines_for_user(user, late).order_by("due_at")


def team_deadlines(
    *, user: User, team_id: int | None = None, status: str = ""
) -> QuerySet[Deadline]:
    """The deadlines of the teams a person sees, and the ones they watch in other teams."""
    from cases.selectors import cases_visible_to

    if status == "live" or not status:
        condition = Q(status__in=LIVE)
    elif status != "all":
        condition = Q(status=status)
    else:
        condition = Q()
    if team_id:
        condition &= Q(owner_team_id=team_id)
    team_ids = _team_ids(user)
    deadlines = _one_of(
        Deadline.objects.filter(condition, owner_team__in=team_ids),
        Deadline.objects.filter(condition, pk__in=_watched_by(user).values("deadline_id")),
    )
    # A team's deadline about a case that has since left the user's sight stays hidden; so does
    # a watched one. Checked per row shown (a primary-key probe), not against every case.
    visible_case = cases_visible_to(user).filter(pk=OuterRef("case_id"))
    deadlines = deadlines.filter(Q(case__isnull=True) | Exists(visible_case))
    return _annotated(deadlines, user).order_by("due_at")


def deadlines_for_case(case) -> QuerySet[Deadline]:
    return Deadline.objects.filter(case=case).select_related("owner", "owner_team")
