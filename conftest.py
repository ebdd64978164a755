"""Test set-up shared by every app.

Tests that need PostgreSQL or Redis are marked. On a machine without them they are skipped,
each with its reason; in CI (CI=true) a missing service fails the run instead of skipping.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _redis_reachable() -> bool:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _missing(marker: str) -> str | None:
    """Why a test with this marker cannot run here, or None when it can."""
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not _redis_reachable():
        return "needs a Redis server: set REDIS_URL=redis://..."
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reasons: dict[str, str | None] = {}
    for item in items:
        for marker in ("postgres", "redis", "browser"):
            if marker not in item.keywords:
                continue
            if marker not in reasons:
                reasons[marker] = _missing(marker)
            reason = reasons[marker]
            if reason is None:
                continue
            if IN_CI:
                raise pytest.UsageError(f"CI must run every test, but a {marker} test {reason}")
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


@pytest.fixture
def make_user(db):
    from people.tests.factories import UserFactory

    return UserFactory
