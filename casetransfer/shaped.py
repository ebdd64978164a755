"""A template rendered once per shape, then filled in: for text written thousands of times a
minute from a few plain values (the sweep's alert emails).

The sweep writes two bodies (text and HTML) for each deadline that falls due; Django's
template engine took 0.15 ms a render, a sixth of the sweep's time a row (issue 14).
`ShapedTemplate` renders the template once for each shape of its context (which values are
empty, and the values it compares with others, as given), with a stand-in for every other
value, and splits the output around the stand-ins; a call then joins the parts with its own
values, each escaped as the template would have escaped it (Django's `escape`, under
autoescape) or not at all (`autoescape=False`, for a template written in
`{% autoescape off %}`).

So only a template that prints its values as they are (`{{ value }}`, no filters, no
attribute lookups, no tags that read them but `{% if value %}`) may be shaped; the values
given are text. Values it compares (`{% if kind != 'reminder' %}`) are named as `compared`:
they are rendered as given and are part of the shape. A filter that changes a stand-in is found
(the first render raises), not every one: the tests compare a shaped render with the engine's
for every shape.
"""

import html
import threading
from collections.abc import Iterable
from typing import Any

from django.template.loader import get_template

# A private-use character, which no escaping changes and no email holds.
_MARK = "\ue000"


class ShapedTemplate:
    def __init__(
        self,
        template: str | Any,
        values: Iterable[str],
        *,
        compared: Iterable[str] = (),
        autoescape: bool = True,
    ):
        # A template's name, or a template (the engine's, with .render(dict)).
        self.template = template
        self.values = tuple(values)
        self.compared = tuple(compared)
        self.autoescape = autoescape
        self._shapes: dict[tuple, list[str]] = {}
        self._lock = threading.Lock()

    def render(self, context: dict[str, str]) -> str:
        """What get_template(name).render(context) gives."""
        shape = (
            tuple(bool(context[name]) for name in self.values),
            tuple(context[name] for name in self.compared),
        )
        parts = self._shapes.get(shape)
        if parts is None:
            with self._lock:
                parts = self._shapes.get(shape) or self._split(context)
                self._shapes[shape] = parts
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(part)
            else:
                value = str(context[part])
                # Django's escape() is html.escape, its result marked safe: the same text.
                out.append(html.escape(value) if self.autoescape else value)
        return "".join(out)

    def _split(self, context: dict[str, str]) -> list[str]:
        """The template rendered with a stand-in for each non-empty value: literal text and
        value names by turns (even places text, odd places names)."""
        stand_ins = {name: f"{_MARK}{name}{_MARK}" if context[name] else "" for name in self.values}
        template = get_template(self.template) if isinstance(self.template, str) else self.template
        rendered = template.render({**stand_ins, **{name: context[name] for name in self.compared}})
        parts = rendered.split(_MARK)
        names = parts[1::2]
        if len(parts) % 2 == 0 or any(name not in self.values for name in names):
            raise ValueError(f"{self.template}: a value is not printed as given; cannot be shaped")
        return parts
