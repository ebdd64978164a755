"""Reading transfer-in requests for pages and lists, always scoped to what the user may see:
a request is visible to whoever sees its MASH team, its conference team or, once shared, its
receiving locality team. Anyone else gets 404."""

from dataclasses import dataclass

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from audit.models import AuditEvent
from deadlines.models import Deadline, DeadlineStatus
from people.models import User
from people.roles import Role
from people.selectors import teams_of, teams_visible_to

from .models import LIVE, BundleDocument, TransferInRequest
from .models import ConferenceStatus as S

QA_STATES = (S.WITH_QA, S.DISCUSSED, S.ACCEPTED)
# What waits for the CCA: everything live except the QA Service Manager's part.
CCA_STATES = tuple(s for s in LIVE if s not in (S.RECEIVED, *QA_STATES))


def _with_due(requests: QuerySet[TransferInRequest]) -> QuerySet[TransferInRequest]:
    next_deadline = Deadline.objects.filter(
        subject_type__app_label="conferences",
        subject_type__model="transferinrequest",
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        status__in=[DeadlineStatus.OPEN, DeadlineStatus.BREACHED],
    ).order_by("due_at")
    return requests.annotate(
        next_due_at=Subquery(next_deadline.values("due_at")[:1]),
        next_due_kind=Subquery(next_deadline.values("kind")[:1]),
    )


BY_DEADLINE = (F("next_due_at").asc(nulls_last=True), "request_received_at")


def requests_visible_to(user: User) -> QuerySet[TransferInRequest]:
    if not user.is_authenticated or not user.is_active:
        return TransferInRequest.objects.none()
    teams = teams_visible_to(user).values("pk")
    return TransferInRequest.objects.filter(
        Q(mash_team__in=teams) | Q(cca_team__in=teams) | Q(locality_team__in=teams)
    )


def request_get_for_user(*, user: User, pk: int) -> TransferInRequest | None:
    return (
        _with_due(requests_visible_to(user))
        .select_related("cca_team", "mash_team", "locality_team", "chair", "received_by")
        .filter(pk=pk)
        .first()
    )


def conference_list(*, user: User, status: str = "") -> QuerySet[TransferInRequest]:
    """The CCA's list: by state, then next deadline."""
    requests = _with_due(requests_visible_to(user)).select_related("cca_team", "locality_team")
    if status == "live" or not status:
        requests = requests.filter(status__in=LIVE)
    elif status != "all":
        requests = requests.filter(status=status)
    return requests.prefetch_related("children").order_by(*BY_DEADLINE)


def _own_conference_teams(user: User):
    return teams_of(user).values("pk")


def cca_worklist(user: User) -> QuerySet[TransferInRequest]:
    if not user.has_role(Role.CCA):
        return TransferInRequest.objects.none()
    return (
        _with_due(
            TransferInRequest.objects.filter(
                cca_team__in=_own_conference_teams(user), status__in=CCA_STATES
            )
        )
        .prefetch_related("children")
        .order_by(*BY_DEADLINE)
    )


def qa_worklist(user: User) -> QuerySet[TransferInRequest]:
    """The QA Service Manager's decisions: shared, discussed, accepted awaiting a date."""
    if not user.has_role(Role.QA_SERVICE_MANAGER):
        return TransferInRequest.objects.none()
    return (
        _with_due(
            TransferInRequest.objects.filter(
                cca_team__in=_own_conference_teams(user), status__in=QA_STATES
            )
        )
        .select_related("locality_team")
        .prefetch_related("children")
        .order_by(*BY_DEADLINE)
    )


def chair_upcoming(user: User) -> QuerySet[TransferInRequest]:
    """The Independent Chair's upcoming conferences, soonest first, with the report status."""
    if not user.has_role(Role.INDEPENDENT_CHAIR):
        return TransferInRequest.objects.none()
    return (
        _with_due(
            TransferInRequest.objects.filter(
                cca_team__in=_own_conference_teams(user), status=S.SCHEDULED
            )
        )
        .filter(Q(chair=user) | Q(chair__isnull=True))
        .select_related("locality_team", "chair")
        .prefetch_related("children")
        .order_by("conference_at")
    )


@dataclass
class Work:
    title: str
    rows: QuerySet
    empty_text: str
    link: str


def mash_worklist(user: User) -> QuerySet[TransferInRequest]:
    """Requests MASH has recorded and not yet acknowledged."""
    return (
        _with_due(
            TransferInRequest.objects.filter(
                mash_team__in=_own_conference_teams(user), status=S.RECEIVED
            )
        )
        .prefetch_related("children")
        .order_by(*BY_DEADLINE)
    )


def conference_work(user: User) -> Work | None:
    """The home page panel for the CCA, the QA Service Manager and the Independent Chair (and
    MASH, who record the requests)."""
    from .permissions import may_receive

    if user.has_role(Role.QA_SERVICE_MANAGER):
        return Work(
            "Transfer-in conferences waiting for your decision",
            qa_worklist(user),
            "No transfer-in request is waiting for you.",
            "/conferences/qa/",
        )
    if user.has_role(Role.CCA):
        return Work(
            "Transfer-in conferences",
            cca_worklist(user),
            "No transfer-in request is waiting for you.",
            "/conferences/",
        )
    if user.has_role(Role.INDEPENDENT_CHAIR):
        return Work(
            "Your upcoming transfer-in conferences",
            chair_upcoming(user),
            "No transfer-in conference is coming up.",
            "/conferences/chair/",
        )
    # MASH's social workers record the requests. Gated on the role so other people's home
    # page does not pay a team lookup for it.
    if user.has_role(Role.SOCIAL_WORKER) and may_receive(user):
        return Work(
            "Transfer-in requests to acknowledge",
            mash_worklist(user),
            "Every transfer-in request is acknowledged.",
            "/conferences/",
        )
    return None


def request_timeline(request: TransferInRequest) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            subject_type__app_label="conferences",
            subject_type__model="transferinrequest",
            subject_id=str(request.pk),
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def request_deadlines(request: TransferInRequest) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(
            subject_type__app_label="conferences",
            subject_type__model="transferinrequest",
            subject_id=str(request.pk),
        )
        .select_related("owner")
        .order_by("due_at")
    )


def document_get_for_user(*, user: User, pk: int, document_pk: int) -> BundleDocument | None:
    return (
        BundleDocument.objects.filter(request__in=requests_visible_to(user), request_id=pk)
        .select_related("request")
        .filter(pk=document_pk)
        .first()
    )
