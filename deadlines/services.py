"""Starting, meeting, cancelling and rescheduling deadlines (DEADLINES.md, seeds 002-004).

A transition that starts a protocol clock calls `deadline_start` inside its own transaction, so
the deadline row commits or rolls back with the transition itself. Nothing is scheduled in Celery:
the sweep (deadlines.sweep) finds due rows."""

from datetime import UTC, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from audit.fsm import apply_transition
from audit.services import audit_record

from .calendar import LONDON, WorkingCalendar, add_elapsed
from .models import (
    ClosureDay,
    Deadline,
    DeadlinePolicy,
    DeadlineStatus,
    EmailStatus,
    LeadUnit,
    OutboxEmail,
)
from .rules import DEFAULT_RULES, Direction, Kind, compute_due

# The urgent kinds: same-day or next-day safeguarding timescales.
URGENT_KINDS = (
    Kind.STEP_UP_URGENT,
    Kind.EH_REVIEW_URGENT,
    Kind.EH_DECISION_URGENT,
    Kind.STEP_UP_ALLOCATION_URGENT,
    Kind.SAFEGUARDING_CONCERN,
)
# Reminder lead times by default: an hour before an urgent rule, a working day before the rest.
DEFAULT_REMINDER_LEAD = {kind: (1, LeadUnit.HOURS) for kind in URGENT_KINDS}
POLICY_FIELDS = [
    "amount",
    "reminder_lead",
    "reminder_lead_unit",
    "remind",
    "alert_on_breach",
    "escalate_after_hours",
]


def working_calendar() -> WorkingCalendar:
    """The authority's calendar: England bank holidays plus its own closure days."""
    return WorkingCalendar(ClosureDay.objects.values_list("date", flat=True))


# Hours after a breach before the service manager hears: sooner for a same-day safeguarding rule.
DEFAULT_ESCALATE_AFTER_HOURS = {kind: 1 for kind in URGENT_KINDS}


def policy_defaults(kind: str) -> dict:
    lead, unit = DEFAULT_REMINDER_LEAD.get(kind, (1, LeadUnit.WORKING_DAYS))
    return {
        "amount": DEFAULT_RULES[kind].amount,
        "reminder_lead": lead,
        "reminder_lead_unit": unit,
        "escalate_after_hours": DEFAULT_ESCALATE_AFTER_HOURS.get(kind, 24),
    }


def policy_for(kind: str) -> DeadlinePolicy:
    if kind not in DEFAULT_RULES:
        raise ValueError(f"Unknown deadline kind: {kind}")
    policy, _ = DeadlinePolicy.objects.get_or_create(kind=kind, defaults=policy_defaults(kind))
    return policy


def clock_started(kind: str, anchor_at: datetime, now: datetime) -> datetime:
    """When the people concerned learned of the deadline. A "within" rule starts at its anchor;
    a "before" rule is anchored on a later event (the conference), so it starts when it is set."""
    if DEFAULT_RULES[kind].direction == Direction.BEFORE:
        return min(anchor_at, now, key=lambda t: t.astimezone(UTC))
    return anchor_at


def reminder_time(
    *,
    due_at: datetime,
    anchor_at: datetime,
    policy: DeadlinePolicy,
    calendar: WorkingCalendar,
    now: datetime | None = None,
) -> datetime | None:
    """When the reminder goes: `reminder_lead` hours (elapsed, across clock changes), or working
    days at the same London time, before the due time. None when there is no reminder or it
    would fall before the clock started (the people concerned were told when it started)."""
    if policy.reminder_lead == 0:
        return None
    if policy.reminder_lead_unit == LeadUnit.HOURS:
        at = add_elapsed(due_at, -timedelta(hours=policy.reminder_lead))
    else:
        local = due_at.astimezone(LONDON)
        day = local.date()
        for _ in range(policy.reminder_lead):
            day = calendar.previous_wd(day)
        at = datetime.combine(day, local.time(), tzinfo=LONDON)
    started = clock_started(policy.kind, anchor_at, now or timezone.now())
    return at if at.astimezone(UTC) > started.astimezone(UTC) else None


def _subject_filter(subject: models.Model) -> dict:
    return {
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": str(subject.pk),
    }


# A subject model with a field of this name (a transfer) keeps there the due time of its
# earliest live deadline, so its lists sort by a column, not a subquery a row (issue 14).
NEXT_DUE_FIELD = "next_due_at"
LIVE = [DeadlineStatus.OPEN, DeadlineStatus.BREACHED]


def refresh_next_due(subject_type: ContentType, subject_ids=None) -> int:
    """Write the earliest live deadline's due time onto subjects of `subject_type` that keep
    one (NEXT_DUE_FIELD): those in `subject_ids`, or every one (after bulk inserts). Every
    service below that starts, meets, cancels or moves a deadline calls it in its transaction;
    code that writes deadline rows itself (bulk seeding) must call it too. Returns the rows
    written (0 for a subject model that keeps none)."""
    model = subject_type.model_class()
    if model is None or NEXT_DUE_FIELD not in {f.name for f in model._meta.concrete_fields}:
        return 0
    rows = model._default_manager.all()
    if subject_ids is not None:
        rows = rows.filter(pk__in=list(subject_ids))
    return rows.update(**{NEXT_DUE_FIELD: _earliest_live_due(subject_type)})


def _earliest_live_due(subject_type: ContentType) -> Subquery:
    """The due time of the earliest live deadline of the outer subject row."""
    earliest = Deadline.objects.filter(
        subject_type=subject_type,
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        status__in=LIVE,
    ).order_by("due_at")
    return Subquery(earliest.values("due_at")[:1])


def transfers_with_stale_next_due() -> list[tuple[int, datetime | None, datetime | None]]:
    """(id, kept, actual) for every transfer whose next_due_at is not its earliest live
    deadline's due time: always empty while every deadline write goes through the services."""
    from transfers.models import Transfer

    actual = _earliest_live_due(ContentType.objects.get_for_model(Transfer))
    rows = Transfer.objects.annotate(actual=actual)
    return [
        (pk, kept, actual)
        for pk, kept, actual in rows.values_list("pk", "next_due_at", "actual")
        if kept != actual
    ]


def _subject_deadlines_changed(subject: models.Model) -> None:
    subject_type = ContentType.objects.get_for_model(subject)
    if refresh_next_due(subject_type, [subject.pk]):
        # The caller's copy too, so a page drawn from it after the step shows the new time (set
        # directly: refresh_from_db would reset a state machine's record of its saved state).
        rows = type(subject)._default_manager.filter(pk=subject.pk)
        setattr(subject, NEXT_DUE_FIELD, rows.values_list(NEXT_DUE_FIELD, flat=True).first())


def _people(people) -> list:
    """The distinct users among `people`, in order, leaving out None."""
    unique = {}
    for person in people or ():
        if person is not None:
            unique.setdefault(person.pk, person)
    return list(unique.values())


@transaction.atomic
def deadline_start(
    *,
    kind: str,
    subject: models.Model,
    anchor_at: datetime,
    case=None,
    owner=None,
    owner_team=None,
    by=None,
    watchers=(),
) -> Deadline:
    """Start a protocol clock: compute the due instant and the reminder, write the row.

    `watchers` are people who are not the owner but wait on the step (the Early Help worker who
    goes on the joint visit): they hear its reminder and breach alert too."""
    calendar = working_calendar()
    policy = policy_for(kind)
    due_at = compute_due(kind, anchor_at, amount=policy.amount, calendar=calendar)
    deadline = Deadline.objects.create(
        kind=kind,
        case=case,
        anchor_at=anchor_at,
        due_at=due_at,
        owner=owner,
        owner_team=owner_team,
        remind_at=reminder_time(
            due_at=due_at, anchor_at=anchor_at, policy=policy, calendar=calendar
        ),
        **_subject_filter(subject),
    )
    changes = {"kind": [None, kind], "due_at": [None, due_at.isoformat()]}
    people = _people(watchers)
    if people:
        deadline.watchers.add(*people)
        changes["watchers"] = [[], sorted(p.pk for p in people)]
    audit_record(
        actor=by,
        action="deadline.start",
        subject=deadline,
        case=case,
        to_state=deadline.status,
        changes=changes,
    )
    _subject_deadlines_changed(subject)
    return deadline


def open_deadlines(subject: models.Model, kind: str | None = None) -> models.QuerySet[Deadline]:
    deadlines = Deadline.objects.filter(
        status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED], **_subject_filter(subject)
    )
    return deadlines.filter(kind=kind) if kind else deadlines


@transaction.atomic
def deadline_meet(
    *, subject: models.Model, kind: str, by=None, at: datetime | None = None, note: str = ""
) -> list[Deadline]:
    """The step the deadline asked for was done: mark it met (late, if it had been breached)."""
    at = at or timezone.now()
    met = []
    for deadline in open_deadlines(subject, kind).select_for_update():
        apply_transition(deadline, "meet", by=by, case=deadline.case, note=note, at=at)
        _cancel_pending_emails(deadline)
        met.append(deadline)
    if met:
        _subject_deadlines_changed(subject)
    return met


@transaction.atomic
def deadline_reassign(
    *, subject: models.Model, kind: str, owner, by=None, owner_team=None
) -> list[Deadline]:
    """The work changed hands: reminders and alerts go to the new owner from now on. With
    `owner_team`, the request moved to another team too (its manager hears the alerts and it
    shows on that team's deadlines); without, the team stays as it was."""
    owner_id = getattr(owner, "pk", None)
    moved = []
    for deadline in open_deadlines(subject, kind).select_for_update():
        update, changes = {}, {}
        if deadline.owner_id != owner_id:
            update["owner"] = owner
            changes["owner"] = [deadline.owner_id, owner_id]
        if owner_team is not None and deadline.owner_team_id != owner_team.pk:
            update["owner_team"] = owner_team
            changes["owner_team"] = [deadline.owner_team_id, owner_team.pk]
        if not update:
            continue
        Deadline.objects.filter(pk=deadline.pk).update(**update)
        audit_record(
            actor=by,
            action="deadline.reassign",
            subject=deadline,
            case=deadline.case,
            changes=changes,
        )
        moved.append(deadline)
    return moved


@transaction.atomic
def deadline_watch(*, subject: models.Model, kind: str | None, people, by=None) -> list[Deadline]:
    """People who wait on the step (not its owner) hear its reminders and breach alerts and see
    it among their deadlines, on the open deadlines of `subject` (of `kind`; None: every kind).
    Returns the deadlines that gained a watcher. A reminder or alert already sent is not sent
    again to someone added after it."""
    people = _people(people)
    added_to = []
    if not people:
        return added_to
    for deadline in open_deadlines(subject, kind).select_for_update().order_by("pk"):
        before = set(deadline.watchers.values_list("pk", flat=True))
        new = [p for p in people if p.pk not in before]
        if not new:
            continue
        deadline.watchers.add(*new)
        audit_record(
            actor=by,
            action="deadline.watch",
            subject=deadline,
            case=deadline.case,
            changes={"watchers": [sorted(before), sorted(before | {p.pk for p in new})]},
        )
        added_to.append(deadline)
    return added_to


@transaction.atomic
def deadline_cancel(
    *, subject: models.Model, by=None, reason: str, kind: str | None = None
) -> list[Deadline]:
    """The clock no longer applies (the transfer was withdrawn, refused...)."""
    now = timezone.now()
    cancelled = []
    for deadline in open_deadlines(subject, kind).select_for_update():
        apply_transition(deadline, "cancel", by=by, case=deadline.case, note=reason, at=now)
        _cancel_pending_emails(deadline)
        cancelled.append(deadline)
    if cancelled:
        _subject_deadlines_changed(subject)
    return cancelled


@transaction.atomic
def deadline_reschedule(
    *, deadline: Deadline, anchor_at: datetime, by=None, reason: str
) -> Deadline:
    """The anchor moved (a conference re-dated): recompute, and cancel the old reminders."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    calendar = working_calendar()
    policy = policy_for(deadline.kind)
    due_at = compute_due(deadline.kind, anchor_at, amount=policy.amount, calendar=calendar)
    before = deadline.due_at
    _cancel_pending_emails(deadline)
    apply_transition(
        deadline,
        "reschedule",
        by=by,
        case=deadline.case,
        note=f"{reason} (due {before.isoformat()} -> {due_at.isoformat()})",
        anchor_at=anchor_at,
        due_at=due_at,
        remind_at=reminder_time(
            due_at=due_at, anchor_at=anchor_at, policy=policy, calendar=calendar
        ),
    )
    refresh_next_due(deadline.subject_type, [deadline.subject_id])
    return deadline


def _cancel_pending_emails(deadline: Deadline) -> None:
    """Reminders and alerts not yet sent for this deadline are no longer wanted.

    Locked, waiting for a worker that is claiming one: once its claim commits the row is no
    longer pending and is left to be sent, where an unlocked read would cancel a stale copy and
    fail the whole transition with ConcurrentTransition."""
    pending = OutboxEmail.objects.filter(deadline=deadline, status=EmailStatus.PENDING)
    for email in pending.select_for_update().order_by("pk"):
        apply_transition(email, "cancel", case=deadline.case, note="Deadline changed")


@transaction.atomic
def policy_update(*, policy: DeadlinePolicy, by, **fields) -> DeadlinePolicy:
    """Change an authority's numbers for one kind. Applies to clocks started from now on."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        # Anything else (the kind) would change unaudited.
        raise ValueError(f"Not a policy setting: {', '.join(sorted(unknown))}")
    before = {name: getattr(policy, name) for name in POLICY_FIELDS}
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    after = {name: getattr(policy, name) for name in POLICY_FIELDS}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(actor=by, action="deadlinepolicy.change", subject=policy, changes=changes)
    return policy
