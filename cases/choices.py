from django.db import models


class PlanType(models.TextChoices):
    NONE = "none", "No plan"
    EARLY_HELP = "early_help", "Early Help"
    CIN = "cin", "Child in Need"
    CP = "cp", "Child Protection"
    CIC = "cic", "Child in Care"


class LegalStatus(models.TextChoices):
    NONE = "none", "None"
    SECTION_20 = "s20", "Accommodated (s20)"
    INTERIM_CARE_ORDER = "interim_care_order", "Interim care order"
    CARE_ORDER = "care_order", "Care order"
    PLACEMENT_ORDER = "placement_order", "Placement order"
    SUPERVISION_ORDER = "supervision_order", "Supervision order"


class CareProceedings(models.TextChoices):
    NONE = "none", "None"
    PRE_PROCEEDINGS = "pre_proceedings", "Pre-proceedings (PLO)"
    ISSUED = "issued", "Proceedings issued"
    CONCLUDED = "concluded", "Concluded"


class Involvement(models.TextChoices):
    """Which service the case is open to. The plan (CIN, CP, CiC) stays in `plan_type`."""

    EARLY_HELP = "early_help", "Open to Early Help"
    SOCIAL_CARE = "social_care", "Open to Social Care"
    CLOSED = "closed", "Closed"


class AllocationState(models.TextChoices):
    ALLOCATED = "allocated", "Allocated"
    UNALLOCATED = "unallocated", "Unallocated"
    # Seed 001 s2.6: a child in need no social worker can take is the team leader's to visit
    # and review until allocated.
    HELD_BY_TEAM_LEADER = "held_by_team_leader", "Unallocated, held by the team leader"
