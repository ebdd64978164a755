"""The step-up pages as each role uses them, including the refusals."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from transfers.models import Transfer, TransferStatus

S = TransferStatus
pytestmark = pytest.mark.django_db


def url(name, transfer):
    return reverse(f"transfers:{name}", args=[transfer.pk])


def test_the_case_page_offers_a_step_up_to_the_early_help_worker(client, world):
    client.force_login(world.ffp)
    response = client.get(world.case.get_absolute_url())
    assert reverse("transfers:start", args=[world.case.reference]).encode() in response.content


def test_the_case_page_does_not_offer_a_step_up_to_a_duty_manager(client, world, walk):
    walk(S.WITH_DUTY)
    client.force_login(world.duty_tm)
    response = client.get(world.case.get_absolute_url())
    assert response.status_code == 200
    assert reverse("transfers:start", args=[world.case.reference]).encode() not in response.content


def test_a_worker_starts_a_step_up_from_the_case_page(client, world):
    client.force_login(world.ffp)
    response = client.post(
        reverse("transfers:start", args=[world.case.reference]),
        {
            "supervisor": world.supervisor.pk,
            "concerns": "Bruising",
            "work_tried": "Support",
            "why_now": "New injury",
            "urgency": "urgent",
        },
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == transfer.get_absolute_url()
    assert transfer.urgent and transfer.status == S.ESCALATION_DISCUSSION


def test_missing_fields_show_an_error_summary_and_save_nothing(client, world):
    client.force_login(world.ffp)
    response = client.post(
        reverse("transfers:start", args=[world.case.reference]), {"concerns": "Only this"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    for message in (
        "Choose the Early Help supervisor",
        "Enter what has been tried",
        "Select how urgent this is",
    ):
        assert message in content
    assert "Only this</textarea>" in content  # nothing typed is lost
    assert not Transfer.objects.exists()


def test_a_worker_in_another_team_gets_404_for_the_case_and_its_step_up(client, world, walk):
    transfer = walk(S.ESCALATION_DISCUSSION)
    client.force_login(world.outsider)
    assert client.get(reverse("transfers:start", args=[world.case.reference])).status_code == 404
    assert client.get(transfer.get_absolute_url()).status_code == 404
    assert client.post(url("withdraw", transfer), {"reason": "x"}).status_code == 404


def test_the_supervisor_sends_the_discussion_to_the_team_manager(client, world, walk):
    transfer = walk(S.ESCALATION_DISCUSSION)
    client.force_login(world.supervisor)
    response = client.post(url("review", transfer), {"supervisor_notes": "Agreed"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.AWAITING_EH_DECISION


@pytest.mark.parametrize(
    ("who", "step", "stage"),
    [
        ("ffp", "review", S.ESCALATION_DISCUSSION),
        ("supervisor", "eh_decision", S.AWAITING_EH_DECISION),
        ("ffp", "send", S.READY_TO_SEND),
        ("sw", "pick_up", S.WITH_DUTY),
        ("sw", "decision", S.PICKED_UP),
        ("sw", "allocate", S.AWAITING_ALLOCATION),
        ("supervisor", "joint_visit", S.ALLOCATED),
        ("ffp", "ten_day", S.ALLOCATED),
    ],
)
def test_each_step_refuses_the_wrong_role(client, world, walk, who, step, stage):
    transfer = walk(stage)
    person = getattr(world, who)
    client.force_login(person)
    assert client.get(transfer.get_absolute_url()).status_code == 200  # they can see it...
    assert client.get(url(step, transfer)).status_code == 403  # ...but not take this step
    assert client.post(url(step, transfer), {}).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == stage


def test_the_eh_team_manager_decides_with_advice_when_not_agreed(client, world, walk):
    transfer = walk(S.AWAITING_EH_DECISION)
    client.force_login(world.eh_tm)
    response = client.post(
        url("eh_decision", transfer),
        {"all_work_done": "no", "threshold_met": "yes", "outcome": "Not yet", "actions": "TAF"},
    )
    assert b"Enter the advice for the supervisor and worker" in response.content
    response = client.post(
        url("eh_decision", transfer),
        {
            "all_work_done": "no",
            "threshold_met": "yes",
            "outcome": "Not yet",
            "actions": "TAF",
            "advice": "Try FGC",
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.EH_NOT_AGREED


def test_the_send_page_says_why_the_12_week_rule_applies(client, world, walk):
    from transfers.tests.conftest import closed_recently

    transfer = walk(S.READY_TO_SEND)
    closed_recently(world.case, world.cin_tm, days=20)
    client.force_login(world.supervisor)
    response = client.get(url("send", transfer))
    assert b"12-week rule" in response.content
    response = client.post(
        url("send", transfer),
        {
            "request_summary": "s",
            "current_risks": "r",
            "family_informed": "yes",
            "family_agrees": "yes",
            "urgency": "standard",
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.to_team == world.cin
    client.force_login(world.cin_tm)
    assert b"12-week rule" in client.get(transfer.get_absolute_url()).content


@time_machine.travel("2026-11-24 10:00 +00:00", tick=False)
def test_the_duty_queue_orders_by_discussion_deadline_so_urgent_come_first(client, world, walk):
    """Sent at the same moment, the urgent ones fall due first; between two that fall due
    together, section 47 goes first."""
    from cases.tests.factories import CaseFactory
    from transfers.tests.conftest import walk_step_up

    standard = walk(S.WITH_DUTY)
    urgent = walk_step_up(
        world,
        S.WITH_DUTY,
        urgent=True,
        case=CaseFactory(current_team=world.eh, plan_type="early_help"),
    )
    s47 = walk_step_up(
        world,
        S.WITH_DUTY,
        section_47=True,
        case=CaseFactory(current_team=world.eh, plan_type="early_help"),
    )
    client.force_login(world.duty_atm)
    response = client.get(reverse("transfers:duty_queue"))
    assert list(response.context["transfers"]) == [s47, urgent, standard]
    assert b"Urgent: section 47" in response.content


def test_the_duty_queue_of_another_team_is_empty(client, world, walk):
    walk(S.WITH_DUTY)
    client.force_login(world.cin_tm)
    response = client.get(reverse("transfers:duty_queue"))
    assert list(response.context["transfers"]) == []
    assert b"No step-up requests are waiting" in response.content


def test_the_duty_manager_picks_up_and_a_second_sees_a_clear_message(client, world, walk):
    transfer = walk(S.WITH_DUTY)
    client.force_login(world.duty_atm)
    assert client.post(url("pick_up", transfer), {"keep": "keep"}).status_code == 302
    client.force_login(world.duty_tm)
    response = client.post(url("pick_up", transfer), {"keep": "keep"}, follow=True)
    assert b"that step is no longer open" in response.content
    transfer.refresh_from_db()
    assert transfer.assigned_to == world.duty_atm
    queue = client.get(reverse("transfers:duty_queue")).content.decode()
    assert f"Picked up by {escape(str(world.duty_atm))}" in queue


def test_a_stale_form_does_not_half_save(client, world, walk, monkeypatch):
    """Another manager decides between this page loading and its submission."""
    from transfers import services

    transfer = walk(S.PICKED_UP)
    client.force_login(world.duty_atm)
    real = services.step_up_decide

    def decided_meanwhile(**kwargs):
        real(
            **{
                **kwargs,
                "by": world.duty_tm,
                "outcome": "nfa_advice",
                "note": "Other manager",
                "contact_reference": "",
                "referral_reference": "",
            }
        )
        return real(**kwargs)

    monkeypatch.setattr(services, "step_up_decide", decided_meanwhile)
    now = timezone.localtime()
    response = client.post(
        url("decision", transfer),
        {
            "discussion_date_0": now.day,
            "discussion_date_1": now.month,
            "discussion_date_2": now.year,
            "discussion_time": now.strftime("%H:%M"),
            "agreed": "yes",
            "agreed_outcome": "s17_assessment",
            "contact_reference": "C",
            "referral_reference": "R",
            "confirm": "yes",
        },
        follow=True,
    )
    # The loser is told who acted first, and nothing they typed was saved.
    assert f"{escape(str(world.duty_tm))} acted on this request first" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == S.NOT_AGREED
    assert transfer.step_up.referral_reference == ""


def test_the_decision_form_checks_dates_and_required_references(client, world, walk):
    transfer = walk(S.PICKED_UP)
    client.force_login(world.duty_atm)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = client.post(
        url("decision", transfer),
        {
            "discussion_date_0": tomorrow.day,
            "discussion_date_1": tomorrow.month,
            "discussion_date_2": tomorrow.year,
            "discussion_time": "10:00",
            "agreed": "yes",
        },
    )
    content = response.content.decode()
    assert "Enter the contact reference" in content
    assert "Enter the referral reference" in content
    response = client.post(
        url("decision", transfer),
        {
            "discussion_date_0": tomorrow.day,
            "discussion_date_1": tomorrow.month,
            "discussion_date_2": tomorrow.year,
            "discussion_time": "10:00",
            "agreed": "no",
            "refused_outcome": "back_to_early_help",
            "note": "No",
            "confirm": "yes",
        },
    )
    assert "cannot be in the future" in response.content.decode()
    response = client.post(
        url("decision", transfer),
        {
            "discussion_date_0": "31",
            "discussion_date_1": "2",
            "discussion_date_2": "2026",
            "discussion_time": "25:00",
            "agreed": "no",
            "refused_outcome": "back_to_early_help",
            "note": "No",
        },
    )
    assert "Enter the time as hours and minutes" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == S.PICKED_UP


def test_allocation_then_visit_and_discussion_complete_the_journey(client, world, walk):
    transfer = walk(S.AWAITING_ALLOCATION)
    client.force_login(world.duty_tm)
    assert client.post(url("allocate", transfer), {"worker": world.sw.pk}).status_code == 302
    client.force_login(world.sw)
    now = timezone.localtime()
    date = {"_0": now.day, "_1": now.month, "_2": now.year}
    clock = now.strftime("%H:%M")
    future = now + timezone.timedelta(days=2)
    response = client.post(
        url("joint_visit", transfer),
        {
            "visited_on_0": future.day,
            "visited_on_1": future.month,
            "visited_on_2": future.year,
            "visited_time": clock,
            "eh_worker_attended": "yes",
        },
    )
    assert b"cannot be in the future" in response.content
    visit = {**{f"visited_on{k}": v for k, v in date.items()}, "visited_time": clock}
    response = client.post(url("joint_visit", transfer), {**visit, "eh_worker_attended": "no"})
    assert b"Enter why the Early Help worker did not attend" in response.content
    client.post(url("joint_visit", transfer), {**visit, "eh_worker_attended": "yes"})
    held = {**{f"held_on{k}": v for k, v in date.items()}, "held_time": clock}
    response = client.post(url("ten_day", transfer), {**held, "supervisor_invited": "on"})
    assert b"The Early Help worker must be invited" in response.content
    client.post(
        url("ten_day", transfer),
        {**held, "worker_invited": "on", "supervisor_invited": "on", "new_plan_agreed": "on"},
    )
    transfer.refresh_from_db()
    assert transfer.status == S.COMPLETED
    page = client.get(world.case.get_absolute_url()).content.decode()
    assert "Early Help worker still involved" in page


def test_withdrawal_needs_a_reason_then_withdraws(client, world, walk):
    transfer = walk(S.WITH_DUTY)
    client.force_login(world.ffp)
    response = client.post(url("withdraw", transfer), {"reason": ""})
    assert b"Enter why the request is withdrawn" in response.content
    client.post(url("withdraw", transfer), {"reason": "Family moved", "confirm": "yes"})
    transfer.refresh_from_db()
    assert transfer.status == S.WITHDRAWN


def test_the_timeline_shows_each_step_and_who_took_it(client, world, walk):
    transfer = walk(S.PICKED_UP)
    client.force_login(world.ffp)
    response = client.get(transfer.get_absolute_url())
    steps = [(e.actor, e.from_state, e.to_state) for e in response.context["timeline"]]
    assert steps == [
        (world.ffp, "", S.ESCALATION_DISCUSSION),
        (world.supervisor, S.ESCALATION_DISCUSSION, S.AWAITING_EH_DECISION),
        (world.eh_tm, S.AWAITING_EH_DECISION, S.READY_TO_SEND),
        (world.supervisor, S.READY_TO_SEND, S.WITH_DUTY),
        (world.duty_atm, S.WITH_DUTY, S.PICKED_UP),
    ]
    timeline = response.content.decode().split('class="govuk-list app-timeline"')[1]
    assert "Sent to Social Care → Picked up by Social Care" in timeline
    assert escape(str(world.duty_atm)) in timeline


def test_a_transfer_with_nothing_recorded_says_so(client, world, walk, monkeypatch):
    # Bulk-loaded transfers (the demo at scale, an import) carry no audit record of their own.
    transfer = walk(S.PICKED_UP)
    monkeypatch.setattr("transfers.views.transfer_timeline", lambda transfer: [])
    client.force_login(world.ffp)
    content = client.get(transfer.get_absolute_url()).content.decode()
    timeline = content.split('<h2 class="govuk-heading-m">Timeline</h2>')[1]
    assert "Nothing recorded yet." in timeline and "app-timeline" not in timeline


def test_home_shows_each_role_what_waits_for_them(client, world, walk):
    transfer = walk(S.WITH_DUTY, urgent=True)
    client.force_login(world.duty_atm)
    panel = next(p for p in client.get("/").context["panels"] if p.key == "transfers")
    assert panel.items == [transfer]
    client.force_login(world.eh_tm)
    panel = next(p for p in client.get("/").context["panels"] if p.key == "transfers")
    assert panel.items == []


def test_the_duty_queue_query_count_does_not_grow(
    client, world, walk, django_assert_max_num_queries
):
    from cases.tests.factories import CaseFactory
    from transfers.tests.conftest import walk_step_up

    for _ in range(5):
        walk_step_up(
            world, S.WITH_DUTY, case=CaseFactory(current_team=world.eh, plan_type="early_help")
        )
    client.force_login(world.duty_atm)
    with django_assert_max_num_queries(12):
        client.get(reverse("transfers:duty_queue"))


def test_the_early_help_worker_still_sees_the_case_after_allocation(client, world, walk):
    walk(S.ALLOCATED)
    client.force_login(world.ffp)
    assert client.get(world.case.get_absolute_url()).status_code == 200


def test_the_duty_team_sees_an_incoming_case_only_while_the_request_is_live(client, world, walk):
    transfer = walk(S.WITH_DUTY)
    client.force_login(world.sw)  # a duty social worker, not named on the request
    assert client.get(world.case.get_absolute_url()).status_code == 200
    from transfers import services

    services.transfer_withdraw(transfer=transfer, by=world.ffp, reason="Moved")
    assert client.get(world.case.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", ["ffp", "sw", "supervisor"])
def test_the_duty_queue_is_for_managers_only(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("transfers:duty_queue")).status_code == 403
    assert b"Duty queue" not in client.get("/").content


def test_the_locality_lead_escalates_from_the_page_and_others_cannot(client, world, walk):
    transfer = walk(S.PICKED_UP)
    from transfers import services

    services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="Below threshold",
    )
    client.force_login(world.ffp)
    assert client.get(url("escalate", transfer)).status_code == 403
    client.force_login(world.locality_lead)
    page = client.get(transfer.get_absolute_url()).content.decode()
    assert url("escalate", transfer) in page
    response = client.post(url("escalate", transfer), {"note": ""})
    assert b"Enter why the decision should be reviewed" in response.content
    response = client.post(url("escalate", transfer), {"note": "Risk is rising", "confirm": "yes"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.step_up.escalation_requested_at is not None
    assert url("escalate", transfer) not in client.get(transfer.get_absolute_url()).content.decode()


def test_a_graft_case_is_decided_on_the_page_by_the_graft_team_manager(client, world):
    from transfers import services

    world.case.current_team = world.graft
    world.case.save()
    world.supervisor.memberships.create(team=world.graft)
    transfer = services.step_up_start(
        case=world.case,
        by=world.graft_worker,
        supervisor=world.supervisor,
        concerns="c",
        work_tried="w",
        why_now="n",
        urgent=False,
        section_47=False,
    )
    services.step_up_submit(transfer=transfer, by=world.supervisor)
    client.force_login(world.eh_tm)
    assert client.get(url("eh_decision", transfer)).status_code == 404  # not their case at all
    client.force_login(world.graft_tm)
    response = client.post(
        url("eh_decision", transfer),
        {
            "all_work_done": "yes",
            "threshold_met": "yes",
            "outcome": "Agreed",
            "actions": "Send the form",
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == S.READY_TO_SEND


def test_under_the_12_week_rule_duty_cannot_pick_up_on_the_page(client, world, walk):
    from transfers.tests.conftest import closed_recently

    closed_recently(world.case, world.cin_tm, days=30)
    transfer = walk(S.WITH_DUTY)
    client.force_login(world.duty_atm)
    assert client.get(transfer.get_absolute_url()).status_code == 404  # not sent to them
    client.force_login(world.cin_tm)
    assert client.post(url("pick_up", transfer), {"keep": "keep"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.assigned_to == world.cin_tm


def test_a_duty_manager_cannot_withdraw_early_helps_request_on_the_page(client, world, walk):
    transfer = walk(S.WITH_DUTY)
    client.force_login(world.duty_tm)
    assert client.get(url("withdraw", transfer)).status_code == 403
    assert client.post(url("withdraw", transfer), {"reason": "No"}).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == S.WITH_DUTY


def test_the_duty_queue_link_is_for_social_care_managers(client, world):
    client.force_login(world.duty_tm)
    assert b"Duty queue" in client.get("/").content
    client.force_login(world.eh_tm)  # a team manager, but of Early Help
    assert b"Duty queue" not in client.get("/").content
