from casework.tests.conftest import town  # noqa: F401 -- the same small authority
from transfers.tests.conftest import walk, world  # noqa: F401 -- the step-up authority
