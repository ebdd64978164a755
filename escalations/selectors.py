"""Reading immediate safeguarding concerns for pages and queues."""

from django.db.models import QuerySet

from casetransfer.compiled import ModelsCompiledOnce
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


def concerns_for_case(case) -> list[SafeguardingConcern]:
    """A case's concerns not yet closed, oldest first (the case page's; compiled once)."""
    return _read_concerns_of_case(case.pk)


def _concerns_of_case(case_id: int) -> QuerySet[SafeguardingConcern]:
    return (
        SafeguardingConcern.objects.filter(case_id=case_id)
        .exclude(status=ConcernStatus.CLOSED)
        .select_related("raised_by", "raised_from_team", "duty_team", "responded_by")
        .order_by("raised_at", "id")
    )


_read_concerns_of_case = ModelsCompiledOnce(_concerns_of_case)


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


# --- The escalation ladder ----------------------------------------------------------------------


def _ordered(escalations):
    """Breached clocks first, then by the clock's due time, then oldest first."""
    from django.db.models import Case, IntegerField, Value, When

    from deadlines.models import DeadlineStatus

    return escalations.annotate(
        breached=Case(
            When(response_deadline__status=DeadlineStatus.BREACHED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("breached", "response_deadline__due_at", "raised_at", "id")


def _with_related(escalations):
    """What a list of escalations names. Not who holds each (only its own page says): a second
    join to the users table had PostgreSQL spend 5 ms planning a home page's panel, where one
    takes 2 (issue 14)."""
    return escalations.select_related(
        "case",
        "case__current_team",
        "transfer",
        "team",
        "raised_by",
        "response_deadline",
    )


def _for_table(escalations):
    """What the table of escalations (escalations/_escalation_table.html) names, and no more:
    the transfer and the case's team joined too had PostgreSQL plan a home page's panel for
    6 ms, where this takes under 4 (issue 14)."""
    return escalations.select_related("case", "team", "raised_by", "response_deadline")


def _levels_answered(user: User) -> tuple[tuple[str, int], ...]:
    """The rungs (ladder, level) a user answers at, by their roles: read once within a GET (a
    home page asks whether there are any, then which)."""
    from casetransfer.request_cache import once_per_request

    from .models import EscalationLevel

    if not user.is_authenticated or not user.is_active:
        return ()
    return once_per_request(
        ("escalation_levels", user.pk),
        lambda: tuple(
            EscalationLevel.objects.filter(role__in=user.role_names)
            .order_by("kind", "number")
            .values_list("kind", "number")
            .distinct()
        ),
    )


def answers_escalations(user: User) -> bool:
    """Whether the user holds a role some level of some ladder answers at."""
    return bool(_levels_answered(user))


def _answering(user: User) -> tuple[tuple[int, ...], tuple] | None:
    """_to_answer's ids (the user's, the teams they see) and shape (the rungs they answer at,
    whether they see every team) for a user; None for nobody signed in or active."""
    from cases.selectors import reader_of
    from people.roles import Scope

    reader = reader_of(user)
    if reader.scope is None:
        return None
    return (user.pk, *reader.teams), (_levels_answered(user), reader.scope == Scope.ALL)


def escalations_to_answer(user: User):
    """Live escalations at a level the user answers, about a team they see, not raised by
    them; breached first. The same rule as `permissions.holds_level`, as one query."""
    from .models import Escalation

    answering = _answering(user)
    if answering is None:
        return Escalation.objects.none()
    ids, shape = answering
    return _to_answer(*ids, shape=shape)


def _to_answer(user_id: int, *teams: int, shape: tuple) -> QuerySet:
    """escalations_to_answer's query from ids: the user's and the teams they see; `shape` the
    rungs they answer at and whether they see every team (then no filter by team)."""
    from django.db.models import Q

    from .models import LIVE_ESCALATION, Escalation

    levels, sees_all = shape
    rungs = Q(pk__in=[])
    for kind, number in levels:
        rungs |= Q(kind=kind, level=number)
    rows = Escalation.objects.filter(rungs, status__in=LIVE_ESCALATION).exclude(
        raised_by_id=user_id
    )
    if not sees_all:  # someone who sees every team needs no filter by team
        rows = rows.filter(team_id__in=teams)
    return _ordered(_for_table(rows))


# A home page's panel of them: its first rows by SQL compiled once per shape
# (casetransfer.compiled: building the query cost more than running it; issue 14), then the
# count.
_first_to_answer = ModelsCompiledOnce(
    lambda user_id, *teams, shape: _to_answer(user_id, *teams, shape=shape[:2])[: shape[2]]
)


def escalations_panel(user: User, size: int) -> tuple[list, int]:
    """The first `size` of escalations_to_answer, and how many there are."""
    answering = _answering(user)
    if answering is None:
        return [], 0
    ids, shape = answering
    return _first_to_answer(*ids, shape=(*shape, size)), _to_answer(*ids, shape=shape).count()


def escalations_raised_by(user: User):
    from .models import LIVE_ESCALATION, Escalation

    rows = Escalation.objects.filter(raised_by=user, status__in=LIVE_ESCALATION)
    return _ordered(_for_table(rows))


def escalations_for_case(case) -> list:
    """A case's escalations, newest first (the case page's; its SQL compiled once, issue 14)."""
    return _read_escalations_of_case(case.pk)


def _escalations_of_case(case_id: int):
    from .models import Escalation

    return _with_related(Escalation.objects.filter(case_id=case_id)).order_by("-raised_at", "-id")


def escalations_for_transfer(transfer) -> list:
    """A transfer's escalations, newest first (its page's; compiled once)."""
    return _read_escalations_of_transfer(transfer.pk)


def _escalations_of_transfer(transfer_id: int):
    from .models import Escalation

    return _with_related(Escalation.objects.filter(transfer_id=transfer_id)).order_by("-raised_at")


# Six joins, built and compiled on every case and transfer page: 4 ms of a case page's 50.
_read_escalations_of_case = ModelsCompiledOnce(_escalations_of_case)
_read_escalations_of_transfer = ModelsCompiledOnce(_escalations_of_transfer)


def suspensions_in_force(teams=None):
    """Approved protocol suspensions not yet ended, for the teams given (all by default)."""
    from .models import Escalation, EscalationKind, Outcome

    rows = Escalation.objects.filter(
        kind=EscalationKind.PROTOCOL_SUSPENSION,
        outcome=Outcome.APPROVED,
        suspension_ended_at__isnull=True,
    ).select_related("team")
    if teams is not None:
        rows = rows.filter(team__in=teams)
    return rows.order_by("ends_on", "id")


def suspensions_for_teams(*team_ids: int | None) -> list:
    """suspensions_in_force for a case's or a transfer's teams (None for no team), as its page
    shows them: compiled once per number of teams (casetransfer.compiled)."""
    ids = sorted({pk for pk in team_ids if pk is not None})
    return _read_suspensions(*ids) if ids else []


_read_suspensions = ModelsCompiledOnce(lambda *team_ids: suspensions_in_force(team_ids))


def escalation_get_for_user(*, user: User, pk: int):
    """The escalation if the user may see it; else None (the views answer 404)."""
    from .models import Escalation
    from .permissions import see_escalation

    escalation = (
        _with_related(Escalation.objects.filter(pk=pk))
        .select_related("held_by", "resolved_by", "suspension_ended_by")
        .first()
    )
    if escalation is None or not see_escalation(escalation, user):
        return None
    return escalation


def concerns_overseen_by(user: User):
    """Immediate safeguarding concerns not yet closed, for duty teams the user sees (a service
    manager or director watching that duty answers straight away), oldest first."""
    from people.selectors import teams_visible_to

    return (
        SafeguardingConcern.objects.exclude(status=ConcernStatus.CLOSED)
        .filter(duty_team__in=teams_visible_to(user).values("pk"))
        .select_related("case", "raised_by", "duty_team")
        .order_by("raised_at", "id")
    )
