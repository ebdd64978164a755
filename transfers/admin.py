"""Transfers for operators (issue 13): read-only, with their history and deadlines, and two
audited corrective actions for the system administrator only: withdraw with a reason, and
hand the next step to someone else. Everything else moves through the journeys."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from audit.models import AuditEvent
from deadlines.models import Deadline
from people.models import User

from .models import Transfer
from .services.operator import may_mend, transfer_operator_reassign, transfer_operator_withdraw


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is it withdrawn?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why the transfer is withdrawn"},
    )


class ReassignForm(forms.Form):
    holder = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        label="Who takes it on?",
        error_messages={"required": "Choose who takes it on"},
    )
    reason = forms.CharField(
        label="Why?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why it is reassigned"},
    )


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "stage", "case", "from_team", "to_team", "assigned_to"]
    list_filter = ["kind", "stage", "status"]
    list_select_related = ["case", "from_team", "to_team", "assigned_to"]
    search_fields = ["case__reference"]
    change_form_template = "admin/transfers/transfer/change_form.html"

    def has_view_permission(self, request, obj=None):
        return may_mend(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return may_mend(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        own = [
            path(
                "<int:pk>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="transfers_transfer_withdraw",
            ),
            path(
                "<int:pk>/reassign/",
                self.admin_site.admin_view(self.reassign_view),
                name="transfers_transfer_reassign",
            ),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        transfer = get_object_or_404(Transfer, pk=object_id)
        extra = {
            "history": AuditEvent.objects.filter(
                subject_type__app_label="transfers", subject_id=str(transfer.pk)
            )
            .select_related("actor")
            .order_by("at", "id"),
            "deadlines": Deadline.objects.filter(
                subject_type__app_label="transfers",
                subject_type__model="transfer",
                subject_id=str(transfer.pk),
            )
            .select_related("owner", "owner_team")
            .order_by("due_at"),
            "may_mend": may_mend(request.user) and transfer.is_live,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _mend(self, request, pk, form_class, title, act):
        if not may_mend(request.user):
            raise PermissionDenied
        transfer = get_object_or_404(Transfer, pk=pk)
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                act(transfer, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"{title}: done, audited and told to those waiting.")
                return redirect(reverse("admin:transfers_transfer_change", args=[transfer.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: transfer {transfer.pk} (case {transfer.case.reference})",
            "form": form,
            "transfer": transfer,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/transfers/transfer/mend.html", context)

    def withdraw_view(self, request, pk):
        return self._mend(
            request,
            pk,
            WithdrawForm,
            "Withdraw",
            lambda t, data: transfer_operator_withdraw(
                transfer=t, by=request.user, reason=data["reason"]
            ),
        )

    def reassign_view(self, request, pk):
        return self._mend(
            request,
            pk,
            ReassignForm,
            "Reassign",
            lambda t, data: transfer_operator_reassign(
                transfer=t, by=request.user, holder=data["holder"], reason=data["reason"]
            ),
        )
