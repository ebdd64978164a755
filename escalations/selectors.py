"""Reading immediate safeguarding concerns for pages and queues."""

from django.db.models import QuerySet

from people.models import User
from people.selectors import teams_of

from .models import ConcernStatus, SafeguardingConcern


def open_concerns_for_duty(user: User) -> QuerySet[SafeguardingConcern]:
    """Concerns waiting for a response from the duty teams the user manages or belongs to,
    oldest first: each was to be answered straight away."""
    if not user.is_authenticated or not user.is_active:
        return SafeguardingConcern.objects.none()
    return (
        SafeguardingConcern.objects.filter(
            status=ConcernStatus.RAISED, duty_team__in=teams_of(user).values("pk")
        )
        .select_related("case", "raised_by", "raised_from_team", "duty_team")
        .order_by("raised_at", "id")
    )


def concerns_for_case(case) -> QuerySet[SafeguardingConcern]:
    """A case's concerns not yet closed, oldest first."""
    return (
        SafeguardingConcern.objects.filter(case=case)
        .exclude(status=ConcernStatus.CLOSED)
        .select_related("raised_by", "raised_from_team", "duty_team", "responded_by")
        .order_by("raised_at", "id")
    )


def concern_get_for_user(*, user: User, pk: int) -> SafeguardingConcern | None:
    """The concern if the user may see it (the duty team, who raised it, whoever sees the
    case); else None, and the views answer 404."""
    from .permissions import see

    concern = (
        SafeguardingConcern.objects.select_related(
            "case",
            "case__current_team",
            "raised_by",
            "raised_from_team",
            "duty_team",
            "responded_by",
            "closed_by",
        )
        .filter(pk=pk)
        .first()
    )
    if concern is None or not user.is_authenticated or not see(concern, user):
        return None
    return concern
