"""The deadline engine's sweep, run every minute by Celery beat, and the outbox sender.

Every phase claims its rows with `select_for_update(skip_locked=True)` inside a transaction, so two
sweeps at once (two beats, a slow run overlapping the next) never act on the same row; the
outbox's unique keys and the rows' state checks (ConcurrentTransitionMixin) are a second guard.
The database is the only schedule: a flushed broker loses nothing the next sweep will not find.

Each phase works in batches of BATCH rows, each batch its own short transaction, until nothing is
left or the run's time budget is spent (a backlog after an outage clears in one run, without one
transaction holding thousands of locks). Inside a batch each row has its own savepoint: a row that
fails is logged by id, counted on the row (`sweep_failures`, shown on /healthz) and left for the
next run. What a batch needs is fetched for the whole batch: the policies once per run, the case
joined (its reference and states only), the owners, teams, managers and watchers prefetched, the
subjects read from the case or prefetched, existing outbox keys in one query, and the emails
written with one insert per row (for the breach phase, one for the batch)."""

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django_fsm import ConcurrentTransition, FSMFieldMixin, TransitionNotAllowed

from audit.fsm import apply_transition, apply_transition_to_locked
from casetransfer.compiled import UpdateCompiledOnce
from people.models import Team, User
from people.roles import Role

from .calendar import LONDON
from .emails import (
    PREFETCHED_WATCHERS,
    OutboxRow,
    deadline_messages,
    deadline_recipients,
    london,
    notice_email,
    outbox_enqueue,
    outbox_insert,
    service_managers_over,
    watcher_recipients,
)
from .mail import HandoffUnconfirmed, LeaseLost, send_with_handoff
from .models import (
    Deadline,
    DeadlinePolicy,
    DeadlineStatus,
    DigestWeek,
    EmailKind,
    EmailStatus,
    OutboxEmail,
    SweepRun,
)
from .services import policy_for

logger = logging.getLogger(__name__)

SWEEP_NAME = "deadlines"
BATCH = 500
LIVE = [DeadlineStatus.OPEN, DeadlineStatus.BREACHED]


def _locked(queryset: QuerySet) -> QuerySet:
    """Rows no other sweep holds, locked until this transaction ends; only the rows themselves,
    not the rows joined to them. (SQLite has no row locks; there writes are serialised and the
    state checks stop a second action.)"""
    return queryset.select_for_update(skip_locked=True, of=("self",))


class Run:
    """What one sweep run reads once: the policies, who is over each service, the time budget."""

    def __init__(self, now: datetime, budget_seconds: float | None = None):
        self.now = now
        budget = settings.SWEEP_TIME_BUDGET_SECONDS if budget_seconds is None else budget_seconds
        self.stop_at = time.monotonic() + budget
        self._policies = {p.kind: p for p in DeadlinePolicy.objects.all()}
        self._over_service: dict = {}

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.stop_at

    def policy(self, kind: str) -> DeadlinePolicy:
        if kind not in self._policies:
            self._policies[kind] = policy_for(kind)
        return self._policies[kind]

    def service_managers_over(self, team: Team | None) -> list[User]:
        key = team.service if team is not None else None
        if key not in self._over_service:
            self._over_service[key] = service_managers_over(team)
        return self._over_service[key]


def _for_emails(queryset: QuerySet[Deadline]) -> QuerySet[Deadline]:
    """Everything an email about a deadline reads, fetched with the batch: of the case, only its
    reference and its states (which ConcurrentTransitionMixin reads), never the child's name; the
    owners, teams and managers in a small query each, one copy of each person or team shared by
    their rows (a batch of 500 has a few dozen); the watchers. The subjects: `_with_subjects`."""
    case = Deadline.case.field.related_model
    states = [f.name for f in case._meta.concrete_fields if isinstance(f, FSMFieldMixin)]
    return (
        queryset.select_related("case")
        .only(
            *[f.name for f in Deadline._meta.concrete_fields],
            "case__reference",
            *[f"case__{name}" for name in states],
        )
        .prefetch_related(
            "owner", "owner_team__manager", Prefetch("watchers", to_attr=PREFETCHED_WATCHERS)
        )
    )


def _with_subjects(deadlines: list[Deadline]) -> None:
    """Each deadline's subject: where it is the deadline's own case (most are), the case already
    fetched with it; the others prefetched, one query per kind of subject."""
    case_type = ContentType.objects.get_for_model(Deadline.case.field.related_model)
    subject = Deadline._meta.get_field("subject")
    others = []
    for deadline in deadlines:
        if (
            deadline.case_id is not None
            and deadline.subject_type_id == case_type.pk
            and deadline.subject_id == str(deadline.case_id)
        ):
            subject.set_cached_value(deadline, deadline.case)
        else:
            others.append(deadline)
    prefetch_related_objects(others, "subject")


def _in_batches(
    run: Run,
    rows: Callable[[], QuerySet],
    handle: Callable,
    what: str,
    *,
    prepare: Callable | None = None,
    counts_failures: bool = True,
    handle_batch: Callable | None = None,
) -> int:
    """Claim up to BATCH rows at a time, each batch in its own transaction, until none are left
    or the run is out of time; handle each row in its own savepoint. A row that fails is logged
    (by id), counted on the row and not tried again in this run; it does not stop the others.

    With `handle_batch`, the whole batch is first handled at once, a few statements for all its
    rows (issue 14: a backlog of 10,000 clears in seconds); if that raises, its savepoint is
    rolled back and the batch, read again, goes row by row as above."""
    done = 0
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            queryset = rows().exclude(pk__in=failed) if failed else rows()
            batch = list(_locked(queryset)[:BATCH])
            claimed = len(batch)
            context = prepare(batch) if prepare and batch else None
            if handle_batch is not None and batch:
                try:
                    with transaction.atomic():
                        done += handle_batch(batch, context)
                except Exception:
                    logger.warning("deadline sweep: a %s batch failed; row by row", what)
                    # The rows in memory took the steps the rollback undid: read them again.
                    batch = list(queryset.filter(pk__in=[row.pk for row in batch]))
                    context = prepare(batch) if prepare else None
                else:
                    recovered = [row.pk for row in batch if row.sweep_failures]
                    if counts_failures and recovered:
                        type(batch[0]).objects.filter(pk__in=recovered).update(
                            sweep_failures=0, sweep_error=""
                        )
                    batch = []  # done: none is left to go row by row
            for row in batch:
                try:
                    with transaction.atomic():
                        done += handle(row, context) if prepare else handle(row)
                except Exception as error:
                    logger.exception("deadline sweep: %s failed for row %s", what, row.pk)
                    failed.add(row.pk)
                    if counts_failures:
                        type(row).objects.filter(pk=row.pk).update(
                            sweep_failures=F("sweep_failures") + 1,
                            sweep_error=f"{what}: {type(error).__name__}"[:100],
                        )
                else:
                    if counts_failures and row.sweep_failures:
                        type(row).objects.filter(pk=row.pk).update(sweep_failures=0, sweep_error="")
        if claimed < BATCH or run.out_of_time():
            return done


class Emails:
    """The subjects of a batch of deadlines and the outbox keys already taken (one query), and the
    insert of each row's new emails (one statement per row)."""

    def __init__(self, deadlines: list[Deadline], now: datetime):
        self.now = now
        _with_subjects(deadlines)
        self.taken = set(
            OutboxEmail.objects.filter(deadline__in=[d.pk for d in deadlines]).values_list(
                "dedupe_key", flat=True
            )
        )

    def queue(self, emails: list[OutboxRow]) -> int:
        """Save the emails whose key is new; the sweep's dispatch phase sends them. Returns how
        many were new."""
        new = [email for email in emails if email.dedupe_key not in self.taken]
        # A key another process wrote since the batch was read stays theirs (ON CONFLICT).
        outbox_insert(new, next_attempt_at=self.now)
        self.taken.update(email.dedupe_key for email in new)
        return len(new)


def _deadline_emails(deadline: Deadline, kind: str, which: str) -> list[OutboxRow]:
    """A reminder or breach alert for the owner and/or manager the policy names, then for the
    watchers not already told."""
    answerable = deadline_recipients(deadline, which)
    watchers = watcher_recipients(deadline, answerable)
    return deadline_messages(deadline, kind, answerable) + deadline_messages(
        deadline, kind, watchers, as_watcher=True
    )


def _skip_reminder(deadline: Deadline, reason: str) -> None:
    Deadline.objects.filter(pk=deadline.pk).update(reminder_skipped=reason)
    deadline.reminder_skipped = reason


def send_reminders(now: datetime, run: Run | None = None) -> int:
    """Reminders whose time has come. `reminded_at` is set only when one was queued; a reminder
    not sent says why in `reminder_skipped`."""
    run = run or Run(now)

    def remind(deadline: Deadline, emails: Emails) -> int:
        # Past due already (the engine was down): the breach alert says it; no reminder.
        if deadline.due_at <= now:
            _skip_reminder(deadline, "The due time had passed before the reminder went")
            return 0
        which = run.policy(deadline.kind).remind
        messages = _deadline_emails(deadline, EmailKind.REMINDER, which)
        if not messages:
            _skip_reminder(deadline, "Nobody with an email address to remind")
            return 0
        queued = emails.queue(messages)
        Deadline.objects.filter(pk=deadline.pk).update(reminded_at=now)
        return queued

    def waiting() -> QuerySet[Deadline]:
        # Served by the partial index deadline_reminder_waiting (only rows still to remind).
        return _for_emails(
            Deadline.objects.filter(
                status=DeadlineStatus.OPEN,
                remind_at__lte=now,
                reminded_at__isnull=True,
                reminder_skipped="",
            ).order_by("remind_at")
        )

    return _in_batches(run, waiting, remind, "reminder", prepare=lambda b: Emails(b, now))


def record_breaches(now: datetime, run: Run | None = None) -> int:
    """Open deadlines past their due time: breached, with the escalation time counted from the
    due time (a deadline found 25 hours late escalates at once, not a day later)."""
    run = run or Run(now)

    def breach(deadline: Deadline, emails: Emails) -> int:
        policy = run.policy(deadline.kind)
        apply_transition(
            deadline,
            "breach",
            case=deadline.case,
            note="Due time passed",
            at=now,
            escalate_at=deadline.due_at + timedelta(hours=policy.escalate_after_hours),
        )
        emails.queue(_deadline_emails(deadline, EmailKind.BREACH, policy.alert_on_breach))
        return 1

    def breach_all(batch: list[Deadline], emails: Emails) -> int:
        # The same steps for the whole batch: the transitions, their rows and audit records in
        # one statement each, then every alert in one insert.
        def hours(deadline: Deadline) -> int:
            return run.policy(deadline.kind).escalate_after_hours

        def write(rows: list[Deadline], fields: list[str]) -> None:
            # What breach() set, as one UPDATE per escalation delay (a few a batch), where a
            # bulk_update would send a CASE of 500 branches for each field.
            by_delay: dict[int, list[int]] = {}
            for row in rows:
                by_delay.setdefault(hours(row), []).append(row.pk)
            for delay, ids in by_delay.items():
                Deadline.objects.filter(pk__in=ids).update(
                    status=DeadlineStatus.BREACHED,
                    breached_at=now,
                    escalate_at=F("due_at") + timedelta(hours=delay),
                )

        apply_transition_to_locked(
            batch,
            "breach",
            note="Due time passed",
            arguments=lambda d: {"at": now, "escalate_at": d.due_at + timedelta(hours=hours(d))},
            write=write,
        )
        messages = []
        for deadline in batch:
            which = run.policy(deadline.kind).alert_on_breach
            messages += _deadline_emails(deadline, EmailKind.BREACH, which)
        emails.queue(messages)
        return len(batch)

    def overdue() -> QuerySet[Deadline]:
        return _for_emails(
            Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=now).order_by("due_at")
        )

    return _in_batches(
        run,
        overdue,
        breach,
        "breach",
        prepare=lambda b: Emails(b, now),
        handle_batch=breach_all,
    )


def escalate_breaches(now: datetime, run: Run | None = None) -> int:
    run = run or Run(now)

    def escalate(deadline: Deadline, emails: Emails) -> int:
        emails.queue(
            deadline_messages(
                deadline, EmailKind.ESCALATION, list(run.service_managers_over(deadline.owner_team))
            )
        )
        Deadline.objects.filter(pk=deadline.pk).update(escalated_at=now)
        return 1

    def waiting() -> QuerySet[Deadline]:
        # Served by the partial index deadline_escalation_waiting.
        return _for_emails(
            Deadline.objects.filter(
                status=DeadlineStatus.BREACHED, escalate_at__lte=now, escalated_at__isnull=True
            ).order_by("escalate_at")
        )

    return _in_batches(run, waiting, escalate, "escalation", prepare=lambda b: Emails(b, now))


DIGEST_GRACE = timedelta(hours=24)
DIGEST_LINES = 20


def digest_week(now: datetime) -> str | None:
    """The ISO week whose digest is due: from Monday 08:00 London, for a day (a sweep that was
    down at 08:00 still sends it; a digest days late would only mislead)."""
    local = now.astimezone(LONDON)
    monday = local.date() - timedelta(days=local.weekday())
    opens = datetime.combine(monday, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=8)
    if not opens <= local < opens + DIGEST_GRACE:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def live_transfer_pairs() -> dict[tuple[int | None, int | None], int]:
    """How many live hand-offs go from each team to each team: one grouped query for every
    manager's digest (the transfers app owns them; looked up lazily so the deadline engine does
    not depend on it at import time)."""
    from transfers.models import LIVE, Transfer

    rows = (
        Transfer.objects.filter(status__in=LIVE)
        .order_by()
        .values_list("from_team", "to_team")
        .annotate(n=Count("pk"))
    )
    return {(from_team, to_team): n for from_team, to_team, n in rows}


def digest_counts(team_ids: list[int], week_end: datetime) -> dict[int, dict[str, int]]:
    """Per team: live deadlines, those due before `week_end`, and those breached; one grouped
    query (served by deadline_team_status_due), never the rows themselves."""
    rows = (
        Deadline.objects.filter(owner_team__in=team_ids, status__in=LIVE)
        .order_by()
        .values("owner_team")
        .annotate(
            live=Count("pk"),
            due=Count("pk", filter=Q(status=DeadlineStatus.OPEN, due_at__lt=week_end)),
            breached=Count("pk", filter=Q(status=DeadlineStatus.BREACHED)),
        )
    )
    return {row["owner_team"]: row for row in rows}


def digest_first_lines(team_ids: list[int], condition: Q) -> dict[int, list[tuple]]:
    """Per team, its first DIGEST_LINES deadlines matching `condition` by due date, as
    (due_at, id, case reference, kind): one query for every team (a row number per team), where
    each manager's digest asked for its own."""
    rows = (
        Deadline.objects.filter(condition, owner_team__in=team_ids)
        .annotate(
            n=Window(RowNumber(), partition_by=F("owner_team"), order_by=[F("due_at"), F("pk")])
        )
        .filter(n__lte=DIGEST_LINES)
        .values_list("owner_team", "due_at", "pk", "case__reference", "kind")
    )
    lines: dict[int, list[tuple]] = {}
    for team_id, *line in rows:
        lines.setdefault(team_id, []).append(tuple(line))
    return lines


def send_weekly_digests(now: datetime, run: Run | None = None) -> int:
    """Monday 08:00 London: each team manager hears what is open, due this week and breached.
    Counted in SQL, and the first DIGEST_LINES rows of each list read, for every team at once;
    the digests are written to the outbox in one statement, for the dispatch phase to send."""
    week = digest_week(now)
    if week is None or DigestWeek.objects.filter(week=week).exists():
        return 0
    local = now.astimezone(LONDON)
    week_end = datetime.combine(
        local.date() + timedelta(days=7 - local.weekday()), datetime.min.time(), tzinfo=LONDON
    )
    kinds = dict(Deadline._meta.get_field("kind").flatchoices)

    def first(lines: dict[int, list[tuple]], team_ids: list[int]) -> list[tuple]:
        return sorted(line for t in team_ids for line in lines.get(t, []))[:DIGEST_LINES]

    try:
        with transaction.atomic():
            DigestWeek.objects.create(week=week, sent_at=now)
            teams_by_manager: dict[int, list[Team]] = {}
            for team in Team.objects.filter(
                is_active=True, manager__is_active=True, manager__isnull=False
            ).exclude(manager__email=""):
                teams_by_manager.setdefault(team.manager_id, []).append(team)
            every_team = [t.pk for ts in teams_by_manager.values() for t in ts]
            counts = digest_counts(every_team, week_end)
            breached_lines = digest_first_lines(every_team, Q(status=DeadlineStatus.BREACHED))
            due_lines = digest_first_lines(
                every_team, Q(status=DeadlineStatus.OPEN, due_at__lt=week_end)
            )
            pairs = live_transfer_pairs()
            pairs_of: dict[int, set] = {}  # a team's (from, to) pairs
            for pair in pairs:
                for team_id in pair:
                    pairs_of.setdefault(team_id, set()).add(pair)
            managers = User.objects.in_bulk(list(teams_by_manager))
            rows = []
            for manager_id, teams in teams_by_manager.items():
                manager = managers[manager_id]
                team_ids = [t.pk for t in teams]
                live = sum(counts.get(t, {}).get("live", 0) for t in team_ids)
                due = sum(counts.get(t, {}).get("due", 0) for t in team_ids)
                breached = sum(counts.get(t, {}).get("breached", 0) for t in team_ids)
                transfers = sum(
                    pairs[p] for p in set().union(*(pairs_of.get(t, ()) for t in team_ids))
                )
                lines = [
                    f"Teams: {', '.join(t.name for t in teams)}.",
                    f"Open transfers into or out of your teams: {transfers}.",
                    f"Open deadlines: {live}. Due this week: {due}. Breached: {breached}.",
                ]
                lines += [
                    f"BREACHED: {case or '-'} {kinds.get(kind, kind)}, due {london(due_at)}."
                    for due_at, _, case, kind in first(breached_lines, team_ids)
                ]
                lines += [
                    f"Due: {case or '-'} {kinds.get(kind, kind)}, {london(due_at)}."
                    for due_at, _, case, kind in first(due_lines, team_ids)
                ]
                email = notice_email(
                    key=f"digest:{week}:{manager.pk}",
                    recipient=manager,
                    subject=f"Weekly digest {week}: {due} due, {breached} breached",
                    heading=f"Your teams' deadlines, week {week}",
                    lines=lines,
                    link="/deadlines/",
                )
                rows.append(
                    OutboxRow(
                        dedupe_key=email.dedupe_key,
                        kind=EmailKind.DIGEST,
                        deadline_id=None,
                        recipient_id=manager.pk,
                        to_email=email.to_email,
                        subject=email.subject,
                        body_text=email.body_text,
                        body_html=email.body_html,
                    )
                )
            outbox_insert(rows, next_attempt_at=now)
    except IntegrityError:
        return 0  # another sweep wrote this week's digest first
    return len(rows)


def reclaim_expired_leases(now: datetime, run: Run | None = None) -> int:
    """A row left 'sending' by a worker that died. Once its lease is over: sent again if the
    worker had not yet handed it to the mail server; recorded as sent if it had (it is never
    sent twice)."""
    run = run or Run(now)

    def reclaim(email: OutboxEmail) -> int:
        if email.handed_off_at is not None:
            reason = "The worker stopped after handing it to the mail server"
            apply_transition(email, "presume_sent", note=reason, reason=reason)
        else:
            apply_transition(email, "reclaim", note="Lease expired: worker presumed dead")
        return 1

    def stuck() -> QuerySet[OutboxEmail]:
        return OutboxEmail.objects.filter(status=EmailStatus.SENDING, lease_until__lt=now)

    return _in_batches(run, stuck, reclaim, "lease reclaim", counts_failures=False)


def dispatch_due_emails(now: datetime, run: Run | None = None) -> int:
    """Queue a send for every pending row whose time has come, OUTBOX_SEND_BATCH rows to a task.
    A queued row is not queued again for OUTBOX_REDISPATCH_SECONDS (unless a worker takes it, it
    is then queued again: a lost broker message loses nothing). Queuing twice is harmless: only
    one worker can claim a row."""
    from .tasks import send_outbox_batch

    run = run or Run(now)
    again_at = now + timedelta(seconds=settings.OUTBOX_REDISPATCH_SECONDS)
    queued = 0
    while True:
        due = list(
            OutboxEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", "attempts")[:BATCH]
        )
        if not due:
            return queued
        OutboxEmail.objects.filter(
            pk__in=[pk for pk, _ in due], status=EmailStatus.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=again_at)
        batches = outbox_batches(due)
        for index, batch in enumerate(batches):
            try:
                send_outbox_batch.delay(batch)
                queued += len(batch)
            except Exception:  # the broker is down: the rows wait in the database for next time
                logger.exception("deadline sweep: could not queue outbox email %s", batch[0][0])
                OutboxEmail.objects.filter(
                    pk__in=[pk for unsent in batches[index:] for pk, _ in unsent],
                    status=EmailStatus.PENDING,
                    next_attempt_at=again_at,
                ).update(next_attempt_at=now)
                return queued
        if len(due) < BATCH or run.out_of_time():
            return queued


def sweep(now: datetime | None = None) -> dict[str, int]:
    """One pass of the engine. Safe to run at any time, any number of times, concurrently."""
    # In UTC: adding hours to a London time would add wall-clock hours across a clock change.
    now = (now or timezone.now()).astimezone(UTC)
    SweepRun.objects.update_or_create(name=SWEEP_NAME, defaults={"last_started_at": now})
    run = Run(now)
    phases = {
        "reminders": send_reminders,
        "breaches": record_breaches,
        "escalations": escalate_breaches,
        "digests": send_weekly_digests,
        "reclaimed": reclaim_expired_leases,
        "dispatched": dispatch_due_emails,
    }
    counts = {}
    for name, phase in phases.items():
        # Each phase stands alone: one that fails is logged and the others still run.
        try:
            counts[name] = phase(now, run)
        except Exception:
            logger.exception("deadline sweep: the %s phase failed", name)
            counts[name] = -1
    SweepRun.objects.filter(name=SWEEP_NAME).update(
        last_finished_at=timezone.now(), last_counts=counts
    )
    if any(counts.values()):
        logger.info("deadline sweep: %s", counts)
    return counts


def sweep_is_stale(now: datetime | None = None) -> tuple[bool, datetime | None]:
    now = now or timezone.now()
    run = SweepRun.objects.filter(name=SWEEP_NAME).first()
    last = run.last_finished_at if run else None
    stale = last is None or now - last > timedelta(seconds=settings.SWEEP_STALE_AFTER_SECONDS)
    return stale, last


# --- the outbox ------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after each failed attempt, at most OUTBOX_BACKOFF_MAX_SECONDS."""
    base = settings.OUTBOX_BACKOFF_SECONDS
    cap = settings.OUTBOX_BACKOFF_MAX_SECONDS
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 30), cap))


def still_matters(email: OutboxEmail, now: datetime) -> bool:
    """Whether a failing email is still worth sending: a reminder until its deadline is due, an
    alert about a deadline while the deadline is open or breached, anything else for
    OUTBOX_RETRY_HOURS after it was written."""
    deadline = email.deadline
    if deadline is not None:
        if email.kind == EmailKind.REMINDER:
            return deadline.status == DeadlineStatus.OPEN and now < deadline.due_at
        return deadline.status in LIVE
    return now < email.created_at + timedelta(hours=settings.OUTBOX_RETRY_HOURS)


def outbox_send(*, email_id: int, attempts: int | None = None, now: datetime | None = None) -> str:
    """Claim one row, send it, and record the outcome. Returns the row's status afterwards
    ('skipped' when another worker holds it or it was already done).

    `attempts`: the row's attempts when the send was queued; a stale message (the row has been
    tried since) is skipped. Without it, a row is sent only once its next attempt is due."""
    now = (now or timezone.now()).astimezone(UTC)
    try:
        with transaction.atomic():
            email = _locked(OutboxEmail.objects.filter(pk=email_id)).first()
            if email is None or email.status != EmailStatus.PENDING:
                return "skipped"
            if attempts is None and email.next_attempt_at > now:
                return "skipped"
            if attempts is not None and email.attempts != attempts:
                return "skipped"
            apply_transition(email, "claim", lease_until=_lease_until(now))
    except (ConcurrentTransition, TransitionNotAllowed):
        return "skipped"
    status = _send_claimed(email, now)
    if status == HANDED_OFF:
        with transaction.atomic():
            apply_transition(email, "mark_sent", at=timezone.now())
        return EmailStatus.SENT
    return status


def outbox_send_batch(*, emails: list[tuple[int, int]], now: datetime | None = None) -> dict:
    """Send rows queued together (the sweep's dispatch, OUTBOX_SEND_BATCH at a time): claimed
    in one transaction, each sent and its hand-off recorded on its own as outbox_send does, the
    sent ones recorded together at the end. `emails`: (id, attempts when queued) pairs; a row
    another worker holds, already done or tried since is skipped. Returns a count per outcome.

    A worker that dies part-way leaves its rows 'sending': once the lease is over, those handed
    to the mail server are recorded as sent and the others are sent again (reclaim phase), so
    nothing is lost or sent twice. The lease covers the batch: a row whose lease has run out
    before its turn is not sent (LeaseLost) and is left to the sweep."""
    now = (now or timezone.now()).astimezone(UTC)
    queued = {int(email_id): attempts for email_id, attempts in emails}
    with transaction.atomic():
        rows = [
            email
            for email in _locked(
                OutboxEmail.objects.filter(pk__in=queued, status=EmailStatus.PENDING)
            ).order_by("pk")
            if email.attempts == queued[email.pk]
        ]
        lease_until = _lease_until(now)
        apply_transition_to_locked(rows, "claim", arguments=lambda _: {"lease_until": lease_until})
    outcomes = Counter({"skipped": len(queued) - len(rows)})
    handed_off = []
    for email in rows:
        status = _send_claimed(email, now)
        if status == HANDED_OFF:
            handed_off.append(email.pk)
        else:
            outcomes[status] += 1
    with transaction.atomic():
        # Only rows still under this worker's claim (not reclaimed by the sweep meanwhile).
        sent = list(
            _locked(
                OutboxEmail.objects.filter(
                    pk__in=handed_off, status=EmailStatus.SENDING, handed_off_at__isnull=False
                )
            ).order_by("pk")
        )
        at = timezone.now()
        apply_transition_to_locked(sent, "mark_sent", arguments=lambda _: {"at": at})
    outcomes[EmailStatus.SENT] += len(sent)
    return {outcome: count for outcome, count in outcomes.items() if count}


def outbox_batches(emails: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The (id, attempts) pairs due, cut into the batches one task sends."""
    size = settings.OUTBOX_SEND_BATCH
    return [emails[i : i + size] for i in range(0, len(emails), size)]


# The outcome of _send_claimed for a message the mail server accepted: recorded as sent by the
# caller (one row at once, or a batch together).
HANDED_OFF = "handed off"


def _lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


# The hand-off recorded under a live lease (id, attempts, at): the UPDATE compiled once. The
# attempts as a Value: compared with a small column, a number is first checked against the
# column's range, and the stand-in the SQL is compiled with is out of it (casetransfer.compiled).
_record_hand_off = UpdateCompiledOnce(
    lambda pk, attempts, at: (
        OutboxEmail.objects.filter(
            pk=pk,
            status=EmailStatus.SENDING,
            attempts=Value(attempts),
            lease_until__gt=at,
            handed_off_at__isnull=True,
        ),
        {"handed_off_at": at},
    )
)


def _send_claimed(email: OutboxEmail, now: datetime) -> str:
    """Send one row this worker has claimed. HANDED_OFF when the server took it; otherwise the
    row's outcome, already recorded ('skipped' for a lost lease, left to the sweep)."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")

    def hand_off() -> bool:
        """Record the hand-off under a live lease, before the mail server is committed to the
        message (one UPDATE: a statement of its own, committed at once). False: the lease was
        lost; do not send."""
        at = timezone.now()
        held = _record_hand_off(email.pk, email.attempts, at)
        if held:
            email.handed_off_at = at
        return bool(held)

    try:
        send_with_handoff(message, hand_off)
    except LeaseLost:
        logger.warning("outbox email %s: lease lost before sending; left to the sweep", email.pk)
        return "skipped"
    except HandoffUnconfirmed as error:
        # Handed over, but the server's answer never came: never sent again; the note says so.
        with transaction.atomic():
            reason = "Handed to the mail server; its answer never came"
            apply_transition(email, "presume_sent", note=f"{reason} ({error})", reason=reason)
        return EmailStatus.SENT
    except Exception as error:  # SMTP refused, timed out, rejected...
        return _record_failure(email, error, now)
    return HANDED_OFF


def _record_failure(email: OutboxEmail, error: Exception, now: datetime) -> str:
    reason = f"{type(error).__name__}: {error}"[:300]
    with transaction.atomic():
        email = OutboxEmail.objects.select_related("deadline").get(pk=email.pk)
        if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS and not still_matters(email, now):
            apply_transition(email, "give_up", note=reason, error=reason)
            # Logged without the address: the id is enough to find it.
            logger.error("outbox email %s failed after %s attempts", email.pk, email.attempts)
            if email.kind != EmailKind.FAILURE_ALERT:
                _alert_administrators(email, final=True)
            return EmailStatus.FAILED
        apply_transition(
            email, "retry_later", note=reason, at=now + backoff(email.attempts), error=reason
        )
        if email.attempts == settings.OUTBOX_ALERT_AFTER_ATTEMPTS:
            # Still retrying, but someone should know now (an urgent notice cannot wait for
            # the retries to run out). /healthz and the administrators' page say so too, for
            # when this alert cannot be sent either.
            logger.error("outbox email %s failing: %s attempts so far", email.pk, email.attempts)
            if email.kind != EmailKind.FAILURE_ALERT:
                _alert_administrators(email, final=False)
    return EmailStatus.PENDING


def _alert_administrators(failed: OutboxEmail, *, final: bool) -> None:
    admins = (
        User.objects.filter(
            Q(groups__name=Role.SYSTEM_ADMINISTRATOR) | Q(is_superuser=True), is_active=True
        )
        .exclude(email="")
        .distinct()
    )
    # Keyed by the failure too: an email sent again by an administrator that fails again
    # alerts them again (requeue moves next_attempt_at on), while a re-run of this alerts once.
    episode = f"{failed.next_attempt_at.astimezone(UTC):%Y%m%dT%H%M%S%f}"
    stage = "failed" if final else "failing"
    if final:
        lines = [
            f"Outbox email {failed.pk} ({failed.get_kind_display()}) failed after "
            f"{failed.attempts} attempts: {failed.last_error}",
            "Check the mail server, then send it again from the admin (Outbox emails).",
        ]
        subject = f"An email could not be sent (outbox {failed.pk})"
    else:
        lines = [
            f"Outbox email {failed.pk} ({failed.get_kind_display()}) has failed "
            f"{failed.attempts} times: {failed.last_error}",
            "It is being tried again, for as long as it matters. Check the mail server.",
        ]
        subject = f"An email is failing to send (outbox {failed.pk})"
    for admin in admins:
        alert = notice_email(
            key=f"failure:{failed.pk}:{stage}:{episode}:{admin.pk}",
            recipient=admin,
            subject=subject,
            heading="An email could not be sent",
            lines=lines,
            link=f"/admin/deadlines/outboxemail/{failed.pk}/change/",
        )
        alert.kind = EmailKind.FAILURE_ALERT
        outbox_enqueue(alert)


def outbox_requeue(*, email: OutboxEmail, by) -> None:
    """An administrator sends a failed email again (after fixing the mail server)."""
    with transaction.atomic():
        apply_transition(
            email, "requeue", by=by, note="Sent again by an administrator", at=timezone.now()
        )
    from .tasks import send_outbox_email

    transaction.on_commit(lambda: send_outbox_email.delay(email.pk, 0), robust=True)
