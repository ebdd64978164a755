"""What the emails say and who they go to. Emails carry a case reference, the deadline and a
link: never a child's name or other personal details."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from people.models import Team, User
from people.roles import Role

from .calendar import LONDON
from .models import Deadline, EmailKind, OutboxEmail, Recipients


def london(at: datetime) -> str:
    """'Monday 30 November 2026 at 5:00pm', in London time."""
    local = at.astimezone(LONDON)
    hour = local.strftime("%I:%M%p").lstrip("0").lower()
    return f"{local:%A} {local.day} {local:%B %Y} at {hour}"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _reachable(person: User | None) -> User | None:
    """The person, if an email can reach them: active, with an address."""
    return person if person is not None and person.is_active and person.email else None


def deadline_recipients(deadline: Deadline, which: str) -> list[User]:
    """The owner, their team manager, or both. With no owner who can be reached (none, left,
    no address), the manager, and the other way round; never nobody if either can be."""
    owner = _reachable(deadline.owner)
    manager = _reachable(deadline.owner_team.manager if deadline.owner_team else None)
    if which == Recipients.OWNER:
        people = [owner or manager]
    elif which == Recipients.MANAGER:
        people = [manager or owner]
    else:
        people = [owner, manager]
    unique = {p.pk: p for p in people if p is not None}
    return list(unique.values())


def escalation_recipients(deadline: Deadline) -> list[User]:
    """One level above the team manager of the deadline's owner."""
    return service_managers_over(deadline.owner_team)


def service_managers_over(team: Team | None) -> list[User]:
    """One level above a team manager: the service managers over `team` (members or managers
    of a team in its service, as in people.selectors.teams_of); failing them, the assistant
    directors, so an escalation always reaches someone."""
    service_managers = (
        Group.objects.get(name=Role.SERVICE_MANAGER)
        .user_set.filter(is_active=True)
        .exclude(email="")
    )
    if team is not None:
        found = service_managers.filter(
            Q(memberships__team__service=team.service) | Q(managed_teams__service=team.service)
        ).distinct()
        if found.exists():
            return list(found)
    directors = Group.objects.get(name=Role.ASSISTANT_DIRECTOR).user_set.filter(is_active=True)
    return list(directors.exclude(email=""))


HEADINGS = {
    EmailKind.REMINDER: "Reminder: {label} due {when}",
    EmailKind.BREACH: "Deadline passed: {label} was due {when}",
    EmailKind.ESCALATION: "Escalation: {label} still not done, due {when}",
}


def deadline_email(deadline: Deadline, kind: str, recipient: User) -> OutboxEmail:
    """An unsaved outbox row for a reminder, breach alert or escalation about `deadline`."""
    reference = deadline.case.reference if deadline.case else f"deadline {deadline.pk}"
    label = deadline.get_kind_display()
    link = absolute_url(deadline.case.get_absolute_url() if deadline.case else "/deadlines/")
    heading = HEADINGS[kind].format(label=label.lower(), when=london(deadline.due_at))
    context = {
        "heading": heading,
        "reference": reference,
        "label": label,
        "due": london(deadline.due_at),
        "link": link,
        "kind": kind,
        "team": deadline.owner_team.name if deadline.owner_team else "",
    }
    return OutboxEmail(
        dedupe_key=f"deadline:{deadline.pk}:r{deadline.revision}:{kind}:{recipient.pk}",
        kind=kind,
        deadline=deadline,
        recipient=recipient,
        to_email=recipient.email,
        subject=f"[{reference}] {heading}"[:200],
        body_text=render_to_string("emails/deadline.txt", context),
        body_html=render_to_string("emails/deadline.html", context),
    )


def outbox_enqueue(email: OutboxEmail) -> tuple[OutboxEmail, bool]:
    """Save the row unless one with its key exists; send it after the transaction commits.

    The unique key is what makes a re-run harmless: the second insert finds the first."""
    email.next_attempt_at = email.next_attempt_at or timezone.now()
    with transaction.atomic():
        saved, created = OutboxEmail.objects.get_or_create(
            dedupe_key=email.dedupe_key,
            defaults={
                field.name: getattr(email, field.name)
                for field in OutboxEmail._meta.concrete_fields
                if field.name not in {"id", "dedupe_key", "status", "created_at"}
            },
        )
    if created:
        from .tasks import send_outbox_email

        # robust: a broker that is down must not turn a saved change into an error page; the
        # row is in the database and the next sweep queues it again.
        transaction.on_commit(lambda: send_outbox_email.delay(saved.pk), robust=True)
    return saved, created


def notice_email(
    *, key: str, recipient: User, subject: str, heading: str, lines: list[str], link: str
) -> OutboxEmail:
    """An unsaved outbox row for a one-off notice (a new urgent request, a decision...)."""
    context = {"heading": heading, "lines": lines, "link": absolute_url(link)}
    return OutboxEmail(
        dedupe_key=key,
        kind=EmailKind.NOTICE,
        recipient=recipient,
        to_email=recipient.email,
        subject=subject[:200],
        body_text=render_to_string("emails/notice.txt", context),
        body_html=render_to_string("emails/notice.html", context),
    )
