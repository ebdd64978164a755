import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from cases.choices import AllocationState, Involvement
from cases.demo import DEMO_PASSWORD, DEMO_PREFIX
from cases.models import Allocation, Case
from people.models import Service, Team, User
from people.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_an_authority_and_is_idempotent():
    call_command("seed_demo", cases=200)
    assert Case.objects.filter(reference__startswith=DEMO_PREFIX).count() == 200
    # One open allocation per case (the demo's transfer-in requests add cases of their own).
    assert Allocation.objects.filter(ended_at__isnull=True).count() == Case.objects.count()
    assert set(Team.objects.values_list("service", flat=True)) == set(Service.values)
    roles_held = set(User.objects.values_list("groups__name", flat=True))
    assert set(Role.values) <= roles_held
    assert set(Case.objects.values_list("plan_type", flat=True)) == {
        "none",
        "early_help",
        "cin",
        "cp",
        "cic",
    }
    users = User.objects.count()
    call_command("seed_demo", cases=200)
    assert Case.objects.filter(reference__startswith=DEMO_PREFIX).count() == 200
    assert User.objects.count() == users


def test_seed_demo_grows_to_a_larger_number_in_batches():
    call_command("seed_demo", cases=50)
    call_command("seed_demo", cases=4500)  # crosses several bulk batches
    assert Case.objects.filter(reference__startswith=DEMO_PREFIX).count() == 4500
    # One open allocation per case; the demo's state changes and step-ups add closed ones.
    assert Allocation.objects.filter(ended_at__isnull=True).count() == Case.objects.count()
    assert Case.objects.filter(reference=f"{DEMO_PREFIX}0004500").exists()


def test_demo_users_sign_in_with_the_documented_password():
    call_command("seed_demo", cases=0)
    # A login comes with its request: django-axes counts failures per address.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="dutytm", password=DEMO_PASSWORD) is not None


def test_disabled_children_are_held_by_the_disabled_childrens_service():
    call_command("seed_demo", cases=400)
    for case in Case.objects.filter(has_disability=True, plan_type__in=["cin", "cp", "cic"]):
        assert case.current_team.service in (Service.DISABLED_CHILDREN, Service.YOUNG_PEOPLE)


def test_seed_demo_shows_every_case_state_once_however_often_it_runs():
    call_command("seed_demo", cases=200)
    assert set(Case.objects.values_list("involvement", flat=True)) == set(Involvement.values)
    assert set(Case.objects.values_list("allocation", flat=True)) == set(AllocationState.values)
    closed = Case.objects.get(involvement=Involvement.CLOSED)
    closer = closed.last_closed_to_social_care_by
    assert closer.managed_teams.count() == 2
    assert closed.last_closed_to_social_care_team in closer.managed_teams.all()
    assert 0 < (timezone.localdate() - closed.last_closed_to_social_care_on).days <= 84
    held = Case.objects.get(allocation=AllocationState.HELD_BY_TEAM_LEADER)
    assert held.plan_type == "cin" and held.allocated_worker is None
    call_command("seed_demo", cases=200)
    assert Case.objects.filter(involvement=Involvement.CLOSED).count() == 1
    assert Case.objects.filter(allocation=AllocationState.HELD_BY_TEAM_LEADER).count() == 1
