"""The ``manage.py deadline KIND WHEN`` command required by DEADLINES.md.

No test here has database access: pytest-django refuses it without the ``db`` fixture, and the
subprocess runs point at a database file that does not exist, as before ``migrate``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from deadlines.calendar import LONDON
from deadlines.rules import Kind

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue()


def run_manage_py(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    missing_db = tmp_path / "absent" / "casetransfer.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casetransfer.settings.test",
        "DATABASE_URL": f"sqlite:///{missing_db}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "deadline", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert not missing_db.exists()
    return result


@pytest.mark.parametrize(
    ("kind", "when", "expected"),
    [
        # The worked examples of DEADLINES.md, in London local time as a person would type them.
        ("step_up_urgent", "2026-11-24T11:15", "2026-11-24T15:15:00+00:00"),
        ("step_up_urgent", "2026-11-24T16:10", "2026-11-24T17:00:00+00:00"),
        ("step_up_urgent", "2026-11-29T20:00", "2026-11-30T13:00:00+00:00"),
        ("step_up_standard", "2026-11-23T09:30", "2026-11-25T09:30:00+00:00"),
        ("step_up_standard", "2026-12-03T14:00", "2026-12-04T17:00:00+00:00"),
        ("joint_visit", "2026-11-23T10:00", "2026-11-30T17:00:00+00:00"),
        ("pre_conference_report", "2026-12-09T10:00", "2026-12-07T10:00:00+00:00"),
        # Summer time is shown with its offset; an explicit offset names that instant.
        ("step_up_urgent", "2026-07-07T11:15", "2026-07-07T15:15:00+01:00"),
        ("step_up_urgent", "2026-07-07T10:15Z", "2026-07-07T15:15:00+01:00"),
        ("holding_sw_contact", "2026-11-04T10:00+00:00", "2026-10-21T11:00:00+01:00"),
        ("ten_day_discussion", "2026-12-17T10:00", "2027-01-05T17:00:00+00:00"),
        # The local defaults: the un-suffixed name is the non-urgent rule.
        ("eh_review", "2026-12-24T10:00", "2026-12-30T17:00:00+00:00"),
        ("eh_review_urgent", "2026-12-24T18:00", "2026-12-29T13:00:00+00:00"),
        ("eh_decision", "2026-12-23T15:00", "2026-12-29T17:00:00+00:00"),
        ("eh_decision_urgent", "2026-12-28T10:00", "2026-12-29T13:00:00+00:00"),
        ("step_up_allocation", "2026-12-21T10:00", "2026-12-30T17:00:00+00:00"),
        ("step_up_allocation_urgent", "2026-12-24T10:00", "2026-12-29T17:00:00+00:00"),
        ("transfer_decision", "2026-12-23T10:00", "2027-01-04T17:00:00+00:00"),
        ("cla_transfer_discussion", "2026-12-28", "2026-12-24T17:00:00+00:00"),
        ("adult_services_transition", "2027-06-30", "2026-12-24T17:00:00+00:00"),
    ],
)
def test_prints_the_due_instant(kind: str, when: str, expected: str) -> None:
    assert run_command(kind, when) == expected + "\n"


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_is_accepted(kind: str) -> None:
    output = run_command(kind, "2026-11-24T11:15")
    assert output.count("\n") == 1
    printed = datetime.fromisoformat(output.rstrip("\n"))
    # London time, with the offset London had at that instant (183 days back is in summer).
    assert printed.utcoffset() == printed.astimezone(LONDON).utcoffset()
    assert output.rstrip("\n").endswith(("+00:00", "+01:00"))


def test_unknown_kind_lists_the_valid_kinds() -> None:
    with pytest.raises(CommandError) as excinfo:
        run_command("step_up_whenever", "2026-11-24T11:15")
    message = str(excinfo.value)
    assert "unknown deadline kind 'step_up_whenever'" in message
    for kind in Kind.values:
        assert kind in message


@pytest.mark.parametrize("when", ["tomorrow", "2026-13-24T11:15", "24/11/2026", ""])
def test_malformed_when(when: str) -> None:
    with pytest.raises(CommandError, match="ISO 8601"):
        run_command("joint_visit", when)


def test_ambiguous_local_time_asks_for_an_offset() -> None:
    with pytest.raises(CommandError, match="UTC offset"):
        run_command("step_up_urgent", "2026-10-25T01:30")


def test_subprocess_prints_one_line(tmp_path: Path) -> None:
    result = run_manage_py(tmp_path, "step_up_urgent", "2026-11-24T11:15")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2026-11-24T15:15:00+00:00\n"


def test_subprocess_unknown_kind(tmp_path: Path) -> None:
    result = run_manage_py(tmp_path, "no_such_kind", "2026-11-24T11:15")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "unknown deadline kind 'no_such_kind'" in result.stderr
    assert "step_up_urgent" in result.stderr
    assert "Traceback" not in result.stderr


def test_subprocess_malformed_when(tmp_path: Path) -> None:
    result = run_manage_py(tmp_path, "joint_visit", "2026-11-31T10:00")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "malformed date-time '2026-11-31T10:00'" in result.stderr
    assert "Traceback" not in result.stderr
