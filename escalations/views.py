"""Thin views over the concern services: a concern the user may not see answers 404; a step
their role or team may not take answers 403, by the functions the buttons come from."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from cases.views import CaseMixin, _add_service_error
from casework.permissions import sees_case
from deadlines.models import Deadline

from . import permissions as can
from .forms import CloseConcernForm, RaiseConcernForm, RespondForm
from .models import ConcernStatus
from .selectors import concern_get_for_user
from .services import concern_close, concern_raise, concern_respond, duty_team_for


class RaiseConcernView(CaseMixin, FormView):
    template_name = "escalations/form.html"
    form_class = RaiseConcernForm

    def has_case_permission(self) -> bool:
        return can.may_raise(self.case, self.request.user)

    def get(self, request, *args, **kwargs):
        if not can.raise_concern(self.case, request.user):
            messages.info(request, "A concern about this case is already waiting for duty.")
            return redirect(self.case.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        try:
            duty = duty_team_for(self.case)
        except ValidationError:
            duty = None
        return super().get_context_data(
            heading="Raise an immediate safeguarding concern",
            back_url=self.case.get_absolute_url(),
            duty=duty,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            concern = concern_raise(case=self.case, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Sent to the duty officer at {concern.duty_team}. Their managers have been emailed. "
            "Phone duty too if you have not already.",
        )
        return redirect(concern.get_absolute_url())


class ConcernMixin:
    def dispatch(self, request, *args, **kwargs):
        self.concern = concern_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.concern is None:
            raise Http404("No concern found")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(concern=self.concern, case=self.concern.case, **kwargs)


class ConcernDetailView(ConcernMixin, TemplateView):
    template_name = "escalations/concern_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        concern = self.concern
        actions = []
        if concern.status == ConcernStatus.RAISED and can.respond(concern, user):
            actions.append(("Record the response", "escalations:respond", False))
        if concern.status == ConcernStatus.RESPONDED and can.close(concern, user):
            actions.append(("Close the concern", "escalations:close", True))
        return super().get_context_data(
            actions=actions,
            sees_case=sees_case(concern.case, user),
            deadlines=Deadline.objects.filter(
                subject_type__app_label="escalations", subject_id=str(concern.pk)
            ).order_by("due_at"),
            history=AuditEvent.objects.filter(
                subject_type__app_label="escalations",
                subject_type__model="safeguardingconcern",
                subject_id=str(concern.pk),
            )
            .select_related("actor")
            .order_by("at", "id"),
            **kwargs,
        )


class ConcernStepView(ConcernMixin, FormView):
    template_name = "escalations/form.html"
    permission = staticmethod(can.respond)
    status = ConcernStatus.RAISED
    heading = ""

    def dispatch(self, request, *args, **kwargs):
        self.concern = concern_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.concern is None:
            raise Http404("No concern found")
        if not self.permission(self.concern, request.user):
            raise PermissionDenied
        if self.concern.status != self.status:
            messages.info(request, f"This concern is now '{self.concern.get_status_display()}'.")
            return redirect(self.concern.get_absolute_url())
        return super(ConcernMixin, self).dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=self.heading, back_url=self.concern.get_absolute_url(), **kwargs
        )

    def take(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.take(form)
        except ValidationError as error:
            _add_service_error(form, error)
            return self.form_invalid(form)
        except (TransitionNotAllowed, ConcurrentTransition):
            messages.error(self.request, "Someone else acted on this concern first.")
            return redirect(self.concern.get_absolute_url())
        messages.success(self.request, self.success_message)
        return redirect(self.concern.get_absolute_url())


class RespondView(ConcernStepView):
    form_class = RespondForm
    heading = "Record duty's response"
    success_message = "Response recorded. The person who raised it has been told."

    def get_initial(self):
        return {"via_ehash": self.concern.via_ehash}

    def take(self, form) -> None:
        concern_respond(concern=self.concern, by=self.request.user, **form.cleaned_data)


class CloseView(ConcernStepView):
    form_class = CloseConcernForm
    permission = staticmethod(can.close)
    status = ConcernStatus.RESPONDED
    heading = "Close the concern"
    success_message = "Concern closed."

    def take(self, form) -> None:
        concern_close(concern=self.concern, by=self.request.user, note=form.cleaned_data["note"])
