"""Demo transfer-in conference requests in every state, made through the real services so their
audit trail, deadlines, letters and emails are what a real one would have. Idempotent: each
demo request is keyed by its (fictional) requesting authority and made once.

Besides one in each state: one covering three siblings, and one whose conference is two working
days away with the updated report still outstanding, its report deadline's reminder due within
minutes of loading."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from deadlines.calendar import LONDON
from deadlines.models import Deadline
from deadlines.rules import Kind
from deadlines.services import working_calendar
from people.models import Team, User

from . import services
from .models import BUNDLE_KINDS, Decision, Outcome, TransferInRequest
from .models import ConferenceStatus as S

ORDER = [
    S.RECEIVED,
    S.ACKNOWLEDGED,
    S.FAMILY_RECORDED,
    S.AWAITING_BUNDLE,
    S.BUNDLE_RECEIVED,
    S.WITH_QA,
    S.DISCUSSED,
    S.ACCEPTED,
    S.DATE_OFFERED,
    S.SCHEDULED,
]
# A tiny valid PDF: demo uploads are checked like any other.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Plan:
    authority: str
    final: str
    family: str
    children: tuple[tuple[str, date], ...]
    then: str = ""  # held, declined or cancelled after `final`
    report_due_soon: bool = False


PLANS = [
    Plan("Northshire County Council", S.RECEIVED, "Ashworth", (("Mia", date(2017, 3, 4)),)),
    Plan("Eastborough Council", S.ACKNOWLEDGED, "Bellamy", (("Leo", date(2014, 6, 21)),)),
    Plan(
        "Westmere District Council",
        S.FAMILY_RECORDED,
        "Carver",
        (("Ruby", date(2012, 1, 9)), ("Alfie", date(2016, 8, 30)), ("Ivy", date(2020, 11, 2))),
    ),
    Plan("Southvale Council", S.AWAITING_BUNDLE, "Dawson", (("Noah", date(2019, 5, 17)),)),
    Plan("Highfield Borough", S.BUNDLE_RECEIVED, "Ellery", (("Ella", date(2015, 2, 12)),)),
    Plan("Lowbridge Council", S.WITH_QA, "Fenwick", (("Oscar", date(2013, 10, 5)),)),
    Plan("Kingsmoor Council", S.DISCUSSED, "Garland", (("Poppy", date(2018, 7, 7)),)),
    Plan("Riverton Borough", S.ACCEPTED, "Hadley", (("Theo", date(2011, 12, 1)),)),
    Plan("Stonegate Council", S.DATE_OFFERED, "Irwin", (("Zara", date(2016, 4, 28)),)),
    Plan(
        "Marshfield Council",
        S.SCHEDULED,
        "Jarvis",
        (("Freya", date(2014, 9, 14)), ("Kai", date(2017, 1, 19))),
    ),
    Plan(
        "Oakhampton Borough",
        S.SCHEDULED,
        "Kendall",
        (("Lily", date(2015, 11, 11)),),
        report_due_soon=True,
    ),
    Plan("Brackley Council", S.SCHEDULED, "Lorne", (("Mason", date(2012, 5, 3)),), then=S.HELD),
    Plan("Fairholm Council", S.DISCUSSED, "Morley", (("Nia", date(2019, 3, 3)),), then=S.DECLINED),
    Plan(
        "Greywater Council",
        S.DATE_OFFERED,
        "Norris",
        (("Reuben", date(2013, 8, 8)),),
        then=S.CANCELLED,
    ),
]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _conference_at(plan: Plan, today: date) -> datetime:
    calendar = working_calendar()
    days = 2 if plan.report_due_soon else 12
    return datetime.combine(calendar.add_wd(today, days), time(14), tzinfo=LONDON)


def _make(plan: Plan, *, mash: User, cca: User, qasm: User, chair: User, locality: Team, tm):
    now = timezone.now()
    today = timezone.localdate()
    request = services.conference_receive(
        by=mash,
        cca_team=Team.objects.get(name="Case Conference & QA"),
        requesting_authority=plan.authority,
        ola_social_worker="Jordan Wells",
        ola_social_worker_email="jordan.wells@ola.example",
        ola_social_worker_phone="01632 960 123",
        ola_team_manager="Casey Lund",
        moved_in_on=today - timedelta(days=4),
        new_address="12 Orchard Row, Northtown",
        request_received_at=now - timedelta(days=2),
        children=[
            {"first_name": first, "last_name": plan.family, "date_of_birth": born}
            for first, born in plan.children
        ],
    )
    conference_at = _conference_at(plan, today)
    steps = {
        S.ACKNOWLEDGED: lambda r: services.conference_acknowledge(request=r, by=mash),
        S.FAMILY_RECORDED: lambda r: services.conference_record_family(request=r, by=cca),
        S.AWAITING_BUNDLE: lambda r: services.conference_send_protocol_email(request=r, by=cca),
        S.BUNDLE_RECEIVED: lambda r: _bundle(r, cca),
        S.WITH_QA: lambda r: services.conference_share_bundle(
            request=r, by=cca, locality_team=locality
        ),
        S.DISCUSSED: lambda r: services.conference_record_discussion(
            request=r,
            by=qasm,
            team_manager=tm,
            discussed_at=now - timedelta(hours=3),
            notes="Bundle read together. Risks continue after the move; the plan is workable.",
        ),
        S.ACCEPTED: lambda r: services.conference_decide(
            request=r,
            by=qasm,
            decision=Decision.ACCEPT,
            reasons="The family has settled at the new address and the risks the Child "
            "Protection Plan addresses continue.",
        ),
        S.DATE_OFFERED: lambda r: services.conference_offer_tentative_date(
            request=r, by=qasm, tentative_date=conference_at.date()
        ),
        S.SCHEDULED: lambda r: services.conference_agree_date(
            request=r,
            by=cca,
            conference_at=conference_at,
            venue="County Hall, Conference Room 3",
            agreed_with=str(tm),
            chair=chair,
        ),
    }
    for state in ORDER[1:]:
        if request.status == plan.final:
            break
        request = steps[state](request)
    if plan.final == S.AWAITING_BUNDLE:
        services.conference_upload_document(
            request=request, by=cca, kind="cp_plan", uploaded=_pdf("cp-plan.pdf")
        )
        services.conference_record_outstanding(
            request=request,
            by=cca,
            outstanding="All previous conference minutes, the last Core Group minutes, the "
            "risk assessment, the chronology and the viability assessment.",
        )
    if plan.final in (S.DATE_OFFERED, S.SCHEDULED) and not plan.then:
        services.conference_record_welfare_visit(
            request=request,
            by=tm,
            visited_by=tm,
            visited_at=now - timedelta(hours=20),
            note="Children seen at home; settling in. Mother engaging.",
        )
    if plan.report_due_soon:
        services.conference_record_outstanding(
            request=request,
            by=cca,
            outstanding="The updated report for the conference, shared with the family.",
        )
        # Demo only: the report reminder goes within minutes of loading, so the console shows
        # it (the rule would have sent it a working day before the due time).
        Deadline.objects.filter(
            subject_id=str(request.pk),
            subject_type__model="transferinrequest",
            kind=Kind.PRE_CONFERENCE_REPORT,
        ).update(remind_at=now + timedelta(minutes=2))
    if plan.then == S.HELD:
        # Demo only: the conference took place this morning (the services refuse a future one).
        TransferInRequest.objects.filter(pk=request.pk).update(
            conference_at=now - timedelta(hours=2)
        )
        services.conference_hold(
            request=request,
            by=chair,
            outcome=Outcome.CP_PLAN_CONTINUES,
            note="Child Protection Plan continues under the category of neglect. Core Group "
            "within 10 working days.",
        )
    elif plan.then == S.DECLINED:
        services.conference_decide(
            request=request,
            by=qasm,
            decision=Decision.DECLINE,
            reasons="The family is staying in temporary accommodation and has not moved into "
            "the area.",
        )
    elif plan.then == S.CANCELLED:
        services.conference_cancel(
            request=request, by=cca, reason="The family moved back to the other authority."
        )
    return request


def _bundle(request, cca):
    for kind in BUNDLE_KINDS:
        services.conference_upload_document(
            request=request, by=cca, kind=kind, uploaded=_pdf(f"{kind}.pdf")
        )
    return services.conference_receive_bundle(request=request, by=cca)


@transaction.atomic
def seed_conferences() -> int:
    """Make the demo requests that are missing. Returns how many were made."""
    people = {
        "mash": _user("mash.worker"),
        "cca": _user("cca"),
        "qasm": _user("qasm"),
        "chair": _user("chair"),
        "tm": _user("cintm.north"),
        "locality": Team.objects.get(name="Children in Need North"),
    }
    made = 0
    for plan in PLANS:
        if TransferInRequest.objects.filter(requesting_authority=plan.authority).exists():
            continue
        _make(plan, **people)
        made += 1
    return made
