"""The paths of the pages every list and email links to (a case, a transfer), reversed once.

Django's reverse() matches a URL pattern's converters afresh on every call: a home page of
sixty rows, each linking to its case and its transfer, spent 4 ms in it, and the sweep 0.1 ms
an alert (issue 14). `path_to` reverses each page's path once per script prefix, with a
stand-in for its one argument, and writes each call's argument into it as reverse() would:
converted to text and quoted the same way. An argument reverse() would refuse (text holding a
slash, or none) goes to reverse() itself, which raises as it always has.
"""

import functools
from urllib.parse import quote

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# Digits, so that an `<int:...>` pattern takes it as readily as a `<str:...>` one.
_STAND_IN = "918273645"


@functools.lru_cache(maxsize=64)
def _pattern(name: str, script_prefix: str, urlconf: str | None) -> tuple[str, str, bool] | None:
    """The path of `name` split around its argument, and whether it takes text (a `<str:...>`
    pattern) or digits alone (`<int:...>`); None if the stand-in is not found in it once (then
    every call reverses)."""
    path = reverse(name, args=[_STAND_IN], urlconf=urlconf)
    if path.count(_STAND_IN) != 1:
        return None
    before, after = path.split(_STAND_IN)
    try:
        reverse(name, args=["x"], urlconf=urlconf)
    except NoReverseMatch:
        return before, after, False
    return before, after, True


def path_to(name: str, arg: int | str) -> str:
    """reverse(name, args=[arg]) for a page taking one argument: an id or a reference."""
    text = str(arg)
    parts = _pattern(name, get_script_prefix(), get_urlconf())
    digits = text.isascii() and text.isdigit()  # as an `<int:...>` pattern matches
    if parts is None or not text or "/" in text or not (digits or parts[2]):
        return reverse(name, args=[arg])
    before, after, _ = parts
    return before + quote(text, safe=RFC3986_SUBDELIMS + "/~:@") + after
