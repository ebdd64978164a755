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
