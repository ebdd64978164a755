"""Issue 13: the access matrix, over every URL pattern of the URL conf (and every step table:
transfers, transfer-in conferences, escalations, immediate safeguarding concerns).

Every pattern is walked from `get_resolver()` (so a new page cannot be forgotten: a pattern
nobody here can fill fails the run) and requested, for every role, by a holder of that role in
a team the record belongs to, in another team (the same service, a locality of its own), and in
no team. Which teams a role sees is written down here from the README's access rules, not read
from the application's selectors, so the test checks the code against the rule:

- a record none of whose teams the user may see answers 404, on its page, its downloads and
  every step (never 200, never 500, never 403, which would reveal that it exists);
- a step the user's role may not take answers 403 or 404 (or a redirect, when the request has
  moved past the step), never 200 with a form;
- no page, export or search answer names a case reference the user may not see;
- nothing answers 500.

The data is the demo authority (seed_demo: teams of every kind, two Early Help and Children in
Need teams, step-ups, transfers between teams, children in care, concerns, escalations,
conference requests with uploaded documents), built once for the module inside a transaction
rolled back at the end.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from cases.models import Case
from casework.models import Meeting
from conferences.models import BundleDocument, LetterKind, TransferInRequest
from conferences.views import STEPS as CONFERENCE_STEPS
from conferences.views import StepView as ConferenceStepView
from escalations.models import Escalation, SafeguardingConcern
from escalations.views import ConcernStepView, EscalationStepView, escalation_actions
from people.models import Team, User
from people.roles import ROLE_SCOPE, Role, Scope
from people.tests.factories import TeamFactory, UserFactory
from transfers.actions import STEPS as TRANSFER_STEPS
from transfers.models import LIVE, MissingWork, Transfer
from transfers.views import TransferStepView

# Each test runs in its own savepoint inside the module's transaction (which also tells
# pytest-django to set up the test database).
pytestmark = pytest.mark.django_db

# Patterns with no record behind them and nothing of a child's: the sign-in pages, the health
# check and Django's admin (tested in people/ and audit/). Static files are served by whitenoise,
# outside the URL conf.
ALLOWED_UNCOVERED = re.compile(r"^(admin:|login$|logout$|healthz$)")

# Patterns whose samples are each a different page (a step, a letter), all requested.
EVERY_SAMPLE = {"conferences:step", "conferences:letter", "conferences:letter_pdf"}

# The team a holder of each role belongs to in the demo authority ("own team").
OWN_TEAM = {
    Role.FFP: "Early Help North",
    Role.FSW: "Early Help North",
    Role.EH_SUPERVISOR: "Early Help North",
    Role.LOCALITY_LEAD: "Early Help North",
    Role.SOCIAL_WORKER: "Social Care Duty",
    Role.TEAM_MANAGER: "Social Care Duty",
    Role.ASSISTANT_TEAM_MANAGER: "Social Care Duty",
    Role.SERVICE_MANAGER: "Children in Need North",
    Role.OPERATIONAL_MANAGER: "Children in Need North",
    Role.QA_SERVICE_MANAGER: "Case Conference & QA",
    Role.INDEPENDENT_CHAIR: "Case Conference & QA",
    Role.CCA: "Case Conference & QA",
    Role.ASSISTANT_DIRECTOR: "Social Care Duty",
    Role.INTEGRATED_FAMILY_SERVICES_MANAGER: "Early Help North",
    Role.SENIOR_ADMINISTRATOR: "Case Conference & QA",
    Role.SYSTEM_ADMINISTRATOR: "Social Care Duty",
}


@dataclass(frozen=True)
class Sample:
    """One URL to request, and the teams of the record behind it (None: no record)."""

    path: str
    teams: frozenset[int] | None = None
    transfer: Transfer | None = None
    # The case an escalation or a concern is about: its page names it to whoever oversees the
    # team concerned, even when they cannot open the case itself.
    refs: frozenset[str] = frozenset()


@dataclass
class Authority:
    patterns: dict[str, list[Sample]]
    users: dict[tuple[str, str], User]
    team_of: dict[tuple[str, str], Team | None]
    references: dict[str, frozenset[int]] = field(default_factory=dict)  # case ref -> its teams


def _pattern_names() -> list[tuple[str, list[str]]]:
    """Every named URL pattern as (namespaced name, its argument names)."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                space = f"{pattern.namespace}:" if pattern.namespace else ""
                walk(pattern.url_patterns, prefix + space)
            elif isinstance(pattern, URLPattern):
                name = prefix + (pattern.name or f"<unnamed {pattern.pattern}>")
                found.append((name, list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns)
    return found


# --- the teams each record belongs to (who may see it, by the README's rules) ----------------


def _case_teams(case: Case) -> frozenset[int]:
    """The case's team, the receiving team of a live transfer of it, the duty team of a concern
    about it: any of them seen lets the user see the case."""
    teams = {case.current_team_id}
    teams |= set(case.transfers.filter(status__in=LIVE).values_list("to_team_id", flat=True))
    teams |= set(
        SafeguardingConcern.objects.filter(case=case)
        .exclude(status="closed")
        .values_list("duty_team_id", flat=True)
    )
    return frozenset(t for t in teams if t)


def _request_teams(tir: TransferInRequest) -> frozenset[int]:
    teams = {tir.mash_team_id, tir.cca_team_id, tir.locality_team_id}
    return frozenset(t for t in teams if t)


def _visible_teams(role: str, team: Team | None) -> set[int] | None:
    """The teams a holder of `role` in `team` sees (None: every team), by the README."""
    scope = ROLE_SCOPE[role]
    if scope == Scope.ALL:
        return None
    if team is None:
        return set()
    if scope in (Scope.TEAM, Scope.MANAGED):
        return {team.pk}
    if scope == Scope.LOCALITY:
        return set(Team.objects.filter(locality=team.locality).values_list("pk", flat=True)) | {
            team.pk
        }
    return set(Team.objects.filter(service=team.service).values_list("pk", flat=True))


def _samples(name: str, args: list[str]) -> list[Sample]:
    """The URLs to request for one pattern: up to two records of its kind."""
    app, _, short = name.partition(":")

    def url(**kwargs):
        return reverse(name, kwargs=kwargs)

    if not args:
        return [Sample(reverse(name))]
    if args == ["reference"]:
        cases = list(Case.objects.order_by("pk")[:1]) + list(
            Case.objects.filter(transfers__isnull=False).order_by("-pk")[:1]
        )
        return [Sample(url(reference=c.reference), _case_teams(c)) for c in cases]
    if app == "conferences":
        tirs = list(TransferInRequest.objects.order_by("pk")[:2])
        if args == ["pk"]:
            return [Sample(url(pk=t.pk), _request_teams(t)) for t in tirs]
        if args == ["pk", "document_pk"]:
            docs = BundleDocument.objects.order_by("pk")[:2]
            return [
                Sample(url(pk=d.request_id, document_pk=d.pk), _request_teams(d.request))
                for d in docs
            ]
        # Every letter and every step, each of one request or the other.
        if args == ["pk", "kind"]:
            return [
                Sample(url(pk=tirs[i % 2].pk, kind=kind), _request_teams(tirs[i % 2]))
                for i, kind in enumerate(LetterKind.values)
            ]
        if args == ["pk", "step"]:
            return [
                Sample(url(pk=tirs[i % 2].pk, step=step), _request_teams(tirs[i % 2]))
                for i, step in enumerate(CONFERENCE_STEPS)
            ]
    if app == "escalations" and args == ["pk"]:
        if short in ("concern", "respond", "close"):
            return [
                Sample(
                    url(pk=c.pk),
                    _case_teams(c.case) | {c.duty_team_id},
                    refs=frozenset({c.case.reference}),
                )
                for c in SafeguardingConcern.objects.order_by("pk")[:2]
            ]
        if short == "raise_for_transfer":
            return [_transfer_sample(url, t) for t in Transfer.objects.order_by("pk")[:2]]
        return [
            Sample(
                url(pk=e.pk),
                (_case_teams(e.case) if e.case_id else frozenset()) | {e.team_id},
                refs=frozenset({e.case.reference} if e.case_id else ()),
            )
            for e in Escalation.objects.order_by("pk")[:2]
        ]
    if name == "casework:meeting_held":
        return [Sample(url(pk=m.pk), _case_teams(m.case)) for m in Meeting.objects.order_by("pk")]
    if name == "transfers:missing_work_done":
        return [
            Sample(url(pk=m.transfer_id, item=m.pk), _case_teams(m.transfer.case), m.transfer)
            for m in MissingWork.objects.order_by("pk")[:2]
        ]
    if args == ["pk"] and app in ("transfers", "casework"):
        # One transfer of each kind: every step page is asked of each machine.
        kinds = Transfer.objects.values_list("kind", flat=True).distinct()
        transfers = [Transfer.objects.filter(kind=k).order_by("-pk").first() for k in kinds]
        return [_transfer_sample(url, t) for t in transfers]
    return []


def _transfer_sample(url, transfer: Transfer) -> Sample:
    return Sample(url(pk=transfer.pk), _case_teams(transfer.case), transfer)


def _build(tmp_media) -> Authority:
    call_command("seed_demo", cases=50, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert BundleDocument.objects.exists() and Escalation.objects.exists()
    assert SafeguardingConcern.objects.exists() and Meeting.objects.exists()
    # Missing work found by the receiving team, through the service (the demo has none).
    from transfers.services.team_move import transfer_record_missing_work

    for moving in Transfer.objects.filter(status__in=["accepted", "allocated"]).order_by("pk")[:2]:
        transfer_record_missing_work(
            transfer=moving, by=moving.to_team.manager, description="Chronology not up to date"
        )
    island: dict[str, Team] = {}
    users, team_of = {}, {}
    for role in Role.values:
        own = Team.objects.get(name=OWN_TEAM[role])
        if own.service not in island:
            island[own.service] = TeamFactory(
                name=f"Island {own.service}", service=own.service, locality="Island"
            )
        for where, team in (("own", own), ("other", island[own.service]), ("none", None)):
            users[role, where] = UserFactory(
                username=f"matrix.{role}.{where}",
                roles=[role],
                teams=[team] if team else [],
            )
            team_of[role, where] = team
    patterns: dict[str, list[Sample]] = {}
    for name, args in _pattern_names():
        if ALLOWED_UNCOVERED.match(name):
            continue
        patterns[name] = _samples(name, args)
    references = {c.reference: _case_teams(c) for c in Case.objects.all()}
    return Authority(patterns, users, team_of, references)


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build(media)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_every_url_pattern_is_covered_by_a_record_that_fills_its_arguments(authority):
    uncovered = [name for name, samples in authority.patterns.items() if not samples]
    assert not uncovered, f"no record fills these patterns: add one to _samples: {uncovered}"
    # The allow-list is short and names only what it means to.
    skipped = [n for n, _ in _pattern_names() if ALLOWED_UNCOVERED.match(n)]
    assert {n for n in skipped if not n.startswith("admin:")} == {"login", "logout", "healthz"}


def _reference_pattern(refs) -> re.Pattern:
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, refs)) + r")(?![\w-])")


def _step_permitted(sample: Sample, path: str, user: User) -> bool | None:
    """For a step page (a transfer's, a transfer-in conference's, an escalation's or an
    immediate safeguarding concern's): whether the step's own table lets the user take it now,
    the table its buttons come from. None: not a step page."""
    match = resolve(path)
    view = getattr(match.func, "view_class", None)
    if not view:
        return None
    if sample.transfer is not None and issubclass(view, TransferStepView):
        step = TRANSFER_STEPS[view.step]
        transfer = Transfer.objects.get(pk=sample.transfer.pk)
        return step.permission(transfer, user) and step.allowed(transfer, user)
    if issubclass(view, ConferenceStepView):
        tir = TransferInRequest.objects.get(pk=match.kwargs["pk"])
        return CONFERENCE_STEPS[match.kwargs["step"]].allowed(tir, user)
    if issubclass(view, EscalationStepView):
        escalation = Escalation.objects.get(pk=match.kwargs["pk"])
        offered = {action[1] for action in escalation_actions(escalation, user)}
        return match.view_name in offered
    if issubclass(view, ConcernStepView):
        concern = SafeguardingConcern.objects.get(pk=match.kwargs["pk"])
        return view.permission(concern, user) and concern.status == view.status
    return None


def _overseen_references(visible: set[int] | None) -> set[str]:
    """The cases of the escalations and concerns about a team the user sees: an escalation's
    page, and the lists that lead to it (a home page, the escalations list), name its case to
    whoever oversees the team concerned, even when they cannot open the case itself."""
    if visible is None:
        return set()
    escalated = Escalation.objects.filter(team__in=visible, case__isnull=False)
    concerns = SafeguardingConcern.objects.filter(duty_team__in=visible)
    return set(escalated.values_list("case__reference", flat=True)) | set(
        concerns.values_list("case__reference", flat=True)
    )


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_only_its_teams_records_and_takes_only_its_steps(authority, role):
    client = Client()
    problems = []
    turn = Role.values.index(role)
    for where in ("own", "other", "none"):
        user = authority.users[role, where]
        visible = _visible_teams(role, authority.team_of[role, where])
        hidden_refs = (
            []
            if visible is None
            else [ref for ref, teams in authority.references.items() if not teams & visible]
        )
        hidden = _reference_pattern(hidden_refs) if hidden_refs else None
        overseen = _overseen_references(visible)
        client.force_login(user)
        for name, samples in authority.patterns.items():
            if name not in EVERY_SAMPLE:  # one record a user, each user another (bounded time)
                samples = [samples[turn % len(samples)]]
            turn += 1
            for sample in samples:
                response = client.get(sample.path)
                status = response.status_code
                label = (role, where, name, sample.path, status)
                if status >= 500:
                    problems.append((*label, "server error"))
                    continue
                sees = sample.teams is None or visible is None or bool(sample.teams & visible)
                if not sees and status != 404:
                    problems.append((*label, "another team's record must answer 404"))
                    continue
                permitted = _step_permitted(sample, sample.path, user)
                if permitted is False and status == 200:
                    problems.append((*label, "a step this user may not take answered 200"))
                if status == 200 and hidden:
                    body = b"".join(response) if response.streaming else response.content
                    text = body.decode("utf-8", "replace")
                    leaks = set(hidden.findall(text)) - sample.refs - overseen
                    if leaks:
                        problems.append((*label, f"names other teams' cases {sorted(leaks)}"))
        client.logout()
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("role", Role.values)
def test_own_team_holders_open_their_teams_case_pages(authority, role):
    """The other half of the matrix: the 404s above are not everyone's 404."""
    client = Client()
    user = authority.users[role, "own"]
    team = authority.team_of[role, "own"]
    client.force_login(user)
    # A case of their team, or one a live transfer brings to it (duty holds no case of its own).
    case = Case.objects.filter(current_team=team).order_by("pk").first() or next(
        (Case.objects.get(reference=r) for r, t in authority.references.items() if team.pk in t),
        None,
    )
    if case is None:  # the Case Conference & QA team holds no case: its requests instead
        tir = TransferInRequest.objects.filter(cca_team=team).order_by("pk").first()
        assert client.get(reverse("conferences:detail", args=[tir.pk])).status_code == 200
        return
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
    transfer = Transfer.objects.filter(from_team=team).order_by("pk").first() or (
        Transfer.objects.filter(to_team=team, status__in=LIVE).order_by("pk").first()
    )
    if transfer is not None:
        assert client.get(reverse("transfers:detail", args=[transfer.pk])).status_code == 200


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["own", "other", "none"])
def test_exports_and_search_never_name_another_teams_case(authority, role, where):
    visible = _visible_teams(role, authority.team_of[role, where])
    if visible is None:
        return  # sees every team: nothing to leak
    hidden = [ref for ref, teams in authority.references.items() if not teams & visible]
    assert hidden
    pattern = _reference_pattern(hidden)
    client = Client()
    client.force_login(authority.users[role, where])
    answers = {}
    for register in ("registers:weekly", "registers:historic"):
        for output in ("csv", "xlsx"):
            response = client.get(reverse(register), {"format": output})
            assert response.status_code in (200, 403), (register, output, response.status_code)
            answers[f"{register} {output}"] = response.content
    hidden_cases = Case.objects.filter(reference__in=hidden).order_by("pk")[:3]
    for case in hidden_cases:
        for query in (case.reference, case.last_name, f"{case.first_name} {case.last_name}"):
            response = client.post(reverse("cases:list"), {"q": query})
            assert response.status_code == 200, query
            # The search box shows what was typed: only the results count.
            answers[f"search {query}"] = response.content.decode().replace(query, "")
    answers["case list"] = client.get(reverse("cases:list")).content
    for what, content in answers.items():
        if what.endswith("xlsx"):
            content = _xlsx_text(content)
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        leak = pattern.search(text)
        assert leak is None, f"{what} names another team's case {leak[0]}"


def _xlsx_text(content: bytes) -> str:
    if not content.startswith(b"PK"):
        return content.decode("utf-8", "replace")
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join(str(v) for v in row if v is not None)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )
