"""A small authority for transfer-in conference tests, and a way to walk a request to any
state through the real services."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conferences import services
from conferences.models import BUNDLE_KINDS, ConferenceStatus, Decision, TransferInRequest
from people.models import Service, Team, User
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

S = ConferenceStatus
LONDON = timezone.get_current_timezone()


@dataclass
class Conf:
    mash: Team
    cca_team: Team
    locality: Team
    other_cca_team: Team
    mash_worker: User
    cca: User
    qasm: User
    chair: User
    locality_tm: User
    locality_sw: User
    other_cca: User
    outsider: User


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def conf(db) -> Conf:
    qasm = UserFactory(username="qasm", roles=[Role.QA_SERVICE_MANAGER])
    mash_tm = UserFactory(username="mashtm", roles=[Role.TEAM_MANAGER])
    locality_tm = UserFactory(username="cintm", roles=[Role.TEAM_MANAGER])
    mash = TeamFactory(name="MASH", service=Service.MASH, locality="", manager=mash_tm)
    cca_team = TeamFactory(
        name="Case Conference & QA", service=Service.CONFERENCE_AND_QA, locality="", manager=qasm
    )
    other = TeamFactory(
        name="Other Conference Team", service=Service.CONFERENCE_AND_QA, locality="West"
    )
    locality = TeamFactory(
        name="CIN North", service=Service.CHILDREN_IN_NEED, locality="North", manager=locality_tm
    )
    qasm.memberships.create(team=cca_team)
    locality_tm.memberships.create(team=locality)
    return Conf(
        mash=mash,
        cca_team=cca_team,
        locality=locality,
        other_cca_team=other,
        mash_worker=UserFactory(username="mash.worker", roles=[Role.SOCIAL_WORKER], teams=[mash]),
        cca=UserFactory(username="cca", roles=[Role.CCA], teams=[cca_team]),
        qasm=qasm,
        chair=UserFactory(username="chair", roles=[Role.INDEPENDENT_CHAIR], teams=[cca_team]),
        locality_tm=locality_tm,
        locality_sw=UserFactory(username="sw.cin", roles=[Role.SOCIAL_WORKER], teams=[locality]),
        other_cca=UserFactory(username="cca.west", roles=[Role.CCA], teams=[other]),
        outsider=UserFactory(
            username="outsider",
            roles=[Role.SOCIAL_WORKER],
            teams=[TeamFactory(name="CIN South", service=Service.CHILDREN_IN_NEED)],
        ),
    )


# The smallest valid files of each kind, by their magic numbers.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_upload(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def docx_bytes() -> bytes:
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


CHILDREN = [
    {"first_name": "Ava", "last_name": "Okafor", "date_of_birth": date(2015, 4, 2)},
    {"first_name": "Ben", "last_name": "Okafor", "date_of_birth": date(2018, 9, 12)},
    {"first_name": "Cara", "last_name": "Okafor", "date_of_birth": date(2021, 1, 30)},
]

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


def receive(c: Conf, *, children: int = 1, received_at: datetime | None = None):
    return services.conference_receive(
        by=c.mash_worker,
        cca_team=c.cca_team,
        requesting_authority="Northshire County Council",
        ola_social_worker="Sam Holder",
        ola_social_worker_email="sam.holder@northshire.example",
        ola_social_worker_phone="01234 567890",
        moved_in_on=timezone.localdate() - timedelta(days=3),
        new_address="1 New Street, Townsville",
        request_received_at=received_at or timezone.now() - timedelta(hours=1),
        children=CHILDREN[:children],
    )


def conference_time(days: int = 20) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(10), tzinfo=LONDON)


def walk(c: Conf, until: str, *, children: int = 1) -> TransferInRequest:
    """A request taken through the real services up to `until`."""
    request = receive(c, children=children)
    steps = {
        S.ACKNOWLEDGED: lambda r: services.conference_acknowledge(request=r, by=c.mash_worker),
        S.FAMILY_RECORDED: lambda r: services.conference_record_family(request=r, by=c.cca),
        S.AWAITING_BUNDLE: lambda r: services.conference_send_protocol_email(request=r, by=c.cca),
        S.BUNDLE_RECEIVED: lambda r: _bundle(c, r),
        S.WITH_QA: lambda r: services.conference_share_bundle(
            request=r, by=c.cca, locality_team=c.locality
        ),
        S.DISCUSSED: lambda r: services.conference_record_discussion(
            request=r,
            by=c.qasm,
            team_manager=c.locality_tm,
            discussed_at=timezone.now(),
            notes="Agreed the way forward",
        ),
        S.ACCEPTED: lambda r: services.conference_decide(
            request=r, by=c.qasm, decision=Decision.ACCEPT, reasons="Risks continue here."
        ),
        S.DATE_OFFERED: lambda r: services.conference_offer_tentative_date(
            request=r, by=c.qasm, tentative_date=conference_time().date()
        ),
        S.SCHEDULED: lambda r: services.conference_agree_date(
            request=r,
            by=c.cca,
            conference_at=conference_time(),
            venue="Council Offices, Room 2",
            agreed_with="CIN North team manager",
            chair=c.chair,
        ),
    }
    for state in ORDER[1:]:
        if request.status == until:
            break
        request = steps[state](request)
        assert request.status == state
    request.refresh_from_db()
    assert request.status == until
    return request


def _bundle(c: Conf, request):
    for kind in BUNDLE_KINDS:
        services.conference_upload_document(
            request=request, by=c.cca, kind=kind, uploaded=pdf_upload(f"{kind}.pdf")
        )
    return services.conference_receive_bundle(request=request, by=c.cca)


@pytest.fixture
def walk_to(conf):
    return lambda until, **kwargs: walk(conf, until, **kwargs)
