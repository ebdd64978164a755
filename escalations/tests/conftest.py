from casework.tests.conftest import town  # noqa: F401 -- the same small authority
