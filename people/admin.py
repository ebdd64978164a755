from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record, diff, snapshot
from cases.choices import PlanType

from .models import Team, TeamMembership, User
from .services import team_membership_add, team_membership_end, user_password_changed
from .two_factor import two_factor_remove


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

    def log_change(self, request, obj, message):
        # The admin's "change password" page logs its change here once the password is set:
        # audited, and the owner told when it was someone else.
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "auth_user_password_change":
            user_password_changed(user=obj, by=request.user)
        return super().log_change(request, obj, message)

    def save_formset(self, request, form, formset, change):
        """Team memberships go through people.services: leaving a team ends access to its
        cases and hands the leaver's work there back to its manager."""
        if formset.model is not TeamMembership:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            team_membership_end(team=membership.team, user=user, by=request.user)
        for membership in memberships:
            if membership.pk is not None:  # the row now names another team: left one, joined one
                old_team = TeamMembership.objects.get(pk=membership.pk).team
                if old_team.pk != membership.team_id:
                    team_membership_end(team=old_team, user=user, by=request.user)
            team_membership_add(team=membership.team, user=user, by=request.user)
        formset.save_m2m()

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


class TeamAdminForm(forms.ModelForm):
    """The remit as people set it: plan types ticked from the list, not typed as codes."""

    remit_plan_types = forms.MultipleChoiceField(
        label="Remit plan types",
        choices=PlanType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The plan types the team holds. None ticked: any plan type.",
    )

    class Meta:
        model = Team
        fields = [
            "name",
            "service",
            "locality",
            "manager",
            "email",
            "is_active",
            "remit_min_age",
            "remit_max_age",
            "remit_plan_types",
            "remit_disability",
        ]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("remit_min_age"), cleaned.get("remit_max_age")
        if low is not None and high is not None and low > high:
            self.add_error("remit_max_age", "The oldest age must not be below the youngest")
        return cleaned

    def clean_remit_plan_types(self) -> list[str]:
        # In the order of PlanType, so the same remit is always stored (and audited) the same way.
        chosen = set(self.cleaned_data["remit_plan_types"])
        return [code for code in PlanType.values if code in chosen]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams are deactivated, never deleted. The remit (ages, plan types, disability) is data,
    edited here; every change is audited with its before and after values."""

    form = TeamAdminForm
    fieldsets = (
        (None, {"fields": ("name", "service", "locality", "manager", "email", "is_active")}),
        (
            "Remit: the children the team serves",
            {
                "fields": (
                    ("remit_min_age", "remit_max_age"),
                    "remit_plan_types",
                    "remit_disability",
                )
            },
        ),
        ("Capacity", {"fields": ("capacity", "capacity_note")}),
    )
    list_display = [
        "name",
        "service",
        "locality",
        "manager",
        "remit_min_age",
        "remit_max_age",
        "remit_disability",
        "capacity",
        "is_active",
    ]
    list_filter = ["service", "locality", "remit_disability", "capacity", "is_active"]
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
        "remit_disability",
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


# django-otp's own device admin can add a device for anyone and shows the secret: replaced by
# one that only lists devices and removes them (someone who lost their phone), audited, with
# the owner emailed. People set up their own app on the two-factor page.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        two_factor_remove(user=obj.user, by=request.user)

    def delete_queryset(self, request, queryset):
        for user in User.objects.filter(pk__in=queryset.values("user")):
            two_factor_remove(user=user, by=request.user)
