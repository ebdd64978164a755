from django.contrib import admin

from .models import AuditEvent
from .services import READ_ACTIONS
from .signals import LOGIN_ACTIONS


class KindFilter(admin.SimpleListFilter):
    """Reads (who viewed a case, downloaded a document, exported a list), sign-ins (and failed
    sign-ins and sign-outs) or changes."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [
            ("reads", "Views and downloads"),
            ("sign_ins", "Sign-ins and sign-outs"),
            ("changes", "Changes"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "reads":
            return queryset.filter(action__in=READ_ACTIONS)
        if self.value() == "sign_ins":
            return queryset.filter(action__in=LOGIN_ACTIONS)
        if self.value() == "changes":
            return queryset.exclude(action__in=READ_ACTIONS + LOGIN_ACTIONS)
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is never edited or deleted. To see who viewed a case, filter on
    "Views and downloads" and search for the case reference; for who signed in (and failed to),
    "Sign-ins and sign-outs" and search for the username."""

    list_display = [
        "at",
        "actor",
        "action",
        "subject_type",
        "subject_id",
        "from_state",
        "to_state",
        "ip_address",
        "note",
    ]
    list_filter = [KindFilter, "action", "subject_type"]
    search_fields = ["subject_id", "action", "note", "case__reference", "actor__username"]
    list_select_related = ["actor", "subject_type"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
