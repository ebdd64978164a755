from django.contrib import admin, messages

from audit.services import audit_record

from .models import ClosureDay, Deadline, DeadlinePolicy, EmailStatus, OutboxEmail, SweepRun
from .services import POLICY_FIELDS, policy_update
from .sweep import outbox_requeue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """Days the authority is closed. Deadlines started after a change use the new calendar."""

    list_display = ["date", "reason"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        # "Before" is the saved row's value (None for a new day), never assumed empty.
        saved = ClosureDay.objects.filter(pk=obj.pk).first() if change else None
        before = {k: str(getattr(saved, k)) if saved else None for k in form.changed_data}
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="closureday.change" if change else "closureday.add",
            subject=obj,
            changes={k: [before[k], str(form.cleaned_data[k])] for k in form.changed_data},
        )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action="closureday.delete",
            subject=obj,
            changes={"date": [obj.date.isoformat(), None]},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """The authority's numbers for each deadline; every change is audited."""

    list_display = [
        "kind",
        "amount",
        "unit",
        "reminder_lead",
        "reminder_lead_unit",
        "remind",
        "alert_on_breach",
        "escalate_after_hours",
    ]
    readonly_fields = ["kind", "unit"]
    fields = ["kind", "unit", *POLICY_FIELDS]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        current = DeadlinePolicy.objects.get(pk=obj.pk)
        policy_update(policy=current, by=request.user, **fields)


class SweepFailingFilter(admin.SimpleListFilter):
    title = "sweep"
    parameter_name = "sweep"

    def lookups(self, request, model_admin):
        return [("failing", "Failing in the sweep")]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(sweep_failures__gt=0)
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "case",
        "due_at",
        "status",
        "owner",
        "owner_team",
        "sweep_failures",
        "sweep_error",
    ]
    # One query for the page's rows, not one per case, owner and team (no date_hierarchy: it
    # aggregates the whole table on every page).
    list_select_related = ["case", "owner", "owner_team"]
    list_filter = ["status", SweepFailingFilter, "kind"]
    search_fields = ["case__reference"]
    show_full_result_count = False


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "to_email",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    show_full_result_count = False
    actions = ["send_again"]

    def has_change_permission(self, request, obj=None):
        # Needed for the action; the form itself shows every field read-only.
        return request.user.has_perm("deadlines.view_outboxemail")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OutboxEmail._meta.fields]

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request, queryset):
        failed = list(queryset.filter(status=EmailStatus.FAILED))
        for email in failed:
            outbox_requeue(email=email, by=request.user)
        messages.success(request, f"{len(failed)} email(s) queued to send again.")


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_counts"]
