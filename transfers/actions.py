"""The buttons a person is offered, built from the same permission functions the services check,
so a button shown is a button that works. Pages render only these lists."""

from dataclasses import dataclass

from django.urls import reverse

from people.models import User

from . import permissions as can


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    secondary: bool = False
    warning: bool = False


def case_actions(case, user: User) -> list[Action]:
    """Transfer actions offered on a case page."""
    actions: list[Action] = []
    if can.start_step_up(case, user):
        actions.append(
            Action("Start a step-up to Social Care", reverse("transfers:start", args=[case.reference]))
        )
    return actions
