import pytest

from casework.tests.conftest import town  # noqa: F401 -- the same small authority
from people.roles import Role
from people.tests.factories import UserFactory
from transfers.tests.conftest import walk, world  # noqa: F401 -- the step-up authority


@pytest.fixture
def director(db):
    return UserFactory(username="ad", roles=[Role.ASSISTANT_DIRECTOR])
