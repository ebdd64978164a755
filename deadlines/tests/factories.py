"""Factories and helpers for the deadline engine's tests."""

from datetime import datetime, timedelta

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cases.models import Case
from cases.tests.factories import CaseFactory
from deadlines.calendar import LONDON
from deadlines.models import Deadline, DeadlineStatus
from deadlines.rules import Kind


def london(year, month, day, hour=0, minute=0, second=0) -> datetime:
    """An aware London wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


class DeadlineFactory(factory.django.DjangoModelFactory):
    """A deadline row written directly, for pages that only read them. The engine's own tests
    start deadlines through services.deadline_start."""

    class Meta:
        model = Deadline

    kind = Kind.JOINT_VISIT
    case = factory.SubFactory(CaseFactory)
    subject_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Case))
    subject_id = factory.LazyAttribute(lambda d: str(d.case.pk))
    anchor_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda d: d.anchor_at + timedelta(days=3))
    owner_team = factory.LazyAttribute(lambda d: d.case.current_team)
    status = DeadlineStatus.OPEN


# The child's name in the `org` fixture: it must never appear in an email.
CHILD_FIRST = "Zebediah"
CHILD_LAST = "Quillfeather"


def start_deadline(
    kind, anchor_at, *, case, owner=None, team=None, by=None, watchers=(), subject=None
) -> Deadline:
    """Start a clock the way a transition does, on `subject` (default: `case`), owned by `owner`
    in `team` (default: the case's team), with `watchers` waiting on it."""
    from deadlines.services import deadline_start

    return deadline_start(
        kind=kind,
        subject=subject if subject is not None else case,
        anchor_at=anchor_at,
        case=case,
        owner=owner,
        owner_team=team if team is not None else case.current_team,
        by=by,
        watchers=watchers,
    )


def make_transfer(org, *, urgent=False, section_47=False):
    """A step-up of the `org` case from Early Help to the owner's team: a subject with its own
    page (/transfers/<pk>/) and an urgency."""
    from transfers.models import Transfer, TransferKind

    return Transfer.objects.create(
        kind=TransferKind.STEP_UP,
        case=org.case,
        from_team=org.other,
        to_team=org.team,
        requested_by=org.other_owner,
        urgent=urgent,
        section_47=section_47,
    )


def sent_to(messages) -> list[str]:
    """Every recipient address of the messages, sorted."""
    return sorted(address for message in messages for address in message.to)


def html_of(message) -> str:
    """The text/html alternative of a sent message ('' when there is none)."""
    return "".join(content for content, mime in message.alternatives if mime == "text/html")
