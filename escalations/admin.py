"""Escalation levels are data the authority edits (audited); escalations and concerns are read
here, and changed only through their services."""

from django.contrib import admin

from audit.services import audit_record

from .models import Escalation, EscalationLevel, OversightRecord, SafeguardingConcern


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["kind", "number", "title", "role"]
    list_filter = ["kind"]
    ordering = ["kind", "number"]

    def save_model(self, request, obj, form, change):
        before = {}
        if change:
            saved = EscalationLevel.objects.get(pk=obj.pk)
            before = {name: str(getattr(saved, name)) for name in form.changed_data}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="escalationlevel.change" if change else "escalationlevel.add",
            subject=obj,
            changes={
                name: [before.get(name), str(form.cleaned_data[name])] for name in form.changed_data
            },
        )

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "status", "level", "team", "raised_by", "raised_at", "outcome"]
    list_filter = ["kind", "status"]
    list_select_related = ["team", "raised_by"]
    search_fields = ["case__reference"]


@admin.register(OversightRecord)
class OversightRecordAdmin(ReadOnlyAdmin):
    list_display = ["escalation", "kind", "happened_on", "recorded_by"]
    list_select_related = ["escalation", "recorded_by"]


@admin.register(SafeguardingConcern)
class SafeguardingConcernAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "status", "duty_team", "raised_at"]
    list_filter = ["status"]
    list_select_related = ["case", "duty_team"]
