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


@pytest.fixture(autouse=True)
def _next_due_kept(request):
    """After every test that used the database (in a transaction rolled back after it): each
    transfer's `next_due_at` is still the due time of its earliest live deadline, the column
    deadlines.services keeps so the lists need no subquery a row (issue 14). Every journey any
    test walks checks it."""
    if "db" not in request.fixturenames or "transactional_db" in request.fixturenames:
        yield
        return
    request.getfixturevalue("db")  # set up first, so torn down (rolled back) after this check
    yield
    from deadlines.services import transfers_with_stale_next_due

    if connection.needs_rollback:  # the test broke its transaction on purpose: nothing to read
        return
    assert transfers_with_stale_next_due() == []


@pytest.fixture
def make_user(db):
    from people.tests.factories import UserFactory

    return UserFactory


def sign_in_verified(client, user):
    """Sign `client` in as `user` as if with password and two-factor code: the admin lets in
    only sessions verified with a code (issue 13). Gives the user a confirmed authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def verified_login(db):
    """`verified_login(client, user)`: signed in with a two-factor code, as the admin needs."""
    return sign_in_verified


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, signed in with a two-factor code as the admin needs."""
    return sign_in_verified(client, admin_user)
