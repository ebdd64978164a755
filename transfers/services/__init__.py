from .common import transfer_withdraw
from .step_up import (
    step_up_accept_refusal,
    step_up_allocate,
    step_up_decide,
    step_up_eh_decide,
    step_up_pick_up,
    step_up_record_joint_visit,
    step_up_record_new_plan,
    step_up_record_ten_day_discussion,
    step_up_request_escalation,
    step_up_route,
    step_up_send,
    step_up_start,
    step_up_submit,
)

__all__ = [
    "step_up_accept_refusal",
    "step_up_allocate",
    "step_up_decide",
    "step_up_eh_decide",
    "step_up_pick_up",
    "step_up_record_joint_visit",
    "step_up_record_new_plan",
    "step_up_record_ten_day_discussion",
    "step_up_request_escalation",
    "step_up_route",
    "step_up_send",
    "step_up_start",
    "step_up_submit",
    "transfer_withdraw",
]
from .team_move import (
    transfer_allocate,
    transfer_complete,
    transfer_decide,
    transfer_escalate_capacity,
    transfer_propose,
    transfer_quality_assure,
    transfer_record_missing_work,
    transfer_resolve_missing_work,
    transfer_sign_off_summary,
    transfer_write_summary,
)

__all__ += [
    "transfer_allocate",
    "transfer_complete",
    "transfer_decide",
    "transfer_escalate_capacity",
    "transfer_propose",
    "transfer_quality_assure",
    "transfer_record_missing_work",
    "transfer_resolve_missing_work",
    "transfer_sign_off_summary",
    "transfer_write_summary",
]
from .cin_to_cic import (  # noqa: E402
    cin_to_cic_allocate_team,
    cin_to_cic_allocate_worker,
    cin_to_cic_complete,
    cin_to_cic_notify_administrator,
    cin_to_cic_record_family_told,
    cin_to_cic_record_on_ics,
    cin_to_cic_record_pre_transfer,
    cin_to_cic_record_transfer_discussion,
    cin_to_cic_set_review,
    cin_to_cic_start,
)

__all__ += [
    "cin_to_cic_allocate_team",
    "cin_to_cic_allocate_worker",
    "cin_to_cic_complete",
    "cin_to_cic_notify_administrator",
    "cin_to_cic_record_family_told",
    "cin_to_cic_record_on_ics",
    "cin_to_cic_record_pre_transfer",
    "cin_to_cic_record_transfer_discussion",
    "cin_to_cic_set_review",
    "cin_to_cic_start",
]
