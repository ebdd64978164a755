from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.services import audit_record, diff, snapshot

from .models import Team, TeamMembership, User


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Work", {"fields": ("job_title", "phone")}),
    )
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "job_title", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: records keep their author

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="user.change" if change else "user.create",
            subject=obj,
            changes={k: [None, "changed"] for k in form.changed_data if "password" not in k},
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "locality", "manager", "is_active"]
    list_filter = ["service", "locality", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]
    AUDITED = [
        "name",
        "service",
        "locality",
        "manager",
        "email",
        "remit_min_age",
        "remit_max_age",
        "remit_plan_types",
        "is_active",
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        before = snapshot(Team.objects.get(pk=obj.pk), self.AUDITED) if change else {}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="team.change" if change else "team.create",
            subject=obj,
            changes=diff(before, snapshot(obj, self.AUDITED)),
        )
