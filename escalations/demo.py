"""Demo immediate safeguarding concerns, made through the services: one waiting for duty, and
one duty has answered that goes through EHaSH (seed 000 s3). Idempotent."""

from django.db import transaction

from cases.demo import DEMO_PREFIX
from cases.models import Case
from people.models import User

from .models import SafeguardingConcern
from .services import concern_raise, concern_respond


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _demo_case(team_name: str, skip: int = 0) -> Case | None:
    cases = Case.objects.filter(
        reference__startswith=DEMO_PREFIX, current_team__name=team_name
    ).order_by("reference")
    return cases[skip : skip + 1].first()


@transaction.atomic
def seed_concerns() -> int:
    """Returns how many concerns were made."""
    if SafeguardingConcern.objects.filter(case__reference__startswith=DEMO_PREFIX).exists():
        return 0
    made = 0
    yfs_worker, cc_worker, duty = _user("yfs.worker"), _user("cc.worker"), _user("dutyatm")
    # Not the YFS case the TAF demo uses: a second family.
    yfs_case = _demo_case("Youth & Family Services", skip=1)
    if yfs_case and yfs_worker:
        concern_raise(
            case=yfs_case,
            by=yfs_worker,
            concern="Young person says they were hit at home last night and is afraid to go "
            "back. No safeguarding team manager answering.",
            no_safeguarding_tm_available=True,
            call_back_number="01632 960123",
        )
        made += 1
    cc_case = _demo_case("Children's Centre North")
    if cc_case and cc_worker and duty:
        concern = concern_raise(
            case=cc_case,
            by=cc_worker,
            concern="Toddler arrived at the centre with bruising to the face; mother's account "
            "does not fit.",
            no_safeguarding_tm_available=True,
            may_lead_to_section_47=True,
        )
        concern_respond(
            concern=concern,
            by=duty,
            contact_reference="CON-DEMO-0001",
            response="Logged as a contact; spoke to the Children's Centre worker within the hour.",
            next_steps="Through EHaSH for a strategy discussion with the police today; the "
            "child stays at the centre until then.",
            via_ehash=True,
        )
        made += 1
    return made
