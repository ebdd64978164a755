"""Issue 14: the sweep's statements per row, its batches and time budget, the digest in SQL, and
the indexes that serve the deadline queries (EXPLAIN on PostgreSQL). No timing is asserted."""

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.tests.factories import CaseFactory
from deadlines import sweep as sweep_module
from deadlines.models import Deadline, DeadlineStatus, DigestWeek, OutboxEmail
from deadlines.rules import Kind
from deadlines.selectors import due_soon, overdue, team_deadlines
from deadlines.sweep import send_weekly_digests, sweep

from .factories import DeadlineFactory, london, start_deadline

pytestmark = pytest.mark.django_db

ANCHOR = london(2026, 11, 25, 10, 0)  # Wednesday
DUE = london(2026, 12, 2, 17, 0)
MONDAY = london(2026, 11, 30, 8, 30)


def start_many(org, n):
    with time_machine.travel(ANCHOR, tick=False):
        for i in range(n):
            start_deadline(
                Kind.JOINT_VISIT,
                ANCHOR,
                case=org.case if i % 2 else org.other_case,
                owner=org.owner if i % 2 else org.other_owner,
                team=org.team if i % 2 else org.other,
                watchers=[org.colleague] if i % 3 == 0 else (),
            )


def sweep_queries(at) -> int:
    # The sends are the outbox's, measured apart: here the sweep's own statements.
    with (
        time_machine.travel(at, tick=False),
        mock.patch.object(sweep_module, "dispatch_due_emails", return_value=0),
        CaptureQueriesContext(connection) as queries,
    ):
        sweep()
    return len(queries)


def test_the_sweep_runs_a_few_statements_per_row_not_seventeen(org):
    start_many(org, 4)
    Deadline.objects.update(reminded_at=ANCHOR)  # the breach phase alone
    few = sweep_queries(DUE)
    start_many(org, 24)
    Deadline.objects.update(reminded_at=ANCHOR)
    many = sweep_queries(DUE + timedelta(minutes=1))
    # Per breached row: savepoint and release, the before-values, the update, the audit row,
    # the outbox insert (the policy, case, people, watchers and outbox keys: once a batch).
    assert (many - few) / 20 <= 6


def test_a_backlog_is_cleared_in_batches_in_one_run(org, monkeypatch):
    monkeypatch.setattr(sweep_module, "BATCH", 4)
    start_many(org, 10)
    with time_machine.travel(DUE, tick=False):
        counts = sweep()
    assert counts["breaches"] == 10
    assert not Deadline.objects.filter(status=DeadlineStatus.OPEN).exists()


def test_a_run_out_of_time_stops_after_its_current_batch_and_the_next_run_goes_on(
    org, monkeypatch, settings
):
    monkeypatch.setattr(sweep_module, "BATCH", 4)
    settings.SWEEP_TIME_BUDGET_SECONDS = 0
    start_many(org, 10)
    with time_machine.travel(DUE, tick=False):
        assert sweep()["breaches"] == 4
        assert sweep()["breaches"] == 4
        assert sweep()["breaches"] == 2


def digest_queries(org) -> int:
    DigestWeek.objects.all().delete()
    OutboxEmail.objects.filter(kind="digest").delete()
    with time_machine.travel(MONDAY, tick=False), CaptureQueriesContext(connection) as queries:
        assert send_weekly_digests(MONDAY) >= 1
    return len(queries)


def test_the_digest_counts_in_sql_whatever_the_number_of_deadlines(org):
    for status in ("open", "open", "breached"):
        DeadlineFactory(
            case=org.case, owner_team=org.team, due_at=MONDAY + timedelta(days=1), status=status
        )
    few = digest_queries(org)
    for i in range(40):
        DeadlineFactory(
            case=CaseFactory(current_team=org.team),
            owner_team=org.team,
            due_at=MONDAY + timedelta(hours=i),
            status=DeadlineStatus.BREACHED if i % 2 else DeadlineStatus.OPEN,
        )
    assert digest_queries(org) == few


def test_the_digest_costs_the_same_queries_for_many_managers_and_lists_each_ones_own(org):
    from people.tests.factories import TeamFactory, UserFactory
    from transfers.models import Transfer, TransferKind

    DeadlineFactory(case=org.case, owner_team=org.team, due_at=MONDAY + timedelta(days=1))
    few = digest_queries(org)
    for i in range(5):
        manager = UserFactory(email=f"manager{i}@example.org")
        team = TeamFactory(manager=manager)
        case = CaseFactory(current_team=team)
        DeadlineFactory(case=case, owner_team=team, due_at=MONDAY + timedelta(days=1))
        DeadlineFactory(
            case=case, owner_team=team, due_at=MONDAY - timedelta(days=1), status="breached"
        )
        Transfer.objects.create(
            kind=TransferKind.TEAM_TRANSFER,
            case=case,
            from_team=team,
            to_team=org.team,
            requested_by=manager,
            status="proposed",
        )
    assert digest_queries(org) == few
    for i in range(5):
        digest = OutboxEmail.objects.get(kind="digest", recipient__email=f"manager{i}@example.org")
        case = Deadline.objects.filter(owner_team__manager=digest.recipient).first().case
        assert digest.subject.endswith(": 1 due, 1 breached")
        assert "Open transfers into or out of your teams: 1." in digest.body_text
        assert digest.body_text.count(case.reference) == 2  # one line due, one breached
    mine = OutboxEmail.objects.get(kind="digest", recipient=org.manager)
    assert "Open transfers into or out of your teams: 5." in mine.body_text


def test_the_digest_counts_are_right(org):
    DeadlineFactory(case=org.case, owner_team=org.team, due_at=MONDAY + timedelta(days=1))
    DeadlineFactory(case=org.case, owner_team=org.team, due_at=MONDAY + timedelta(days=10))
    DeadlineFactory(
        case=org.case, owner_team=org.team, due_at=MONDAY - timedelta(days=1), status="breached"
    )
    DeadlineFactory(case=org.case, owner_team=org.team, due_at=MONDAY, status="met")
    with time_machine.travel(MONDAY, tick=False):
        send_weekly_digests(MONDAY)
    digest = OutboxEmail.objects.get(kind="digest", recipient=org.manager)
    assert digest.subject.endswith(": 1 due, 1 breached")
    assert "Open deadlines: 3. Due this week: 1. Breached: 1." in digest.body_text


def team_page_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/deadlines/").status_code == 200
    return len(queries)


def test_the_team_deadlines_page_query_count_does_not_grow_with_cases(org, client):
    DeadlineFactory(case=org.case, owner_team=org.team, due_at=ANCHOR + timedelta(days=2))
    few = team_page_queries(client, org.manager)
    for _ in range(15):
        case = CaseFactory(current_team=org.team)
        DeadlineFactory(case=case, owner_team=org.team, due_at=ANCHOR + timedelta(days=2))
    assert team_page_queries(client, org.manager) == few


# --- the indexes serve the queries (PostgreSQL) ----------------------------------------------


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_persons_and_a_teams_deadlines_are_a_union_of_branches_not_an_or(org):
    """Owner OR team OR watched cannot use an index; each branch of a UNION uses its own
    ((owner, status, due_at), (owner_team, status, due_at); EXPLAIN at 1M rows in the README)."""
    now = ANCHOR + timedelta(days=6)
    for queryset in (
        due_soon(org.manager, now),
        overdue(org.manager, now),
        team_deadlines(user=org.manager),
    ):
        sql = str(queryset.query)
        assert " UNION " in sql
        assert not re.search(r'"owner_id" = \d+ OR', sql)
    # The team page checks the case of each row shown, not membership of every visible case.
    assert "EXISTS(SELECT" in str(team_deadlines(user=org.manager).query).replace(" (", "(")


@pytest.mark.postgres
def test_the_reminder_and_escalation_phases_read_partial_indexes(org):
    start_many(org, 6)
    now = DUE
    reminders = Deadline.objects.filter(
        status=DeadlineStatus.OPEN,
        remind_at__lte=now,
        reminded_at__isnull=True,
        reminder_skipped="",
    ).order_by("remind_at")
    escalations = Deadline.objects.filter(
        status=DeadlineStatus.BREACHED, escalate_at__lte=now, escalated_at__isnull=True
    ).order_by("escalate_at")
    assert "deadline_reminder_waiting" in plan(reminders)
    assert "deadline_escalation_waiting" in plan(escalations)
