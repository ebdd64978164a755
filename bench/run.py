"""Timings, printed as a table. Runs against a throwaway SQLite file unless BENCH_DATABASE_URL is
set (for example a PostgreSQL database you can drop). Not a test: numbers vary by machine.

    python bench/run.py [--cases 100000]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--deadlines", type=int, default=2_000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="casetransfer-bench-")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "casetransfer.settings.test"
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from cases.models import Case
    from cases.selectors import case_search
    from deadlines.services import deadline_start
    from deadlines.sweep import sweep
    from people.models import User

    rows: list[tuple[str, float, str]] = []

    def timed(label: str, note: str = ""):
        class Timer:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                rows.append((label, time.perf_counter() - self.start, note))

        return Timer()

    with timed("migrate"):
        call_command("migrate", verbosity=0)
    with timed(f"seed_demo --cases {args.cases}", "bulk inserts"):
        call_command("seed_demo", cases=args.cases, stdout=open(os.devnull, "w"))  # noqa: SIM115
    admin = User.objects.get(username="ad")
    with timed("case search by name (all cases visible)", "first page of 25"):
        list(case_search(user=admin, query="amara patel")[:25])
    with timed("case search by ICS number"):
        list(case_search(user=admin, query="ICS100042")[:25])

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="dutytm"))
    for label, path in (
        ("home page, duty team manager", "/"),
        ("case list page, duty team manager", "/cases/"),
        ("duty queue, duty team manager", "/transfers/duty/"),
    ):
        with timed(label):
            status = client.get(path).status_code
        assert status == 200, f"{path} answered {status}"

    cases = list(Case.objects.order_by("id")[: args.deadlines])
    past = timezone.now() - timedelta(days=20)
    with timed(f"start {len(cases)} deadlines"):
        for case in cases:
            deadline_start(
                kind="joint_visit",
                subject=case,
                anchor_at=past,
                case=case,
                owner=case.allocated_worker,
                owner_team=case.current_team,
            )
    with timed("one sweep (breaches at most 200 a pass)"):
        sweep()
    with timed("a second sweep"):
        sweep()

    width = max(len(r[0]) for r in rows)
    print(f"\n{'what'.ljust(width)}  {'seconds':>9}  note")
    print(f"{'-' * width}  {'-' * 9}  ----")
    for label, seconds, note in rows:
        print(f"{label.ljust(width)}  {seconds:9.3f}  {note}")
    print(f"\ndatabase: {os.environ['DATABASE_URL'].split(':')[0]}, cases: {Case.objects.count()}")


if __name__ == "__main__":
    main()
