"""The step-up as Early Help and duty teams actually work it (issue #7): the gaps a review
against seed 002 found, each as a service rule and as the role concerned sees it."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Case
from cases.tests.factories import CaseFactory
from deadlines.calendar import LONDON
from deadlines.models import Deadline, DeadlineStatus, OutboxEmail
from deadlines.services import deadline_reschedule
from deadlines.sweep import record_breaches, send_reminders
from people.models import Service
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory
from transfers import services
from transfers.actions import case_actions
from transfers.models import SocialCareOutcome, Transfer, TransferStatus
from transfers.selectors import transfers_needing_action
from transfers.tests.conftest import walk_step_up

S = TransferStatus
pytestmark = pytest.mark.django_db


def url(name, transfer):
    return reverse(f"transfers:{name}", args=[transfer.pk])


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def deadline_of(transfer, kind) -> Deadline:
    return Deadline.objects.get(subject_id=str(transfer.pk), kind=kind)


def notices_to(person) -> list[str]:
    return list(OutboxEmail.objects.filter(recipient=person).values_list("subject", flat=True))


def start(world, *, by, supervisor, case=None, urgent=False, section_47=False) -> Transfer:
    return services.step_up_start(
        case=case or world.case,
        by=by,
        supervisor=supervisor,
        concerns="c",
        work_tried="w",
        why_now="n",
        urgent=urgent,
        section_47=section_47,
    )


def refuse(world, transfer, outcome=SocialCareOutcome.BACK_TO_EARLY_HELP) -> Transfer:
    return services.step_up_decide(
        transfer=transfer,
        by=transfer.assigned_to,
        outcome=outcome,
        discussion_held_at=timezone.now(),
        note="Below the threshold: continue with a TAF",
    )


# --- entry points ---------------------------------------------------------------------------


def test_a_graft_case_steps_up_with_the_graft_tm_in_the_supervisors_place(world):
    graft_case = CaseFactory(current_team=world.graft, allocated_worker=world.graft_worker)
    transfer = start(world, by=world.graft_worker, supervisor=world.graft_tm, case=graft_case)
    assert transfer.step_up.eh_worker == world.graft_worker
    services.step_up_submit(transfer=transfer, by=world.graft_tm, supervisor_notes="Agree")
    services.step_up_eh_decide(
        transfer=transfer,
        by=world.graft_tm,
        all_work_done=True,
        threshold_met=True,
        outcome="o",
        actions="a",
    )
    transfer = services.step_up_send(
        transfer=transfer,
        by=world.graft_tm,
        request_summary="s",
        current_risks="r",
        family_informed=True,
        family_agrees=True,
        urgent=False,
        section_47=False,
    )
    assert transfer.status == S.WITH_DUTY
    # An EH supervisor of another team is not a Graft case's supervisor.
    with pytest.raises(ValidationError):
        start(
            world,
            by=world.graft_worker,
            supervisor=world.eh_tm,
            case=CaseFactory(current_team=world.graft),
        )


def test_the_graft_start_page_offers_the_graft_tm_as_supervisor(client, world):
    graft_case = CaseFactory(current_team=world.graft)
    client.force_login(world.graft_worker)
    response = client.get(reverse("transfers:start", args=[graft_case.reference]))
    assert list(response.context["form"].fields["supervisor"].queryset) == [world.graft_tm]


@pytest.mark.parametrize("service", [Service.YOUTH_AND_FAMILY, Service.CHILDRENS_CENTRE])
def test_yfs_and_childrens_centre_workers_are_not_offered_a_step_up(client, world, service):
    team = TeamFactory(service=service, locality="North")
    worker = UserFactory(roles=[Role.FSW], teams=[team])
    case = CaseFactory(current_team=team)
    assert case_actions(case, worker) == []
    client.force_login(worker)
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("transfers:start", args=[case.reference]) not in page
    assert client.get(reverse("transfers:start", args=[case.reference])).status_code == 403
    with pytest.raises(PermissionDenied):
        start(world, by=worker, supervisor=world.supervisor, case=case)


# --- the Early Help worker stays involved ----------------------------------------------------


def test_when_the_supervisor_starts_it_the_worker_who_holds_the_case_stays_in(client, world):
    Case.objects.filter(pk=world.case.pk).update(allocated_worker=world.ffp)
    world.case.refresh_from_db()
    # The supervisor who starts it names another to review it (never themselves).
    reviewer = UserFactory(roles=[Role.EH_SUPERVISOR], teams=[world.eh])
    transfer = start(world, by=world.supervisor, supervisor=reviewer)
    assert transfer.step_up.eh_worker == world.ffp
    assert any("Step-up started" in s for s in notices_to(world.ffp))
    walked = walk_step_up(world, S.ALLOCATED, case=CaseFactory(current_team=world.eh))
    assert walked.step_up.eh_worker == world.ffp
    # After allocation the case is in Social Care; the worker still sees it and the request.
    Case.objects.filter(pk=world.case.pk).update(current_team=world.duty)
    client.force_login(world.ffp)
    assert client.get(world.case.get_absolute_url()).status_code == 200
    assert client.get(transfer.get_absolute_url()).status_code == 200


def test_the_early_help_worker_hears_every_step(world, walk):
    transfer = walk(S.ALLOCATED)
    at_now = timezone.now()
    services.step_up_record_joint_visit(
        transfer=transfer, by=world.sw, visited_at=at_now, eh_worker_attended=True
    )
    services.step_up_record_ten_day_discussion(
        transfer=transfer,
        by=world.sw,
        held_at=at_now,
        worker_invited=True,
        supervisor_invited=True,
        new_plan_agreed=True,
    )
    subjects = notices_to(world.ffp)
    for heading in (
        "Step-up sent to the team manager",
        "Step-up agreed by Early Help",
        "Step-up form sent to Social Care",
        "Step-up picked up by Social Care",
        "Step-up agreed by Social Care",
        "Step-up allocated",
        "Joint visit recorded",
        "10-day discussion recorded",
        "Step-up complete",
    ):
        assert any(heading in s for s in subjects), heading
    # The supervisor waits on the same steps after the form went.
    supervisor = notices_to(world.supervisor)
    for heading in ("Step-up picked up", "Joint visit recorded", "Step-up complete"):
        assert any(heading in s for s in supervisor), heading
    # Nobody is told of their own step.
    assert not any("Joint visit recorded" in s for s in notices_to(world.sw))


@time_machine.travel(london(2026, 11, 24, 11, 15), tick=False)
def test_a_missed_discussion_window_alerts_the_early_help_supervisor_and_manager(world, walk):
    transfer = walk(S.WITH_DUTY, urgent=True)
    deadline = deadline_of(transfer, "step_up_urgent")
    assert set(deadline.watchers.all()) == {world.supervisor, world.eh_tm}
    record_breaches(deadline.due_at + timedelta(minutes=1))
    alerted = set(
        OutboxEmail.objects.filter(deadline=deadline, kind="breach").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"ehsup", "ehtm", "dutytm"} <= alerted


@time_machine.travel(london(2026, 11, 23, 10, 0), tick=False)
def test_joint_visit_reminders_go_to_the_early_help_worker_too(client, world, walk):
    transfer = walk(S.ALLOCATED)
    deadline = deadline_of(transfer, "joint_visit")
    assert list(deadline.watchers.all()) == [world.ffp]
    send_reminders(deadline.remind_at)
    reminded = set(
        OutboxEmail.objects.filter(deadline=deadline, kind="reminder").values_list(
            "recipient__username", flat=True
        )
    )
    assert reminded == {"sw", "ffp"}
    # Their deadlines page shows the visit they go on.
    client.force_login(world.ffp)
    panels = {p.key: p for p in client.get("/").context["panels"]}
    assert transfer in panels["transfers"].items


def test_a_joint_visit_without_the_early_help_worker_is_recorded_with_the_reason(world, walk):
    transfer = walk(S.ALLOCATED)
    with pytest.raises(ValidationError) as error:
        services.step_up_record_joint_visit(
            transfer=transfer, by=world.sw, visited_at=timezone.now(), eh_worker_attended=False
        )
    assert "eh_worker_absent_reason" in error.value.error_dict
    services.step_up_record_joint_visit(
        transfer=transfer,
        by=world.sw,
        visited_at=timezone.now(),
        eh_worker_attended=False,
        eh_worker_absent_reason="Off sick; visited alone to keep to the 5 days",
    )
    transfer.refresh_from_db()
    assert not transfer.step_up.joint_visit_with_eh_worker
    assert deadline_of(transfer, "joint_visit").status == DeadlineStatus.MET


def test_after_allocation_the_early_help_worker_sees_their_next_step_and_who_holds_it(
    client, world, walk
):
    transfer = walk(S.ALLOCATED)
    client.force_login(world.ffp)
    response = client.get(transfer.get_absolute_url())
    labels = [a.label for a in response.context["actions"]]
    assert labels == ["Record the joint visit"]
    page = response.content.decode()
    assert "There is nothing for you to do" not in page
    assert f'Social worker</dt><dd class="govuk-summary-list__value">{escape(str(world.sw))}' in (
        page
    )
    assert client.get(url("joint_visit", transfer)).status_code == 200
    response = client.post(
        url("joint_visit", transfer),
        {
            "visited_on_0": timezone.localdate().day,
            "visited_on_1": timezone.localdate().month,
            "visited_on_2": timezone.localdate().year,
            "visited_time": timezone.localtime().strftime("%H:%M"),
            "eh_worker_attended": "yes",
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.step_up.joint_visit_at is not None


# --- decisions as the seed describes them ----------------------------------------------------


def test_a_section_47_decision_names_the_strategy_discussion_and_changes_no_plan(world, walk):
    transfer = walk(S.PICKED_UP)
    services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome=SocialCareOutcome.SECTION_47,
        discussion_held_at=timezone.now(),
        note="",
        contact_reference="C",
        referral_reference="R",
    )
    transfer.refresh_from_db()
    world.case.refresh_from_db()
    assert transfer.step_up.sc_outcome == SocialCareOutcome.SECTION_47
    assert transfer.section_47 and transfer.urgent
    assert world.case.plan_type == "early_help"
    # Urgent or s47: allocation within 1 working day.
    assert deadline_of(transfer, "step_up_allocation_urgent").status == DeadlineStatus.OPEN


def test_no_further_action_needs_reasons_and_leaves_the_case_with_early_help(world, walk):
    transfer = walk(S.PICKED_UP)
    with pytest.raises(ValidationError) as error:
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_atm,
            outcome=SocialCareOutcome.NO_FURTHER_ACTION,
            discussion_held_at=timezone.now(),
            note=" ",
        )
    assert "note" in error.value.error_dict
    refuse(world, transfer, SocialCareOutcome.NO_FURTHER_ACTION)
    world.case.refresh_from_db()
    assert world.case.current_team == world.eh


def test_the_decision_form_preselects_nothing_and_reveals_what_applies(client, world, walk):
    transfer = walk(S.PICKED_UP)
    client.force_login(world.duty_atm)
    page = client.get(url("decision", transfer)).content.decode()
    form = page.split("<form")[-1]
    assert "checked" not in form
    assert "govuk-radios__conditional" in form
    assert "Section 47 strategy discussion" in form and "Back to Early Help" in form


def test_section_47_is_one_answer_of_one_urgency_question(client, world):
    client.force_login(world.ffp)
    page = client.get(reverse("transfers:start", args=[world.case.reference])).content.decode()
    assert "Yes: a section 47 enquiry may be needed" in page
    assert 'type="checkbox"' not in page.split("<form")[-1]
    client.post(
        reverse("transfers:start", args=[world.case.reference]),
        {
            "supervisor": world.supervisor.pk,
            "concerns": "c",
            "work_tried": "w",
            "why_now": "n",
            "urgency": "section_47",
        },
    )
    transfer = Transfer.objects.get()
    assert transfer.section_47 and transfer.urgent


def test_the_early_help_decision_asks_one_question_at_a_time(client, world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    client.force_login(world.eh_tm)
    response = client.post(
        url("eh_decision", transfer),
        {
            "all_work_done": "yes",
            "threshold_met": "no",
            "outcome": "Not yet",
            "actions": "TAF",
            "advice": "Use the TAF to review",
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.EH_NOT_AGREED
    assert (transfer.step_up.eh_all_work_done, transfer.step_up.eh_threshold_met) == (True, False)


def test_duty_reassigns_at_pick_up_and_the_deadline_follows(world, walk):
    assessment_tm = UserFactory(roles=[Role.TEAM_MANAGER])
    assessment = TeamFactory(
        name="Assessment", service=Service.ASSESSMENT, locality="North", manager=assessment_tm
    )
    transfer = walk(S.WITH_DUTY)
    with pytest.raises(ValidationError) as error:
        services.step_up_pick_up(transfer=transfer, by=world.duty_atm, reassign_to=assessment)
    assert "reason" in error.value.error_dict
    services.step_up_pick_up(
        transfer=transfer, by=world.duty_atm, reassign_to=assessment, reason="Needs assessment"
    )
    transfer.refresh_from_db()
    assert (transfer.to_team, transfer.assigned_to, transfer.picked_up_by) == (
        assessment,
        assessment_tm,
        world.duty_atm,
    )
    assert transfer.step_up.reassigned_from == world.duty
    assert transfer.step_up.reassign_reason == "Needs assessment"
    deadline = deadline_of(transfer, "step_up_standard")
    assert (deadline.owner, deadline.owner_team) == (assessment_tm, assessment)
    assert any("reassigned to your team" in s for s in notices_to(assessment_tm))
    # The manager it was passed to decides it; duty no longer can.
    with pytest.raises(PermissionDenied):
        services.step_up_decide(
            transfer=transfer,
            by=world.duty_tm,
            outcome=SocialCareOutcome.BACK_TO_EARLY_HELP,
            discussion_held_at=timezone.now(),
            note="x",
        )


def test_the_pick_up_page_reassigns_with_a_reason(client, world, walk):
    assessment_tm = UserFactory(roles=[Role.TEAM_MANAGER])
    assessment = TeamFactory(service=Service.ASSESSMENT, manager=assessment_tm)
    transfer = walk(S.WITH_DUTY)
    client.force_login(world.duty_atm)
    response = client.post(url("pick_up", transfer), {"keep": "reassign"})
    content = response.content.decode()
    assert "Choose the team to pass the request to" in content
    assert "Enter why the request goes to that team" in content
    response = client.post(
        url("pick_up", transfer),
        {"keep": "reassign", "reassign_to": assessment.pk, "reason": "Assessment holds it"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.to_team == assessment


# --- the 12-week rule -------------------------------------------------------------------------


def _closed_by(case, manager, team, worker=None, days=30):
    Case.objects.filter(pk=case.pk).update(
        last_closed_to_social_care_on=timezone.localdate() - timedelta(days=days),
        last_closed_to_social_care_by=manager,
        last_closed_to_social_care_team=team,
        last_closed_social_worker=worker,
    )
    case.refresh_from_db()


def test_a_closing_manager_of_two_teams_gets_it_in_the_team_that_closed_it(world):
    second = TeamFactory(
        name="AAA Disabled Children", service=Service.DISABLED_CHILDREN, manager=world.cin_tm
    )
    _closed_by(world.case, world.cin_tm, world.cin)
    route = services.step_up_route(case=world.case, at=timezone.now())
    assert (route.team, route.manager) == (world.cin, world.cin_tm)
    _closed_by(world.case, world.cin_tm, second)
    assert services.step_up_route(case=world.case, at=timezone.now()).team == second


def test_under_the_12_week_rule_the_previous_social_worker_is_offered_first(client, world):
    zara = UserFactory(first_name="Aaron", roles=[Role.SOCIAL_WORKER], teams=[world.cin])
    _closed_by(world.case, world.cin_tm, world.cin, worker=world.cin_sw)
    transfer = walk_step_up(world, S.AWAITING_ALLOCATION)
    assert transfer.to_team == world.cin
    client.force_login(world.cin_tm)
    form = client.get(url("allocate", transfer)).context["form"]
    field = form.fields["worker"]
    workers = list(field.queryset)
    assert workers[0] == world.cin_sw and zara in workers
    assert field.label_from_instance(world.cin_sw).endswith("(previous social worker)")


# --- a refusal, answered ----------------------------------------------------------------------


def test_early_help_sees_the_refusal_and_accepts_or_escalates_it(client, world, walk):
    transfer = walk(S.PICKED_UP)
    refuse(world, transfer)
    client.force_login(world.supervisor)
    response = client.get(transfer.get_absolute_url())
    page = response.content.decode()
    assert "Below the threshold: continue with a TAF" in page
    assert "Back to Early Help" in page
    assert [a.label for a in response.context["actions"]] == ["Accept Social Care's decision"]
    assert transfer in transfers_needing_action(world.supervisor)
    client.force_login(world.locality_lead)
    labels = [a.label for a in client.get(transfer.get_absolute_url()).context["actions"]]
    assert labels == [
        "Accept Social Care's decision",
        "Escalate to the Social Care service manager",
    ]
    client.force_login(world.supervisor)
    accepted = {"note": "Agreed", "confirm": "yes"}
    assert client.post(url("accept_refusal", transfer), accepted).status_code == 302
    transfer.refresh_from_db()
    assert transfer.step_up.refusal_accepted_by == world.supervisor
    assert transfer not in transfers_needing_action(world.supervisor)
    with pytest.raises(ValidationError, match="already accepted"):
        services.step_up_request_escalation(transfer=transfer, by=world.locality_lead, note="x")
    client.force_login(world.locality_lead)
    assert client.get(transfer.get_absolute_url()).context["actions"] == []
    # The case page says it too, for whoever reads the case rather than the request.
    client.force_login(world.ffp)
    case_page = client.get(world.case.get_absolute_url()).content.decode()
    assert "Back to Early Help: Below the threshold: continue with a TAF" in case_page
    assert "Accepted by Early Help" in case_page


# --- safety plan and consent ------------------------------------------------------------------


def test_a_new_plan_is_recorded_whenever_it_happens(client, world, walk):
    transfer = walk(S.ALLOCATED)
    client.force_login(world.sw)
    today = timezone.localdate()
    response = client.post(
        url("new_plan", transfer),
        {
            "agreed_on_0": today.day,
            "agreed_on_1": today.month,
            "agreed_on_2": today.year,
            "notes": "CIN plan",
        },
    )
    assert response.status_code == 302
    world.case.refresh_from_db()
    transfer.refresh_from_db()
    assert not world.case.safety_plan_in_force
    assert transfer.step_up.new_plan_on == today
    with pytest.raises(ValidationError, match="already recorded"):
        services.step_up_record_new_plan(
            transfer=transfer, by=world.sw, agreed_on=today, notes="again"
        )


@pytest.mark.parametrize(
    ("informed", "agrees", "field"),
    [(False, None, "consent_note"), (True, False, "consent_note"), (True, None, "family_agrees")],
)
def test_consent_is_recorded_and_a_reason_given_when_it_is_missing(
    world, walk, informed, agrees, field
):
    transfer = walk(S.READY_TO_SEND)
    kwargs = {
        "transfer": transfer,
        "by": world.supervisor,
        "request_summary": "s",
        "current_risks": "r",
        "family_informed": informed,
        "family_agrees": agrees,
        "urgent": False,
        "section_47": False,
    }
    with pytest.raises(ValidationError) as error:
        services.step_up_send(**kwargs)
    assert field in error.value.error_dict
    if field == "consent_note":
        services.step_up_send(**kwargs, consent_note="Telling them would put the child at risk")
        transfer.refresh_from_db()
        assert transfer.step_up.consent_note.startswith("Telling them")


# --- every live stage has an owner and a clock --------------------------------------------------


@time_machine.travel(london(2026, 11, 24, 11, 15), tick=False)
@pytest.mark.parametrize(
    ("stage", "kind", "owner"),
    [
        (S.ESCALATION_DISCUSSION, "eh_review_urgent", "supervisor"),
        (S.AWAITING_EH_DECISION, "eh_decision_urgent", "eh_tm"),
        (S.READY_TO_SEND, "eh_decision_urgent", "supervisor"),
        (S.WITH_DUTY, "step_up_urgent", "duty_tm"),
        (S.PICKED_UP, "step_up_urgent", "duty_atm"),
        (S.AWAITING_ALLOCATION, "step_up_allocation_urgent", "duty_tm"),
        (S.ALLOCATED, "joint_visit", "sw"),
    ],
)
def test_every_live_stage_of_an_urgent_request_has_an_owner_and_a_clock(
    world, walk, stage, kind, owner
):
    transfer = walk(stage, urgent=True)
    open_deadlines = Deadline.objects.filter(
        subject_id=str(transfer.pk), status=DeadlineStatus.OPEN
    )
    deadline = open_deadlines.get(kind=kind)
    assert deadline.owner == getattr(world, owner)
    if kind in ("eh_review_urgent", "eh_decision_urgent", "step_up_urgent"):
        assert deadline.due_at <= london(2026, 11, 24, 17, 0)  # the same working day


def test_lists_order_by_the_next_deadline_not_by_a_missing_one(world):
    standard = walk_step_up(world, S.AWAITING_EH_DECISION, case=CaseFactory(current_team=world.eh))
    urgent = walk_step_up(
        world, S.AWAITING_EH_DECISION, urgent=True, case=CaseFactory(current_team=world.eh)
    )
    assert list(transfers_needing_action(world.eh_tm)) == [urgent, standard]
    # An overdue request goes first, whatever its urgency.
    overdue = Deadline.objects.get(subject_id=str(standard.pk), status=DeadlineStatus.OPEN)
    deadline_reschedule(
        deadline=overdue,
        anchor_at=overdue.anchor_at - timedelta(days=30),
        reason="The request was sent a month ago",
    )
    assert list(transfers_needing_action(world.eh_tm)) == [standard, urgent]


def test_the_page_shows_every_recorded_step_in_order(client, world, walk):
    transfer = walk(S.ALLOCATED)
    client.force_login(world.ffp)
    page = client.get(transfer.get_absolute_url()).content.decode()
    headings = [
        "1. Escalation discussion",
        "2. Early Help decision",
        "3. Step-up form sent",
        "4. Picked up by Social Care",
        "5. Discussion and Social Care",
        "6. Allocated",
    ]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)
    for recorded in ("C1", "R1", "Section 17 (Child in Need) assessment"):
        assert recorded in page
    assert "Next step" in page and "the joint visit" in page


def test_the_joint_visit_time_is_recorded_and_shown_as_a_time(client, world, walk):
    with time_machine.travel(london(2026, 11, 23, 9, 30), tick=False):
        transfer = walk(S.ALLOCATED)
    with time_machine.travel(london(2026, 11, 23, 15, 0), tick=False):
        services.step_up_record_joint_visit(
            transfer=transfer,
            by=world.sw,
            visited_at=london(2026, 11, 23, 14, 0),
            eh_worker_attended=True,
        )
        with pytest.raises(ValidationError) as error:
            services.step_up_record_ten_day_discussion(
                transfer=transfer,
                by=world.sw,
                held_at=london(2026, 11, 23, 9, 0),  # before the allocation that morning
                worker_invited=True,
                supervisor_invited=True,
                new_plan_agreed=False,
            )
        assert "before the case was allocated" in str(error.value)
    assert deadline_of(transfer, "joint_visit").met_at == london(2026, 11, 23, 14, 0)


def test_a_closure_recorded_in_the_app_starts_the_12_week_rule(client, world):
    """The CIN team manager steps the case down on its page; when Early Help steps it up again
    it goes to them, in their team, and the social worker who held it is offered first."""
    from cases.services import case_allocate

    case = CaseFactory(current_team=world.cin, plan_type="cin")
    case_allocate(case=case, team=world.cin, worker=world.cin_sw, by=world.cin_tm)
    client.force_login(world.cin_tm)
    response = client.post(
        reverse("cases:step_down", args=[case.reference]),
        {"to_team": world.eh.pk, "reason": "CIN plan ended"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert (case.last_closed_to_social_care_by, case.last_closed_to_social_care_team) == (
        world.cin_tm,
        world.cin,
    )
    case_allocate(case=case, team=world.eh, worker=world.ffp, by=world.eh_tm)
    transfer = walk_step_up(world, S.AWAITING_ALLOCATION, case=case)
    assert (transfer.to_team, transfer.assigned_to) == (world.cin, world.cin_tm)
    assert transfer.step_up.routed_to_closing_manager
    form = client.get(url("allocate", transfer)).context["form"]
    assert form.fields["worker"].queryset.first() == world.cin_sw
