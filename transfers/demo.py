"""Demo step-ups in every state, made through the real services so their audit trail, deadlines
and emails are what a real one would have. Idempotent: only runs when there are none.

Besides one of each state: a Graft step-up (the Graft TM in the supervisor's place), one a
colleague started for the worker who holds the case (never the supervisor, who reviews it), one
duty reassigned to Assessment at pick-up, one under the 12-week rule, and a refusal Early Help
accepted."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.choices import Involvement
from cases.models import Case
from cases.services import case_allocate, case_step_down_to_early_help
from deadlines.models import Deadline, DeadlineStatus
from deadlines.services import refresh_next_due
from people.models import Team, User

from . import services
from .models import SocialCareOutcome, Transfer, TransferKind
from .models import TransferStatus as S


@dataclass(frozen=True)
class Plan:
    final: str
    urgent: bool = False
    section_47: bool = False
    closed_recently: bool = False
    graft: bool = False
    started_by_colleague: bool = False
    reassign: bool = False
    refusal_accepted: bool = False


PLAN = [
    Plan(S.ESCALATION_DISCUSSION),
    Plan(S.ESCALATION_DISCUSSION, started_by_colleague=True),
    Plan(S.AWAITING_EH_DECISION, urgent=True),
    Plan(S.EH_NOT_AGREED),
    Plan(S.READY_TO_SEND),
    Plan(S.WITH_DUTY, urgent=True, section_47=True),
    Plan(S.WITH_DUTY, urgent=True),
    Plan(S.WITH_DUTY),
    Plan(S.WITH_DUTY, closed_recently=True),
    Plan(S.WITH_DUTY, graft=True),
    Plan(S.PICKED_UP),
    Plan(S.PICKED_UP, reassign=True),
    Plan(S.NOT_AGREED),
    Plan(S.NOT_AGREED, refusal_accepted=True),
    Plan(S.AWAITING_ALLOCATION, urgent=True),
    Plan(S.ALLOCATED),
    Plan(S.COMPLETED),
    Plan(S.WITHDRAWN),
]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _cases(team: Team, count: int) -> list[Case]:
    """Demo cases in `team` with no transfer yet and no recent closure."""
    return list(
        Case.objects.filter(current_team=team, reference__startswith="DM", transfers=None)
        .exclude(last_closed_to_social_care_on__isnull=False)
        .order_by("reference")[:count]
    )


@transaction.atomic
def seed_step_ups() -> int:
    if Transfer.objects.filter(kind=TransferKind.STEP_UP).exists():
        return 0
    eh, graft = Team.objects.get(name="Early Help North"), Team.objects.get(name="Graft")
    eh_cases = iter(_cases(eh, sum(not p.graft for p in PLAN)))
    graft_cases = iter(_cases(graft, sum(p.graft for p in PLAN)))
    now = timezone.now()
    made = 0
    for plan in PLAN:
        if plan.closed_recently:
            case = _stepped_down_from_social_care(eh)
        else:
            case = next(graft_cases if plan.graft else eh_cases, None)
        if case is None:
            continue
        _walk(plan, case)
        made += 1
    _make_one_fall_due(now)
    return made


def _stepped_down_from_social_care(eh: Team) -> Case | None:
    """A child in need whose social worker's involvement ended with a step down to Early Help,
    recorded in the app by the CIN team manager: the closure that starts the 12-week rule."""
    cin = Team.objects.get(name="Children in Need North")
    case = (
        Case.objects.filter(
            current_team=cin,
            reference__startswith="DM",
            involvement=Involvement.SOCIAL_CARE,
            allocated_worker__username="sw.cin.north",
            transfers=None,
        )
        .order_by("reference")
        .first()
    )
    if case is None:
        return None
    case = case_step_down_to_early_help(
        case=case,
        by=cin.manager,
        to_team=eh,
        reason="Child in need plan ended; Early Help to support the family with school.",
    )
    case_allocate(
        case=case, team=eh, worker=_user("ffp.north"), by=eh.manager, reason="Early Help worker"
    )
    case.refresh_from_db()
    return case


def _walk(plan: Plan, case: Case) -> None:
    final = plan.final
    if plan.graft:
        worker, supervisor, eh_tm = _user("fsw.graft"), _user("grafttm"), _user("grafttm")
    else:
        worker, supervisor, eh_tm = _user("ffp.north"), _user("ehsup.north"), _user("ehtm.north")
    t = services.step_up_start(
        case=case,
        by=_user("fsw.north") if plan.started_by_colleague else worker,
        supervisor=supervisor,
        concerns="Escalating neglect concerns; school reports missed meals and injuries.",
        work_tried="Parenting programme, TAF meetings, school nurse involvement.",
        why_now="A new injury and no engagement with the plan for four weeks.",
        urgent=plan.urgent,
        section_47=plan.section_47,
    )
    if final == S.ESCALATION_DISCUSSION:
        return
    if final == S.WITHDRAWN:
        services.transfer_withdraw(transfer=t, by=worker, reason="Family moved out of the area")
        return
    t = services.step_up_submit(transfer=t, by=supervisor, supervisor_notes="Agree to escalate.")
    if final == S.AWAITING_EH_DECISION:
        return
    agreed = final != S.EH_NOT_AGREED
    t = services.step_up_eh_decide(
        transfer=t,
        by=eh_tm,
        all_work_done=True,
        threshold_met=agreed,
        outcome="Discussed with the supervisor.",
        actions="Send the step-up form to duty." if agreed else "Continue the EH plan.",
        advice="" if agreed else "Hold a TAF meeting within two weeks; review then.",
    )
    if final in (S.EH_NOT_AGREED, S.READY_TO_SEND):
        return
    t = services.step_up_send(
        transfer=t,
        by=supervisor,
        request_summary="Neglect concerns escalating.",
        current_risks="Injury; missed school; safety plan in place.",
        family_informed=True,
        family_agrees=True,
        urgent=plan.urgent,
        section_47=plan.section_47,
    )
    if final == S.WITH_DUTY:
        return
    manager = t.assigned_to or _user("dutyatm")
    if plan.reassign:
        t = services.step_up_pick_up(
            transfer=t,
            by=manager,
            reassign_to=Team.objects.get(name="Assessment North"),
            reason="Needs a full assessment: the Assessment team holds it.",
        )
    else:
        t = services.step_up_pick_up(transfer=t, by=manager)
    if final == S.PICKED_UP:
        return
    decider = t.assigned_to
    refused = final == S.NOT_AGREED
    t = services.step_up_decide(
        transfer=t,
        by=decider,
        outcome=SocialCareOutcome.BACK_TO_EARLY_HELP if refused else SocialCareOutcome.SECTION_17,
        discussion_held_at=timezone.now(),
        note="Below the threshold for Social Care: continue the Early Help plan with a TAF."
        if refused
        else "Discussed with the EH supervisor.",
        contact_reference="" if refused else f"EHM-C{case.pk}",
        referral_reference="" if refused else f"LCS-R{case.pk}",
    )
    if refused:
        if plan.refusal_accepted:
            services.step_up_accept_refusal(
                transfer=t, by=supervisor, note="Agreed with duty: a TAF in two weeks."
            )
        return
    if final == S.AWAITING_ALLOCATION:
        return
    social_worker = _user("sw.duty")
    t = services.step_up_allocate(transfer=t, by=t.to_team.manager, worker=social_worker)
    if final == S.COMPLETED:
        now = timezone.now()
        services.step_up_record_joint_visit(
            transfer=t, by=social_worker, visited_at=now, eh_worker_attended=True
        )
        services.step_up_record_ten_day_discussion(
            transfer=t,
            by=social_worker,
            held_at=now,
            worker_invited=True,
            supervisor_invited=True,
            new_plan_agreed=True,
            notes="New CIN plan agreed.",
        )


def _make_one_fall_due(now) -> None:
    """So that `make run` shows the engine at work: one urgent discussion deadline is moved to
    fall due two minutes after the demo loads (its reminder goes on the first sweep, the breach
    alert two minutes later). Demo data only; real deadlines come from the rules."""
    deadline = (
        Deadline.objects.filter(kind="step_up_urgent", status=DeadlineStatus.OPEN)
        .order_by("id")
        .first()
    )
    if deadline is not None:
        Deadline.objects.filter(pk=deadline.pk).update(
            due_at=now + timedelta(minutes=2), remind_at=now, reminded_at=None
        )
        refresh_next_due(deadline.subject_type, [deadline.subject_id])


# --- transfers between teams: every kind in every state ------------------------------------------

TEAM_MOVE_STATES = [S.PROPOSED, S.DECLINED, S.ACCEPTED, S.ALLOCATED, S.COMPLETED, S.WITHDRAWN]


@dataclass(frozen=True)
class Route:
    kind: str
    from_team: str
    to_team: str
    plan_type: str
    sender: str  # the originating team's manager
    worker: str  # the worker allocated in the originating team
    receiver: str  # the receiving team's manager
    new_worker: str  # who the receiving team allocates
    discussion: bool = False


ROUTES = [
    Route(
        "team_transfer",
        "Assessment North",
        "Children in Need North",
        "cin",
        "assesstm",
        "sw.assess",
        "cintm.north",
        "sw.cin.north",
    ),
    Route(
        "step_down",
        "Children in Need North",
        "Early Help North",
        "cin",
        "cintm.north",
        "sw.cin.north",
        "ehtm.north",
        "ffp.north",
    ),
    Route(
        "step_across",
        "Children in Need North",
        "Youth & Family Services",
        "cin",
        "cintm.north",
        "sw.cin.north",
        "yfstm",
        "yfs.worker",
        discussion=True,
    ),
]


def _movable_case(route: Route) -> Case | None:
    from .services.team_move import remit_refusal

    from_team = Team.objects.get(name=route.from_team)
    to_team = Team.objects.get(name=route.to_team)
    today = timezone.localdate()
    candidates = Case.objects.filter(
        current_team=from_team,
        plan_type=route.plan_type,
        reference__startswith="DM",
        transfers=None,
        allocation="allocated",
    ).order_by("reference")
    for case in candidates[:40]:
        if remit_refusal(to_team, case, today) is None:
            return case
    return None


@transaction.atomic
def seed_team_moves() -> int:
    """Every kind of transfer between teams in every state, made through the services, with a
    refusal outside the remit, a completion blocked by an unsigned transfer summary and a child
    in need held by the receiving team leader."""
    if Transfer.objects.exclude(kind=TransferKind.STEP_UP).exists():
        return 0
    made = 0
    for route in ROUTES:
        for final in TEAM_MOVE_STATES:
            case = _movable_case(route)
            if case is None:
                continue
            _move(route, case, final)
            made += 1
    made += _remit_refusal() + _blocked_by_summary() + _held_by_team_leader()
    return made


def _propose(route: Route, case: Case, to_team: Team | None = None) -> Transfer:
    to_team = to_team or Team.objects.get(name=route.to_team)
    extra = {}
    if route.discussion:
        extra = {
            "discussion_held_at": timezone.now() - timedelta(hours=2),
            "discussion_with": _user(route.receiver),
            "discussion_notes": "Agreed the family would be better served by Youth & Family "
            "Services; joint visit to be arranged.",
        }
    return services.transfer_propose(
        case=case,
        by=_user(route.sender),
        to_team=to_team,
        reason="The plan's goals are met; the family's needs fit the receiving team's remit.",
        **extra,
    )


def _move(route: Route, case: Case, final: str, *, sign_off: bool = True) -> Transfer:
    from casework.models import MeetingKind, NotificationMeans, RecipientRole
    from casework.services import meeting_record, notification_record

    t = _propose(route, case)
    if final == S.PROPOSED:
        return t
    if final == S.WITHDRAWN:
        services.transfer_withdraw(transfer=t, by=_user(route.sender), reason="Family moved away")
        return t
    accepted = final != S.DECLINED
    services.transfer_decide(
        transfer=t,
        by=_user(route.receiver),
        accepted=accepted,
        reasons="Within our remit; we can take the case."
        if accepted
        else "Not yet: the child protection review is next week; propose again after it.",
    )
    if final in (S.DECLINED, S.ACCEPTED):
        return t
    t.refresh_from_db()
    if t.team_move.summary_required:
        services.transfer_write_summary(
            transfer=t,
            by=_user(route.worker),
            updated_information="Plan reviewed this month; school attendance improving.",
            important_dates="Next review meeting in four weeks.",
            urgent_actions="None.",
        )
        if sign_off:
            services.transfer_sign_off_summary(transfer=t, by=_user(route.sender))
    services.transfer_quality_assure(
        transfer=t, by=_user(route.sender), notes="Records up to date; plan and chronology current."
    )
    services.transfer_allocate(transfer=t, by=_user(route.receiver), worker=_user(route.new_worker))
    t.refresh_from_db()
    notification_record(
        transfer=t,
        by=_user(route.worker),
        recipient_name="Class teacher, St Anne's Primary",
        recipient_role=RecipientRole.SCHOOL,
        means=NotificationMeans.LETTER,
        told_at=timezone.now(),
    )
    if route.discussion:
        meeting_record(
            case=case,
            transfer=t,
            kind=MeetingKind.JOINT_TRANSITION,
            by=_user(route.worker),
            held_at=timezone.now(),
            attendees=[_user(route.worker), _user(route.new_worker)],
            other_attendees="Mother",
            notes="Joint visit: introduced the new worker to the family.",
        )
    if final == S.COMPLETED:
        services.transfer_complete(transfer=t, by=_user(route.sender))
    return t


def _remit_refusal() -> int:
    """A child in need proposed to the Children in Care team: refused outside its remit."""
    route = ROUTES[0]
    case = _movable_case(route)
    if case is None:
        return 0
    _propose(route, case, Team.objects.get(name="Children in Care"))
    return 1


def _blocked_by_summary() -> int:
    """Allocated, everything else done, but the transfer summary is not signed off."""
    route = ROUTES[0]
    for case in Case.objects.filter(
        current_team__name=route.from_team,
        plan_type=route.plan_type,
        reference__startswith="DM",
        transfers=None,
        allocation="allocated",
    ).order_by("reference")[:40]:
        if (
            case.latest_assessment_on is None
            or case.latest_assessment_on < timezone.localdate() - timedelta(days=40)
        ):
            _move(route, case, S.ALLOCATED, sign_off=False)
            return 1
    return 0


def _held_by_team_leader() -> int:
    """A child in need moving between CIN teams: no worker free, the team leader holds it."""
    route = Route(
        "team_transfer",
        "Children in Need North",
        "Children in Need South",
        "cin",
        "cintm.north",
        "sw.cin.north",
        "cintm.south",
        "sw.cin.south",
    )
    case = _movable_case(route)
    if case is None:
        return 0
    t = _propose(route, case)
    services.transfer_decide(
        transfer=t, by=_user(route.receiver), accepted=True, reasons="Moved into our area."
    )
    services.transfer_allocate(
        transfer=t,
        by=_user(route.receiver),
        worker=None,
        team_leader_holds=True,
        reason="No social worker free until next month; weekly visits by the team leader.",
    )
    return 1


# --- Child in Need to Children in Care (seed 004): every state -------------------------------

CIC_STATES = [S.CARE_CONFIRMED, S.TEAM_ALLOCATED, S.ALLOCATED, S.COMPLETED, S.WITHDRAWN]


@transaction.atomic
def seed_cin_to_cic() -> int:
    if Transfer.objects.filter(kind=TransferKind.CIN_TO_CIC).exists():
        return 0
    from .services import cin_to_cic as cic

    om, cin_tm, cic_tm = _user("om.cic"), _user("cintm.north"), _user("cictm")
    sw_cin, sw_cic = _user("sw.cin.north"), _user("sw.cic")
    cic_team = Team.objects.get(name="Children in Care")
    cases = list(
        Case.objects.filter(
            current_team__name="Children in Need North",
            plan_type="cin",
            involvement="social_care",
            reference__startswith="DM",
            transfers=None,
        ).order_by("-reference")[: len(CIC_STATES)]
    )
    today = timezone.localdate()
    made = 0
    for final, case in zip(CIC_STATES, cases, strict=False):
        t = cic.cin_to_cic_start(
            case=case, by=om, panel_confirmed_on=today, notes="ACRP: access to care confirmed."
        )
        made += 1
        cic.cin_to_cic_notify_administrator(
            transfer=t,
            by=cin_tm,
            due_by=today + timedelta(days=21),
            summary="Care order granted; placement with foster carers.",
            ics_number=case.ics_number or f"ICS{case.pk:06d}",
        )
        if final == S.CARE_CONFIRMED:
            continue
        if final == S.WITHDRAWN:
            services.transfer_withdraw(
                transfer=t, by=cin_tm, reason="The child returned home; the CIN plan continues."
            )
            continue
        cic.cin_to_cic_allocate_team(transfer=t, by=om, team=cic_team)
        cic.cin_to_cic_set_review(
            transfer=t,
            by=cic_tm,
            first_lac_review_on=today + timedelta(days=20),
            looked_after_reason="care_order",
        )
        if final == S.TEAM_ALLOCATED:
            continue
        cic.cin_to_cic_allocate_worker(transfer=t, by=cic_tm, worker=sw_cic)
        if final == S.ALLOCATED:
            continue
        now = timezone.now()
        cic.cin_to_cic_record_transfer_discussion(
            transfer=t, by=cic_tm, held_at=now, notes="Handover over two weeks; joint visit."
        )
        cic.cin_to_cic_record_family_told(
            transfer=t, by=cin_tm, notes="Mother and father by phone; school and GP by letter."
        )
        cic.cin_to_cic_record_pre_transfer(
            transfer=t,
            by=sw_cin,
            held_at=now,
            attendees="CIN and CLA social workers and DTMs",
            needs_and_continuity="Same school; contact with siblings weekly.",
            progress_and_actions="Plan on track; health assessment outstanding.",
            risk_and_care_plans="Care plan agreed; no current safeguarding concerns.",
            care_proceedings_issues="Final hearing in March.",
            introductions_and_endings="Joint visit, then the CIN worker's goodbye visit.",
        )
        cic.cin_to_cic_record_on_ics(transfer=t, by=sw_cic)
        cic.cin_to_cic_complete(transfer=t, by=cin_tm)
    return made
