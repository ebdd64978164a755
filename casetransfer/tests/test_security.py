"""Issue 13: logins, sessions, headers and production guards."""

import importlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from deadlines.models import OutboxEmail
from people.roles import Role
from people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-word-123"
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-" + "k3y!" * 12,
    "ALLOWED_HOSTS": "casetransfer.example.org,testserver",
}


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run python with `args` in the project root, with only `env` changed."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _login(client, username, password=PASSWORD, url="login", **extra):
    return client.post(
        reverse(url) if not url.startswith("/") else url,
        {"username": username, "password": password},
        **extra,
    )


# --- logins: lockout on username and address together ---------------------------------------


@pytest.mark.parametrize("url", ["login", "/admin/login/"])
def test_repeated_failures_lock_the_account_for_that_address_even_with_the_right_password(
    client, url
):
    UserFactory(username="amy", is_staff=True)
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        _login(client, "amy", "wrong-password", url=url)
    response = _login(client, "amy", url=url)
    assert response.status_code == 429
    assert "You cannot sign in for now" in response.content.decode()
    assert "30 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_for_one_user_at_one_address_not_the_whole_office(client):
    UserFactory(username="amy")
    UserFactory(username="bea")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        _login(client, "amy", "wrong-password")
    # A colleague behind the same address signs in.
    assert _login(client, "bea").status_code == 302
    client.logout()
    # The same user from another address too.
    assert _login(client, "amy", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client):
    UserFactory(username="amy")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        _login(client, "amy", "wrong-password")
    assert _login(client, "amy").status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert _login(client, "amy").status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(client):
    UserFactory(username="amy")
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "amy", "wrong-password").status_code == 200
    assert _login(client, "amy").status_code == 302


def test_login_and_session_limits_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        " print(s.AXES_COOLOFF_TIME.total_seconds(), s.AXES_FAILURE_LIMIT, s.SESSION_COOKIE_AGE,"
        " s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.AXES_LOCKOUT_PARAMETERS)"
    )
    result = _run(
        "-c",
        code,
        DJANGO_SETTINGS_MODULE="casetransfer.settings.local",
        LOGIN_COOLOFF_MINUTES="5",
        LOGIN_FAILURE_LIMIT="7",
        SESSION_IDLE_MINUTES="10",
    )
    assert result.stdout.strip().split(maxsplit=4) == [
        "300.0",
        "7",
        "600",
        "True",
        "[['username', 'ip_address']]",
    ], result.stderr
    assert timedelta(minutes=30) == django_settings.AXES_COOLOFF_TIME
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_ends_after_30_idle_minutes_and_idle_time_restarts_on_each_request(client):
    UserFactory(username="amy")
    assert _login(client, "amy").status_code == 302
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=25), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=81), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_session_cookie_ends_with_the_browser(client):
    UserFactory(username="amy")
    response = _login(client, "amy")
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_expired_sessions_are_cleared_daily_by_beat(client):
    from casetransfer.tasks import clear_expired_sessions

    entry = django_settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]
    assert entry["task"] == "casetransfer.tasks.clear_expired_sessions"
    assert entry["schedule"] == 24 * 60 * 60
    UserFactory(username="amy")
    _login(client, "amy")
    assert Session.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        clear_expired_sessions.delay()
    assert Session.objects.count() == 0


# --- changing one's own password ---------------------------------------------------------------


def test_a_user_changes_their_own_password_audited_without_the_password(client):
    user = UserFactory(username="amy")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert reverse("password_change") in page  # linked from the header
    form = client.get(reverse("password_change"))
    assert form.status_code == 200
    assert "Change your password" in form.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    assert "Password changed" in client.get(response.url).content.decode()
    user.refresh_from_db()
    assert user.check_password("a-much-better-passphrase")
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.actor == user and event.subject_id == str(user.pk)
    assert "a-much-better-passphrase" not in str(event.changes) + event.note
    assert event.ip_address == "127.0.0.1"
    # Nobody else set it: no email.
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize(
    "new, message",
    [
        ("short", "This password is too short"),
        ("password123", "This password is too common"),
        ("83749201938475", "This password is entirely numeric"),
    ],
)
def test_weak_passwords_are_refused(client, new, message):
    user = UserFactory(username="amy")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_wrong_current_password_is_refused_in_plain_words(client):
    client.force_login(UserFactory(username="amy"))
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "x-good-pass-9",
            "new_password2": "x-good-pass-9",
        },
    )
    assert "Your current password is not right" in response.content.decode()


# --- headers -----------------------------------------------------------------------------------


def test_signed_in_pages_are_never_cached_and_say_their_policies(client):
    client.force_login(UserFactory(username="amy", roles=[Role.SOCIAL_WORKER]))
    for url in [reverse("home"), reverse("cases:list"), reverse("password_change")]:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
        assert "camera=()" in response["Permissions-Policy"]
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_the_login_page_has_the_policies_too(client):
    response = client.get(reverse("login"))
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Permissions-Policy"]


@pytest.fixture
def production_settings(settings, monkeypatch):
    """The security settings of casetransfer.settings.production, on this test's responses."""
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    production = importlib.import_module("casetransfer.settings.production")
    production = importlib.reload(production)
    names = [
        name
        for name in dir(production)
        if name.startswith(("SECURE_", "SESSION_", "CSRF_", "X_FRAME"))
        or name in {"DEBUG", "PRODUCTION"}
    ]
    for name in names:
        setattr(settings, name, getattr(production, name))
    settings.ALLOWED_HOSTS = ["testserver"]
    return production


def test_production_responses_carry_every_security_header(client, production_settings):
    assert django_settings.SECURE_SSL_REDIRECT
    # Plain HTTP goes to HTTPS.
    insecure = client.get(reverse("login"))
    assert insecure.status_code == 301 and insecure.url.startswith("https://")
    user = UserFactory(username="amy", roles=[Role.SOCIAL_WORKER])
    response = client.post(reverse("login"), {"username": "amy", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    session_cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session_cookie["secure"] and session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    assert response.cookies[django_settings.CSRF_COOKIE_NAME]["secure"]
    page = client.get(reverse("home"), secure=True)
    assert page.status_code == 200, user
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert page["Permissions-Policy"]


# --- production guards -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["short", "x" * 60, "django-insecure-" + "abcdefghij" * 5, "a" * 20 + "bcdef" * 3],
)
def test_production_refuses_an_insecure_secret_key(key):
    result = _run(
        "manage.py",
        "check",
        DJANGO_SETTINGS_MODULE="casetransfer.settings.production",
        ALLOWED_HOSTS="casetransfer.example.org",
        SECRET_KEY=key,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is insecure" in result.stderr


def test_seed_demo_refuses_under_production_settings(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run under production settings"):
        call_command("seed_demo", cases=0)
    assert not UserFactory._meta.model.objects.filter(username="sysadmin").exists()


def test_seed_demo_refuses_when_run_with_the_production_settings_module(tmp_path):
    database = tmp_path / "never.sqlite3"
    result = _run(
        "manage.py",
        "seed_demo",
        "--cases",
        "0",
        DJANGO_SETTINGS_MODULE="casetransfer.settings.production",
        DATABASE_URL=f"sqlite:///{database}",
        **PRODUCTION_ENV,
    )
    assert result.returncode != 0
    assert "refuses to run under production settings" in result.stderr
    assert not database.exists() or database.stat().st_size == 0
