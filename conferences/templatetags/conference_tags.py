from django import template

from audit.templatetags.audit_tags import action_label

from ..models import ConferenceStatus

register = template.Library()

ACTIONS = {
    "transferinrequest.receive": "Request received via MASH",
    "transferinrequest.acknowledge": "Receipt acknowledged; sent to the CCA team",
    "transferinrequest.record_family": "Family recorded as CPE",
    "transferinrequest.record_child": "Child's case opened as CPE",
    "transferinrequest.send_protocol_email": "Protocol email sent",
    "transferinrequest.request_outstanding": "Outstanding information requested",
    "transferinrequest.receive_bundle": "Bundle received",
    "transferinrequest.share_bundle": "Bundle shared with the QA Service Manager and TM",
    "transferinrequest.discuss_with_team_manager": "Discussed with the team manager",
    "transferinrequest.accept_transfer_in": "Accepted",
    "transferinrequest.decline_transfer_in": "Declined",
    "transferinrequest.offer_tentative_date": "Tentative date offered",
    "transferinrequest.record_welfare_visit": "Welfare visit recorded",
    "transferinrequest.record_sw_contact": "Holding social worker's contact recorded",
    "transferinrequest.agree_conference_date": "Conference date agreed",
    "transferinrequest.move_conference_date": "Conference moved",
    "transferinrequest.add_invitee": "Invitee added",
    "transferinrequest.confirm_invitations": "Invitation list confirmed",
    "transferinrequest.hold_conference": "Conference held",
    "transferinrequest.cancel_conference": "Cancelled",
    "bundledocument.upload": "Document added to the bundle",
    "bundledocument.download": "Document downloaded",
}


@register.filter
def conference_action(action: str) -> str:
    return ACTIONS.get(action) or action_label(action)


@register.filter
def conference_state(value: str) -> str:
    try:
        return ConferenceStatus(value).label
    except ValueError:
        return value
