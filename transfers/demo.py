"""Demo step-ups in every state, made through the real services so their audit trail, deadlines
and emails are what a real one would have. Idempotent: only runs when there are none."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from deadlines.models import Deadline, DeadlineStatus
from people.models import Team, User

from . import services
from .models import Transfer, TransferKind
from .models import TransferStatus as S

# (final status, urgent, section 47, closed to Social Care within 12 weeks)
PLAN = [
    (S.ESCALATION_DISCUSSION, False, False, False),
    (S.AWAITING_EH_DECISION, True, False, False),
    (S.EH_NOT_AGREED, False, False, False),
    (S.READY_TO_SEND, False, False, False),
    (S.WITH_DUTY, True, True, False),
    (S.WITH_DUTY, True, False, False),
    (S.WITH_DUTY, False, False, False),
    (S.WITH_DUTY, False, False, True),
    (S.PICKED_UP, False, False, False),
    (S.NOT_AGREED, False, False, False),
    (S.AWAITING_ALLOCATION, True, False, False),
    (S.ALLOCATED, False, False, False),
    (S.COMPLETED, False, False, False),
    (S.WITHDRAWN, False, False, False),
]


def _user(username: str) -> User:
    return User.objects.get(username=username)


@transaction.atomic
def seed_step_ups() -> int:
    if Transfer.objects.filter(kind=TransferKind.STEP_UP).exists():
        return 0
    eh = Team.objects.get(name="Early Help North")
    ffp, supervisor, eh_tm = _user("ffp.north"), _user("ehsup.north"), _user("ehtm.north")
    duty_atm, closing_tm = _user("dutyatm"), _user("cintm.north")
    candidates = list(
        Case.objects.filter(current_team=eh, reference__startswith="DM")
        .exclude(last_closed_to_social_care_on__isnull=False)
        .order_by("reference")[: len(PLAN)]
    )
    now = timezone.now()
    made = 0
    for (final, urgent, s47, closed_recently), case in zip(PLAN, candidates, strict=False):
        if closed_recently:
            Case.objects.filter(pk=case.pk).update(
                last_closed_to_social_care_on=timezone.localdate() - timedelta(days=30),
                last_closed_to_social_care_by=closing_tm,
            )
            case.refresh_from_db()
        t = services.step_up_start(
            case=case,
            by=ffp,
            supervisor=supervisor,
            concerns="Escalating neglect concerns; school reports missed meals and injuries.",
            work_tried="Parenting programme, TAF meetings, school nurse involvement.",
            why_now="A new injury and no engagement with the plan for four weeks.",
            urgent=urgent,
            section_47=s47,
        )
        made += 1
        if final == S.ESCALATION_DISCUSSION:
            continue
        if final == S.WITHDRAWN:
            services.transfer_withdraw(transfer=t, by=ffp, reason="Family moved out of the area")
            continue
        t = services.step_up_submit(
            transfer=t, by=supervisor, supervisor_notes="Agree to escalate."
        )
        if final == S.AWAITING_EH_DECISION:
            continue
        agreed = final != S.EH_NOT_AGREED
        t = services.step_up_eh_decide(
            transfer=t,
            by=eh_tm,
            agreed=agreed,
            outcome="Discussed with the supervisor.",
            actions="Send the step-up form to duty." if agreed else "Continue the EH plan.",
            advice="" if agreed else "Hold a TAF meeting within two weeks; review then.",
        )
        if final in (S.EH_NOT_AGREED, S.READY_TO_SEND):
            continue
        t = services.step_up_send(
            transfer=t,
            by=supervisor,
            request_summary="Neglect concerns escalating.",
            current_risks="Injury; missed school; safety plan in place.",
            family_informed=True,
            urgent=urgent,
            section_47=s47,
        )
        if final == S.WITH_DUTY:
            continue
        manager = t.assigned_to or duty_atm
        t = services.step_up_pick_up(transfer=t, by=manager)
        if final == S.PICKED_UP:
            continue
        t = services.step_up_decide(
            transfer=t,
            by=manager,
            agreed=final != S.NOT_AGREED,
            discussion_held_at=timezone.now(),
            note="Discussed with the EH supervisor.",
            contact_reference=f"EHM-C{case.pk}",
            referral_reference=f"LCS-R{case.pk}",
        )
        if final in (S.NOT_AGREED, S.AWAITING_ALLOCATION):
            continue
        t = services.step_up_allocate(transfer=t, by=t.to_team.manager, worker=_user("sw.duty"))
        if final == S.COMPLETED:
            today = timezone.localdate()
            services.step_up_record_joint_visit(
                transfer=t, by=_user("sw.duty"), visited_on=today, eh_worker_attended=True
            )
            services.step_up_record_ten_day_discussion(
                transfer=t,
                by=_user("sw.duty"),
                held_on=today,
                worker_invited=True,
                supervisor_invited=True,
                new_plan_agreed=True,
                notes="New CIN plan agreed.",
            )
    _make_one_fall_due(now)
    return made


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
