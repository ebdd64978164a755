"""Demo immediate safeguarding concerns, made through the services: one waiting for duty, and
one duty has answered that goes through EHaSH (seed 000 s3). Idempotent."""

from django.db import transaction

from cases.demo import DEMO_PREFIX
from cases.models import Case
from people.models import User
from transfers.models import Transfer

from .models import SafeguardingConcern
from .services import concern_raise, concern_respond


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _demo_case(team_name: str, skip: int = 0) -> Case | None:
    cases = Case.objects.filter(
        reference__startswith=DEMO_PREFIX, current_team__name=team_name
    ).order_by("reference")
    return cases[skip : skip + 1].first()


@transaction.atomic
def seed_concerns() -> int:
    """Returns how many concerns were made."""
    if SafeguardingConcern.objects.filter(case__reference__startswith=DEMO_PREFIX).exists():
        return 0
    made = 0
    yfs_worker, cc_worker, duty = _user("yfs.worker"), _user("cc.worker"), _user("dutyatm")
    # Not the YFS case the TAF demo uses: a second family.
    yfs_case = _demo_case("Youth & Family Services", skip=1)
    if yfs_case and yfs_worker:
        concern_raise(
            case=yfs_case,
            by=yfs_worker,
            concern="Young person says they were hit at home last night and is afraid to go "
            "back. No safeguarding team manager answering.",
            no_safeguarding_tm_available=True,
            call_back_number="01632 960123",
        )
        made += 1
    cc_case = _demo_case("Children's Centre North")
    if cc_case and cc_worker and duty:
        concern = concern_raise(
            case=cc_case,
            by=cc_worker,
            concern="Toddler arrived at the centre with bruising to the face; mother's account "
            "does not fit.",
            no_safeguarding_tm_available=True,
            may_lead_to_section_47=True,
        )
        concern_respond(
            concern=concern,
            by=duty,
            contact_reference="CON-DEMO-0001",
            response="Logged as a contact; spoke to the Children's Centre worker within the hour.",
            next_steps="Through EHaSH for a strategy discussion with the police today; the "
            "child stays at the centre until then.",
            via_ehash=True,
        )
        made += 1
    return made


# --- The escalation ladder (issue 11) ---------------------------------------------------------


@transaction.atomic
def seed_escalations() -> int:
    """Escalations in each state, through the services: the refused step-up escalated by the
    Locality Lead (waiting for the service manager), a declined transfer passed up to the
    assistant director, a protocol suspension approved and in force, and one waiting for the
    Integrated Family Services Manager. (A child in need held by its team leader is escalated by
    the cases demo, as the hold happens.) Idempotent."""
    from datetime import timedelta

    from django.utils import timezone

    from people.models import Team
    from transfers.models import TransferKind, TransferStatus

    from .models import Escalation, EscalationKind, Outcome
    from .services import escalation_escalate, escalation_raise, escalation_resolve

    if Escalation.objects.exclude(kind=EscalationKind.HELD_CIN).exists():
        return 0
    made = 0
    lead, sm, ad, ifsm = (_user(n) for n in ("locality.north", "sm.socialcare", "ad", "ifsm"))
    refused = (
        Transfer.objects.filter(
            kind=TransferKind.STEP_UP,
            status=TransferStatus.NOT_AGREED,
            step_up__refusal_accepted_at__isnull=True,
            step_up__escalation_requested_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    if refused and lead:
        escalation_raise(
            kind=EscalationKind.REFUSED_STEP_UP,
            transfer=refused,
            by=lead,
            reason="Three incidents at school this month and the family has stopped engaging "
            "with Early Help. We think the threshold for a section 17 assessment is met.",
        )
        made += 1
    declined = (
        Transfer.objects.filter(status=TransferStatus.DECLINED, escalations=None)
        .select_related("from_team")
        .order_by("pk")
        .first()
    )
    if declined and declined.from_team.manager and sm:
        escalation = escalation_raise(
            kind=EscalationKind.BLOCKED_TRANSFER,
            transfer=declined,
            by=declined.from_team.manager,
            reason="The family lives in the receiving team's area now; the child needs a worker "
            "who can visit.",
        )
        escalation_escalate(
            escalation=escalation, by=sm, note="The teams disagree on the remit: for the AD."
        )
        made += 1
    today = timezone.localdate()
    south = Team.objects.filter(name="Children in Need South").first()
    if south and south.manager and ifsm and ad:
        approved = escalation_raise(
            kind=EscalationKind.PROTOCOL_SUSPENSION,
            team=south,
            by=south.manager,
            reason="Four social worker vacancies and two long-term absences.",
            protocol_part="Transfers in within 5 working days of acceptance (seed 001 s5).",
            starts_on=today,
            ends_on=today + timedelta(days=28),
            impact="Transfers into the team may wait up to four weeks for allocation.",
            mitigations="Weekly oversight of waiting cases by the service manager; CP and CiC "
            "cases allocated first.",
        )
        escalation_escalate(escalation=approved, by=ifsm, note="Brought to the AD")
        escalation_resolve(
            escalation=approved,
            by=ad,
            outcome=Outcome.APPROVED,
            note="Approved for four weeks with the mitigations as written.",
        )
        made += 1
    assessment = Team.objects.filter(name="Assessment North").first()
    if assessment and assessment.manager:
        escalation_raise(
            kind=EscalationKind.PROTOCOL_SUSPENSION,
            team=assessment,
            by=assessment.manager,
            reason="Court work for three workers this fortnight.",
            protocol_part="Joint transition visits within 5 working days.",
            starts_on=today,
            ends_on=today + timedelta(days=14),
            impact="Joint visits may take up to 10 working days.",
            mitigations="Telephone contact with the family within 5 working days instead.",
        )
        made += 1
    return made
