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


def deadlines_for_user(user: User) -> QuerySet[Deadline]:
    """The deadlines a person answers for or waits on: their own, the ones they watch (the joint
    visit an Early Help worker goes on), and, for managers, their teams'. Each row says whether
    the person watches it (`is_watched`)."""
    # A subquery rather than a join on watchers, which would repeat a row per watcher.
    watched = _watched_by(user)
    condition = Q(owner=user) | Q(pk__in=watched.values("deadline_id"))
    if user.is_manager or user.is_superuser:
        condition |= Q(owner_team__in=teams_visible_to(user).values("pk"))
    return (
        Deadline.objects.filter(condition)
        .annotate(is_watched=Exists(watched.filter(deadline_id=OuterRef("pk"))))
        .select_related("case", "owner", "owner_team")
    )


def due_soon(user: User, now: datetime | None = None) -> QuerySet[Deadline]:
    now = now or timezone.now()
    return (
        deadlines_for_user(user)
        .filter(status=DeadlineStatus.OPEN, due_at__gt=now, due_at__lte=now + DUE_SOON)
        .order_by("due_at")
    )


def overdue(user: User, now: datetime | None = None) -> QuerySet[Deadline]:
    """Breached, or past due and not yet swept (the page must not wait for the sweep)."""
    now = now or timezone.now()
    return (
        deadlines_for_user(user)
        .filter(Q(status=DeadlineStatus.BREACHED) | Q(status=DeadlineStatus.OPEN, due_at__lte=now))
        .order_by("due_at")
    )


def team_deadlines(
    *, user: User, team_id: int | None = None, status: str = ""
) -> QuerySet[Deadline]:
    """The deadlines of the teams a person sees, and the ones they watch in other teams."""
    from cases.selectors import cases_visible_to

    watched = _watched_by(user)
    # A team's deadline about a case that has since left the user's sight stays hidden; so does
    # a watched one.
    deadlines = (
        Deadline.objects.filter(
            Q(case__isnull=True) | Q(case__in=cases_visible_to(user)),
            Q(owner_team__in=teams_visible_to(user).values("pk"))
            | Q(pk__in=watched.values("deadline_id")),
        )
        .annotate(is_watched=Exists(watched.filter(deadline_id=OuterRef("pk"))))
        .select_related("case", "owner", "owner_team")
    )
    if team_id:
        deadlines = deadlines.filter(owner_team_id=team_id)
    if status == "live" or not status:
        deadlines = deadlines.filter(status__in=LIVE)
    elif status != "all":
        deadlines = deadlines.filter(status=status)
    return deadlines.order_by("due_at")


def deadlines_for_case(case) -> QuerySet[Deadline]:
    return Deadline.objects.filter(case=case).select_related("owner", "owner_team")
