"""One notice per person through the outbox: the case reference (or team) and a link, never a
child's name. Concerns and escalations both tell people this way."""

from deadlines.emails import notice_email, outbox_enqueue


def notify(
    *, key: str, people, reference: str, urgent: bool, heading: str, lines: list[str], link: str
) -> int:
    """Queue the notice once per active person with an address (`key` makes it once ever).
    Returns how many were queued for the first time."""
    prefix = "URGENT " if urgent else ""
    sent = 0
    for person in {p.pk: p for p in people if p is not None}.values():
        if not person.is_active or not person.email:
            continue
        email = notice_email(
            key=f"{key}:{person.pk}",
            recipient=person,
            subject=f"{prefix}[{reference}] {heading}",
            heading=f"{prefix}{heading}",
            lines=lines,
            link=link,
        )
        sent += outbox_enqueue(email)[1]
    return sent
