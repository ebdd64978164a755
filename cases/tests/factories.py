from datetime import date

import factory

from cases.choices import AllocationState, PlanType
from cases.models import Case
from cases.services import involvement_for_team
from people.tests.factories import TeamFactory


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"CT{n + 1:07d}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = date(2015, 6, 1)
    plan_type = PlanType.CIN
    current_team = factory.SubFactory(TeamFactory)
    allocated_worker = None
    # Where the case is open follows its team, as for a case opened through case_create.
    involvement = factory.LazyAttribute(lambda case: involvement_for_team(case.current_team))
    allocation = factory.LazyAttribute(
        lambda case: (
            AllocationState.ALLOCATED if case.allocated_worker else AllocationState.UNALLOCATED
        )
    )
