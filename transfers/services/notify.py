"""Emails about a transfer, queued in the outbox and sent after the transaction commits. They
carry the case reference and a link, never the child's name."""

from deadlines.emails import london, notice_email, outbox_enqueue
from people.models import User

from ..models import Transfer


def transfer_notify(
    transfer: Transfer,
    *,
    event: str,
    recipients,
    heading: str,
    lines: list[str],
    link: str | None = None,
) -> int:
    """Queue one email per distinct active recipient with an address. Returns how many."""
    reference = transfer.case.reference
    prefix = "URGENT " if transfer.is_priority else ""
    sent = 0
    seen: set[int] = set()
    for person in recipients:
        if not isinstance(person, User) or person.pk in seen:
            continue
        seen.add(person.pk)
        if not person.is_active or not person.email:
            continue
        email = notice_email(
            key=f"transfer:{transfer.pk}:{event}:{person.pk}",
            recipient=person,
            subject=f"{prefix}[{reference}] {heading}",
            heading=f"{prefix}{heading}".strip(),
            lines=[f"Case {reference}: {transfer.get_kind_display().lower()}.", *lines],
            link=link or transfer.get_absolute_url(),
        )
        sent += outbox_enqueue(email)[1]
    return sent


def when(at) -> str:
    return london(at)
