from django.contrib import admin

from audit.services import audit_record

from .models import LetterTemplate, TransferInRequest


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    """The words of the letters to the other authority: administrators edit them here; every
    change is audited."""

    list_display = ["kind", "subject", "updated_at"]
    readonly_fields = ["kind", "updated_at"]
    fields = ["kind", "subject", "body", "updated_at"]

    def has_add_permission(self, request):
        return False  # one row per kind, loaded by the data migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = {name: form.initial.get(name) for name in form.changed_data}
        super().save_model(request, obj, form, change)
        if form.changed_data:
            audit_record(
                actor=request.user,
                action="lettertemplate.change",
                subject=obj,
                changes={
                    name: [before[name], form.cleaned_data[name]] for name in form.changed_data
                },
            )


@admin.register(TransferInRequest)
class TransferInRequestAdmin(admin.ModelAdmin):
    """Read only: requests change through their pages, so every step is audited."""

    list_display = ["reference", "status", "requesting_authority", "cca_team", "conference_at"]
    list_filter = ["status", "cca_team"]
    list_select_related = ["cca_team"]  # issue 14: one query for the page, not one a row
    search_fields = ["reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
