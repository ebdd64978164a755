from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.services import audit_record, diff, snapshot

from .models import Team, TeamMembership, User


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]


USER_AUDITED = [
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "job_title",
    "phone",
]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users are deactivated, never deleted. Every change (details, roles, teams) is audited
    with its before and after values."""

    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Work", {"fields": ("job_title", "phone")}),
    )
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "job_title", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or hands out permissions one by one; roles are the
        # way to give access.
        if request.user.is_superuser:
            return ["last_login", "date_joined"]
        return ["is_superuser", "user_permissions", "last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: records keep their author

    def _state(self, user: User | None) -> dict:
        if user is None or user.pk is None:
            return {}
        return {
            **snapshot(user, USER_AUDITED),
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "teams": sorted(user.memberships.values_list("team__name", flat=True)),
        }

    def save_model(self, request, obj, form, change):
        request._audit_before = self._state(User.objects.get(pk=obj.pk) if change else None)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        changes = diff(getattr(request, "_audit_before", {}), self._state(user))
        if "password" in form.changed_data:
            changes["password"] = ["(hidden)", "(changed)"]
        if changes:
            audit_record(
                actor=request.user,
                action="user.change" if change else "user.create",
                subject=user,
                changes=changes,
            )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "service", "locality", "manager", "capacity", "is_active"]
    list_filter = ["service", "locality", "capacity", "is_active"]
    # Capacity changes only through people.services, which audits each step with its reason.
    readonly_fields = ["capacity", "capacity_note"]
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
