"""Sign-ins, failed sign-ins and sign-outs in the audit trail (issue 13), with the address.

A failed sign-in names the account only when the username is one; otherwise it records nothing
about who tried. A sign-in with a password someone else set (an administrator in the admin)
says who set it, so signing in as another person shows in the trail."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from .context import current_ip
from .models import AuditEvent
from .services import audit_record

LOGIN_ACTIONS = ("user.login", "user.login_failed", "user.logout")
# Audit actions that set a password: by its owner, or by someone else.
OWN_PASSWORD_ACTIONS = ("user.password_change",)


def _password_set_by_someone_else(user) -> AuditEvent | None:
    """The latest password change for `user`, if someone else made it (and the owner has not
    changed it since)."""
    latest = (
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(user),
            subject_id=str(user.pk),
        )
        .filter(
            Q(action__in=(*OWN_PASSWORD_ACTIONS, "user.password_set"))
            | Q(action__in=("user.create", "user.change"), changes__has_key="password")
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if latest is None or latest.action in OWN_PASSWORD_ACTIONS:
        return None
    if latest.actor_id == user.pk:
        return None
    return latest


def audit_logged_in(sender, request, user, **kwargs) -> None:
    from deadlines.emails import london

    notes = []
    set_by = _password_set_by_someone_else(user)
    if set_by is not None:
        who = set_by.actor or "the system"
        notes.append(
            f"Signed in with a password set by {who} on {london(set_by.at)}, "
            "not since changed by the user"
        )
    audit_record(actor=user, action="user.login", subject=user, note="; ".join(notes))


def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Never the password; the username only when an account has it."""
    User = get_user_model()
    username = credentials.get(User.USERNAME_FIELD) or credentials.get("username")
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    if credentials.get("two_factor"):
        note = "Wrong two-factor code"
    elif getattr(request, "axes_locked_out", False):
        note = "Locked out after repeated failures"
    elif user is not None:
        note = "Wrong password, or the account is inactive"
    else:
        note = "No account has that username"
    if user is not None:
        audit_record(actor=None, action="user.login_failed", subject=user, note=note)
        return
    AuditEvent.objects.create(
        at=timezone.now(),
        action="user.login_failed",
        subject_type=ContentType.objects.get_for_model(User),
        subject_id="",
        note=note,
        ip_address=current_ip(),
    )


def audit_logged_out(sender, request, user, **kwargs) -> None:
    if user is None or not getattr(user, "pk", None):
        return
    audit_record(actor=user, action="user.logout", subject=user)


def connect() -> None:
    user_logged_in.connect(audit_logged_in, dispatch_uid="audit.login")
    user_login_failed.connect(audit_login_failed, dispatch_uid="audit.login_failed")
    user_logged_out.connect(audit_logged_out, dispatch_uid="audit.logout")
