from django.urls import reverse

from people.models import SOCIAL_CARE_SERVICES, Service
from people.roles import Role
from people.selectors import own_teams
from people.two_factor import two_factor_offered_to


def navigation(request):
    """The service navigation, marking the current section."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "two_factor_offered": False}
    items = [
        ("Home", reverse("home")),
        ("Cases", reverse("cases:list")),
        ("Deadlines", reverse("deadlines:team")),
    ]
    if user.is_manager or user.is_administrator:
        items.append(("Weekly transfer list", reverse("registers:weekly")))
    if user.is_manager:
        items.append(("Escalations", reverse("escalations:list")))
    # The teams' services count only for those whose menu depends on them.
    may_see_duty = user.has_perm("transfers.view_duty_queue")
    teams = own_teams(user)
    services = (
        {team.service for team in teams}
        if may_see_duty or user.is_worker or user.is_manager
        else set()
    )
    if may_see_duty and services & set(SOCIAL_CARE_SERVICES):
        items.append(("Duty queue", reverse("transfers:duty_queue")))
    if user.has_role(Role.TEAM_MANAGER, Role.ASSISTANT_TEAM_MANAGER) or any(
        team.manager_id == user.pk for team in teams
    ):
        items.append(("Incoming transfers", reverse("transfers:inbox")))
    if user.has_role(Role.CCA, Role.QA_SERVICE_MANAGER, Role.INDEPENDENT_CHAIR) or (
        Service.MASH in services
    ):
        items.append(("Transfer-in conferences", reverse("conferences:list")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    path = request.path
    return {
        "two_factor_offered": two_factor_offered_to(user),
        "nav_items": [
            {
                "label": label,
                "url": url,
                "active": path == url if url == "/" else path.startswith(url),
            }
            for label, url in items
        ],
    }
