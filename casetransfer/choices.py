"""What a field's get_FOO_display() says, read from its choices enum.

Django's own builds a dict of every choice on each call (its values made hashable one by one):
a tenth of the time a table of transfers took to render (issue 14). A model whose field takes
its choices from an enum defines get_FOO_display with this, which Django then leaves as it is.
"""

from django.db import models


def choice_label(choices: type[models.Choices], value):
    """The label of `value` among `choices`; `value` itself when it is not one of them, as
    Django's get_FOO_display answers."""
    try:
        return choices(value).label
    except ValueError:
        return value
