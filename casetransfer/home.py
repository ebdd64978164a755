"""What each person's home page shows: the things that need their action, by role."""

from dataclasses import dataclass, field

from cases.selectors import cases_visible_to, unallocated_cases_for_manager
from people.models import User

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


def home_panels(user: User) -> list[Panel]:
    panels: list[Panel] = []
    if user.is_worker:
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
