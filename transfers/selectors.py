"""Reading transfers for pages: queues, what needs a person's action, timelines."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast

from audit.models import AuditEvent
from deadlines.models import Deadline, DeadlineStatus
from people.models import Team, User
from people.roles import Role
from people.selectors import teams_of

from .models import LIVE, LIVE_STAGES, TEAM_MOVE_KINDS, Transfer, TransferKind, TransferStatus

S = TransferStatus


def involved_case_branches(user: User, teams: QuerySet[Team]) -> list[QuerySet]:
    """Cases a transfer involves the user in, as one query per way of being involved (each
    served by its own index; cases.selectors unions them into one round trip).

    The receiving side (its team, the manager holding or deciding it, the allocated worker)
    sees the case while the transfer is live. The sending side (who asked, the supervisor, the
    sending team's manager) also keeps it once completed: the Early Help worker stays involved
    with the family after allocation (seed 002). Nobody keeps a withdrawn or refused one."""
    live = Transfer.objects.filter(status__in=LIVE)
    kept = Transfer.objects.filter(status__in=[*LIVE, TransferStatus.COMPLETED])
    return [
        live.filter(to_team__in=teams).values("case_id"),
        *(
            live.filter(**{field: user}).values("case_id")
            for field in ("assigned_to", "picked_up_by", "decided_by", "allocated_worker")
        ),
        kept.filter(requested_by=user).values("case_id"),
        kept.filter(step_up__supervisor=user).values("case_id"),
        kept.filter(step_up__eh_worker=user).values("case_id"),
        kept.filter(from_team__in=Team.objects.filter(manager=user).values("pk")).values("case_id"),
    ]


def transfer_get_for_user(*, user: User, pk: int) -> Transfer | None:
    """The transfer if the user may see its case (else None: the views answer 404)."""
    from cases.selectors import case_visibility

    visibility = case_visibility(user, prefix="case__")
    transfers = Transfer.objects.filter(pk=pk)
    return (
        (transfers if visibility is None else transfers.filter(visibility))
        .select_related(
            "case",
            "from_team",
            "to_team",
            "requested_by",
            "assigned_to",
            "allocated_worker",
            "decided_by",
            "picked_up_by",
            "sent_by",
            "allocated_by",
            "withdrawn_by",
            "step_up",
            "step_up__supervisor",
            "step_up__eh_worker",
            "step_up__eh_decided_by",
            "step_up__reassigned_from",
            "step_up__refusal_accepted_by",
            "step_up__escalation_requested_by",
            "step_up__new_plan_recorded_by",
            "team_move",
            "team_move__discussion_with",
            "team_move__summary_written_by",
            "team_move__summary_signed_off_by",
            "team_move__qa_checked_by",
            "cin_to_cic",
        )
        .first()
    )


def _with_due(transfers: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """Annotate the earliest live deadline of each transfer, for sorting and display."""
    # The content type's id, not a join to django_content_type in every row's subquery: each
    # probe is then one look-up in the (subject_type, subject_id) index (issue 14).
    next_deadline = Deadline.objects.filter(
        subject_type_id=ContentType.objects.get_for_model(Transfer).pk,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
    ).order_by("due_at")
    return transfers.annotate(
        next_due_at=Subquery(next_deadline.values("due_at")[:1]),
        priority=Case(
            When(Q(urgent=True) | Q(section_47=True), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


# Every list orders by the next deadline first (a request with none, which should not happen
# for a live stage, goes last), then priority.
BY_DEADLINE = (F("next_due_at").asc(nulls_last=True), "-priority")


def duty_queue(user: User) -> QuerySet[Transfer]:
    """Step-ups waiting for Social Care, by discussion deadline (urgent ones fall due first)."""
    own = teams_of(user)
    return (
        _with_due(
            Transfer.objects.filter(
                Q(to_team__in=own.values("pk")) | Q(assigned_to=user),
                status__in=[S.WITH_DUTY, S.PICKED_UP],
            )
        )
        .select_related("case", "from_team", "to_team", "assigned_to", "picked_up_by")
        .order_by(*BY_DEADLINE, "-section_47", "sent_at")
    )


def transfers_needing_action(user: User) -> QuerySet[Transfer]:
    """Everything waiting on this person, by the step it is at."""
    own = teams_of(user).values("pk")
    refusal_open = Q(
        status=S.NOT_AGREED,
        step_up__refusal_accepted_at__isnull=True,
        step_up__escalation_requested_at__isnull=True,
    )
    condition = Q(
        status__in=[S.ESCALATION_DISCUSSION, S.READY_TO_SEND], step_up__supervisor=user
    ) | Q(refusal_open, step_up__supervisor=user)
    condition |= Q(status__in=[S.AWAITING_EH_DECISION, S.READY_TO_SEND], from_team__manager=user)
    condition |= Q(refusal_open, from_team__manager=user)
    if user.has_role(Role.LOCALITY_LEAD):
        localities = teams_of(user).exclude(locality="").values("locality")
        condition |= Q(refusal_open, from_team__locality__in=localities)
    if user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER):
        condition |= Q(status__in=[S.WITH_DUTY, S.AWAITING_ALLOCATION], to_team__in=own)
        condition |= Q(status=S.PICKED_UP, assigned_to=user)
        condition |= Q(status=S.PICKED_UP, to_team__manager=user)
    condition |= Q(status__in=[S.WITH_DUTY, S.PICKED_UP], assigned_to=user)
    condition |= Q(status=S.ALLOCATED, allocated_worker=user)
    condition |= Q(
        status__in=[S.ALLOCATED, S.COMPLETED],
        step_up__eh_worker=user,
        step_up__joint_visit_at__isnull=True,
    )
    condition = Q(kind=TransferKind.STEP_UP) & condition
    condition |= _team_moves_needing(user)
    condition |= Q(pk__in=_cin_to_cic_needing(user))
    # The conditions above, an OR across joins, would be tried on every transfer; they are
    # tried only on the user's candidates, found first through indexes (issue 14).
    return (
        _with_due(Transfer.objects.filter(pk__in=_candidate_ids(user)).filter(condition))
        .select_related("case", "from_team", "to_team")
        .order_by(*BY_DEADLINE, "created_at")
    )


def _candidate_ids(user: User) -> list[int]:
    """Every transfer that could be waiting on the user: live (or refused, for the refusal
    to accept or escalate) and tied to them by a team or by name; the completed step-ups
    whose joint visit they still owe. One round trip; each branch is served by an index."""
    waiting = Transfer.objects.filter(status__in=[*LIVE, S.NOT_AGREED]).order_by()
    own = teams_of(user).values("pk")
    branches = [
        waiting.filter(to_team__in=own),
        waiting.filter(from_team__in=own),
        waiting.filter(assigned_to=user),
        waiting.filter(allocated_worker=user),
        waiting.filter(case__allocated_worker=user),
        waiting.filter(step_up__supervisor=user),
        Transfer.objects.filter(
            status__in=[S.ALLOCATED, S.COMPLETED], step_up__eh_worker=user
        ).order_by(),
    ]
    if user.has_role(Role.LOCALITY_LEAD):
        localities = teams_of(user).exclude(locality="").values("locality")
        branches.append(waiting.filter(status=S.NOT_AGREED, from_team__locality__in=localities))
    if user.has_role(Role.OPERATIONAL_MANAGER):
        from people.selectors import teams_visible_to

        branches.append(
            waiting.filter(
                status=S.CARE_CONFIRMED, from_team__in=teams_visible_to(user).values("pk")
            )
        )
    first, *rest = (b.values_list("pk", flat=True) for b in branches)
    return list(first.union(*rest))


def _managed(user: User) -> QuerySet[Team]:
    """Teams whose transfers the user manages: as its manager, or a TM/ATM in it."""
    own = teams_of(user)
    if user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER):
        return Team.objects.filter(Q(manager=user) | Q(pk__in=own.values("pk")))
    return Team.objects.filter(manager=user)


def _team_moves_needing(user: User) -> Q:
    """Transfers between teams waiting on this person: the receiving managers decide and
    allocate; the originating side prepares and completes."""
    managed = _managed(user).values("pk")
    moves = Q(kind__in=TEAM_MOVE_KINDS)
    deciders = Q(to_team__manager=user)
    if user.has_role(Role.TEAM_MANAGER):
        deciders |= Q(to_team__in=teams_of(user).values("pk"))
    summary_to_write = Q(
        team_move__summary_required=True, team_move__summary_written_at__isnull=True
    )
    summary_to_sign = Q(
        team_move__summary_written_at__isnull=False, team_move__summary_signed_off_at__isnull=True
    )
    preparing = Q(status__in=[S.PROPOSED, S.ACCEPTED, S.ALLOCATED])
    sending_managers = Q(from_team__in=managed)
    return moves & (
        (Q(status=S.PROPOSED) & deciders)
        | Q(status=S.ACCEPTED, to_team__in=managed)
        | (sending_managers & preparing & summary_to_write)
        | (sending_managers & preparing & summary_to_sign & Q(from_team__manager=user))
        | (sending_managers & Q(status=S.ACCEPTED, team_move__qa_checked_at__isnull=True))
        | (sending_managers & Q(status=S.ALLOCATED))
        | (preparing & summary_to_write & Q(case__allocated_worker=user))
        | Q(status=S.ALLOCATED, case__allocated_worker=user, from_team=F("case__current_team"))
        & (~Exists(_notifications()) | _joint_visit_missing())
    )


# Steps anyone may take that nobody waits on.
OPTIONAL_STEPS = {
    "Withdraw this request",
    "Enter the first Looked After review date",
    "Escalate to the service manager",
}


def _cin_to_cic_needing(user: User) -> list[int]:
    """Child in Need to Children in Care transfers with a step for this person: worked out
    from the same table the buttons come from, over the few live ones they are part of."""
    from .actions import STEPS

    # Only the steps that wait on someone are worked out: the optional ones cost queries a row.
    waiting_steps = [step for step in STEPS.values() if step.label not in OPTIONAL_STEPS]

    # Who can hold a step (transfers.permissions): a manager of either team, a team manager,
    # assistant team manager or social worker in either, the worker allocated to the case or
    # the transfer. Anyone else in the teams (a service manager, say) only has the optional
    # steps, so their teams' transfers are not worked through one by one (issue 14).
    related = (
        Q(from_team__manager=user)
        | Q(to_team__manager=user)
        | Q(case__allocated_worker=user)
        | Q(allocated_worker=user)
    )
    if user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER, Role.SOCIAL_WORKER):
        from_or_to = teams_of(user).values("pk")
        related |= Q(from_team__in=from_or_to) | Q(to_team__in=from_or_to)
    if user.has_role(Role.OPERATIONAL_MANAGER):
        from people.selectors import teams_visible_to

        # Their one step is the Children in Care team for a confirmed request (actions.py).
        related |= Q(from_team__in=teams_visible_to(user).values("pk"), status=S.CARE_CONFIRMED)
    candidates = (
        Transfer.objects.filter(related, kind=TransferKind.CIN_TO_CIC, stage__in=LIVE_STAGES)
        .select_related("case", "from_team", "to_team", "cin_to_cic")
        .distinct()
    )
    from people.selectors import memberships_cached

    with memberships_cached(user):
        return [t.pk for t in candidates if any(step.allowed(t, user) for step in waiting_steps)]


def _notifications() -> QuerySet:
    """Who-was-told records of the transfer: an EXISTS, not a join, so no row repeats."""
    from casework.models import NotificationRecord

    return NotificationRecord.objects.filter(transfer=OuterRef("pk"))


def _joint_visit_missing() -> Q:
    from casework.models import Meeting, MeetingKind

    held = Meeting.objects.filter(
        transfer=OuterRef("pk"), kind=MeetingKind.JOINT_TRANSITION, held_at__isnull=False
    )
    return Q(kind=TransferKind.STEP_ACROSS) & ~Exists(held)


def incoming_transfers(user: User) -> QuerySet[Transfer]:
    """The receiving manager's inbox: live transfers into the teams they manage, of every kind
    but the step-up (the duty queue's), by next deadline."""
    return (
        _with_due(
            # Step-ups arrive through the duty queue; every other kind through the inbox.
            Transfer.objects.filter(
                stage__in=LIVE_STAGES,
                to_team__in=_managed(user).values("pk"),
            ).exclude(kind=TransferKind.STEP_UP)
        )
        .select_related("case", "from_team", "to_team", "requested_by")
        .order_by(*BY_DEADLINE, "created_at")
    )


def requests_raised_by(user: User) -> QuerySet[Transfer]:
    return (
        _with_due(Transfer.objects.filter(requested_by=user, status__in=LIVE))
        .select_related("case", "to_team")
        .order_by(*BY_DEADLINE, "-created_at")
    )


def case_transfers(case) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case=case).select_related("to_team", "from_team", "step_up")


def transfer_timeline(transfer: Transfer) -> list[AuditEvent]:
    """Each step and who took it. The details a step filled in (its before and after) are in the
    case's history, not repeated here as steps of their own."""
    return list(
        AuditEvent.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .exclude(action="stepup.details")
        .select_related("actor")
        .order_by("at", "id")
    )


def transfer_deadlines(transfer: Transfer) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .select_related("owner")
        .order_by("due_at")
    )


def eh_worker_involved(case) -> Transfer | None:
    """After a step-up is allocated the FFP/FSW stays involved (seed 002): the latest such."""
    return (
        Transfer.objects.filter(case=case, status__in=[S.ALLOCATED, S.COMPLETED], kind="step_up")
        .select_related("requested_by", "step_up", "step_up__eh_worker")
        .order_by("-allocated_at")
        .first()
    )


def _cin_to_cic_next_step(transfer: Transfer, due) -> "NextStep | None":
    to_manager = transfer.to_team.manager if transfer.to_team else None
    if transfer.status == S.CARE_CONFIRMED:
        return NextStep(
            "Allocate the case to a Children in Care team",
            f"{transfer.requested_by}, Operational Manager",
            due,
        )
    if transfer.status == S.TEAM_ALLOCATED:
        return NextStep(
            "Start the transfer discussion and allocate a social worker",
            f"{to_manager}, {transfer.to_team}",
            due,
        )
    if transfer.status == S.ALLOCATED:
        return NextStep(
            "Finish the steps of the transfer and complete it",
            f"{transfer.from_team.manager}, {transfer.from_team}",
            due,
        )
    return None


def _team_move_next_step(transfer: Transfer, due) -> "NextStep | None":
    to_manager = transfer.to_team.manager if transfer.to_team else None
    from_manager = transfer.from_team.manager
    if transfer.status == S.PROPOSED:
        return NextStep("Accept or decline the transfer", f"{to_manager}, {transfer.to_team}", due)
    if transfer.status == S.ACCEPTED:
        return NextStep(
            "Allocate a worker in the receiving team, while the originating team prepares the "
            "transfer",
            f"{to_manager}, {transfer.to_team}",
            due,
        )
    if transfer.status == S.ALLOCATED:
        return NextStep(
            "Meet the transfer standards and complete the transfer",
            f"{from_manager}, {transfer.from_team}",
            due,
        )
    return None


@dataclass(frozen=True)
class NextStep:
    """Who holds the request now and what they do next, for the people waiting on it."""

    what: str
    who: str
    due_at: datetime | None = None


def _escalation_next_step(transfer: Transfer) -> "NextStep | None":
    """A refusal escalated: the request waits on the escalation's current level."""
    from escalations.models import LIVE_ESCALATION
    from escalations.services import level_holders
    from escalations.services.ladder import level_of

    escalation = (
        transfer.escalations.filter(status__in=LIVE_ESCALATION)
        .select_related("response_deadline", "team", "raised_by")
        .first()
    )
    if escalation is None:
        return None
    level = level_of(escalation)
    holders = ", ".join(str(p) for p in level_holders(escalation)) or "nobody yet"
    deadline = escalation.response_deadline
    return NextStep(
        "Decide the escalation of this refusal",
        f"{level.title if level else 'the next level'} ({holders})",
        deadline.due_at if deadline else None,
    )


def next_step(transfer: Transfer, deadlines=None) -> NextStep | None:
    """The step the request waits on, its owner and its deadline (None when it is over)."""
    step_up = getattr(transfer, "step_up", None)
    open_due = {
        d.kind: d.due_at
        for d in (deadlines if deadlines is not None else transfer_deadlines(transfer))
        if d.status in (DeadlineStatus.OPEN, DeadlineStatus.BREACHED)
    }
    due = min(open_due.values()) if open_due else None
    status = transfer.status
    if status in (S.NOT_AGREED, S.DECLINED):
        escalated = _escalation_next_step(transfer)
        if escalated is not None:
            return escalated
    if transfer.is_team_move:
        return _team_move_next_step(transfer, due)
    if transfer.kind == TransferKind.CIN_TO_CIC:
        return _cin_to_cic_next_step(transfer, due)
    supervisor = step_up.supervisor if step_up else None
    holder = transfer.assigned_to or (transfer.to_team.manager if transfer.to_team else None)
    if status == S.ESCALATION_DISCUSSION:
        return NextStep(
            "Review the escalation discussion and send it to the team manager",
            f"{supervisor}, supervisor",
            due,
        )
    if status == S.AWAITING_EH_DECISION:
        return NextStep(
            "Decide whether the case steps up to Social Care",
            f"{transfer.from_team.manager}, team manager, {transfer.from_team}",
            due,
        )
    if status == S.READY_TO_SEND:
        return NextStep(
            "Send the step-up form to Social Care duty", f"{supervisor}, supervisor", due
        )
    if status == S.WITH_DUTY:
        who = str(transfer.assigned_to) if transfer.assigned_to else f"{transfer.to_team} managers"
        return NextStep("Pick up the request and discuss it with Early Help", who, due)
    if status == S.PICKED_UP:
        return NextStep(
            "Discuss the request with Early Help and record Social Care's decision",
            f"{holder}, {transfer.to_team}",
            due,
        )
    if status == S.AWAITING_ALLOCATION:
        return NextStep("Allocate a social worker", f"{holder}, {transfer.to_team}", due)
    if status == S.ALLOCATED and step_up:
        todo = []
        if not step_up.joint_visit_at:
            todo.append(f"the joint visit with {step_up.eh_worker or transfer.requested_by}")
        if not step_up.ten_day_discussion_at:
            todo.append("the 10-day discussion")
        return NextStep(
            "Record " + " and ".join(todo),
            f"{transfer.allocated_worker}, social worker, {transfer.to_team}",
            due,
        )
    if (
        status == S.NOT_AGREED
        and step_up
        and not (step_up.refusal_accepted_at or step_up.escalation_requested_at)
    ):
        return NextStep(
            "Accept Social Care's decision or escalate it",
            f"{supervisor}, {transfer.from_team.manager} or the Locality Lead",
        )
    return None
