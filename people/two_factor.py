"""Two-factor authentication with an authenticator app (TOTP, django-otp), issue 13.

Optional for managers and administrators (and staff, who need it for the admin). Every change
to a person's authenticator is audited and the person emailed, so a change they did not make
does not go unnoticed. The emails say nothing about any case."""

from base64 import b32encode

from django.db import transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record

from .models import User

DEVICE_NAME = "Authenticator app"


def two_factor_offered_to(user: User) -> bool:
    """Managers and administrators may turn two-factor on; staff too, as the admin needs it."""
    return user.is_active and (
        user.is_manager or user.is_administrator or user.is_staff or user.is_superuser
    )


def two_factor_device(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_key_groups(device: TOTPDevice) -> list[str]:
    """The secret as people type it into an app: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return [key[i : i + 4] for i in range(0, len(key), 4)]


def _tell_owner(*, user: User, event, subject: str, happened: str) -> None:
    from deadlines.emails import london, notice_email, outbox_enqueue

    if not user.email:
        return
    outbox_enqueue(
        notice_email(
            key=f"two-factor:{event.pk}",
            recipient=user,
            subject=subject,
            heading=subject,
            lines=[
                f"{happened} for your account ({user.username}) on {london(event.at)}.",
                "If you did not do this, tell your system administrator at once.",
            ],
            link=reverse("two_factor"),
        )
    )


@transaction.atomic
def two_factor_start(*, user: User) -> TOTPDevice:
    """The set-up page's authenticator: the one not yet confirmed, or a new one (audited)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is not None:
        return device
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    audit_record(
        actor=user,
        action="user.two_factor_add",
        subject=user,
        note="Authenticator app set-up started, not yet confirmed",
    )
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, device: TOTPDevice, code: str) -> bool:
    """The person proves the app gives the right codes: two-factor is on from now. Any other
    authenticator they had goes, so there is only ever one."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    event = audit_record(
        actor=user,
        action="user.two_factor_confirm",
        subject=user,
        changes={"two_factor": [False, True]},
        note="Authenticator app confirmed with a code",
    )
    _tell_owner(
        user=user,
        event=event,
        subject="Two-factor authentication was turned on",
        happened="Two-factor authentication with an authenticator app was turned on",
    )
    return True


@transaction.atomic
def two_factor_remove(*, user: User, by: User | None) -> bool:
    """Two-factor is turned off: by its owner (after a current code) or by an administrator
    for someone who lost their phone. Returns whether there was anything to remove."""
    was_on = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if not deleted:
        return False
    own = by is not None and by.pk == user.pk
    event = audit_record(
        actor=by,
        action="user.two_factor_remove",
        subject=user,
        changes={"two_factor": [was_on, False]},
        note="Turned off by the user" if own else f"Removed by {by or 'the system'}",
    )
    _tell_owner(
        user=user,
        event=event,
        subject="Two-factor authentication was turned off",
        happened=(
            "Two-factor authentication was turned off"
            if own
            else f"{by or 'The system'} removed two-factor authentication"
        ),
    )
    return True
