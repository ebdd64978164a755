"""What each role does in this service, said on their home page: a person whose lists are
empty today still learns what arrives here and where to find it."""

from django import template
from django.urls import reverse

from people.models import Service
from people.roles import Role
from people.selectors import own_teams

register = template.Library()

GUIDANCE = {
    Role.CCA: (
        "You record transfer-in requests from other authorities, track the conference bundle, "
        "send the protocol's letters and schedule the transfer-in conference.",
        "conferences:list",
        "Transfer-in conferences",
    ),
    Role.INDEPENDENT_CHAIR: (
        "You chair transfer-in Child Protection conferences: the ones you are to chair, with "
        "their dates and reports, are listed here.",
        "conferences:chair",
        "Conferences you chair",
    ),
    Role.QA_SERVICE_MANAGER: (
        "You lead transfer-in requests: discuss each bundle with the receiving team manager, "
        "record the decision and offer a tentative conference date.",
        "conferences:qa",
        "Transfer-in requests for your decision",
    ),
    Role.SENIOR_ADMINISTRATOR: (
        "You keep the weekly case transfer list: filter it, print it or download it, and look "
        "back at the historic list.",
        "registers:weekly",
        "The weekly case transfer list",
    ),
}
MASH = (
    "MASH receives transfer-in requests from other authorities: acknowledge each one and pass "
    "it to the case conference team.",
    "conferences:list",
    "Transfer-in requests",
)


@register.simple_tag
def role_guidance(user) -> list[dict]:
    """(text, link, link text) for each of the user's roles that has a guide."""
    found = [GUIDANCE[role] for role in GUIDANCE if user.has_role(role)]
    # One query, only for those MASH may hold (a MASH team's manager or social worker).
    if (
        not found
        and user.has_role(Role.TEAM_MANAGER, Role.SOCIAL_WORKER)
        and any(team.member and team.service == Service.MASH for team in own_teams(user))
    ):
        found.append(MASH)
    return [{"text": t, "url": reverse(name), "link_text": label} for t, name, label in found]
