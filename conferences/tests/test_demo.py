import pytest
from django.core.management import call_command

from conferences.demo import PLANS, seed_conferences
from conferences.models import ConferenceStatus, TransferInRequest
from deadlines.models import Deadline
from deadlines.rules import Kind

pytestmark = pytest.mark.django_db


def test_seed_conferences_makes_every_state_once(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", cases=120)  # seed_demo makes them, once
    assert TransferInRequest.objects.count() == len(PLANS)
    assert seed_conferences() == 0
    assert set(TransferInRequest.objects.values_list("status", flat=True)) == set(
        ConferenceStatus.values
    )
    assert TransferInRequest.objects.filter(children__isnull=False).count() >= len(PLANS)
    siblings = [r for r in TransferInRequest.objects.all() if r.children.count() == 3]
    assert len(siblings) == 1
    soon = TransferInRequest.objects.get(requesting_authority="Oakhampton Borough")
    assert soon.report_received_at is None and soon.outstanding_note
    report = Deadline.objects.get(
        subject_id=str(soon.pk),
        subject_type__model="transferinrequest",
        kind=Kind.PRE_CONFERENCE_REPORT,
    )
    assert report.remind_at is not None and report.status == "open"
    assert seed_conferences() == 0  # idempotent
    assert TransferInRequest.objects.count() == len(PLANS)
