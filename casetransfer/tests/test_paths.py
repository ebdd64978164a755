"""path_to writes a page's path as reverse() does, for every argument reverse() takes, and
leaves to reverse() the arguments it refuses."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from casetransfer.paths import path_to

PAGES = [
    ("cases:detail", ["CT-000123", "12", "a b", "ü?&#", "x:y@z~"]),
    ("transfers:detail", [1, 987654, "42"]),
    ("conferences:detail", [7]),
    ("escalations:concern", [8]),
    ("escalations:escalation", [9]),
]


@pytest.fixture
def prefix():
    yield
    set_script_prefix("/")


@pytest.mark.parametrize("script_prefix", ["/", "/children/services/"])
def test_a_path_is_the_one_reverse_writes(script_prefix, prefix):
    set_script_prefix(script_prefix)
    for name, args in PAGES:
        for arg in args:
            assert path_to(name, arg) == reverse(name, args=[arg]), (name, arg)
    assert path_to("transfers:detail", 5).startswith(script_prefix)


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("cases:detail", "a/b"),
        ("cases:detail", ""),
        ("transfers:detail", "abc"),
        ("transfers:detail", -3),
        ("transfers:detail", "²"),
    ],
)
def test_an_argument_reverse_refuses_is_refused(name, arg):
    with pytest.raises(NoReverseMatch):
        reverse(name, args=[arg])
    with pytest.raises(NoReverseMatch):
        path_to(name, arg)
