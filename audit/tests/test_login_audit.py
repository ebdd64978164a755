"""Sign-ins, failed sign-ins and sign-outs are in the audit trail with the address (issue 13);
a sign-in with a password someone else set says who set it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from deadlines.models import OutboxEmail
from people.roles import Role
from people.services import user_password_changed
from people.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def _sign_in(client, username, password=PASSWORD, address="10.2.3.4"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_a_sign_in_is_audited_with_who_and_the_address(client):
    amy = UserFactory(username="amy")
    assert _sign_in(client, "amy").status_code == 302
    event = AuditEvent.objects.get(action="user.login")
    assert (event.actor, event.subject, event.ip_address, event.note) == (
        amy,
        amy,
        "10.2.3.4",
        "",
    )


def test_a_failed_sign_in_names_the_account_but_never_the_password(client):
    amy = UserFactory(username="amy")
    assert _sign_in(client, "amy", "the-wrong-one").status_code == 200
    event = AuditEvent.objects.get(action="user.login_failed")
    assert event.actor is None
    assert (event.subject, event.ip_address) == (amy, "10.2.3.4")
    assert "the-wrong-one" not in f"{event.note} {event.changes}"
    assert not AuditEvent.objects.filter(action="user.login").exists()


def test_a_failed_sign_in_with_an_unknown_username_records_nothing_about_who_tried(client):
    assert _sign_in(client, "typed.by.someone", "secret-guess").status_code == 200
    event = AuditEvent.objects.get(action="user.login_failed")
    assert (event.actor, event.subject_id, event.ip_address) == (None, "", "10.2.3.4")
    assert event.note == "No account has that username"
    assert "typed.by.someone" not in f"{event.note} {event.changes}"


def test_a_sign_in_while_locked_out_is_audited_as_such(client, settings):
    UserFactory(username="amy")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "amy", "wrong")
    assert _sign_in(client, "amy").status_code == 429
    last = AuditEvent.objects.filter(action="user.login_failed").first()
    assert last.note == "Locked out after repeated failures"


def test_a_sign_out_is_audited(client):
    amy = UserFactory(username="amy")
    _sign_in(client, "amy")
    client.post(reverse("logout"), REMOTE_ADDR="10.2.3.4")
    event = AuditEvent.objects.get(action="user.logout")
    assert (event.actor, event.subject, event.ip_address) == (amy, amy, "10.2.3.4")


def test_a_sign_in_with_a_password_an_administrator_set_says_who_set_it(client):
    admin = UserFactory(username="sysadmin", first_name="Sam", last_name="Admin", is_staff=True)
    amy = UserFactory(username="amy", roles=[Role.SOCIAL_WORKER])
    amy.set_password("set-by-the-admin-1")
    amy.save()
    user_password_changed(user=amy, by=admin)
    # The owner was told their password was set by someone else.
    assert "password" in OutboxEmail.objects.get(recipient=amy).subject.lower()

    _sign_in(client, "amy", "set-by-the-admin-1")
    event = AuditEvent.objects.get(action="user.login")
    assert event.actor == amy
    assert event.note.startswith("Signed in with a password set by Sam Admin on ")
    assert "not since changed by the user" in event.note


def test_once_the_owner_changes_it_their_sign_ins_carry_no_note(client):
    admin = UserFactory(username="sysadmin", is_staff=True)
    amy = UserFactory(username="amy")
    user_password_changed(user=amy, by=admin)
    user_password_changed(user=amy, by=amy)
    _sign_in(client, "amy")
    assert AuditEvent.objects.get(action="user.login").note == ""


def test_the_admin_filters_the_trail_to_sign_ins(client, verified_login):
    UserFactory(username="amy")
    _sign_in(client, "nobody", "x")
    _sign_in(client, "amy")
    client.logout()
    admin = UserFactory(username="sysadmin", roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True)
    verified_login(client, admin)
    listing = client.get(reverse("admin:audit_auditevent_changelist"), {"kind": "sign_ins"})
    assert listing.status_code == 200
    actions = sorted(r.action for r in listing.context["cl"].result_list)
    # Amy's and the administrator's sign-ins, the unknown name's failure, Amy's sign-out.
    assert actions == ["user.login", "user.login", "user.login_failed", "user.logout"]
    changes = client.get(reverse("admin:audit_auditevent_changelist"), {"kind": "changes"})
    assert not [r for r in changes.context["cl"].result_list if r.action.startswith("user.log")]
