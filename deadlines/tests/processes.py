"""Real processes for the process-runner and fault tests: Celery workers and beats, honcho, and
an SMTP sink (aiosmtpd), all on loopback, each stopped by its process group, bounded in time."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

BASE = Path(settings.BASE_DIR)
VENV_BIN = BASE / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, every: float = 0.2, what: str = "condition"):
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def database_url() -> str:
    """The test database, for processes started by a transactional test (PostgreSQL)."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}{password}@{host}/{s['NAME']}"


class Sink:
    """An SMTP server that records each message's subject, optionally slowly (so a worker is
    caught mid-send)."""

    def __init__(self, port: int, delay: float = 0.0):
        self.port, self.delay, self.subjects = port, delay, []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        # Kept first, then answered slowly: as a real server that has queued the message when
        # the end of the data arrives, and is slow to say so.
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.startswith("Subject: "):
                self.subjects.append(line[len("Subject: ") :])
                break
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def counts(self) -> Counter:
        return Counter(self.subjects)


class Processes:
    """Processes started in their own sessions, marked so a test can find any left behind."""

    def __init__(self, tmp_path: Path, **env):
        self.tmp = tmp_path
        self.marker = uuid.uuid4().hex
        self.env = {
            **os.environ,
            "CASETRANSFER_TEST_RUN": self.marker,
            "PYTHONUNBUFFERED": "1",
            **{key: str(value) for key, value in env.items()},
        }
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        process = subprocess.Popen(
            list(args),
            cwd=BASE,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((process, log))
        return process

    def worker(self, name="worker", concurrency=2):
        return self.start(
            name,
            str(VENV_BIN / "celery"),
            "-A",
            "casetransfer",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={name}-{self.marker[:8]}@%h",
        )

    def beat(self, name="beat"):
        return self.start(
            name,
            str(VENV_BIN / "celery"),
            "-A",
            "casetransfer",
            "beat",
            "--loglevel=INFO",
            f"--schedule={self.tmp / (name + '-schedule')}",
        )

    def log(self, process) -> str:
        for started, path in self.started:
            if started is process:
                return path.read_text(errors="replace")
        return ""

    @staticmethod
    def signal(process, sig=signal.SIGTERM):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    def stop_all(self, timeout: float = 20):
        for process, _ in self.started:
            if process.poll() is None:
                self.signal(process, signal.SIGTERM)
        stop = time.monotonic() + timeout
        for process, _ in self.started:
            try:
                process.wait(max(stop - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.signal(process, signal.SIGKILL)
                process.wait(5)
        for pid in self.left_behind():
            os.kill(pid, signal.SIGKILL)

    def left_behind(self) -> list[int]:
        """Processes still running with this run's marker in their environment."""
        needle = f"CASETRANSFER_TEST_RUN={self.marker}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    status = (entry / "stat").read_text().split()[2]
                    if status != "Z":
                        found.append(int(entry.name))
            except OSError:
                continue
        return found
