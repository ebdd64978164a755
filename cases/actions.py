"""Every button on a case page, built from the same permission functions the services check, so
a button shown is a button that works. The case page renders only this list."""

from django.urls import reverse

from people.models import User

from . import permissions as can
from .models import Case


def _transfer_is_live(case: Case) -> bool:
    from transfers.models import LIVE, Transfer

    return Transfer.objects.filter(case=case, status__in=LIVE).exists()


def case_page_actions(case: Case, user: User) -> list:
    """The transfer actions first, then allocation and closure. While a transfer is live, the
    transfer's own steps allocate and close, so the case page offers neither."""
    from transfers.actions import Action, case_actions

    actions = list(case_actions(case, user))
    live = _transfer_is_live(case)
    ref = [case.reference]
    if not live and can.allocate(case, user):
        actions.append(Action("Allocate a worker", reverse("cases:allocate", args=ref), True))
    if can.hold_by_team_leader(case, user):
        actions.append(
            Action("Hold by team leader", reverse("cases:hold", args=ref), secondary=True)
        )
    if not live and can.close_to_social_care(case, user):
        actions.append(
            Action("Step down to Early Help", reverse("cases:step_down", args=ref), True)
        )
        actions.append(
            Action(
                "Close Social Care involvement",
                reverse("cases:close", args=ref),
                warning=True,
            )
        )
    return actions
