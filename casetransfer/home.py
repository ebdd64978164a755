"""What each person's home page shows: the things that need their action, by role."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from cases.models import Case
from cases.selectors import unallocated_panel
from casetransfer.compiled import ModelsCompiledOnce
from casetransfer.ranking import OrderedRows, RankedRows
from conferences.selectors import conference_work
from deadlines.selectors import ranked_due_soon, ranked_overdue
from escalations.selectors import answers_escalations, escalations_panel
from people.models import User
from people.selectors import own_teams
from transfers.selectors import ranked_needing_action, ranked_raised_by

PANEL_SIZE = 10
DEADLINES = "deadlines/_deadline_table.html"
TRANSFERS = "transfers/_transfer_table.html"


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
    more: bool = False  # there are more than `total` (counted only so far)


def _panel(key: str, title: str, rows: QuerySet, **options) -> Panel:
    """The first PANEL_SIZE rows, and how many there are in all."""
    return Panel(key=key, title=title, items=list(rows[:PANEL_SIZE]), total=rows.count(), **options)


def _ranked(key: str, title: str, rows: OrderedRows | RankedRows, **options) -> Panel:
    """A panel over ranked rows (casetransfer.ranking): sorted and counted once."""
    total, more = len(rows), getattr(rows, "more", False)
    return Panel(key=key, title=title, items=rows[:PANEL_SIZE], total=total, more=more, **options)


# Every case allocated to a worker is one they see: no visibility filter to work out. The table
# shows the worker too, hence both joins (it was one query a row). The first rows by SQL
# compiled once, then the count (not a window count alongside: a social worker's home page took
# 60 to 200 ms at 100,000 cases, every case they hold joined and sorted for ten).
def _allocated_to(user_id: int) -> QuerySet[Case]:
    return Case.objects.filter(allocated_worker_id=user_id).select_related(
        "current_team", "allocated_worker"
    )


_my_cases = ModelsCompiledOnce(lambda user_id, shape: _allocated_to(user_id)[:shape])


def home_panels(user: User) -> list[Panel]:
    panels = [
        _ranked(
            "overdue",
            "Overdue",
            ranked_overdue(user),
            template=DEADLINES,
            empty_text="Nothing is overdue.",
            link="/deadlines/",
            link_text="See all your teams' deadlines",
        ),
        _ranked(
            "due_soon",
            "Due in the next 2 days",
            ranked_due_soon(user),
            template=DEADLINES,
            empty_text="Nothing falls due in the next 2 days.",
        ),
        _ranked(
            "transfers",
            "Transfers waiting for you",
            ranked_needing_action(user),
            template=TRANSFERS,
            empty_text="No transfer is waiting for you.",
        ),
    ]
    if user.is_worker:
        raised = ranked_raised_by(user)
        if raised:
            panels.append(
                _ranked("my_requests", "Requests you started", raised, template=TRANSFERS)
            )
        panels.append(
            Panel(
                key="my_cases",
                title="Cases allocated to you",
                items=_my_cases(user.pk, shape=PANEL_SIZE),
                total=_allocated_to(user.pk).count(),
                empty_text="No cases are allocated to you. Your team manager allocates cases.",
                link="/cases/",
                link_text="Search all cases in your teams",
            )
        )
    if user.is_manager and own_teams(user):
        # "In your teams": a manager of no team (an assistant director) has none to show.
        rows, total = unallocated_panel(user, PANEL_SIZE)
        panels.append(
            Panel(
                key="unallocated",
                title="Cases waiting for allocation in your teams",
                items=rows,
                total=total,
                empty_text="Every case in your teams has an allocated worker.",
            )
        )
    if user.is_manager and answers_escalations(user):
        # What is theirs to decide comes straight after anything overdue.
        rows, total = escalations_panel(user, PANEL_SIZE)
        panels.insert(
            1,
            Panel(
                key="escalations",
                title="Escalations for you to decide",
                items=rows,
                total=total,
                template="escalations/_escalation_table.html",
                empty_text="Nothing is escalated to you. Escalations arrive here and by email.",
                link="/escalations/",
                link_text="See all escalations",
            ),
        )
    work = conference_work(user)  # the CCA's, QA Service Manager's and Independent Chair's
    if work is not None:
        panels.append(
            _panel(
                "conferences",
                work.title,
                work.rows,
                template="conferences/_request_table.html",
                empty_text=work.empty_text,
                link=work.link,
                link_text="See all transfer-in conferences",
            )
        )
    return panels
