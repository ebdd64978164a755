"""Issue 12: GOV.UK "check answers" before an irreversible decision on a transfer. A valid
answer is shown back in people's words and nothing happens until it is confirmed; "Change"
returns to the form with every answer kept; confirming takes the step once, as before."""

from datetime import datetime
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AuditEvent
from deadlines.calendar import LONDON
from transfers import services
from transfers.models import TransferStatus
from transfers.tests.test_team_moves import cin_case, propose, teams  # noqa: F401

S = TransferStatus
pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


def url(name, transfer):
    return reverse(f"transfers:{name}", args=[transfer.pk])


class _CheckPage(HTMLParser):
    """The summary list's rows (question, answer, what its Change button says), the hidden
    inputs, and the confirm button of a check-answers page."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self.hidden: list[tuple[str, str]] = []
        self.buttons: list[dict] = []
        self._cell, self._in_button = None, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div" and "govuk-summary-list__row" in classes:
            self.rows.append({"key": "", "value": "", "change": ""})
        for part in ("key", "value", "actions"):
            if f"govuk-summary-list__{part}" in classes:
                self._cell = "change" if part == "actions" else part
        if (
            tag == "input"
            and attrs.get("type") == "hidden"
            and attrs["name"] != "csrfmiddlewaretoken"
        ):
            self.hidden.append((attrs["name"], attrs["value"]))
        if tag == "button":
            self.buttons.append({**attrs, "text": ""})
            self._in_button = True
        if tag == "br" and self._cell and self.rows:
            self.rows[-1][self._cell] += " "

    def handle_endtag(self, tag):
        if tag in ("dt", "dd"):
            self._cell = None
        if tag == "button":
            self._in_button = False

    def handle_data(self, data):
        if self._cell and self.rows:
            self.rows[-1][self._cell] += data
        if self._in_button:
            self.buttons[-1]["text"] += data

    def answers(self) -> dict[str, str]:
        return {" ".join(r["key"].split()): " ".join(r["value"].split()) for r in self.rows}

    @property
    def confirm(self) -> dict:
        return next(b for b in self.buttons if b.get("name") == "confirm")


def _page(response) -> _CheckPage:
    return _CheckPage(response.content.decode())


def _refusal(held_at: datetime) -> dict:
    return {
        "discussion_date_0": held_at.day,
        "discussion_date_1": held_at.month,
        "discussion_date_2": held_at.year,
        "discussion_time": held_at.strftime("%H:%M"),
        "agreed": "no",
        "refused_outcome": "back_to_early_help",
        "note": "Threshold not met.\nTry a family group conference.",
    }


@pytest.fixture
def picked_up(walk):
    """A step-up picked up by duty on Mon 23 Nov 2026 at 10:00, the clock stopped there."""
    with time_machine.travel(MONDAY, tick=False):
        yield walk(S.PICKED_UP)


def test_the_check_page_shows_the_answers_in_words_and_saves_nothing(client, world, picked_up):
    transfer = picked_up
    client.force_login(world.duty_atm)
    audits = AuditEvent.objects.count()
    response = client.post(url("decision", transfer), _refusal(MONDAY))

    assert response.status_code == 200
    assert response.templates[0].name == "transfers/check_answers.html"
    content = unescape(response.content.decode())
    title = "Check your answers before you record Social Care's decision"
    dash = "\N{EN DASH}"
    assert (
        f"<title>{title} {dash} Case {transfer.case.reference} {dash} casetransfer</title>"
        in content
    )
    assert f'<h1 class="govuk-heading-l">{title}</h1>' in content
    page = _page(response)
    assert page.answers() == {
        "Date of the discussion": "Mon 23 Nov 2026",
        "Time of the discussion": "10:00",
        "Is the step-up agreed?": "No",
        "What happens next?": "Back to Early Help",
        "Reasons for the decision": "Threshold not met. Try a family group conference.",
    }
    # A refusal warns what happens next, and that it is final.
    assert "govuk-warning-text" in content and "You cannot change this decision" in content
    assert page.confirm["value"] == "yes"
    assert "govuk-button--warning" in page.confirm["class"]
    assert page.confirm["text"].strip() == "Confirm and record Social Care's decision"
    # The answers travel in the page, not in the address.
    assert ("discussion_date_0", "23") in page.hidden and ("agreed", "no") in page.hidden
    assert "?" not in (response.wsgi_request.get_full_path())
    # Nothing saved, nothing audited.
    transfer.refresh_from_db()
    assert transfer.status == S.PICKED_UP and transfer.step_up.sc_outcome == ""
    assert AuditEvent.objects.count() == audits


def test_an_agreed_decision_shows_its_references_not_the_refusal_questions(
    client, world, picked_up
):
    client.force_login(world.duty_atm)
    data = {
        **_refusal(MONDAY),
        "agreed": "yes",
        "agreed_outcome": "s47_strategy",
        "contact_reference": "EHM-C-1",
        "referral_reference": "LCS-R-2",
        "note": "",
    }
    response = client.post(url("decision", picked_up), data)
    page = _page(response)
    answers = page.answers()
    assert answers["Is the step-up agreed?"] == "Yes"
    assert answers["Contact reference (EHM)"] == "EHM-C-1"
    assert answers["Reasons for the decision"] == "Not given"
    assert "Back to Early Help" not in response.content.decode()
    assert "govuk-warning-text" not in response.content.decode()
    assert "govuk-button--warning" not in page.confirm["class"]


def test_change_returns_to_the_form_with_every_answer_kept(client, world, picked_up):
    client.force_login(world.duty_atm)
    data = _refusal(MONDAY)
    check = _page(client.post(url("decision", picked_up), data))
    note = next(b for b in check.buttons if b.get("name") == "change" and b["value"] == "note")
    assert note["text"] == "Change Reasons for the decision"
    assert note["formaction"] == f"{url('decision', picked_up)}#id_note"

    # What the Change button posts: the hidden answers plus its own name.
    response = client.post(url("decision", picked_up), {**dict(check.hidden), "change": "note"})
    assert response.status_code == 200
    assert response.templates[0].name == "transfers/step_form.html"
    form = response.context["form"]
    assert not form.errors
    assert form["note"].value() == data["note"]
    assert form["refused_outcome"].value() == "back_to_early_help"
    assert form["discussion_time"].value() == "10:00"
    content = response.content.decode()
    assert escape("Threshold not met.") in content
    assert form["agreed"].value() == "no"
    picked_up.refresh_from_db()
    assert picked_up.status == S.PICKED_UP


def test_confirming_takes_the_step_once_with_one_audit_record(client, world, picked_up):
    client.force_login(world.duty_atm)
    check = _page(client.post(url("decision", picked_up), _refusal(MONDAY)))
    confirmed = {**dict(check.hidden), "confirm": "yes"}
    with time_machine.travel(MONDAY, tick=False):
        response = client.post(url("decision", picked_up), confirmed)
        assert response.status_code == 302
        # A second press (the back button, a double click) takes nothing twice: the refused
        # request has left duty's view, and they are told they already did it.
        again = client.post(url("decision", picked_up), confirmed, follow=True)
        assert again.redirect_chain[-1][0] == "/"
        assert "You have already done this" in again.content.decode()
    picked_up.refresh_from_db()
    assert picked_up.status == S.NOT_AGREED
    assert picked_up.step_up.sc_outcome == "back_to_early_help"
    events = AuditEvent.objects.filter(
        subject_id=str(picked_up.pk), action="transfer.refuse_step_up"
    )
    assert events.count() == 1 and events.get().actor == world.duty_atm


def test_the_second_manager_to_confirm_sees_who_acted_first(client, world, picked_up, monkeypatch):
    """Another manager decides while this check page is open: confirming saves nothing."""
    client.force_login(world.duty_atm)
    check = _page(client.post(url("decision", picked_up), _refusal(MONDAY)))
    real = services.step_up_decide

    def decided_meanwhile(**kwargs):
        real(**{**kwargs, "by": world.duty_tm, "outcome": "nfa_advice", "note": "Other manager"})
        return real(**kwargs)

    monkeypatch.setattr(services, "step_up_decide", decided_meanwhile)
    with time_machine.travel(MONDAY, tick=False):
        response = client.post(
            url("decision", picked_up), {**dict(check.hidden), "confirm": "yes"}, follow=True
        )
    # Told on their home page: the refused request has left duty's view (not a 404).
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("home")
    assert f"{escape(str(world.duty_tm))} acted on this request first" in response.content.decode()
    picked_up.refresh_from_db()
    assert picked_up.step_up.sc_outcome == "nfa_advice"
    assert picked_up.decided_by == world.duty_tm
    assert AuditEvent.objects.filter(action="transfer.refuse_step_up").count() == 1


def test_an_invalid_confirming_post_shows_the_form_with_its_errors(client, world, picked_up):
    client.force_login(world.duty_atm)
    check = _page(client.post(url("decision", picked_up), _refusal(MONDAY)))
    tampered = {**dict(check.hidden), "note": " ", "confirm": "yes"}
    audits = AuditEvent.objects.count()
    response = client.post(url("decision", picked_up), tampered)
    assert response.status_code == 200
    assert response.templates[0].name == "transfers/step_form.html"
    assert "Enter the reasons for the decision" in response.content.decode()
    assert AuditEvent.objects.count() == audits
    picked_up.refresh_from_db()
    assert picked_up.status == S.PICKED_UP


def test_a_service_error_on_confirming_shows_the_form_with_its_errors(client, world, walk):
    """The date is the service's to check (not before the form was sent): on confirming."""
    transfer = walk(S.PICKED_UP)
    client.force_login(world.duty_atm)
    data = {**_refusal(timezone.localtime() - timezone.timedelta(days=3)), "confirm": "yes"}
    response = client.post(url("decision", transfer), data)
    assert response.status_code == 200
    assert "The discussion cannot be before the form was sent" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == S.PICKED_UP


@pytest.mark.parametrize(
    ("who", "step", "stage", "data"),
    [
        ("sw", "decision", S.PICKED_UP, {"agreed": "no"}),
        ("duty_tm", "withdraw", S.WITH_DUTY, {"reason": "No"}),
        ("supervisor", "eh_decision", S.AWAITING_EH_DECISION, {"all_work_done": "yes"}),
    ],
)
def test_a_forbidden_user_gets_403_before_any_check_page(
    client, world, walk, who, step, stage, data
):
    transfer = walk(stage)
    client.force_login(getattr(world, who))
    audits = AuditEvent.objects.count()
    assert client.get(url(step, transfer)).status_code == 403
    assert client.post(url(step, transfer), data).status_code == 403
    assert client.post(url(step, transfer), {**data, "confirm": "yes"}).status_code == 403
    assert client.post(url(step, transfer), {**data, "change": "x"}).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == stage
    assert AuditEvent.objects.count() == audits


# --- every step that asks: its check page speaks in people's words -----------------------------


def _refused_step_up(world, walk):
    transfer = walk(S.PICKED_UP)
    return services.step_up_decide(
        transfer=transfer,
        by=world.duty_atm,
        outcome="nfa_advice",
        discussion_held_at=timezone.now(),
        note="Below threshold",
    )


STEPS = {
    "eh_decision": (
        lambda world, walk, request: (walk(S.AWAITING_EH_DECISION), world.eh_tm),
        {"all_work_done": "no", "threshold_met": "yes", "outcome": "Not yet", "actions": "TAF"},
        "Check your answers before you record the Early Help decision",
        5,
        True,
    ),
    "decision": (
        lambda world, walk, request: (walk(S.PICKED_UP), world.duty_atm),
        {
            "discussion_date_0": "1",
            "discussion_date_1": "1",
            "discussion_date_2": "2026",
            "discussion_time": "09:05",
            "agreed": "yes",
            "agreed_outcome": "s17_assessment",
            "contact_reference": "C1",
            "referral_reference": "R1",
        },
        "Check your answers before you record Social Care's decision",
        7,
        False,
    ),
    "withdraw": (
        lambda world, walk, request: (walk(S.WITH_DUTY), world.ffp),
        {"reason": "Family moved away"},
        "Check your answers before you withdraw this request",
        1,
        True,
    ),
    "accept_refusal": (
        lambda world, walk, request: (_refused_step_up(world, walk), world.supervisor),
        {},
        "Check your answers before you accept Social Care's decision",
        1,
        True,
    ),
    "escalate": (
        lambda world, walk, request: (_refused_step_up(world, walk), world.locality_lead),
        {"note": "Risk is rising"},
        "Check your answers before you escalate the decision to the service manager",
        1,
        False,
    ),
    "decide": (
        lambda world, walk, request: (
            propose(
                request.getfixturevalue("teams"),
                cin_case(request.getfixturevalue("teams")),
                request.getfixturevalue("teams").cic,
            ),
            request.getfixturevalue("teams").cic_tm,
        ),
        {"accepted": "no", "reasons": "Not our remit yet"},
        "Check your answers before you decline the transfer",
        2,
        True,
    ),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_each_check_page_shows_questions_and_answers_never_field_names(client, request, step):
    make, data, heading, rows, refusal = STEPS[step]
    if step == "decide":
        transfer, person = make(None, None, request)
    else:
        world, walk = request.getfixturevalue("world"), request.getfixturevalue("walk")
        transfer, person = make(world, walk, request)
        if step == "eh_decision":
            data = {**data, "advice": "Try FGC"}
    client.force_login(person)
    audits = AuditEvent.objects.count()
    response = client.post(url(step, transfer), data)

    assert response.status_code == 200, response.content.decode()[:2000]
    form = response.context["form"]
    assert heading in unescape(response.content.decode())
    page = _page(response)
    assert len(page.rows) == rows
    # A choice's stored value ("no", "s17_assessment") is never what a person reads.
    raw_values = {str(data[n]) for n in data if hasattr(form.fields.get(n), "choices")}
    for row in page.rows:
        key, value = " ".join(row["key"].split()), " ".join(row["value"].split())
        for name in form.fields:
            assert name not in (key, value), (step, name, row)
            if "_" in name:
                assert name not in f"{key} {value}", (step, name, row)
        assert value and value not in raw_values, (step, row)
        assert " ".join(row["change"].split()) == f"Change {key}"
    assert page.confirm["text"].startswith("Confirm and ")
    assert ("govuk-button--warning" in page.confirm["class"]) is refusal
    assert ("govuk-warning-text" in response.content.decode()) is refusal
    assert AuditEvent.objects.count() == audits
