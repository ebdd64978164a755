"""Thin views over the step-up services. Each loads the transfer only if the user may see its
case (404 otherwise), checks the step's permission (403), and turns service errors into the
form's GOV.UK error summary with nothing saved."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cases.views import CaseMixin
from people.roles import Role
from people.selectors import users_in_team

from . import permissions as can
from . import services
from .forms import (
    AllocateSocialWorkerForm,
    ConfirmForm,
    DutyDecisionForm,
    EhDecisionForm,
    EscalateForm,
    JointVisitForm,
    SendStepUpForm,
    StartStepUpForm,
    SupervisorReviewForm,
    TenDayDiscussionForm,
    WithdrawForm,
)
from .models import WITHDRAWABLE, TransferKind, TransferStatus
from .selectors import (
    available_actions,
    duty_queue,
    transfer_deadlines,
    transfer_get_for_user,
    transfer_timeline,
)

S = TransferStatus


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class TransferMixin:
    def dispatch(self, request, *args, **kwargs):
        self.transfer = transfer_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.transfer is None:
            raise Http404("No transfer found")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(transfer=self.transfer, case=self.transfer.case, **kwargs)


class TransferDetailView(TransferMixin, TemplateView):
    template_name = "transfers/transfer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = available_actions(self.transfer, self.request.user)
        context["timeline"] = transfer_timeline(self.transfer)
        context["deadlines"] = transfer_deadlines(self.transfer)
        return context


class TransferStepView(TransferMixin, FormView):
    """One step of the journey. Subclasses say who may (`allowed`), in which states
    (`statuses`), and what to do (`perform`)."""

    template_name = "transfers/step_form.html"
    title = ""
    statuses: tuple[str, ...] = ()
    success_message = ""

    def allowed(self) -> bool:
        raise NotImplementedError

    def perform(self, form) -> None:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self._guard() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._guard() or super().post(request, *args, **kwargs)

    def _guard(self):
        if not self.allowed():
            raise PermissionDenied
        if self.statuses and self.transfer.status not in self.statuses:
            messages.info(
                self.request,
                f"This request is now '{self.transfer.get_status_display()}': "
                "that step is no longer open.",
            )
            return redirect(self.transfer.get_absolute_url())
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)

    def form_valid(self, form):
        try:
            self.perform(form)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        except (TransitionNotAllowed, ConcurrentTransition):
            self.transfer.refresh_from_db()
            messages.error(
                self.request,
                "Someone else acted on this request first: it is now "
                f"'{self.transfer.get_status_display()}'. Nothing you entered was saved.",
            )
            return redirect(self.transfer.get_absolute_url())
        messages.success(self.request, self.success_message)
        if transfer_get_for_user(user=self.request.user, pk=self.transfer.pk) is None:
            # The step handed the case back (refused, withdrawn): its page is no longer theirs.
            return redirect("home")
        return redirect(self.transfer.get_absolute_url())


class StepUpStartView(CaseMixin, FormView):
    template_name = "transfers/step_form.html"
    form_class = StartStepUpForm

    def has_case_permission(self) -> bool:
        return can.start_step_up(self.case, self.request.user)

    def get_form_kwargs(self):
        supervisors = users_in_team(self.case.current_team, Role.EH_SUPERVISOR)
        return {**super().get_form_kwargs(), "supervisors": supervisors}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Start a step-up to Social Care",
            intro="Complete this escalation discussion form with your Early Help supervisor. "
            "The Early Help team manager then decides whether the case steps up.",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            transfer = services.step_up_start(
                case=self.case, by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, "Escalation discussion started. Your supervisor has been told."
        )
        return redirect(transfer.get_absolute_url())


class SupervisorReviewView(TransferStepView):
    form_class = SupervisorReviewForm
    title = "Review the escalation discussion"
    statuses = (S.ESCALATION_DISCUSSION,)
    success_message = "Sent to the team manager for a decision."

    def allowed(self):
        return can.review_as_supervisor(self.transfer, self.request.user)

    def perform(self, form):
        services.step_up_submit(transfer=self.transfer, by=self.request.user, **form.cleaned_data)


class EhDecisionView(TransferStepView):
    form_class = EhDecisionForm
    title = "Early Help decision: step up to Social Care?"
    statuses = (S.AWAITING_EH_DECISION,)
    success_message = "Decision recorded."

    def allowed(self):
        return can.decide_for_early_help(self.transfer, self.request.user)

    def perform(self, form):
        services.step_up_eh_decide(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class SendStepUpView(TransferStepView):
    form_class = SendStepUpForm
    title = "Step-up form to Social Care duty"
    statuses = (S.READY_TO_SEND,)
    success_message = "Step-up form sent."

    def allowed(self):
        return can.send_to_duty(self.transfer, self.request.user)

    def get_initial(self):
        return {
            "urgent": "yes" if self.transfer.urgent else "no",
            "section_47": self.transfer.section_47,
        }

    def get_context_data(self, **kwargs):
        try:
            route = services.step_up_route(case=self.transfer.case, at=timezone.now())
        except ValidationError:
            route = None
        return super().get_context_data(route=route, **kwargs)

    def perform(self, form):
        services.step_up_send(transfer=self.transfer, by=self.request.user, **form.cleaned_data)


class PickUpView(TransferStepView):
    form_class = ConfirmForm
    title = "Pick up this step-up request"
    statuses = (S.WITH_DUTY,)
    success_message = "You have picked up this request. Discuss it with Early Help and decide."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit": "Pick up this request"}

    def allowed(self):
        return can.act_for_duty(self.transfer, self.request.user)

    def perform(self, form):
        services.step_up_pick_up(transfer=self.transfer, by=self.request.user)


class DutyDecisionView(TransferStepView):
    form_class = DutyDecisionForm
    title = "Record the discussion and Social Care's decision"
    statuses = (S.PICKED_UP,)
    success_message = "Decision recorded."

    def allowed(self):
        return can.decide_for_social_care(self.transfer, self.request.user)

    def perform(self, form):
        data = form.cleaned_data
        try:
            services.step_up_decide(
                transfer=self.transfer,
                by=self.request.user,
                agreed=data["agreed"],
                discussion_held_at=form.discussion_held_at,
                note=data["note"],
                contact_reference=data["contact_reference"],
                referral_reference=data["referral_reference"],
                plan_type=data["plan_type"] or "cin",
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "discussion_held_at" in error.error_dict:
                raise ValidationError(
                    {"discussion_date": error.error_dict.pop("discussion_held_at")}
                ) from error
            raise


class AllocateView(TransferStepView):
    form_class = AllocateSocialWorkerForm
    title = "Allocate a social worker"
    statuses = (S.AWAITING_ALLOCATION,)
    success_message = "Allocated. The joint visit and 10-day discussion deadlines have started."

    def allowed(self):
        return can.allocate(self.transfer, self.request.user)

    def get_form_kwargs(self):
        workers = users_in_team(self.transfer.to_team, Role.SOCIAL_WORKER)
        return {**super().get_form_kwargs(), "workers": workers}

    def perform(self, form):
        services.step_up_allocate(
            transfer=self.transfer, by=self.request.user, worker=form.cleaned_data["worker"]
        )


class JointVisitView(TransferStepView):
    form_class = JointVisitForm
    title = "Record the joint visit"
    statuses = (S.ALLOCATED, S.COMPLETED)
    success_message = "Joint visit recorded."

    def allowed(self):
        return can.record_after_allocation(self.transfer, self.request.user)

    def perform(self, form):
        services.step_up_record_joint_visit(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class TenDayDiscussionView(TransferStepView):
    form_class = TenDayDiscussionForm
    title = "Record the 10-day discussion"
    statuses = (S.ALLOCATED, S.COMPLETED)
    success_message = "10-day discussion recorded."

    def allowed(self):
        return can.record_after_allocation(self.transfer, self.request.user)

    def perform(self, form):
        services.step_up_record_ten_day_discussion(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class WithdrawView(TransferStepView):
    form_class = WithdrawForm
    title = "Withdraw this request"
    statuses = tuple(WITHDRAWABLE)
    success_message = "Request withdrawn. Everyone involved has been told."

    def allowed(self):
        return can.withdraw(self.transfer, self.request.user)

    def perform(self, form):
        services.transfer_withdraw(
            transfer=self.transfer, by=self.request.user, reason=form.cleaned_data["reason"]
        )


class EscalateView(TransferStepView):
    form_class = EscalateForm
    title = "Escalate Social Care's decision"
    statuses = (S.NOT_AGREED,)
    success_message = "Escalated. The Social Care service manager has been told."

    def allowed(self):
        return can.request_escalation(self.transfer, self.request.user)

    def perform(self, form):
        services.step_up_request_escalation(
            transfer=self.transfer, by=self.request.user, note=form.cleaned_data["note"]
        )


class DutyQueueView(PermissionRequiredMixin, ListView):
    permission_required = "transfers.view_duty_queue"
    template_name = "transfers/duty_queue.html"
    context_object_name = "transfers"
    paginate_by = 25

    def get_queryset(self):
        return duty_queue(self.request.user).filter(kind=TransferKind.STEP_UP)
