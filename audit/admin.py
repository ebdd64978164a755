from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is never edited or deleted."""

    list_display = ["at", "actor", "action", "subject_type", "subject_id", "from_state", "to_state"]
    list_filter = ["action", "subject_type"]
    search_fields = ["subject_id", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
