from django.contrib import admin

from .models import Allocation, Case
from .services import case_create, case_update


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    readonly_fields = ["team", "worker", "started_at", "ended_at", "allocated_by", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "plan_type",
        "involvement",
        "allocation",
        "current_team",
        "allocated_worker",
    ]
    list_filter = ["involvement", "allocation", "plan_type", "current_team__service"]
    search_fields = ["reference", "ics_number", "lcs_number", "ehm_number", "liberi_number"]
    autocomplete_fields = ["current_team", "allocated_worker"]
    # One query for the page, not two a row (issue 14); no date_hierarchy: it aggregates the
    # whole table on every load.
    list_select_related = ["current_team", "allocated_worker"]
    inlines = [AllocationInline]

    # The state machines and the closure they record move only through cases.services.
    STATE_FIELDS = [
        "involvement",
        "allocation",
        "last_closed_to_social_care_on",
        "last_closed_to_social_care_by",
        "last_closed_to_social_care_team",
        "last_closed_social_worker",
    ]

    def get_readonly_fields(self, request, obj=None):
        # Team and worker move through allocation, which keeps the history.
        if obj:
            return ["reference", "current_team", "allocated_worker", *self.STATE_FIELDS]
        return ["reference", *self.STATE_FIELDS]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            case_update(case=obj, by=request.user, note="Changed in the admin", **fields)
        else:
            fields.pop("current_team", None)
            created = case_create(by=request.user, current_team=obj.current_team, **fields)
            obj.pk = created.pk
            obj.reference = created.reference
