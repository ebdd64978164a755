"""The deadline engine's sweep, run every minute by Celery beat, and the outbox sender.

Every phase claims its rows with `select_for_update(skip_locked=True)` inside a transaction, so two
sweeps at once (two beats, a slow run overlapping the next) never act on the same row; the
outbox's unique keys and the rows' state checks (ConcurrentTransitionMixin) are a second guard.
The database is the only schedule: a flushed broker loses nothing the next sweep will not find."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.fsm import apply_transition
from people.models import Team, User
from people.roles import Role

from .calendar import LONDON
from .emails import (
    deadline_email,
    deadline_recipients,
    escalation_recipients,
    london,
    notice_email,
    outbox_enqueue,
    watcher_recipients,
)
from .models import (
    Deadline,
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
BATCH = 200


def _locked(queryset):
    """Rows no other sweep holds, locked until this transaction ends. (SQLite has no row locks;
    there writes are serialised and the state checks stop a second action.)"""
    return queryset.select_for_update(skip_locked=True)


def _each(rows, handle, what: str) -> int:
    """Handle each claimed row in its own savepoint. A row that fails is logged (by id) and left
    for the next sweep; it does not stop the rows after it."""
    done = 0
    for row in rows:
        try:
            with transaction.atomic():
                done += handle(row)
        except Exception:
            logger.exception("deadline sweep: %s failed for row %s", what, row.pk)
    return done


def _queue_deadline_emails(deadline: Deadline, kind: str, which: str) -> int:
    """Queue a reminder or breach alert: to the owner and/or manager the policy names, then to
    the watchers not already told. Returns how many were queued for the first time."""
    answerable = deadline_recipients(deadline, which)
    queued = 0
    for person in answerable:
        queued += outbox_enqueue(deadline_email(deadline, kind, person))[1]
    for person in watcher_recipients(deadline, answerable):
        queued += outbox_enqueue(deadline_email(deadline, kind, person, as_watcher=True))[1]
    return queued


def send_reminders(now: datetime) -> int:
    def remind(deadline: Deadline) -> int:
        sent = 0
        # Past due already (the engine was down): the breach alert says it; no reminder.
        if deadline.due_at > now:
            which = policy_for(deadline.kind).remind
            sent += _queue_deadline_emails(deadline, EmailKind.REMINDER, which)
        Deadline.objects.filter(pk=deadline.pk).update(reminded_at=now)
        return sent

    with transaction.atomic():
        due = _locked(
            Deadline.objects.filter(
                status=DeadlineStatus.OPEN, remind_at__lte=now, reminded_at__isnull=True
            ).order_by("remind_at")
        )[:BATCH]
        return _each(due, remind, "reminder")


def record_breaches(now: datetime) -> int:
    def breach(deadline: Deadline) -> int:
        policy = policy_for(deadline.kind)
        apply_transition(
            deadline,
            "breach",
            case=deadline.case,
            note="Due time passed",
            at=now,
            escalate_at=now + timedelta(hours=policy.escalate_after_hours),
        )
        _queue_deadline_emails(deadline, EmailKind.BREACH, policy.alert_on_breach)
        return 1

    with transaction.atomic():
        overdue = _locked(
            Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=now).order_by("due_at")
        )[:BATCH]
        return _each(overdue, breach, "breach")


def escalate_breaches(now: datetime) -> int:
    def escalate(deadline: Deadline) -> int:
        for person in escalation_recipients(deadline):
            outbox_enqueue(deadline_email(deadline, EmailKind.ESCALATION, person))
        Deadline.objects.filter(pk=deadline.pk).update(escalated_at=now)
        return 1

    with transaction.atomic():
        waiting = _locked(
            Deadline.objects.filter(
                status=DeadlineStatus.BREACHED, escalate_at__lte=now, escalated_at__isnull=True
            )
        )[:BATCH]
        return _each(waiting, escalate, "escalation")


DIGEST_GRACE = timedelta(hours=24)


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


def open_transfers(teams) -> int:
    """Live hand-offs into or out of `teams` (the transfers app owns them; looked up lazily so
    the deadline engine does not depend on it at import time)."""
    from transfers.models import LIVE, Transfer

    return Transfer.objects.filter(
        Q(from_team__in=teams) | Q(to_team__in=teams), status__in=LIVE
    ).count()


def send_weekly_digests(now: datetime) -> int:
    """Monday 08:00 London: each team manager hears what is open, due this week and breached."""
    week = digest_week(now)
    if week is None or DigestWeek.objects.filter(week=week).exists():
        return 0
    local = now.astimezone(LONDON)
    week_end = datetime.combine(
        local.date() + timedelta(days=7 - local.weekday()), datetime.min.time(), tzinfo=LONDON
    )
    sent = 0
    try:
        with transaction.atomic():
            DigestWeek.objects.create(week=week, sent_at=now)
            managers = (
                User.objects.filter(managed_teams__is_active=True, is_active=True)
                .exclude(email="")
                .distinct()
            )
            for manager in managers:
                teams = Team.objects.filter(manager=manager, is_active=True)
                live = Deadline.objects.filter(
                    owner_team__in=teams,
                    status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
                ).select_related("case")
                due_this_week = [d for d in live if d.status == "open" and d.due_at < week_end]
                breached = [d for d in live if d.status == DeadlineStatus.BREACHED]
                lines = [
                    f"Teams: {', '.join(t.name for t in teams)}.",
                    f"Open transfers into or out of your teams: {open_transfers(teams)}.",
                    f"Open deadlines: {len(live)}. Due this week: {len(due_this_week)}. "
                    f"Breached: {len(breached)}.",
                ]
                for d in breached[:20]:
                    lines.append(
                        f"BREACHED: {d.case or '-'} {d.get_kind_display()}, due {london(d.due_at)}."
                    )
                for d in due_this_week[:20]:
                    lines.append(
                        f"Due: {d.case or '-'} {d.get_kind_display()}, {london(d.due_at)}."
                    )
                email = notice_email(
                    key=f"digest:{week}:{manager.pk}",
                    recipient=manager,
                    subject=f"Weekly digest {week}: {len(due_this_week)} due, "
                    f"{len(breached)} breached",
                    heading=f"Your teams' deadlines, week {week}",
                    lines=lines,
                    link="/deadlines/",
                )
                email.kind = EmailKind.DIGEST
                sent += outbox_enqueue(email)[1]
    except IntegrityError:
        return 0  # another sweep wrote this week's digest first
    return sent


def reclaim_expired_leases(now: datetime) -> int:
    """A row left 'sending' by a worker that died: once its lease is over, send it again."""

    def reclaim(email: OutboxEmail) -> int:
        apply_transition(email, "reclaim", note="Lease expired: worker presumed dead")
        return 1

    with transaction.atomic():
        stuck = _locked(
            OutboxEmail.objects.filter(status=EmailStatus.SENDING, lease_until__lt=now)
        )[:BATCH]
        return _each(stuck, reclaim, "lease reclaim")


def dispatch_due_emails(now: datetime) -> int:
    """Queue a send for every pending row whose time has come. Queuing twice is harmless: only
    one worker can claim a row."""
    from .tasks import send_outbox_email

    ids = list(
        OutboxEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    queued = 0
    for email_id in ids:
        try:
            send_outbox_email.delay(email_id)
            queued += 1
        except Exception:  # the broker is down: the rows wait in the database for next time
            logger.exception("deadline sweep: could not queue outbox email %s", email_id)
            break
    return queued


def sweep(now: datetime | None = None) -> dict[str, int]:
    """One pass of the engine. Safe to run at any time, any number of times, concurrently."""
    # In UTC: adding hours to a London time would add wall-clock hours across a clock change.
    now = (now or timezone.now()).astimezone(UTC)
    SweepRun.objects.update_or_create(name=SWEEP_NAME, defaults={"last_started_at": now})
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
            counts[name] = phase(now)
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
    """1, 2, 4, 8... minutes after each failed attempt, at most an hour."""
    base = settings.OUTBOX_BACKOFF_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def outbox_send(*, email_id: int, now: datetime | None = None) -> str:
    """Claim one row, send it, and record the outcome. Returns the row's status afterwards
    ('skipped' when another worker holds it or it was already done)."""
    now = (now or timezone.now()).astimezone(UTC)
    try:
        with transaction.atomic():
            email = _locked(OutboxEmail.objects.filter(pk=email_id)).first()
            if email is None or email.status != EmailStatus.PENDING or email.next_attempt_at > now:
                return "skipped"
            apply_transition(
                email,
                "claim",
                lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            )
    except (ConcurrentTransition, TransitionNotAllowed):
        return "skipped"

    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as error:  # SMTP refused, timed out, rejected...
        return _record_failure(email, error, now)
    with transaction.atomic():
        apply_transition(email, "mark_sent", at=timezone.now())
    return EmailStatus.SENT


def _record_failure(email: OutboxEmail, error: Exception, now: datetime) -> str:
    reason = f"{type(error).__name__}: {error}"[:300]
    with transaction.atomic():
        if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            apply_transition(email, "give_up", note=reason, error=reason)
            # Logged without the address: the id is enough to find it.
            logger.error("outbox email %s failed after %s attempts", email.pk, email.attempts)
            if email.kind != EmailKind.FAILURE_ALERT:
                _alert_administrators(email)
            return EmailStatus.FAILED
        apply_transition(
            email, "retry_later", note=reason, at=now + backoff(email.attempts), error=reason
        )
    return EmailStatus.PENDING


def _alert_administrators(failed: OutboxEmail) -> None:
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
    for admin in admins:
        alert = notice_email(
            key=f"failure:{failed.pk}:{episode}:{admin.pk}",
            recipient=admin,
            subject=f"An email could not be sent (outbox {failed.pk})",
            heading="An email could not be sent",
            lines=[
                f"Outbox email {failed.pk} ({failed.get_kind_display()}) failed after "
                f"{failed.attempts} attempts: {failed.last_error}",
                "Check the mail server, then send it again from the admin (Outbox emails).",
            ],
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

    transaction.on_commit(lambda: send_outbox_email.delay(email.pk), robust=True)
