from datetime import date

import factory

from cases.choices import PlanType
from cases.models import Case
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
