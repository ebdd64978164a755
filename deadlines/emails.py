"""What the emails say and who they go to. Emails carry a case reference, the deadline and a
link: never a child's name or other personal details."""

from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from casetransfer.bulk import insert_rows
from casetransfer.shaped import ShapedTemplate
from people.models import Team, User
from people.roles import Role

from .calendar import LONDON
from .models import Deadline, EmailKind, OutboxEmail, Recipients
from .rules import Kind

# "Not passed": the caller has not read the deadline's subject (which may be None).
_UNREAD = object()


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


# Where the sweep's batches hold each deadline's watchers (Prefetch to_attr).
PREFETCHED_WATCHERS = "prefetched_watchers"


def watcher_recipients(deadline: Deadline, already: list[User]) -> list[User]:
    """The deadline's watchers an email can reach, leaving out its owner and anyone in
    `already` (nobody hears the same thing twice, once as owner or manager, once as watcher)."""
    skip = {person.pk for person in already}
    if deadline.owner_id:
        skip.add(deadline.owner_id)
    # The sweep prefetches the watchers of a whole batch into a list (no manager and queryset
    # made for each row); filtered here, not in SQL.
    watchers = getattr(deadline, PREFETCHED_WATCHERS, None)
    if watchers is None:
        watchers = deadline.watchers.all()
    watchers = sorted(watchers, key=lambda person: person.pk)
    return [
        person for person in watchers if person.is_active and person.email and person.pk not in skip
    ]


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

# What the owner has to do, one line per kind, in the words the people doing it use.
_STEP_UP_DISCUSSION = (
    "Hold the step-up discussion with Early Help and record Social Care's decision."
)
_EH_REVIEW = "Review the escalation discussion and send it to the team manager."
_EH_DECISION = (
    "Decide whether the step-up goes to Social Care, and record your decision and the reasons."
)
_STEP_UP_ALLOCATION = "Allocate a social worker to the case and record the allocation."
WHAT_TO_DO = {
    Kind.STEP_UP_URGENT: _STEP_UP_DISCUSSION,
    Kind.STEP_UP_STANDARD: _STEP_UP_DISCUSSION,
    Kind.JOINT_VISIT: "Visit the family with the Early Help worker and record the joint visit.",
    Kind.TEN_DAY_DISCUSSION: (
        "Hold the 10-day discussion with the Early Help worker and supervisor, and record it."
    ),
    Kind.CLA_TEAM_ALLOCATION: (
        "Allocate the case to a children looked after team and tell both team managers."
    ),
    Kind.CLA_SW_ALLOCATION: "Allocate a social worker in the receiving team to the case.",
    Kind.TRANSFER_IN_CONFERENCE: (
        "Hold the transfer-in child protection conference and record its outcome."
    ),
    Kind.PRE_CONFERENCE_REPORT: (
        "Send the updated conference report, shared with the family, to the independent chair "
        "and the team manager."
    ),
    Kind.HOLDING_SW_CONTACT: (
        "Contact the conference administrators to finalise the conference arrangements."
    ),
    Kind.EH_REVIEW: _EH_REVIEW,
    Kind.EH_REVIEW_URGENT: _EH_REVIEW,
    Kind.EH_DECISION: _EH_DECISION,
    Kind.EH_DECISION_URGENT: _EH_DECISION,
    Kind.STEP_UP_ALLOCATION: _STEP_UP_ALLOCATION,
    Kind.STEP_UP_ALLOCATION_URGENT: _STEP_UP_ALLOCATION,
    Kind.TRANSFER_DECISION: "Accept or decline the transfer into your team and record why.",
    Kind.SAFEGUARDING_CONCERN: "Respond to the immediate safeguarding concern now and record "
    "the response.",
    Kind.TRANSFER_ALLOCATION: "Allocate a worker in your team to the transferring case.",
    Kind.TRANSFER_COMPLETION: "Meet the transfer standards (summary, quality assurance, written "
    "notifications) and complete the transfer.",
    Kind.CLA_TRANSFER_DISCUSSION: (
        "Hold the transfer discussion with the other team manager before the first Looked "
        "After review, and record it."
    ),
    Kind.ADULT_SERVICES_TRANSITION: (
        "Start planning the move to adult services with the young person and adult social care."
    ),
    Kind.ESCALATION_RESPONSE: (
        "Look at the escalation and record your decision. If it is not decided in time it goes "
        "to the next level."
    ),
    Kind.PROTOCOL_SUSPENSION_END: (
        "The protocol suspension ends today: end it, or agree a new end date and record why."
    ),
}


def what_to_do(kind: str) -> str:
    return WHAT_TO_DO.get(kind, "Open it and do the step it is waiting for.")


def deadline_reference(deadline: Deadline, subject: Any = _UNREAD) -> str:
    """What the email is about, never a name: the case's reference; else the subject's own
    reference (a transfer-in request covers a family before any case exists here). `subject`:
    the deadline's subject when the caller has read it already."""
    if deadline.case is not None:
        return deadline.case.reference
    if subject is _UNREAD:
        subject = deadline.subject
    own = getattr(subject, "reference", "")
    return own if isinstance(own, str) and own else f"deadline {deadline.pk}"


def subject_link(deadline: Deadline, subject: Any = _UNREAD) -> tuple[str, str]:
    """Where the action is, and what the link says: the deadline's subject (for a transfer, the
    request page); failing that, the case page; failing that, the deadlines page."""
    reference = deadline.case.reference if deadline.case else ""
    if subject is _UNREAD:
        subject = deadline.subject
    if subject is not None and hasattr(subject, "get_absolute_url"):
        if deadline.case is not None and subject == deadline.case:
            return subject.get_absolute_url(), f"Open case {reference}"
        name = subject._meta.verbose_name
        suffix = f" for case {reference}" if reference else ""
        return subject.get_absolute_url(), f"Open the {name}{suffix}"
    if deadline.case is not None:
        return deadline.case.get_absolute_url(), f"Open case {reference}"
    return "/deadlines/", "Open your deadlines"


def watcher_line(deadline: Deadline) -> str:
    """What a watcher is told instead of what to do: why they hear of it, and who owns it (a
    member of staff and their team, never anything about the child)."""
    owner = (deadline.owner.get_full_name() or deadline.owner.username) if deadline.owner else ""
    team = deadline.owner_team.name if deadline.owner_team else ""
    if owner:
        owned = f"{owner} ({team}) owns it." if team else f"{owner} owns it."
    else:
        owned = f"The {team} team manager owns it." if team else "Nobody owns it yet."
    return f"You are getting this because you are waiting on it. {owned}"


def deadline_email(
    deadline: Deadline, kind: str, recipient: User, *, as_watcher: bool = False
) -> OutboxEmail:
    """An unsaved outbox row for a reminder, breach alert or escalation about `deadline`.

    It says what to do and links to where it is done. `as_watcher`: the recipient is not
    answerable for it but waiting on it, and the email says so and who owns it. (The sweep
    writes deadline_messages' rows, for all of an alert's recipients at once.)"""
    [row] = deadline_messages(deadline, kind, [recipient], as_watcher=as_watcher)
    return OutboxEmail(
        dedupe_key=row.dedupe_key,
        kind=row.kind,
        deadline=deadline,
        recipient=recipient,
        to_email=row.to_email,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
    )


# The bodies of a deadline's emails: the templates rendered once per shape, then filled in with
# each email's values (casetransfer.shaped; the sweep writes thousands a minute, issue 14).
_BODY_VALUES = (
    "heading",
    "reference",
    "label",
    "due",
    "link",
    "link_text",
    "what_to_do",
    "watcher_line",
    "team",
)
_BODY_TEXT = ShapedTemplate(
    "emails/deadline.txt", _BODY_VALUES, compared=("kind",), autoescape=False
)
_BODY_HTML = ShapedTemplate("emails/deadline.html", _BODY_VALUES, compared=("kind",))


class OutboxRow(NamedTuple):
    """An outbox email's own values, as the sweep writes them (`outbox_insert`): the other
    columns take the model's defaults."""

    dedupe_key: str
    kind: str
    deadline_id: int | None
    recipient_id: int | None
    to_email: str
    subject: str
    body_text: str
    body_html: str


def deadline_messages(
    deadline: Deadline, kind: str, recipients: list[User], *, as_watcher: bool = False
) -> list[OutboxRow]:
    """deadline_email for each of `recipients`, as plain rows: the text says nothing of who
    receives it, so it is written once for them all (the sweep's alerts go to an owner and a
    manager), and the sweep inserts a batch's alerts without a model instance each (issue 14)."""
    if not recipients:
        return []
    # Read once here: a generic relation's lookup costs more than the rest of the row (issue 14).
    subject_row = deadline.subject
    reference = deadline_reference(deadline, subject_row)
    label = deadline.get_kind_display()  # read from the enum (casetransfer.choices)
    path, link_text = subject_link(deadline, subject_row)
    # As the transfer notices do: an urgent or section 47 request is headlined as urgent.
    prefix = "URGENT " if getattr(subject_row, "is_priority", False) else ""
    due = london(deadline.due_at)
    heading = prefix + HEADINGS[kind].format(label=label.lower(), when=due)
    context = {
        "heading": heading,
        "reference": reference,
        "label": label,
        "due": due,
        "link": absolute_url(path),
        "link_text": link_text,
        # A watcher is told why they hear of it instead: the step is not theirs to do.
        "what_to_do": "" if as_watcher else what_to_do(deadline.kind),
        "watcher_line": watcher_line(deadline) if as_watcher else "",
        "kind": kind,
        "team": deadline.owner_team.name if deadline.owner_team else "",
    }
    subject = f"{prefix}[{reference}] {heading.removeprefix(prefix)}"[:200]
    body_text, body_html = _BODY_TEXT.render(context), _BODY_HTML.render(context)
    key = f"deadline:{deadline.pk}:r{deadline.revision}:{kind}"
    return [
        OutboxRow(
            f"{key}:{recipient.pk}",
            kind,
            deadline.pk,
            recipient.pk,
            recipient.email,
            subject,
            body_text,
            body_html,
        )
        for recipient in recipients
    ]


def outbox_insert(rows: list[OutboxRow], *, next_attempt_at: datetime) -> None:
    """Write `rows` to the outbox in one statement, leaving out any whose key is taken (as
    bulk_create(ignore_conflicts=True) does); the other columns take the model's defaults."""
    insert_rows(
        OutboxEmail,
        [row._asdict() | {"next_attempt_at": next_attempt_at} for row in rows],
        ignore_conflicts=True,
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
        transaction.on_commit(lambda: send_outbox_email.delay(saved.pk, 0), robust=True)
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
