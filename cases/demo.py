"""Demo data: a realistic, entirely fictional authority. Idempotent: running it again creates
only what is missing. Cases are bulk-inserted so 100,000 take well under a minute."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from people.models import RemitDisability, Service, Team, TeamMembership, User
from people.roles import Role

from .choices import AllocationState, CareProceedings, Involvement, LegalStatus, PlanType
from .models import Allocation, Case
from .services import (
    case_allocate,
    case_close_to_social_care,
    case_flag_adult_transitions,
    case_hold_by_team_leader,
    involvement_for_team,
)

DEMO_PASSWORD = "casetransfer-demo"  # documented in README; demo data only
DEMO_PREFIX = "DM"
BATCH = 2000
# A large county holds about 10,000 open cases (issue 14). A bigger demo is several such
# counties' worth of teams and staff, one set of every team for each CASES_PER_TEAM_SET cases:
# at 100,000 cases a social worker still holds a caseload, not 15,000 children. Set 1 keeps
# the names below; set n adds " n" to each team's name and locality and ".n" to each username.
CASES_PER_TEAM_SET = 10_000


@dataclass(frozen=True)
class TeamSpec:
    name: str
    service: str
    locality: str
    min_age: int
    max_age: int
    plan_types: tuple[str, ...]
    manager: str
    workers: tuple[tuple[str, str], ...]  # (username, role)
    disability: str = RemitDisability.ANY


EH, CIN, CP, CIC = PlanType.EARLY_HELP, PlanType.CIN, PlanType.CP, PlanType.CIC
TEAMS = [
    TeamSpec(
        "Early Help North",
        Service.EARLY_HELP,
        "North",
        0,
        17,
        (EH,),
        "ehtm.north",
        (("ffp.north", Role.FFP), ("fsw.north", Role.FSW), ("ehsup.north", Role.EH_SUPERVISOR)),
    ),
    TeamSpec(
        "Early Help South",
        Service.EARLY_HELP,
        "South",
        0,
        17,
        (EH,),
        "ehtm.south",
        (("ffp.south", Role.FFP), ("ehsup.south", Role.EH_SUPERVISOR)),
    ),
    TeamSpec("Graft", Service.GRAFT, "North", 10, 17, (EH,), "grafttm", (("fsw.graft", Role.FSW),)),
    TeamSpec(
        "Social Care Duty",
        Service.SOCIAL_CARE_DUTY,
        "",
        0,
        17,
        (),
        "dutytm",
        (("dutyatm", Role.ASSISTANT_TEAM_MANAGER), ("sw.duty", Role.SOCIAL_WORKER)),
    ),
    TeamSpec(
        "Assessment North",
        Service.ASSESSMENT,
        "North",
        0,
        17,
        (CIN, CP),
        "assesstm",
        (("sw.assess", Role.SOCIAL_WORKER),),
    ),
    TeamSpec(
        "Children in Need North",
        Service.CHILDREN_IN_NEED,
        "North",
        0,
        17,
        (CIN, CP),
        "cintm.north",
        (("sw.cin.north", Role.SOCIAL_WORKER), ("cindtm.north", Role.ASSISTANT_TEAM_MANAGER)),
    ),
    TeamSpec(
        "Children in Need South",
        Service.CHILDREN_IN_NEED,
        "South",
        0,
        17,
        (CIN, CP),
        "cintm.south",
        (("sw.cin.south", Role.SOCIAL_WORKER),),
    ),
    # The same team manager runs both South teams, so the 12-week rule has to know which team
    # closed a case, not only who.
    TeamSpec(
        "Children in Need South Coast",
        Service.CHILDREN_IN_NEED,
        "South",
        0,
        17,
        (CIN, CP),
        "cintm.south",
        (("sw.cin.south", Role.SOCIAL_WORKER),),
    ),
    TeamSpec(
        "Children in Care",
        Service.CHILDREN_IN_CARE,
        "",
        0,
        17,
        (CIC,),
        "cictm",
        (("sw.cic", Role.SOCIAL_WORKER), ("cicdtm", Role.ASSISTANT_TEAM_MANAGER)),
    ),
    TeamSpec(
        "Disabled Children Team",
        Service.DISABLED_CHILDREN,
        "",
        0,
        15,
        (CIN, CP, CIC),
        "dcttm",
        (("sw.dct", Role.SOCIAL_WORKER),),
        disability=RemitDisability.DISABLED_ONLY,
    ),
    TeamSpec(
        "Young People's Team",
        Service.YOUNG_PEOPLE,
        "",
        16,
        17,
        (CIN, CP, CIC),
        "yptm",
        (("sw.ypt", Role.SOCIAL_WORKER),),
        disability=RemitDisability.DISABLED_ONLY,
    ),
    TeamSpec(
        "Youth & Family Services",
        Service.YOUTH_AND_FAMILY,
        "",
        8,
        17,
        (EH, PlanType.NONE),
        "yfstm",
        (("yfs.worker", Role.FSW),),
    ),
    TeamSpec(
        "Children's Centre North",
        Service.CHILDRENS_CENTRE,
        "North",
        0,
        5,
        (EH, PlanType.NONE),
        "cctm",
        (("cc.worker", Role.FSW),),
    ),
    TeamSpec(
        "Case Conference & QA",
        Service.CONFERENCE_AND_QA,
        "",
        0,
        17,
        (),
        "qasm",
        (("cca", Role.CCA), ("chair", Role.INDEPENDENT_CHAIR)),
    ),
    TeamSpec("MASH", Service.MASH, "", 0, 17, (), "mashtm", (("mash.worker", Role.SOCIAL_WORKER),)),
]
# Managers above team level: (username, role, teams they belong to, for their scope).
SENIOR_USERS = [
    ("locality.north", Role.LOCALITY_LEAD, ["Early Help North", "Graft"]),
    ("locality.south", Role.LOCALITY_LEAD, ["Early Help South"]),
    (
        "sm.socialcare",
        Role.SERVICE_MANAGER,
        [
            "Social Care Duty",
            "Assessment North",
            "Children in Need North",
            "Children in Need South",
            "Children in Care",
            "Disabled Children Team",
            "Young People's Team",
        ],
    ),
    (
        "om.cic",
        Role.OPERATIONAL_MANAGER,
        ["Children in Care", "Children in Need North", "Children in Need South"],
    ),
    ("ad", Role.ASSISTANT_DIRECTOR, []),
    ("ifsm", Role.INTEGRATED_FAMILY_SERVICES_MANAGER, []),
    ("senioradmin", Role.SENIOR_ADMINISTRATOR, []),
    ("sysadmin", Role.SYSTEM_ADMINISTRATOR, []),
]
MANAGER_ROLE = {"qasm": Role.QA_SERVICE_MANAGER}

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dylan",
    "Ella",
    "Finley",
    "Grace",
    "Harry",
    "Isla",
    "Jacob",
    "Keira",
    "Leo",
    "Maya",
    "Noah",
    "Olivia",
    "Poppy",
    "Reuben",
    "Sofia",
    "Theo",
    "Zara",
    "Aisha",
    "Callum",
    "Freya",
    "Kai",
    "Lily",
    "Mason",
    "Nia",
    "Oscar",
]
LAST_NAMES = [
    "Adeyemi",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Smith",
    "Taylor",
    "Usman",
    "Walker",
    "Wright",
    "Young",
]
# How often each plan type appears: mostly Early Help and CIN, as in a real authority.
PLAN_WEIGHTS = [(EH, 35), (CIN, 30), (CP, 15), (CIC, 12), (PlanType.NONE, 8)]


STAFF_FIRST = [
    "Alex",
    "Bea",
    "Chris",
    "Dee",
    "Eli",
    "Fran",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kit",
    "Lou",
    "Mo",
    "Nat",
    "Ola",
    "Pat",
    "Ray",
    "Sam",
    "Tam",
    "Val",
    "Wyn",
]
STAFF_LAST = [
    "Ashby",
    "Brook",
    "Carter",
    "Dunn",
    "Ellis",
    "Frost",
    "Gill",
    "Hale",
    "Irving",
    "Judd",
    "Kerr",
    "Lane",
    "Marsh",
]


def _person_name(username: str) -> tuple[str, str]:
    """A fictional, stable name for a demo username."""
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(username))
    return STAFF_FIRST[seed % len(STAFF_FIRST)], STAFF_LAST[(seed // 7) % len(STAFF_LAST)]


def team_sets(cases: int, per_set: int = CASES_PER_TEAM_SET) -> int:
    """How many sets of teams `cases` demo cases need: one a CASES_PER_TEAM_SET, at least one;
    per_set 0 keeps one set whatever the size (every case in the same 15 teams)."""
    return max(1, -(-cases // per_set)) if per_set > 0 else 1


def in_set(name: str, n: int, sep: str = " ") -> str:
    """A team's name (sep " ") or a username (sep ".") in set n; set 1 has the plain name."""
    return name if n == 1 else f"{name}{sep}{n}"


def set_of_team(name: str) -> int:
    """Which set a demo team's name belongs to (1 for any other team)."""
    base, _, number = name.rpartition(" ")
    if number.isdigit() and any(spec.name == base for spec in TEAMS):
        return int(number)
    return 1


def seed_people(sets: int = 1) -> dict[str, Team]:
    """Teams, their managers and workers, and senior managers, in `sets` sets. Idempotent.
    Returns set 1's teams by name."""
    return seed_team_sets(sets)[0]


@transaction.atomic
def seed_team_sets(sets: int) -> list[dict[str, Team]]:
    """Each set's teams, keyed by set 1's names. The county-wide seniors (assistant director,
    IFS manager, senior administrator, system administrator) are in set 1 only."""
    groups = {g.name: g for g in Group.objects.all()}
    password_hash = make_password(DEMO_PASSWORD)  # hashing is slow by design: do it once

    def user(username: str, role: str) -> User:
        first, last = _person_name(username)
        obj, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "job_title": Role(role).label,
            },
        )
        if created:
            obj.password = password_hash
            obj.is_staff = role == Role.SYSTEM_ADMINISTRATOR
            obj.save()
        obj.groups.add(groups[role])
        return obj

    every_set = []
    for n in range(1, sets + 1):
        teams: dict[str, Team] = {}
        for spec in TEAMS:
            manager = user(
                in_set(spec.manager, n, "."), MANAGER_ROLE.get(spec.manager, Role.TEAM_MANAGER)
            )
            name = in_set(spec.name, n)
            team, _ = Team.objects.update_or_create(
                name=name,
                defaults={
                    "service": spec.service,
                    # A county ten times the size has ten times the localities.
                    "locality": in_set(spec.locality, n) if spec.locality else "",
                    "manager": manager,
                    "remit_min_age": spec.min_age,
                    "remit_max_age": spec.max_age,
                    "remit_plan_types": list(spec.plan_types),
                    "remit_disability": spec.disability,
                    "email": f"{name.lower().replace(' ', '.').replace('&', 'and')}@example.org",
                },
            )
            teams[spec.name] = team
            TeamMembership.objects.get_or_create(user=manager, team=team)
            for username, role in spec.workers:
                worker = user(in_set(username, n, "."), role)
                TeamMembership.objects.get_or_create(user=worker, team=team)
        for username, role, team_names in SENIOR_USERS:
            if n > 1 and not team_names:
                continue
            senior = user(in_set(username, n, "."), role)
            for name in team_names:
                TeamMembership.objects.get_or_create(user=senior, team=teams[name])
        every_set.append(teams)
    return every_set


def _team_for(
    rng: random.Random,
    teams_by_plan: dict[str, list[Team]],
    plan: str,
    age: int,
    disabled: bool,
    teams: dict[str, Team],
    true_age: int,
) -> Team:
    # Seed 001 s3.10 (amended): the Disabled Children's Service holds disabled children on a
    # plan, by their age: the Disabled Children Team to 15, the Young People's Team at 16-17.
    if disabled and plan in (CIN, CP, CIC):
        dct, ypt = teams["Disabled Children Team"], teams["Young People's Team"]
        return dct if dct.remit_covers(age=true_age, plan_type=plan) else ypt
    candidates = [t for t in teams_by_plan[plan] if t.remit_covers(age=age, plan_type=plan)]
    return rng.choice(candidates or teams_by_plan[plan])


def _plan_teams(teams: dict[str, Team]) -> dict[str, list[Team]]:
    """The teams of one set that hold cases on each plan."""
    return {
        EH: [teams["Early Help North"], teams["Early Help South"], teams["Graft"]],
        CIN: [
            teams["Children in Need North"],
            teams["Children in Need South"],
            teams["Assessment North"],
        ],
        CP: [teams["Children in Need North"], teams["Children in Need South"]],
        CIC: [teams["Children in Care"]],
        PlanType.NONE: [teams["Youth & Family Services"], teams["Children's Centre North"]],
    }


def seed_cases(
    *,
    target: int,
    teams: list[dict[str, Team]],
    per_set: int = CASES_PER_TEAM_SET,
    today: date | None = None,
) -> int:
    """Bring the number of demo cases up to `target`: case n in set (n - 1) // per_set + 1 of
    `teams` (the last set when there are fewer). Returns how many were created."""
    today = today or timezone.localdate()
    existing = Case.objects.filter(reference__startswith=DEMO_PREFIX).count()
    if existing >= target:
        return 0
    workers: dict[int, list[User]] = {}
    for m in TeamMembership.objects.select_related("user").prefetch_related("user__groups"):
        if m.user.is_worker:
            workers.setdefault(m.team_id, []).append(m.user)
    by_plan = [_plan_teams(one_set) for one_set in teams]
    plans, weights = zip(*PLAN_WEIGHTS, strict=True)
    now = timezone.now()
    created = 0
    for batch_start in range(existing + 1, target + 1, BATCH):
        numbers = range(batch_start, min(batch_start + BATCH, target + 1))
        cases = []
        for n in numbers:
            rng = random.Random(n)  # noqa: S311 -- the same case every run, whatever the batch
            plan = rng.choices(plans, weights)[0]
            age_days = rng.randint(30, 17 * 365 + 300)
            dob = today - timedelta(days=age_days)
            age = age_days // 365
            true_age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
            disabled = rng.random() < 0.08
            k = min((n - 1) // per_set, len(teams) - 1) if per_set > 0 else 0
            team = _team_for(rng, by_plan[k], plan, age, disabled, teams[k], true_age)
            closing_team = teams[k]["Children in Need North"]
            pool = workers.get(team.pk, [])
            # Most cases are allocated; a few CP/CiC ones are not, so the warning shows.
            worker = rng.choice(pool) if pool and rng.random() < 0.9 else None
            closed_recently = plan == EH and rng.random() < 0.15
            cases.append(
                Case(
                    reference=f"{DEMO_PREFIX}{n:07d}",
                    ics_number=f"ICS{100000 + n}" if plan in (CIN, CP, CIC) else "",
                    lcs_number=f"LCS{200000 + n}" if rng.random() < 0.3 else "",
                    ehm_number=f"EHM{300000 + n}" if plan == EH else "",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    date_of_birth=dob,
                    plan_type=plan,
                    legal_status=(
                        rng.choice(
                            [
                                LegalStatus.SECTION_20,
                                LegalStatus.CARE_ORDER,
                                LegalStatus.INTERIM_CARE_ORDER,
                            ]
                        )
                        if plan == CIC
                        else LegalStatus.NONE
                    ),
                    care_proceedings=(
                        rng.choice(
                            [
                                CareProceedings.NONE,
                                CareProceedings.PRE_PROCEEDINGS,
                                CareProceedings.ISSUED,
                            ]
                        )
                        if plan in (CP, CIC)
                        else CareProceedings.NONE
                    ),
                    has_disability=disabled,
                    current_team=team,
                    allocated_worker=worker,
                    involvement=involvement_for_team(team),
                    allocation=(
                        AllocationState.ALLOCATED if worker else AllocationState.UNALLOCATED
                    ),
                    last_closed_to_social_care_on=(
                        today - timedelta(days=rng.randint(7, 80)) if closed_recently else None
                    ),
                    last_closed_to_social_care_by=(
                        closing_team.manager if closed_recently else None
                    ),
                    last_closed_to_social_care_team=closing_team if closed_recently else None,
                    latest_assessment_on=today - timedelta(days=rng.randint(5, 400)),
                    safety_plan_in_force=plan in (CP,) or rng.random() < 0.1,
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(cases, batch_size=BATCH)
            saved = Case.objects.filter(reference__in=[c.reference for c in cases]).values_list(
                "pk", "current_team_id", "allocated_worker_id"
            )
            Allocation.objects.bulk_create(
                [
                    Allocation(
                        case_id=pk,
                        team_id=team_id,
                        worker_id=worker_id,
                        started_at=now,
                        reason="Demo data",
                    )
                    for pk, team_id, worker_id in saved
                ],
                batch_size=BATCH,
            )
        created += len(cases)
    return created


def _demo_case(team: Team, **filters) -> Case | None:
    return (
        Case.objects.filter(reference__startswith=DEMO_PREFIX, current_team=team, **filters)
        .order_by("reference")
        .first()
    )


@transaction.atomic
def seed_case_states(*, teams: dict[str, Team], today: date | None = None) -> int:
    """Move a few demo cases through the services, so every involvement and allocation state
    shows: a case closed to Social Care three weeks ago by a team manager who runs two teams,
    and a child in need held by the team leader. Idempotent. Returns how many cases moved."""
    today = today or timezone.localdate()
    moved = 0
    coast = teams["Children in Need South Coast"]
    if not Case.objects.filter(last_closed_to_social_care_team=coast).exists():
        south = teams["Children in Need South"]
        case = _demo_case(south, plan_type=CIN, involvement=Involvement.SOCIAL_CARE)
        worker = User.objects.filter(username="sw.cin.south").first()
        if case is not None and worker is not None:
            case_allocate(case=case, team=coast, worker=worker, by=coast.manager, reason="Demo")
            case_close_to_social_care(
                case=case,
                by=coast.manager,
                reason="Child in need plan ended: needs met, family engaging with school.",
                closed_on=today - timedelta(days=21),
            )
            moved += 1
    north = teams["Children in Need North"]
    if not Case.objects.filter(allocation=AllocationState.HELD_BY_TEAM_LEADER).exists():
        case = _demo_case(north, plan_type=CIN, involvement=Involvement.SOCIAL_CARE)
        if case is not None:
            if case.allocated_worker_id is not None:
                case_allocate(
                    case=case, team=north, worker=None, by=north.manager, reason="Worker left"
                )
            case_hold_by_team_leader(
                case=case,
                by=north.manager,
                reason="No social worker has capacity this month; weekly visits by the team "
                "leader until allocation.",
            )
            moved += 1
    return moved


def seed_demo(*, cases: int = 200, per_set: int = CASES_PER_TEAM_SET) -> dict[str, int]:
    every_set = seed_team_sets(team_sets(cases, per_set))
    teams = every_set[0]
    created = seed_cases(target=cases, teams=every_set, per_set=per_set)
    seed_case_states(teams=teams)
    # Bulk-inserted cases skip case_create: their disabled children in the Disabled Children's
    # Service are flagged for adult services the way a live authority's are backfilled.
    case_flag_adult_transitions()
    if created:
        # One record of the load itself; individual demo cases are not audited one by one.
        any_team = next(iter(teams.values()))
        audit_record(
            actor=None, action="demo.seed", subject=any_team, note=f"Loaded {created} demo cases"
        )
    return {
        "teams": sum(len(one_set) for one_set in every_set),
        "users": User.objects.count(),
        "cases_created": created,
        "cases": Case.objects.filter(reference__startswith=DEMO_PREFIX).count(),
    }
