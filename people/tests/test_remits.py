"""Team remits as data (seed 001 s3) and the Disabled Children's Service routing (s3.10 as
amended): why a team does not take a child, and which DCS team does."""

from datetime import date

import pytest

from audit.models import AuditEvent
from cases.choices import PlanType
from cases.models import Case
from people.models import Capacity, RemitDisability, Service, Team
from people.remits import dcs_team_for, remit_refusal, teams_for_transfer
from people.roles import Role
from people.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
CIN, CP, CIC, EH = PlanType.CIN, PlanType.CP, PlanType.CIC, PlanType.EARLY_HELP


def child(*, born: date = date(2014, 5, 10), plan: str = CIN, disabled: bool = False) -> Case:
    """A child as a remit reads one; not saved (remits need no case row)."""
    return Case(date_of_birth=born, plan_type=plan, has_disability=disabled)


@pytest.fixture
def teams():
    dct = TeamFactory(
        name="Disabled Children Team",
        service=Service.DISABLED_CHILDREN,
        locality="",
        remit_min_age=0,
        remit_max_age=15,
        remit_plan_types=[CIN, CP, CIC],
        remit_disability=RemitDisability.DISABLED_ONLY,
    )
    ypt = TeamFactory(
        name="Young People's Team",
        service=Service.YOUNG_PEOPLE,
        locality="",
        remit_min_age=16,
        remit_max_age=17,
        remit_plan_types=[CIN, CP, CIC],
        remit_disability=RemitDisability.DISABLED_ONLY,
    )
    cic = TeamFactory(
        name="Children in Care", service=Service.CHILDREN_IN_CARE, remit_plan_types=[CIC]
    )
    cin = TeamFactory(
        name="Children in Need North", service=Service.CHILDREN_IN_NEED, remit_plan_types=[CIN, CP]
    )
    eh = TeamFactory(name="Early Help North", service=Service.EARLY_HELP, remit_plan_types=[EH])
    return {"dct": dct, "ypt": ypt, "cic": cic, "cin": cin, "eh": eh}


# --- remit_refusal ----------------------------------------------------------------------------


def test_a_team_whose_remit_covers_the_child_refuses_nothing(teams):
    disabled_12 = child(disabled=True)
    assert remit_refusal(teams["dct"], disabled_12, TODAY) is None
    assert remit_refusal(teams["cin"], disabled_12, TODAY) is None  # "any child" takes them too


def test_a_team_for_another_plan_type_says_which_plans_it_serves(teams):
    assert remit_refusal(teams["cic"], child(), TODAY) == (
        "Children in Care serves children on a Child in Care plan; this child is on a Child in "
        "Need plan."
    )
    assert remit_refusal(teams["cin"], child(plan=CIC), TODAY) == (
        "Children in Need North serves children on a Child in Need or Child Protection plan; "
        "this child is on a Child in Care plan."
    )
    assert remit_refusal(teams["eh"], child(plan=PlanType.NONE), TODAY) == (
        "Early Help North serves children on an Early Help plan; this child has no plan."
    )


def test_a_team_for_other_ages_says_which_ages_it_serves(teams):
    assert remit_refusal(teams["ypt"], child(disabled=True), TODAY) == (
        "The Young People's Team serves 16 to 17 year olds; this child is 12."
    )
    sixteen = child(born=date(2010, 1, 1), disabled=True)
    assert remit_refusal(teams["dct"], sixteen, TODAY) == (
        "The Disabled Children Team serves children aged 0 to 15; this child is 16."
    )


def test_the_disability_part_of_a_remit_is_explained_both_ways(teams):
    assert remit_refusal(teams["dct"], child(disabled=False), TODAY) == (
        "The Disabled Children Team serves disabled children only; this child is not recorded "
        "as disabled."
    )
    teams["cin"].remit_disability = RemitDisability.NOT_DISABLED
    refusal = remit_refusal(teams["cin"], child(disabled=True), TODAY)
    assert refusal.startswith(
        "Children in Need North does not serve disabled children; this child is recorded as "
        "disabled"
    )
    assert remit_refusal(teams["cin"], child(disabled=False), TODAY) is None


def test_an_inactive_or_suspended_team_is_refused_with_its_reason(teams):
    dct = teams["dct"]
    dct.is_active = False
    assert remit_refusal(dct, child(disabled=True), TODAY) == (
        "The Disabled Children Team is no longer an active team."
    )
    dct.is_active = True
    Team.objects.filter(pk=dct.pk).update(
        capacity=Capacity.PROTOCOL_SUSPENDED, capacity_note="Two social workers on long leave"
    )
    dct.refresh_from_db()
    assert dct.is_suspended
    assert remit_refusal(dct, child(disabled=True), TODAY) == (
        "The transfer protocol is suspended for Disabled Children Team: Two social workers on "
        "long leave"
    )
    # Escalated capacity is not a suspension: the team still takes the child.
    Team.objects.filter(pk=dct.pk).update(capacity=Capacity.CAPACITY_ESCALATED)
    dct.refresh_from_db()
    assert remit_refusal(dct, child(disabled=True), TODAY) is None


def test_the_age_is_the_childs_age_on_the_date_asked(teams):
    born = date(2010, 11, 23)  # 16 on 23 November 2026
    assert remit_refusal(teams["dct"], child(born=born, disabled=True), date(2026, 11, 22)) is None
    assert remit_refusal(teams["dct"], child(born=born, disabled=True), TODAY) is not None
    assert remit_refusal(teams["ypt"], child(born=born, disabled=True), TODAY) is None


def test_a_remit_that_includes_children_with_no_plan_says_so():
    yfs = TeamFactory(
        name="Youth & Family Services",
        service=Service.YOUTH_AND_FAMILY,
        remit_min_age=8,
        remit_plan_types=[EH, PlanType.NONE],
    )
    assert remit_refusal(yfs, child(plan=CP), TODAY) == (
        "Youth & Family Services serves children on an Early Help plan or with no plan; this "
        "child is on a Child Protection plan."
    )
    assert remit_refusal(yfs, child(plan=PlanType.NONE), TODAY) is None


def test_remit_covers_keeps_working_without_the_disability_and_reads_it_when_given(teams):
    dct = teams["dct"]
    assert dct.remit_covers(age=12, plan_type=CIN)
    assert not dct.remit_covers(age=16, plan_type=CIN)
    assert not dct.remit_covers(age=12, plan_type=EH)
    assert dct.remit_covers(age=12, plan_type=CIN, has_disability=True)
    assert not dct.remit_covers(age=12, plan_type=CIN, has_disability=False)


# --- dcs_team_for -----------------------------------------------------------------------------


def test_a_disabled_child_of_15_goes_to_a_disabled_children_team_and_of_16_to_young_people(teams):
    fifteen = child(born=date(2011, 6, 1), plan=CP, disabled=True)
    sixteen = child(born=date(2010, 6, 1), plan=CIC, disabled=True)
    assert dcs_team_for(fifteen, TODAY) == teams["dct"]
    assert dcs_team_for(sixteen, TODAY) == teams["ypt"]


def test_the_16th_birthday_moves_the_dcs_team_from_that_day(teams):
    born = date(2010, 11, 23)
    disabled = child(born=born, disabled=True)
    assert dcs_team_for(disabled, date(2026, 11, 22)) == teams["dct"]  # the day before: 15
    assert dcs_team_for(disabled, date(2026, 11, 23)) == teams["ypt"]  # the birthday: 16
    assert dcs_team_for(disabled, date(2026, 11, 24)) == teams["ypt"]  # the day after


def test_the_18th_birthday_ends_the_dcs(teams):
    disabled = child(born=date(2008, 11, 23), disabled=True)
    assert dcs_team_for(disabled, date(2026, 11, 22)) == teams["ypt"]
    assert dcs_team_for(disabled, date(2026, 11, 23)) is None


def test_a_child_not_recorded_as_disabled_has_no_dcs_team(teams):
    assert dcs_team_for(child(disabled=False), TODAY) is None


def test_the_dcs_team_in_the_childs_locality_comes_first_then_a_county_wide_one(teams):
    south = TeamFactory(
        name="AAA Disabled Children South",
        service=Service.DISABLED_CHILDREN,
        locality="South",
        remit_max_age=15,
        remit_disability=RemitDisability.DISABLED_ONLY,
    )
    disabled = child(disabled=True)
    assert dcs_team_for(disabled, TODAY, locality="South") == south
    assert dcs_team_for(disabled, TODAY, locality="North") == teams["dct"]  # county-wide
    assert dcs_team_for(disabled, TODAY) == teams["dct"]


def test_a_dcs_team_that_cannot_take_the_child_is_passed_over(teams):
    other = TeamFactory(
        name="Disabled Children Team West",
        service=Service.DISABLED_CHILDREN,
        locality="West",
        remit_max_age=15,
        remit_disability=RemitDisability.DISABLED_ONLY,
    )
    Team.objects.filter(pk=teams["dct"].pk).update(capacity=Capacity.PROTOCOL_SUSPENDED)
    assert dcs_team_for(child(disabled=True), TODAY) == other
    Team.objects.filter(pk=other.pk).update(is_active=False)
    assert dcs_team_for(child(disabled=True), TODAY) is None


# --- teams_for_transfer -----------------------------------------------------------------------


def test_teams_for_transfer_lists_every_other_active_team_with_why_not(teams):
    TeamFactory(name="Closed team", is_active=False)
    disabled_12 = child(disabled=True)
    answers = teams_for_transfer(disabled_12, TODAY, from_team=teams["cin"])
    names = [team.name for team, _ in answers]
    assert sorted(names) == [
        "Children in Care",
        "Disabled Children Team",
        "Early Help North",
        "Young People's Team",
    ]
    reasons = dict((team.name, reason) for team, reason in answers)
    assert reasons["Disabled Children Team"] is None
    assert reasons["Young People's Team"] == (
        "The Young People's Team serves 16 to 17 year olds; this child is 12."
    )
    assert reasons["Children in Care"].startswith("Children in Care serves children on a Child")
    assert reasons["Early Help North"] is not None
    # The teams that can take the child come first.
    assert names[0] == "Disabled Children Team"


def test_teams_for_transfer_offers_a_team_the_child_outgrows_only_until_the_birthday(teams):
    born = date(2010, 11, 23)
    disabled = child(born=born, disabled=True)
    before = dict(teams_for_transfer(disabled, date(2026, 11, 22), from_team=teams["cin"]))
    after = dict(teams_for_transfer(disabled, date(2026, 11, 23), from_team=teams["cin"]))
    assert before[teams["dct"]] is None and before[teams["ypt"]] is not None
    assert after[teams["dct"]] is not None and after[teams["ypt"]] is None


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def sysadmin(client, verified_login):
    admin = UserFactory(username="sysadmin", roles=[Role.SYSTEM_ADMINISTRATOR], is_staff=True)
    verified_login(client, admin)
    return admin


def test_a_teams_remit_is_edited_in_the_admin_and_audited(client, sysadmin):
    team = TeamFactory(name="Disabled Children Team", service=Service.DISABLED_CHILDREN)
    page = client.get(f"/admin/people/team/{team.pk}/change/").content.decode()
    assert "Remit: the children the team serves" in page
    assert 'name="remit_disability"' in page and 'name="remit_plan_types"' in page
    response = client.post(
        f"/admin/people/team/{team.pk}/change/",
        {
            "name": team.name,
            "service": team.service,
            "locality": team.locality,
            "email": "",
            "is_active": "on",
            "remit_min_age": 0,
            "remit_max_age": 15,
            "remit_plan_types": [CIC, CIN],
            "remit_disability": RemitDisability.DISABLED_ONLY,
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.remit_max_age, team.remit_plan_types, team.remit_disability) == (
        15,
        [CIN, CIC],
        RemitDisability.DISABLED_ONLY,
    )
    event = AuditEvent.objects.get(action="team.change")
    assert event.actor == sysadmin
    assert event.changes["remit_disability"] == ["any", "disabled_only"]
    assert event.changes["remit_plan_types"] == [[], ["cin", "cic"]]


def test_the_admin_refuses_a_remit_whose_ages_are_the_wrong_way_round(client, sysadmin):
    team = TeamFactory(name="Young People's Team", service=Service.YOUNG_PEOPLE)
    response = client.post(
        f"/admin/people/team/{team.pk}/change/",
        {
            "name": team.name,
            "service": team.service,
            "locality": team.locality,
            "remit_min_age": 17,
            "remit_max_age": 16,
            "remit_disability": RemitDisability.ANY,
        },
    )
    assert response.status_code == 200
    assert "The oldest age must not be below the youngest" in response.content.decode()
    assert not AuditEvent.objects.filter(action="team.change").exists()
