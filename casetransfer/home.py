"""What each person's home page shows: the things that need their action, by role."""

from dataclasses import dataclass, field

from cases.selectors import cases_visible_to, unallocated_cases_for_manager
from deadlines.selectors import due_soon, overdue
from people.models import User
from transfers.selectors import requests_raised_by, transfers_needing_action

PANEL_SIZE = 10


@dataclass
class Panel:
    key: str
    title: str
    items: list = field(default_factory=list)
    total: int = 0
    empty_text: str = ""
    link: str = ""
    link_text: str = ""
    template: str = ""


def home_panels(user: User) -> list[Panel]:
    panels: list[Panel] = []
    late = overdue(user)
    soon = due_soon(user)
    panels.append(
        Panel(
            key="overdue",
            title="Overdue",
            items=list(late[:PANEL_SIZE]),
            total=late.count(),
            empty_text="Nothing is overdue.",
            link="/deadlines/",
            link_text="See all your teams' deadlines",
            template="deadlines/_deadline_table.html",
        )
    )
    panels.append(
        Panel(
            key="due_soon",
            title="Due in the next 2 days",
            items=list(soon[:PANEL_SIZE]),
            total=soon.count(),
            empty_text="Nothing falls due in the next 2 days.",
            template="deadlines/_deadline_table.html",
        )
    )
    waiting = transfers_needing_action(user)
    panels.append(
        Panel(
            key="transfers",
            title="Transfers waiting for you",
            items=list(waiting[:PANEL_SIZE]),
            total=waiting.count(),
            empty_text="No transfer is waiting for you.",
            template="transfers/_transfer_table.html",
        )
    )
    if user.is_worker:
        raised = requests_raised_by(user)
        if raised.exists():
            panels.append(
                Panel(
                    key="my_requests",
                    title="Requests you started",
                    items=list(raised[:PANEL_SIZE]),
                    total=raised.count(),
                    template="transfers/_transfer_table.html",
                )
            )
        mine = cases_visible_to(user).filter(allocated_worker=user).select_related("current_team")
        panels.append(
            Panel(
                key="my_cases",
                title="Cases allocated to you",
                items=list(mine[:PANEL_SIZE]),
                total=mine.count(),
                empty_text="No cases are allocated to you. Your team manager allocates cases.",
                link="/cases/",
                link_text="Search all cases in your teams",
            )
        )
    if user.is_manager:
        waiting = unallocated_cases_for_manager(user)
        panels.append(
            Panel(
                key="unallocated",
                title="Cases waiting for allocation in your teams",
                items=list(waiting[:PANEL_SIZE]),
                total=waiting.count(),
                empty_text="Every case in your teams has an allocated worker.",
            )
        )
    return panels
