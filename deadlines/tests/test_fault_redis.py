"""Fault test with real processes (issue 13): the broker (Redis) killed while transfers are being
created through the services, then restarted empty.

The test runs its own redis-server on a free loopback port (never the shared one), with the
Celery worker and beat (deadlines.tests.fault_settings: a sweep every second) and a process that
proposes transfers through the services, as the web does. While Redis is down /healthz says the
broker is down; the proposals still succeed and their emails wait in the outbox. Once a new,
empty Redis listens on the same port: nothing is lost (every transfer exists, every email is
delivered once), and every reminder that fell due during the outage is queued by the first or
second sweep after the recovery, and delivered once. Bounded in time; every process it starts is
stopped in `finally`."""

import json
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from django.utils import timezone

from cases.choices import PlanType
from cases.tests.factories import CaseFactory
from deadlines.models import Deadline, EmailStatus, OutboxEmail, SweepRun
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers.models import Transfer

from .processes import BASE, Processes, Sink, database_url, free_port, wait_until
from .test_faults import reminders_due

pytestmark = [
    pytest.mark.fault,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

# Proposes transfers through the service, a batch each time the test asks on stdin (a number),
# answering "done <how many so far>" on stdout: the test decides when, relative to the outage.
PROPOSER = textwrap.dedent(
    """
    import sys

    import django

    django.setup()

    from cases.models import Case
    from people.models import Team, User
    from transfers import services

    by = User.objects.get(pk=int(sys.argv[1]))
    to_team = Team.objects.get(pk=int(sys.argv[2]))
    cases = iter(Case.objects.filter(pk__in=[int(pk) for pk in sys.argv[3:]]).order_by("pk"))
    done = 0
    for line in sys.stdin:
        for _ in range(int(line)):
            services.transfer_propose(
                case=next(cases), by=by, to_team=to_team, reason="Moved to the south of town"
            )
            done += 1
        print(f"done {done}", flush=True)
    """
)


def redis_server(stack: Processes, port: int, name: str) -> subprocess.Popen:
    """A throwaway Redis on loopback: nothing saved to disk, so a restart starts empty."""
    process = stack.start(
        name,
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(stack.tmp),
    )
    wait_until(lambda: "Ready to accept connections" in stack.log(process), 15, what=name)
    return process


def by_case(subjects, references: list[str]) -> Counter:
    """How many emails name each case (its reference in brackets opens the subject)."""
    return Counter(r for s in subjects for r in references if f"[{r}]" in s)


def healthz(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


class Proposer:
    """The process proposing transfers; `propose(n)` waits until it has proposed n more."""

    def __init__(self, stack: Processes, by, to_team, cases):
        self.script = stack.tmp / "propose.py"
        self.script.write_text(PROPOSER)
        self.log = stack.tmp / "proposer.log"
        self.process = subprocess.Popen(
            [sys.executable, str(self.script), str(by.pk), str(to_team.pk)]
            + [str(case.pk) for case in cases],
            cwd=BASE,
            env=stack.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("wb"),
            text=True,
            start_new_session=True,
        )
        stack.started.append((self.process, self.log))
        self.done = 0

    def propose(self, n: int) -> None:
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()  # bounded: each proposal gives up on the broker
        assert line == f"done {self.done + n}\n", (line, self.log.read_text())
        self.done += n


@pytest.fixture
def redis_stack(settings, tmp_path):
    """Worker, beat and proposer on this test's own Redis, and /healthz in this process
    asking it too."""
    redis_port, smtp_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    stack = Processes(
        tmp_path,
        DJANGO_SETTINGS_MODULE="deadlines.tests.fault_settings",
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp_port,
        EMAIL_TIMEOUT=5,
        OUTBOX_LEASE_SECONDS=4,
        OUTBOX_BACKOFF_SECONDS=1,
        OUTBOX_BACKOFF_MAX_SECONDS=2,
        OUTBOX_REDISPATCH_SECONDS=3,
        LOG_LEVEL="INFO",
        PYTHONPATH=BASE,  # for the proposer's script, which lives in the test's directory
    )
    stack.redis_port, stack.smtp_port = redis_port, smtp_port
    try:
        yield stack
    finally:
        for process, _ in stack.started:
            if process.stdin:
                process.stdin.close()
        stack.stop_all()
        assert stack.left_behind() == []


def test_redis_killed_and_restarted_empty_loses_nothing_and_reminders_resume(
    org, redis_stack, client
):
    stack = redis_stack
    receiving_tm = UserFactory(username="tm_south", roles=[Role.TEAM_MANAGER])
    south = TeamFactory(name="South CIN 2", service=Service.CHILDREN_IN_NEED, manager=receiving_tm)
    receiving_tm.memberships.create(team=south)
    cases = [CaseFactory(current_team=org.team, plan_type=PlanType.CIN) for _ in range(9)]
    before_outage = reminders_due(org, 3)
    sink = Sink(stack.smtp_port).start()
    try:
        broker = redis_server(stack, stack.redis_port, "redis-1")
        stack.worker()
        stack.beat()
        proposer = Proposer(stack, org.manager, south, cases)
        proposer.propose(3)
        wait_until(
            lambda: (
                not Deadline.objects.filter(
                    case__reference__in=before_outage, reminded_at__isnull=True
                ).exists()
                and OutboxEmail.objects.count() >= 6
                and not OutboxEmail.objects.exclude(status=EmailStatus.SENT).exists()
            ),
            timeout=60,
            what="the reminders and proposals before the outage sent",
        )
        assert healthz(client)[1]["broker"] == "ok"

        # The broker dies mid-run.
        stack.signal(broker, signal.SIGKILL)
        broker.wait(10)
        status, body = healthz(client)
        assert (status, body["status"], body["broker"]) == (503, "degraded", "down")
        proposer.propose(3)  # the proposals still go through: their emails wait in the outbox
        during_outage = reminders_due(org, 3)
        assert healthz(client)[1]["broker"] == "down"  # still, for as long as it lasts
        waiting = OutboxEmail.objects.exclude(status=EmailStatus.SENT).count()

        # A new, empty Redis on the same port.
        redis_server(stack, stack.redis_port, "redis-2")
        recovered_at = timezone.now()
        status, body = healthz(client)
        assert body["broker"] == "ok"
        sweeps_after: set = set()

        def everything_sent() -> bool:
            run = SweepRun.objects.first()
            if run and run.last_started_at and run.last_started_at > recovered_at:
                sweeps_after.add(run.last_started_at)
            return (
                Transfer.objects.count() == 9
                and OutboxEmail.objects.exclude(status=EmailStatus.SENT).count() == 0
                and not Deadline.objects.filter(
                    case__reference__in=before_outage + during_outage, reminded_at__isnull=True
                ).exists()
            )

        proposer.propose(3)  # and proposing works after the recovery
        wait_until(everything_sent, timeout=90, every=0.05, what="everything sent after recovery")
        wait_until(
            lambda: len(sink.subjects) >= OutboxEmail.objects.count(),
            timeout=15,
            what="every delivery",
        )
    finally:
        sink.stop()
    assert waiting >= 3  # the outage did hold emails back: the proposals made during it
    # Nothing lost, nothing twice: every transfer, every email delivered exactly once.
    assert Transfer.objects.filter(to_team=south).count() == 9
    assert len(sink.subjects) == OutboxEmail.objects.count()
    references = [c.reference for c in cases] + before_outage + during_outage
    assert by_case(sink.subjects, references) == by_case(
        OutboxEmail.objects.values_list("subject", flat=True), references
    )
    for reference in before_outage + during_outage:
        assert sum(f"[{reference}]" in s for s in sink.subjects if "Reminder" in s) == 1
    # The reminders due during the outage were queued by the first or second sweep after it.
    after = sorted(sweeps_after)
    second_sweep = after[1] if len(after) > 1 else (after[0] if after else recovered_at)
    reminded = Deadline.objects.filter(case__reference__in=during_outage)
    assert reminded.count() == 3
    assert all(d.reminded_at <= second_sweep for d in reminded), (
        [d.reminded_at for d in reminded],
        sorted(sweeps_after),
    )
