"""The load run (issue 13): 50 people of mixed roles against gunicorn on loopback, for a bounded
time, on a throwaway PostgreSQL database with the demo authority. Prints requests/s, p50, p95
and errors per kind of request, and writes bench/results/load-<time>.json. Not a test: numbers
vary by machine; the README's Operations section holds a run.

    make load             # or: .venv/bin/python bench/load.py [--cases 2000] [--seconds 60]

BENCH_LOAD_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/casetransfer_load) is
created and dropped; nothing else is touched. The people sign in through the login form and
follow bench/locust_journeys.py: home pages, lists, case and transfer pages, the transfers
waiting for managers, the weekly list, and Early Help workers starting and withdrawing
step-ups (transitions, through the check-answers page)."""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from run import RESULTS, create_database, drop_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/casetransfer_load"
PORT = 8766


def _serve(env: dict) -> subprocess.Popen:
    venv = Path(sys.executable).parent
    server = subprocess.Popen(
        [
            str(venv / "gunicorn"),
            "casetransfer.wsgi",
            *("--workers", "2", "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def _locust(env: dict, users: int, seconds: int) -> list[dict]:
    venv = Path(sys.executable).parent
    prefix = Path(tempfile.mkdtemp(prefix="casetransfer-load-")) / "load"
    subprocess.run(
        [
            str(venv / "locust"),
            *("-f", str(ROOT / "bench" / "locust_journeys.py"), "--headless"),
            *("--host", f"http://127.0.0.1:{PORT}", "--users", str(users)),
            *("--spawn-rate", "10", "--run-time", f"{seconds}s", "--csv", str(prefix)),
            *("--only-summary", "--loglevel", "ERROR"),
        ],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
    )
    with open(f"{prefix}_stats.csv") as stats:
        return [
            {
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
            }
            for row in csv.DictReader(stats)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    url = os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        sys.exit("BENCH_LOAD_DATABASE_URL must be a PostgreSQL database the run may drop")
    env = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "casetransfer.settings.test",
        "DEBUG": "false",
    }
    env.pop("REDIS_URL", None)
    create_database(url)
    try:
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [python, "manage.py", "seed_demo", "--cases", str(args.cases)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        server = _serve(env)
        try:
            rows = _locust(env, args.users, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        drop_database(url)
    print(
        f"\nLoad run: {args.users} people, {args.seconds} s, gunicorn 2 workers, "
        f"{args.cases} demo cases\n"
    )
    print(f"| {'request':32} | req/s | p50 ms | p95 ms | errors |")
    print(f"|{'-' * 34}|------:|-------:|-------:|-------:|")
    for row in rows:
        print(
            f"| {row['name']:32} | {row['requests_per_s']:>5} | {row['p50_ms']:>6.0f} "
            f"| {row['p95_ms']:>6.0f} | {row['errors']:>3}/{row['requests']} |"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"args": vars(args), "cpus": os.cpu_count(), "rows": rows}, indent=2))
    print(f"\nWritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
