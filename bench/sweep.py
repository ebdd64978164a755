"""The deadline engine's benchmark (issue 14): the sweep and the email outbox.

Interface (bench/run.py imports this module):

    run(scale: float = 1.0) -> list[dict]

Call it with Django already set up on a throwaway PostgreSQL database (bench/run.py seeds it,
up to 1,000,000 deadline rows, before calling). It adds its own rows, measures, prints a table
and returns one dict per measurement:

    {"name": str, "value": float, "unit": str, "target": str, "ok": bool | None, "note": str}

`scale` multiplies the sizes (10,000 due deadlines and 1,000 outbox emails at 1.0), so a quick
run can use 0.1. Nothing is asserted: numbers vary by machine.

Measured:
- claim: one batch claimed by each sweep phase (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 500),
  median of 20, at whatever the database holds (1M deadline rows after bench/run.py's seed);
- sweep: 10,000 deadlines due at once (past due, owned, with a manager): breaches recorded and
  alerts written to the outbox, rows/s, and one whole sweep() run's time for the backlog
  (target: within a minute, every batch its own transaction);
- digest: the weekly digest's time and Python memory peak (tracemalloc);
- outbox: emails/s end to end (after 200 sent as a warm-up, not timed), two Celery worker
  processes (Redis broker at BENCH_REDIS_URL, default redis://127.0.0.1:6379/15, whose database
  is emptied) sending to an aiosmtpd sink on loopback; none lost, none sent twice.

Standalone: DATABASE_URL=postgres://... .venv/bin/python bench/sweep.py [--scale 0.1]
(it writes rows into that database: use a throwaway one).
"""

import logging
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _row(name, value, unit, target="", ok=None, note="") -> dict:
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "ok": ok,
        "note": note,
    }


def measure_claims(repeat: int = 20) -> list[dict]:
    from django.db import transaction

    from deadlines.models import Deadline, DeadlineStatus, EmailStatus, OutboxEmail
    from deadlines.sweep import BATCH, _locked

    now = datetime.now(UTC)
    queries = {
        "reminders": lambda: Deadline.objects.filter(
            status=DeadlineStatus.OPEN,
            remind_at__lte=now,
            reminded_at__isnull=True,
            reminder_skipped="",
        ).order_by("remind_at"),
        "breaches": lambda: Deadline.objects.filter(
            status=DeadlineStatus.OPEN, due_at__lte=now
        ).order_by("due_at"),
        "escalations": lambda: Deadline.objects.filter(
            status=DeadlineStatus.BREACHED, escalate_at__lte=now, escalated_at__isnull=True
        ).order_by("escalate_at"),
        "outbox dispatch": lambda: OutboxEmail.objects.filter(
            status=EmailStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at"),
    }
    total = Deadline.objects.count()
    rows = []
    for name, query in queries.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            with transaction.atomic():
                list(_locked(query()).values_list("pk", flat=True)[:BATCH])
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        rows.append(
            _row(
                f"claim a batch: {name}",
                median,
                "ms",
                "< 10 ms",
                median < 10,
                f"{total:,} deadline rows",
            )
        )
    return rows


def _due_backlog(n: int, now: datetime) -> list[int]:
    """`n` open deadlines, due an hour ago, on existing cases, owned by a worker of the case's
    team (or its manager): as after an outage."""
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case
    from deadlines.models import Deadline, DeadlineStatus
    from deadlines.rules import Kind
    from people.models import Team

    case_type = ContentType.objects.get_for_model(Case)
    managers = dict(Team.objects.exclude(manager__isnull=True).values_list("pk", "manager_id"))
    cases = list(
        Case.objects.filter(current_team_id__in=list(managers))
        .order_by("pk")
        .values_list("pk", "current_team_id", "allocated_worker_id")[:n]
    )
    if not cases:
        raise RuntimeError("no cases with a managed team: seed the database first")
    rows = []
    for i in range(n):
        case_id, team_id, worker_id = cases[i % len(cases)]
        rows.append(
            Deadline(
                kind=Kind.TRANSFER_DECISION,
                subject_type=case_type,
                subject_id=str(case_id),
                case_id=case_id,
                anchor_at=now - timedelta(days=7),
                due_at=now - timedelta(hours=1),
                status=DeadlineStatus.OPEN,
                owner_id=worker_id or managers[team_id],
                owner_team_id=team_id,
                reminded_at=now - timedelta(days=1),
            )
        )
    created = Deadline.objects.bulk_create(rows, batch_size=2000)
    return [d.pk for d in created]


def measure_sweep(n: int) -> list[dict]:
    from deadlines import sweep as engine
    from deadlines.models import Deadline, DeadlineStatus, OutboxEmail

    now = datetime.now(UTC)
    _due_backlog(n, now)
    emails_before = OutboxEmail.objects.count()
    # The sends are measured apart (the outbox); here the engine's own work.
    with mock.patch.object(engine, "dispatch_due_emails", return_value=0):
        started = time.perf_counter()
        breached = engine.record_breaches(now, engine.Run(now, budget_seconds=600))
        elapsed = time.perf_counter() - started
    emails = OutboxEmail.objects.count() - emails_before
    rate = breached / elapsed if elapsed else 0
    rows = [
        _row(
            f"sweep: {n:,} due at once",
            rate,
            "rows/s",
            ">= 1000 rows/s",
            rate >= 1000,
            f"{breached:,} breaches recorded, {emails:,} alerts queued in {elapsed:.1f} s",
        )
    ]
    # The same backlog again, through one whole sweep() with its default time budget.
    again = _due_backlog(n, datetime.now(UTC))
    with mock.patch.object(engine, "dispatch_due_emails", return_value=0):
        started = time.perf_counter()
        counts = engine.sweep()
        elapsed = time.perf_counter() - started
    left = Deadline.objects.filter(pk__in=again, status=DeadlineStatus.OPEN).count()
    rows.append(
        _row(
            f"sweep: backlog of {n:,} cleared by one run",
            elapsed,
            "s",
            "< 60 s, nothing left",
            elapsed < 60 and left == 0,
            f"phases {counts}; {left} left open",
        )
    )
    return rows


def measure_digest() -> list[dict]:
    from deadlines import tasks
    from deadlines.calendar import LONDON
    from deadlines.models import DigestWeek, OutboxEmail
    from deadlines.sweep import send_weekly_digests

    today = datetime.now(LONDON).date()
    monday = today - timedelta(days=today.weekday())
    at = datetime.combine(monday, datetime.min.time(), tzinfo=LONDON) + timedelta(
        hours=8, minutes=5
    )

    def once() -> tuple[float, int]:
        DigestWeek.objects.all().delete()
        OutboxEmail.objects.filter(kind="digest").delete()
        started = time.perf_counter()
        sent = send_weekly_digests(at)
        return time.perf_counter() - started, sent

    with mock.patch.object(tasks.send_outbox_email, "delay"):
        elapsed, sent = once()
        tracemalloc.start()
        once()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return [
        _row("weekly digest: time", elapsed, "s", "< 1 s", elapsed < 1, f"{sent} digests"),
        _row("weekly digest: memory peak", peak / 2**20, "MB", "< 100 MB", peak < 100 * 2**20),
    ]


def measure_outbox(n: int) -> list[dict]:
    import redis
    from django.db import connection
    from django.utils import timezone

    from casetransfer.celery import app
    from deadlines.models import EmailKind, EmailStatus, OutboxEmail
    from deadlines.sweep import outbox_batches
    from deadlines.tasks import send_outbox_batch
    from deadlines.tests.processes import Sink, free_port

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    port = free_port()
    # aiosmtpd logs every command at INFO: in this process, beside the workers it measures.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sink = Sink(port).start()
    s = connection.settings_dict
    database_url = (
        f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casetransfer.settings.local",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
    }
    workers = []
    logs = []
    try:
        for i in range(2):
            log = open(f"/tmp/bench-outbox-worker-{i}.log", "wb")  # noqa: SIM115
            logs.append(log)
            workers.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv" / "bin" / "celery"),
                        "-A",
                        "casetransfer",
                        "worker",
                        "--loglevel=INFO",
                        "--concurrency=2",
                        "--without-gossip",
                        "--without-mingle",
                        f"--hostname=bench{i}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = [
                Path(f"/tmp/bench-outbox-worker-{i}.log").read_text(errors="replace")
                for i in range(2)
            ]
            if all(" ready." in text for text in ready):
                break
            time.sleep(0.5)
        now = timezone.now()
        stamp = int(now.timestamp())
        # A warm-up first, not timed: each worker process's first tasks open its database and
        # SMTP connections and load what sending needs. Then `n` emails, timed.
        warm = 200
        OutboxEmail.objects.bulk_create(
            [
                OutboxEmail(
                    dedupe_key=f"bench:{stamp}:{i}",
                    kind=EmailKind.NOTICE,
                    to_email=f"bench{i}@example.org",
                    subject=f"bench {i}" if i >= warm else f"warm-up {i}",
                    body_text="A notice.",
                    next_attempt_at=now,
                )
                for i in range(warm + n)
            ],
            batch_size=2000,
        )
        # Published on a connection of its own: the calling process may be set up with another
        # broker (bench/run.py's test settings use the filesystem one). Only this run's rows.
        rows = OutboxEmail.objects.filter(dedupe_key__startswith=f"bench:{stamp}:").order_by("pk")
        ids = [email.pk for email in rows]

        def send_all(email_ids: list[int]) -> None:
            eager, app.conf.task_always_eager = app.conf.task_always_eager, False
            try:
                # As the sweep's dispatch queues them: OUTBOX_SEND_BATCH to a task.
                with app.connection_for_write(redis_url) as broker:
                    for batch in outbox_batches([(email_id, 0) for email_id in email_ids]):
                        send_outbox_batch.apply_async((batch,), connection=broker)
            finally:
                app.conf.task_always_eager = eager
            waiting = OutboxEmail.objects.filter(pk__in=email_ids)
            stop = time.monotonic() + 120
            while time.monotonic() < stop:
                if not waiting.exclude(status=EmailStatus.SENT).exists():
                    break
                time.sleep(0.1)

        send_all(ids[:warm])
        pending = OutboxEmail.objects.filter(pk__in=ids[warm:])
        started = time.perf_counter()
        send_all(ids[warm:])
        elapsed = time.perf_counter() - started
        sent = pending.filter(status=EmailStatus.SENT).count()
        counts = sink.counts()
        delivered = sum(1 for subject in counts if subject.startswith("bench "))
        twice = sum(1 for subject, c in counts.items() if subject.startswith("bench ") and c > 1)
    finally:
        for worker in workers:
            try:
                os.killpg(worker.pid, 15)
                worker.wait(20)
            except Exception:  # a stuck worker is killed
                os.killpg(worker.pid, 9)
        for log in logs:
            log.close()
        sink.stop()
        client.flushdb()
        client.close()
    rate = sent / elapsed if elapsed else 0
    return [
        _row(
            "outbox: two Celery workers to SMTP",
            rate,
            "emails/s",
            ">= 200 emails/s, none lost or twice",
            rate >= 200 and delivered == n and twice == 0,
            f"{sent:,}/{n:,} sent, {delivered:,} delivered, {twice} twice, {elapsed:.1f} s",
        )
    ]


def print_table(rows: list[dict]) -> None:
    print(f"  {'measure':44} {'value':>10} {'unit':8} {'target':34} ok")
    for row in rows:
        ok = {True: "yes", False: "NO", None: ""}[row["ok"]]
        print(f"  {row['name']:44} {row['value']:>10} {row['unit']:8} {row['target']:34} {ok}")
        if row["note"]:
            print(f"  {'':44} {row['note']}")


def run(scale: float = 1.0) -> list[dict]:
    rows = []
    # The outbox before the sweep: right after the sweep's 20,000 breaches and 40,000 alerts,
    # PostgreSQL's autovacuum and checkpoint work through them on the same two cores, and the
    # outbox measured then gave 150 to 190 emails/s against 300 to 340 a minute later.
    steps = [
        ("claims", lambda: measure_claims()),
        ("outbox", lambda: measure_outbox(max(int(1_000 * scale), 100))),
        ("sweep", lambda: measure_sweep(max(int(10_000 * scale), 100))),
        ("digest", lambda: measure_digest()),
    ]
    for name, step in steps:
        try:
            rows += step()
        except Exception as error:  # one measure failing leaves the others
            rows.append(
                _row(name, 0, "", ok=False, note=f"failed: {type(error).__name__}: {error}")
            )
    print_table(rows)
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="The sweep and outbox benchmark")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetransfer.settings.test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    run(args.scale)
