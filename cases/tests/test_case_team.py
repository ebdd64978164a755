"""Each transfer's and deadline's `case_team` is its case's current team, kept by the database
(cases migration 0008): from the row's insert, through every move of the case, whatever wrote
the row; a service manager's lists read it instead of joining each row's case (issue 14)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from cases.selectors import cases_visible_to, rows_of_visible_cases
from cases.services import case_allocate
from cases.tests.factories import CaseFactory
from deadlines.models import Deadline
from deadlines.tests.factories import DeadlineFactory
from people.models import User
from people.tests.factories import TeamFactory, UserFactory
from transfers.models import Transfer, TransferKind

pytestmark = pytest.mark.django_db


def transfer_for(case: Case, **fields) -> Transfer:
    return Transfer.objects.create(
        kind=TransferKind.TEAM_TRANSFER,
        case=case,
        from_team=case.current_team,
        requested_by=fields.pop("requested_by", None) or UserFactory(),
        **fields,
    )


def case_team_of(row) -> int | None:
    return type(row).objects.filter(pk=row.pk).values_list("case_team_id", flat=True).get()


def test_a_new_transfer_and_deadline_hold_their_cases_team():
    case = CaseFactory()
    transfer = transfer_for(case)
    deadline = DeadlineFactory(case=case)
    assert case_team_of(transfer) == case.current_team_id
    assert case_team_of(deadline) == case.current_team_id


def test_a_deadline_about_no_case_holds_no_team():
    team = TeamFactory()
    deadline = DeadlineFactory(
        case=None,
        subject_type=ContentType.objects.get_for_model(type(team)),
        subject_id=str(team.pk),
        owner_team=team,
    )
    assert case_team_of(deadline) is None


def test_rows_written_in_bulk_hold_their_cases_team():
    case = CaseFactory()
    by = UserFactory()
    (transfer,) = Transfer.objects.bulk_create(
        [
            Transfer(
                kind=TransferKind.TEAM_TRANSFER,
                case=case,
                from_team=case.current_team,
                requested_by=by,
            )
        ]
    )
    now = timezone.now()
    (deadline,) = Deadline.objects.bulk_create(
        [
            Deadline(
                kind="joint_visit",
                case=case,
                subject_type=ContentType.objects.get_for_model(Case),
                subject_id=str(case.pk),
                anchor_at=now,
                due_at=now,
                owner_team=case.current_team,
            )
        ]
    )
    assert case_team_of(transfer) == case.current_team_id
    assert case_team_of(deadline) == case.current_team_id


def test_moving_the_case_moves_every_row_of_it_and_no_other():
    case, other = CaseFactory(), CaseFactory()
    rows = [transfer_for(case), DeadlineFactory(case=case), DeadlineFactory(case=case)]
    untouched = [transfer_for(other), DeadlineFactory(case=other)]
    new_team = TeamFactory()

    case_allocate(case=case, team=new_team, worker=None, by=None, for_transfer=rows[0])

    assert [case_team_of(row) for row in rows] == [new_team.pk] * 3
    assert [case_team_of(row) for row in untouched] == [other.current_team_id] * 2


def test_a_move_by_a_queryset_update_moves_the_rows_too():
    case = CaseFactory()
    transfer = transfer_for(case)
    new_team = TeamFactory()
    Case.objects.filter(pk=case.pk).update(current_team=new_team)
    assert case_team_of(transfer) == new_team.pk


def test_a_copy_read_before_the_case_moved_never_writes_the_old_team_back():
    case = CaseFactory()
    transfer = transfer_for(case)
    deadline = DeadlineFactory(case=case)
    stale_transfer = Transfer.objects.get(pk=transfer.pk)
    stale_deadline = Deadline.objects.get(pk=deadline.pk)
    new_team = TeamFactory()

    case_allocate(case=case, team=new_team, worker=None, by=None, for_transfer=transfer)
    stale_transfer.decision_note = "Saved from a page read before the move"
    stale_transfer.save()
    stale_deadline.save()  # every column written, the stale case_team among them

    assert case_team_of(transfer) == new_team.pk
    assert case_team_of(deadline) == new_team.pk


def test_a_row_moved_to_another_case_takes_that_cases_team():
    case, other = CaseFactory(), CaseFactory()
    deadline = DeadlineFactory(case=case)
    Deadline.objects.filter(pk=deadline.pk).update(case=other)
    assert case_team_of(deadline) == other.current_team_id


def test_the_service_managers_lists_follow_their_cases_moves():
    """For every demo user, the transfers and the deadlines whose case they see are exactly the
    rows of the cases cases_visible_to gives them, before and after cases move between the
    services (the service manager's lists read each row's case_team)."""
    call_command("seed_demo", cases=120, verbosity=0)
    users = list(User.objects.all())
    assert any(user.groups.filter(name="service_manager").exists() for user in users)

    def check():
        transfers = dict(Transfer.objects.values_list("pk", "case_id"))
        deadlines = dict(Deadline.objects.values_list("pk", "case_id"))
        for user in users:
            seen = set(cases_visible_to(user).values_list("pk", flat=True))
            rows = rows_of_visible_cases(Transfer.objects.all(), user)
            assert set(rows.values_list("pk", flat=True)) == {
                pk for pk, case_id in transfers.items() if case_id in seen
            }, user.username
            rows = rows_of_visible_cases(Deadline.objects.all(), user, caseless=True)
            assert set(rows.values_list("pk", flat=True)) == {
                pk for pk, case_id in deadlines.items() if case_id is None or case_id in seen
            }, user.username

    check()
    # Every case with a transfer moves to a team of another service: most rows change hands.
    teams = list(TeamFactory._meta.model.objects.order_by("pk"))
    for case in Case.objects.filter(transfers__isnull=False).distinct():
        elsewhere = next(team for team in teams if team.service != case.current_team.service)
        Case.objects.filter(pk=case.pk).update(current_team=elsewhere)
    check()


def test_the_triggers_that_keep_it_are_in_place():
    """A later migration that rebuilds one of the tables (SQLite remakes a table to alter it,
    dropping its triggers) would leave rows with a stale team, silently: this fails instead."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {name for (name,) in cursor.fetchall()}
    expected = (
        {"transfers_transfer_case_team", "deadlines_deadline_case_team", "cases_case_team_moved"}
        if connection.vendor == "postgresql"
        else {
            f"{table}_case_team_{event}"
            for table in ("transfers_transfer", "deadlines_deadline")
            for event in ("insert", "update")
        }
        | {"cases_case_team_moved"}
    )
    assert expected <= names


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_written_while_its_case_moves_waits_and_takes_the_new_team():
    """Two connections: one moves the case and holds its transaction open; the other starts a
    deadline about the case meanwhile. The insert waits for the move to commit (the trigger
    share-locks the case as it reads it) and takes the new team; unlocked, it read the old
    team, and the move, not seeing the uncommitted row, left it there."""
    import threading
    import time

    from django.db import connection, transaction

    case = CaseFactory()
    new_team = TeamFactory()
    moved, committed_at, inserted = threading.Event(), [], []

    def move():
        try:
            with transaction.atomic():
                Case.objects.filter(pk=case.pk).update(current_team=new_team)
                moved.set()
                time.sleep(1.5)  # the other connection inserts meanwhile
            committed_at.append(time.monotonic())
        finally:
            connection.close()

    def insert():
        try:
            moved.wait(timeout=10)
            started = time.monotonic()
            deadline = DeadlineFactory(case=case, owner_team=case.current_team)
            inserted.append((started, time.monotonic(), deadline))
        finally:
            connection.close()

    threads = [threading.Thread(target=move), threading.Thread(target=insert)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    (started, finished, deadline) = inserted[0]
    assert started < committed_at[0], "the insert began while the move was uncommitted"
    assert finished >= committed_at[0] - 0.05, "and waited for it"
    assert case_team_of(deadline) == new_team.pk
