"""Every button on a case page, built from the same permission functions the services check, so
a button shown is a button that works. The case page renders only this list."""

from django.urls import reverse

from people.models import User

from . import permissions as can
from .models import Case


def _transfer_is_live(case: Case) -> bool:
    from transfers.selectors import has_live_transfer

    return has_live_transfer(case.pk)


def case_casework_actions(case: Case, user: User) -> list:
    """Meetings (seed 000 s2, s4, s5) and the immediate safeguarding concern (seed 000 s3),
    from the permission functions their services check. Kept apart from the transfer and
    allocation steps of `case_page_actions` (whose tests pin that list); the case page shows
    both in one button group."""
    from casework import permissions as casework
    from escalations import permissions as escalations
    from transfers.actions import Action

    actions = []
    if escalations.raise_concern(case, user):
        actions.append(
            Action(
                "Raise an immediate safeguarding concern",
                reverse("escalations:raise_concern", args=[case.reference]),
                warning=True,
            )
        )
    meeting = reverse("casework:case_meeting_new", args=[case.reference])
    if casework.record_taf_meeting(case, user):
        actions.append(Action("Record a TAF meeting", f"{meeting}?kind=taf", secondary=True))
    if casework.invite_to_cin_meeting(case, user):
        actions.append(Action("Invite to a CIN meeting", f"{meeting}?kind=cin", secondary=True))
    if casework.record_meeting(case, user):
        actions.append(Action("Record a meeting", meeting, secondary=True))
    return actions


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
    from escalations.permissions import escalate_case

    if escalate_case(case, user):
        actions.append(
            Action(
                "Escalate to the service manager",
                reverse("escalations:raise_for_case", args=ref),
                secondary=True,
            )
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
