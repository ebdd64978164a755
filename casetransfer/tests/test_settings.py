"""Production settings refuse to start without their secrets and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="casetransfer.settings.production",
        ALLOWED_HOSTS="casetransfer.example.org",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage(
        "check", DJANGO_SETTINGS_MODULE="casetransfer.settings.production", SECRET_KEY="x" * 60
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_the_deploy_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="casetransfer.settings.production",
        SECRET_KEY="a-long-random-production-secret-" + "k3y!" * 12,
        ALLOWED_HOSTS="casetransfer.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_settings_use_london_time():
    from django.conf import settings

    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.CELERY_TIMEZONE == "UTC"
