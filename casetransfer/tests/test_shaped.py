"""A shaped template writes what the template engine writes, for every shape of its context,
escaping as the template does; a template that does more with a value than print it is
refused."""

import itertools

import pytest
from django.template import engines
from django.template.loader import get_template

from casetransfer.shaped import ShapedTemplate
from deadlines.emails import _BODY_HTML, _BODY_TEXT, _BODY_VALUES
from deadlines.models import EmailKind

AWKWARD = "<b>Tom & 'Jerry'</b> \"quoted\" \u00e9"


@pytest.mark.parametrize("shaped", [_BODY_TEXT, _BODY_HTML], ids=["text", "html"])
def test_every_shape_of_an_email_body_is_what_the_engine_writes(shaped):
    template = get_template(shaped.template)
    for present in itertools.product([True, False], repeat=len(_BODY_VALUES)):
        for kind in EmailKind.values:
            for text in ("plain", AWKWARD):
                context = {
                    name: f"{name} {text}" if on else ""
                    for name, on in zip(_BODY_VALUES, present, strict=True)
                }
                context["kind"] = kind
                assert shaped.render(context) == template.render(context), (present, kind)


def test_the_html_escapes_and_the_text_does_not():
    context = dict.fromkeys(_BODY_VALUES, AWKWARD) | {"kind": EmailKind.BREACH}
    assert "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in _BODY_HTML.render(context)
    assert AWKWARD in _BODY_TEXT.render(context)


def test_a_shape_is_rendered_once():
    template = engines["django"].from_string("{% if a %}[{{ a }}]{% endif %}{{ b }}!")
    calls = []
    counted = type("Counted", (), {"render": lambda self, c: calls.append(c) or template.render(c)})
    shaped = ShapedTemplate(counted(), ["a", "b"])
    assert shaped.render({"a": "x", "b": "<y>"}) == "[x]&lt;y&gt;!"
    assert shaped.render({"a": "z", "b": "w"}) == "[z]w!"
    assert shaped.render({"a": "", "b": "w"}) == "w!"
    assert len(calls) == 2, "two shapes: with a and without"


@pytest.mark.parametrize("source", ["{{ a|upper }}", "{{ a|title }} and {{ b }}"])
def test_a_template_that_changes_a_value_cannot_be_shaped(source):
    shaped = ShapedTemplate(engines["django"].from_string(source), ["a", "b"])
    with pytest.raises(ValueError, match="cannot be shaped"):
        shaped.render({"a": "some text", "b": "more"})
