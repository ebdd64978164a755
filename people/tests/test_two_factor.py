"""Optional two-factor authentication (issue 13): managers and administrators set up an
authenticator app; signing in then needs a code; the admin needs a session signed in with one."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from deadlines.models import OutboxEmail
from people.roles import Role
from people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"
CODE_MESSAGE = "Enter the 6-digit code from your authenticator app"


def code_for(device: TOTPDevice, at=None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at.timestamp()
    return f"{totp.token():06d}"


def with_app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


@pytest.fixture
def manager(db):
    return UserFactory(username="tm", roles=[Role.TEAM_MANAGER])


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # django-otp slows down guesses after a wrong code; these tests send the right one next.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- setting it up ----------------------------------------------------------------------------


def test_a_manager_sees_the_setup_key_in_groups_and_the_setup_link(client, manager):
    client.force_login(manager)
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Two-factor authentication is off" in body
    groups = page.context["key_groups"]
    assert len(groups) == 8 and all(len(group) == 4 for group in groups)
    assert " ".join(groups) in body.replace("</span> <span>", " ").replace("<span>", "")
    assert "otpauth://totp/" in body and "Case%20transfers" in body
    device = TOTPDevice.objects.get(user=manager)
    assert not device.confirmed
    assert AuditEvent.objects.filter(action="user.two_factor_add", subject_id=str(manager.pk))


def test_visiting_the_setup_page_again_keeps_the_same_key(client, manager):
    client.force_login(manager)
    first = client.get(reverse("two_factor")).context["key_groups"]
    second = client.get(reverse("two_factor")).context["key_groups"]
    assert first == second
    assert TOTPDevice.objects.filter(user=manager).count() == 1
    assert AuditEvent.objects.filter(action="user.two_factor_add").count() == 1


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.FFP, Role.INDEPENDENT_CHAIR])
def test_people_who_are_not_managers_or_administrators_are_not_offered_it(client, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("two_factor")).status_code == 403
    assert client.get(reverse("two_factor_turn_off")).status_code == 403
    assert "Two-factor" not in client.get(reverse("password_change")).content.decode()


def test_the_password_change_page_links_managers_and_administrators_to_it(client):
    client.force_login(UserFactory(roles=[Role.SENIOR_ADMINISTRATOR]))
    assert reverse("two_factor") in client.get(reverse("password_change")).content.decode()


def test_the_right_code_turns_it_on_audited_and_the_owner_is_emailed(client, manager):
    client.force_login(manager)
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=manager)
    response = client.post(
        reverse("two_factor"), {"code": code_for(device)}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    event = AuditEvent.objects.get(action="user.two_factor_confirm")
    assert (event.actor, event.subject_id, event.ip_address) == (
        manager,
        str(manager.pk),
        "10.1.2.3",
    )
    email = OutboxEmail.objects.get(recipient=manager)
    assert "turned on" in email.subject
    assert "/accounts/two-factor/" in email.body_text
    # The session that proved the code counts as signed in with it.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "Two-factor authentication is on" in client.get(reverse("two_factor")).content.decode()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", CODE_MESSAGE),
        ("12ab56", CODE_MESSAGE),
        ("000000", "The code is not right, or has run out. " + CODE_MESSAGE),
    ],
)
def test_a_missing_or_wrong_code_does_not_turn_it_on(client, manager, code, message):
    client.force_login(manager)
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=manager)
    if code == "000000" and code_for(device) == code:
        code = "999999"
    page = client.post(reverse("two_factor"), {"code": code})
    assert page.status_code == 200
    body = page.content.decode()
    assert message in body and "govuk-error-summary" in body
    assert page.context["form"].errors["code"] == [message]
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEvent.objects.filter(action="user.two_factor_confirm").exists()


# --- turning it off ---------------------------------------------------------------------------


def test_turning_it_off_needs_a_current_code(client, manager):
    device = with_app(manager)
    client.force_login(manager)
    wrong = "111111" if code_for(device) != "111111" else "222222"
    page = client.post(reverse("two_factor_turn_off"), {"code": wrong})
    assert page.status_code == 200 and "The code is not right" in page.content.decode()
    assert TOTPDevice.objects.filter(user=manager).exists()

    response = client.post(reverse("two_factor_turn_off"), {"code": code_for(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    event = AuditEvent.objects.get(action="user.two_factor_remove")
    assert (event.actor, event.note, event.changes) == (
        manager,
        "Turned off by the user",
        {"two_factor": [True, False]},
    )
    assert "turned off" in OutboxEmail.objects.get(recipient=manager).subject


def test_the_turn_off_page_asks_for_confirmation_first(client, manager):
    with_app(manager)
    client.force_login(manager)
    page = client.get(reverse("two_factor_turn_off")).content.decode()
    assert "Turn off two-factor authentication" in page
    assert "your password alone signs you in" in page
    assert TOTPDevice.objects.filter(user=manager).exists()


# --- signing in -------------------------------------------------------------------------------


def _password_step(client, user, **extra):
    return client.post(
        reverse("login") + "?next=/transfers/weekly/",
        {"username": user.username, "password": PASSWORD},
        **extra,
    )


def test_with_an_app_the_password_alone_does_not_sign_in(client, manager):
    with_app(manager)
    response = _password_step(client, manager)
    assert response.status_code == 302 and response.url == reverse("login_code")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("login_code"))
    assert "Enter the code from your authenticator app" in page.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still signed out


def test_the_right_code_signs_in_verified_and_goes_on_to_the_page_asked_for(client, manager):
    device = with_app(manager)
    _password_step(client, manager)
    response = client.post(reverse("login_code"), {"code": code_for(device)})
    assert response.status_code == 302 and response.url == "/transfers/weekly/"
    assert client.session["_auth_user_id"] == str(manager.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert AuditEvent.objects.filter(action="user.login", actor=manager).count() == 1


def test_without_an_app_the_password_signs_in_as_before(client, manager):
    response = _password_step(client, manager)
    assert response.status_code == 302 and response.url == "/transfers/weekly/"
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_wrong_codes_are_audited_and_lock_the_sign_in_like_wrong_passwords(client, manager):
    device = with_app(manager)
    right = code_for(device)
    wrong = "123456" if right != "123456" else "654321"
    _password_step(client, manager, REMOTE_ADDR="10.4.4.4")
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        page = client.post(reverse("login_code"), {"code": wrong}, REMOTE_ADDR="10.4.4.4")
        assert page.status_code == 200 and "The code is not right" in page.content.decode()
    locked = client.post(reverse("login_code"), {"code": wrong}, REMOTE_ADDR="10.4.4.4")
    assert locked.status_code == 429
    assert "You cannot sign in for now" in locked.content.decode()
    # Locked: even the right code does not sign in.
    again = client.post(reverse("login_code"), {"code": right}, REMOTE_ADDR="10.4.4.4")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action="user.login_failed", subject_id=str(manager.pk))
    assert failures.count() == django_settings.AXES_FAILURE_LIMIT
    assert {(f.note, f.ip_address) for f in failures} == {("Wrong two-factor code", "10.4.4.4")}


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client, manager):
    with_app(manager)
    assert client.get(reverse("login_code")).url == reverse("login")


def test_a_password_step_left_too_long_must_be_done_again(client, manager):
    device = with_app(manager)
    _password_step(client, manager)
    later = timezone.now() + timedelta(seconds=django_settings.TWO_FACTOR_PENDING_SECONDS + 60)
    with time_machine.travel(later, tick=False):
        response = client.post(reverse("login_code"), {"code": code_for(device, later)})
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(username="sys", roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True)


def test_the_admin_sends_staff_signed_in_without_a_code_to_set_it_up(client, staff):
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("two_factor") + "?next=%2Fadmin%2F"
    body = response.content.decode()
    assert "The admin needs two-factor authentication" in body

    # Set up there, the same session goes on to the admin.
    device = TOTPDevice.objects.get(user=staff)
    done = client.post(
        reverse("two_factor") + "?next=%2Fadmin%2F", {"code": code_for(device)}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/admin/"
    assert done.status_code == 200 and "Site administration" in done.content.decode()


def test_staff_with_an_app_but_a_session_without_a_code_confirm_one_for_the_admin(client, staff):
    device = with_app(staff)
    client.force_login(staff)
    page = client.get("/admin/", follow=True)
    assert "Enter a code from your authenticator app to use it" in page.content.decode()
    client.post(reverse("two_factor") + "?next=%2Fadmin%2F", {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_lets_in_staff_signed_in_with_a_code(client, staff, verified_login):
    verified_login(client, staff)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_is_the_services_sign_in_with_its_code_step(client, staff):
    device = with_app(staff)
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 200 and "Sign in" in page.content.decode()
    response = client.post("/admin/login/?next=/admin/", {"username": "sys", "password": PASSWORD})
    assert response.url == reverse("login_code")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("login_code"), {"code": code_for(device)})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_people_who_are_not_staff_may_not_use_the_admin(client, manager):
    client.force_login(manager)
    assert client.get("/admin/login/").status_code == 403


def test_an_administrator_removes_a_lost_app_in_the_admin_audited_and_the_owner_told(
    client, staff, manager, verified_login
):
    device = with_app(manager)
    verified_login(client, staff)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    event = AuditEvent.objects.get(action="user.two_factor_remove", subject_id=str(manager.pk))
    assert (event.actor, event.note) == (staff, f"Removed by {staff}")
    email = OutboxEmail.objects.get(recipient=manager)
    assert f"{staff} removed two-factor authentication" in email.body_text


def test_the_admin_cannot_add_an_app_for_someone_else(client, staff, verified_login):
    verified_login(client, staff)
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
