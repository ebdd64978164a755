"""A transfer's or a deadline's copy of its case's current team (`case_team`), kept true by the
database: triggers (cases migration 0008) set it on every insert and rewrite it on every move
of the case. A service manager's lists narrow rows by it instead of joining each row's case
(cases.selectors.rows_of_visible_cases; issue 14). Read it in queries only: an instance's copy
is not refreshed when its case moves."""

from django.db import models

# The tables whose rows hold it. Named here, not found by a field's name, so no other table's
# column of that name is trusted to say who sees a row.
ROWS_KEEPING_CASE_TEAM = frozenset({"transfers.transfer", "deadlines.deadline"})


def case_team_field() -> models.ForeignKey:
    return models.ForeignKey(
        "people.Team",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        related_name="+",
    )
