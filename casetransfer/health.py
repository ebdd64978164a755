"""Checks behind /healthz and the administrators' banners: the database, the broker, the deadline
sweep, the mail server (as the outbox sees it) and deadlines that fail every sweep."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

# When this process started: until the first sweep, a fresh start is "starting", not "stale"
# (so a healthy first start logs no 503).
STARTED_AT = timezone.now()


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return False
    return True


def broker_ok() -> bool:
    from kombu import Connection

    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True


def sweep_status(now: datetime | None = None) -> dict:
    """ok, stale (not run for SWEEP_STALE_AFTER_SECONDS), or starting (never run, and this
    process started less than that ago)."""
    from deadlines.sweep import sweep_is_stale

    now = now or timezone.now()
    stale, last = sweep_is_stale(now)
    grace = timedelta(seconds=settings.SWEEP_STALE_AFTER_SECONDS)
    if last is None and now - STARTED_AT <= grace:
        status = "starting"
    else:
        status = "stale" if stale else "ok"
    return {"status": status, "last_run": last and last.isoformat()}


def mail_status() -> dict:
    """down: emails are waiting to be tried again after failing (the mail server refuses or
    cannot be reached); `failed`: emails the outbox gave up on, waiting for an administrator."""
    from deadlines.models import EmailStatus, OutboxEmail

    failing = (
        OutboxEmail.objects.filter(status=EmailStatus.PENDING, attempts__gt=0)
        .exclude(last_error="")
        .count()
    )
    failed = OutboxEmail.objects.filter(status=EmailStatus.FAILED).count()
    return {"status": "down" if failing else "ok", "retrying": failing, "failed": failed}


def failing_deadlines(limit: int = 20) -> dict:
    """Deadlines the sweep has failed on SWEEP_FAILURES_ALERT times in a row (served by a
    partial index holding only failing rows). Ids only: nothing about a child."""
    from deadlines.models import Deadline

    rows = Deadline.objects.filter(sweep_failures__gte=settings.SWEEP_FAILURES_ALERT)
    ids = list(rows.order_by("pk").values_list("pk", flat=True)[:limit])
    return {"status": "failing" if ids else "ok", "count": rows.count() if ids else 0, "ids": ids}


def report() -> tuple[dict, int]:
    """The /healthz body and its HTTP status: 200 when everything is ok (or still starting),
    503 otherwise."""
    body = {
        "database": "ok" if database_ok() else "down",
        "broker": "ok" if broker_ok() else "down",
    }
    body["sweep"] = {"status": "unknown", "last_run": None}
    if body["database"] == "ok":
        body["sweep"] = sweep_status()
        body["mail"] = mail_status()
        body["deadlines"] = failing_deadlines()
    problems = [
        body["database"] != "ok",
        body["broker"] != "ok",
        body["sweep"]["status"] not in {"ok", "starting"},
        body.get("mail", {}).get("status") == "down",
        body.get("deadlines", {}).get("status") == "failing",
    ]
    if any(problems):
        status = "degraded"
    elif body["sweep"]["status"] == "starting":
        status = "starting"
    else:
        status = "ok"
    return {"status": status, **body}, 503 if status == "degraded" else 200
