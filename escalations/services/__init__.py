"""The escalations app's services: immediate safeguarding concerns (`concerns`) and the
escalation ladder for refusals, blocked transfers, capacity, held children in need and protocol
suspensions (`ladder`)."""

from .concerns import RESPONSE_KIND, concern_close, concern_raise, concern_respond, duty_team_for
from .ladder import (
    escalate_overdue,
    escalation_acknowledge,
    escalation_escalate,
    escalation_raise,
    escalation_record_oversight,
    escalation_resolve,
    escalation_withdraw,
    held_cin_raise,
    level_holders,
    outcomes_for,
    resolve_for_allocated_case,
    suspension_end,
)

__all__ = [
    "RESPONSE_KIND",
    "concern_close",
    "concern_raise",
    "concern_respond",
    "duty_team_for",
    "escalate_overdue",
    "escalation_acknowledge",
    "escalation_escalate",
    "escalation_raise",
    "escalation_record_oversight",
    "escalation_resolve",
    "escalation_withdraw",
    "held_cin_raise",
    "level_holders",
    "outcomes_for",
    "resolve_for_allocated_case",
    "suspension_end",
]
