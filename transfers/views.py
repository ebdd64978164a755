"""Thin views over the transfer services. Each loads the transfer only if the user may see its
case (404 otherwise), checks the step's permission (403) through the same `STEPS` table the
buttons come from, and turns service errors into the form's GOV.UK error summary with nothing
saved."""

from datetime import date, datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import formats, timezone
from django.views.generic import FormView, ListView, TemplateView
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from cases.views import CaseMixin
from casework.selectors import meetings_for, notifications_for
from escalations.selectors import escalations_for_transfer, suspensions_for_teams
from people.models import Team
from people.roles import Role
from people.selectors import memberships_cached, teams_of, users_in_team

from . import permissions as can
from . import services
from .actions import STEPS, transfer_actions
from .forms import (
    AcceptRefusalForm,
    AccessToCareForm,
    AllocateReceivingForm,
    AllocateSocialWorkerForm,
    ChildrenInCareTeamForm,
    ConfirmForm,
    DecideTransferForm,
    DutyDecisionForm,
    EhDecisionForm,
    EscalateForm,
    JointVisitForm,
    LookedAfterReviewForm,
    NewPlanForm,
    NoteForm,
    NotifyAdministratorForm,
    PickUpForm,
    PreTransferForm,
    ProposeTransferForm,
    QualityAssuranceForm,
    SendStepUpForm,
    StartStepUpForm,
    SupervisorReviewForm,
    TenDayDiscussionForm,
    TransferDiscussionForm,
    TransferSummaryForm,
    WithdrawForm,
    urgency_initial,
)
from .models import MissingWork, Transfer, TransferKind, TransferStatus
from .selectors import (
    duty_queue,
    incoming_transfers,
    next_step,
    ranked_needing_action,
    ranked_raised_by,
    transfer_deadlines,
    transfer_get_for_user,
    transfer_timeline,
)
from .services import team_move
from .services.cin_to_cic import cin_to_cic_standards
from .services.step_up import previous_social_worker, reassign_teams, supervisors_for


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _last_actor(transfer):
    """Who took the transfer's latest step (None: nobody recorded)."""
    event = (
        AuditEvent.objects.filter(
            subject_type__app_label="transfers",
            subject_type__model="transfer",
            subject_id=str(transfer.pk),
        )
        .exclude(actor=None)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return event.actor if event else None


def _who_acted_last(transfer) -> str:
    actor = _last_actor(transfer)
    return str(actor) if actor else "Someone else"


def _time_errors_to_date(error: ValidationError, field: str, date_field: str):
    """A service's error about a moment belongs to the form's date boxes, where its link goes."""
    if hasattr(error, "error_dict") and field in error.error_dict:
        errors = dict(error.error_dict)
        errors[date_field] = errors.pop(field)
        return ValidationError(errors)
    return error


NOT_GIVEN = "Not given"
# What a check-answers page carries back in hidden inputs: only the answers, never the buttons.
CONTROLS = {"csrfmiddlewaretoken", "confirm", "change", "submit"}


def _answer(bound_field) -> str:
    """An answer as the person gave it, in words: a choice's label, a person's or team's name,
    a date as "Mon 23 Nov 2026" (London time for a moment), never a stored value."""
    field = bound_field.field
    value = bound_field.form.cleaned_data.get(bound_field.name)
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        return NOT_GIVEN
    if isinstance(field, forms.ModelChoiceField):
        return str(field.label_from_instance(value))
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in field.choices}
        return str(labels.get(str(bound_field.data), value))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "D j M Y, H:i")
    if isinstance(value, date):
        return formats.date_format(value, "D j M Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def _carried(form) -> list[tuple[str, str]]:
    """The submitted answers, as (name, value) pairs for hidden inputs: a date's three boxes
    (`<name>_0`...) included, the page's buttons and token left out."""
    names = [bound_field.html_name for bound_field in form]
    return [
        (key, value)
        for key, values in form.data.lists()
        if key not in CONTROLS and any(key == n or key.startswith(f"{n}_") for n in names)
        for value in values
    ]


class TransferMixin:
    def dispatch(self, request, *args, **kwargs):
        self.transfer = transfer_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.transfer is None:
            return self.not_visible(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def not_visible(self, request, pk):
        raise Http404("No transfer found")

    def get_context_data(self, **kwargs):
        return super().get_context_data(transfer=self.transfer, case=self.transfer.case, **kwargs)


class TransferDetailView(TransferMixin, TemplateView):
    template_name = "transfers/transfer_detail.html"

    def get(self, request, *args, **kwargs):
        # The buttons, the standards and the page ask "is this person in that team?" a few
        # times: answered from the person's teams read once, for this request only.
        with memberships_cached(request.user):
            return super().get(request, *args, **kwargs).render()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deadlines = list(transfer_deadlines(self.transfer))
        context["actions"] = transfer_actions(self.transfer, self.request.user)
        context["timeline"] = transfer_timeline(self.transfer)
        context["deadlines"] = deadlines
        context["next_step"] = next_step(self.transfer, deadlines)
        context["meetings"] = meetings = list(meetings_for(transfer=self.transfer))
        context["escalations"] = escalations_for_transfer(self.transfer)
        context["suspensions"] = suspensions_for_teams(
            self.transfer.from_team_id, self.transfer.to_team_id
        )
        if self.transfer.kind == TransferKind.CIN_TO_CIC:
            context["standards"] = cin_to_cic_standards(self.transfer)
        if self.transfer.is_team_move:
            notifications = list(notifications_for(self.transfer))
            missing_work = list(self.transfer.missing_work.select_related("raised_by", "done_by"))
            context["notifications"] = notifications
            context["missing_work"] = missing_work
            context["standards"] = team_move.transfer_standards(
                self.transfer,
                meetings=meetings,
                notifications=notifications,
                missing_work=missing_work,
            )
            context["can_resolve_missing_work"] = can.resolve_missing_work(
                self.transfer, self.request.user
            )
        return context


class TransferStepView(TransferMixin, FormView):
    """One step of the journey. Subclasses name their step (`step`: a key of STEPS, which says
    who may take it and in which states) and what to do (`perform`).

    `check_answers = True` (issue 12, GOV.UK "check answers"): a valid answer is first shown
    back on a check page, and the step is taken only when it is confirmed (`confirm=yes`),
    validated again then, as it may be stale or altered. "Change" returns to the form with
    every answer kept."""

    template_name = "transfers/step_form.html"
    check_template_name = "transfers/check_answers.html"
    step = ""
    title = ""
    success_message = ""
    check_answers = False
    check_verb = "record your answers"

    def perform(self, form) -> None:
        raise NotImplementedError

    def not_visible(self, request, pk):
        """Someone of the transfer's teams who submits a step after another person's decision
        took the case out of their view (a decline, a refusal) lost a race: tell them so, as
        the race's loser is told on a page they can still see. Anyone else gets a 404."""
        gone = Transfer.objects.filter(pk=pk).first() if request.method == "POST" else None
        if (
            gone is None
            or not teams_of(request.user)
            .filter(pk__in=[gone.from_team_id, gone.to_team_id])
            .exists()
        ):
            raise Http404("No transfer found")
        actor = _last_actor(gone)
        status = gone.get_status_display()
        # Their own second press (back button, double click): compared by id, not by name,
        # since two people may share one.
        if actor is not None and actor.pk == request.user.pk:
            messages.info(request, f"You have already done this: the request is now '{status}'.")
        else:
            who = str(actor) if actor else "Someone else"
            messages.error(
                request,
                f"{who} acted on this request first: it is now '{status}' and no longer with "
                "your team. Nothing you entered was saved.",
            )
        return redirect("home")

    def get(self, request, *args, **kwargs):
        return self._guard() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._guard() or super().post(request, *args, **kwargs)

    def _guard(self):
        step = STEPS[self.step]
        if not step.permission(self.transfer, self.request.user):
            raise PermissionDenied
        if not step.allowed(self.transfer, self.request.user):
            messages.info(
                self.request,
                f"This request is now '{self.transfer.get_status_display()}': "
                "that step is no longer open.",
            )
            return redirect(self.transfer.get_absolute_url())
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)

    # --- check answers -------------------------------------------------------------------

    def verb(self, form) -> str:
        """What confirming does, after "Check your answers before you" and "Confirm and"."""
        return self.check_verb

    def check_warning(self, form) -> str:
        """What happens next when the answer refuses or withdraws, and that it is final."""
        return ""

    def check_fields(self, form) -> list[str]:
        """The questions the answers apply to (not those hidden by another answer)."""
        return [bound_field.name for bound_field in form.visible_fields()]

    def render_check_answers(self, form):
        verb = self.verb(form)
        rows = [
            {"field": form[name], "label": form[name].label, "answer": _answer(form[name])}
            for name in self.check_fields(form)
        ]
        context = self.get_context_data(form=form)
        context.update(
            step_title=self.title,
            title=f"Check your answers before you {verb}",
            confirm_label=f"Confirm and {verb}",
            rows=rows,
            carried=_carried(form),
            warning=self.check_warning(form),
        )
        return self.response_class(
            request=self.request,
            template=[self.check_template_name],
            context=context,
            using=self.template_engine,
        )

    def form_valid(self, form):
        if self.check_answers and "change" in self.request.POST:
            return self.render_to_response(self.get_context_data(form=form))
        if self.check_answers and self.request.POST.get("confirm") != "yes":
            return self.render_check_answers(form)
        try:
            self.perform(form)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        except (TransitionNotAllowed, ConcurrentTransition):
            self.transfer.refresh_from_db()
            messages.error(
                self.request,
                f"{_who_acted_last(self.transfer)} acted on this request first: it is now "
                f"'{self.transfer.get_status_display()}'. Nothing you entered was saved.",
            )
            return self._back()
        messages.success(self.request, self.success_message)
        return self._back()

    def _back(self):
        if transfer_get_for_user(user=self.request.user, pk=self.transfer.pk) is None:
            # The step (theirs or the one that beat it: reassigned, withdrawn, refused) handed
            # the case on: its page is no longer theirs.
            return redirect("home")
        return redirect(self.transfer.get_absolute_url())


class StepUpStartView(CaseMixin, FormView):
    template_name = "transfers/step_form.html"
    form_class = StartStepUpForm

    def has_case_permission(self) -> bool:
        return can.may_start_step_up(self.case, self.request.user)

    def get(self, request, *args, **kwargs):
        if not can.start_step_up(self.case, request.user):
            messages.info(request, "This case already has a transfer in progress.")
            return redirect(self.case.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            # The requester never reviews their own discussion (issue 13).
            "supervisors": supervisors_for(self.case.current_team).exclude(pk=self.request.user.pk),
        }

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
                case=self.case, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, "Escalation discussion started. Your supervisor has been told."
        )
        return redirect(transfer.get_absolute_url())


class SupervisorReviewView(TransferStepView):
    step = "transfers:review"
    form_class = SupervisorReviewForm
    title = "Review the escalation discussion"
    success_message = "Sent to the team manager for a decision."

    def perform(self, form):
        services.step_up_submit(transfer=self.transfer, by=self.request.user, **form.cleaned_data)


class EhDecisionView(TransferStepView):
    step = "transfers:eh_decision"
    form_class = EhDecisionForm
    title = "Early Help decision: step up to Social Care?"
    success_message = "Decision recorded."
    check_answers = True
    check_verb = "record the Early Help decision"

    def check_warning(self, form):
        data = form.cleaned_data
        if data["all_work_done"] and data["threshold_met"]:
            return ""
        return (
            f"The step-up is not agreed: the case stays with {self.transfer.from_team}, and the "
            "supervisor and worker are told to read your actions and advice on the request. "
            "You cannot change this decision once it is recorded."
        )

    def perform(self, form):
        services.step_up_eh_decide(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class SendStepUpView(TransferStepView):
    step = "transfers:send"
    form_class = SendStepUpForm
    title = "Step-up form to Social Care duty"
    success_message = "Step-up form sent."

    def get_initial(self):
        return {"urgency": urgency_initial(self.transfer)}

    def get_context_data(self, **kwargs):
        try:
            route = services.step_up_route(case=self.transfer.case, at=timezone.now())
        except ValidationError:
            route = None
        return super().get_context_data(route=route, **kwargs)

    def perform(self, form):
        services.step_up_send(transfer=self.transfer, by=self.request.user, **form.service_kwargs())


class PickUpView(TransferStepView):
    step = "transfers:pick_up"
    form_class = PickUpForm
    title = "Pick up this step-up request"
    success_message = "You have picked up this request."

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "teams": reassign_teams(self.transfer),
            "keep_label": f"Me, for {self.transfer.to_team}",
        }

    def perform(self, form):
        services.step_up_pick_up(
            transfer=self.transfer, by=self.request.user, **form.service_kwargs()
        )


class DutyDecisionView(TransferStepView):
    step = "transfers:decision"
    form_class = DutyDecisionForm
    title = "Record the discussion and Social Care's decision"
    success_message = "Decision recorded."
    check_answers = True
    check_verb = "record Social Care's decision"

    def check_fields(self, form):
        if form.cleaned_data["agreed"]:
            shown = ["agreed_outcome", "contact_reference", "referral_reference"]
        else:
            shown = ["refused_outcome"]
        return ["discussion_date", "discussion_time", "agreed", *shown, "note"]

    def check_warning(self, form):
        if form.cleaned_data["agreed"]:
            return ""
        return (
            "The step-up is not agreed: the case stays open to Early Help, who are told to read "
            "your reasons, then accept the decision or escalate it. You cannot change this "
            "decision once it is recorded."
        )

    def perform(self, form):
        try:
            services.step_up_decide(
                transfer=self.transfer, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            raise _time_errors_to_date(error, "discussion_held_at", "discussion_date") from error


class AllocateView(TransferStepView):
    step = "transfers:allocate"
    form_class = AllocateSocialWorkerForm
    title = "Allocate a social worker"
    success_message = "Allocated. The joint visit and 10-day discussion deadlines have started."

    def get_form_kwargs(self):
        workers = users_in_team(self.transfer.to_team, Role.SOCIAL_WORKER)
        return {
            **super().get_form_kwargs(),
            "workers": workers,
            "previous": previous_social_worker(self.transfer),
        }

    def perform(self, form):
        services.step_up_allocate(
            transfer=self.transfer, by=self.request.user, worker=form.cleaned_data["worker"]
        )


class JointVisitView(TransferStepView):
    step = "transfers:joint_visit"
    form_class = JointVisitForm
    title = "Record the joint visit"
    success_message = "Joint visit recorded."

    def perform(self, form):
        try:
            services.step_up_record_joint_visit(
                transfer=self.transfer, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            raise _time_errors_to_date(error, "visited_at", "visited_on") from error


class TenDayDiscussionView(TransferStepView):
    step = "transfers:ten_day"
    form_class = TenDayDiscussionForm
    title = "Record the 10-day discussion"
    success_message = "10-day discussion recorded."

    def perform(self, form):
        try:
            services.step_up_record_ten_day_discussion(
                transfer=self.transfer, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            raise _time_errors_to_date(error, "held_at", "held_on") from error


class NewPlanView(TransferStepView):
    step = "transfers:new_plan"
    form_class = NewPlanForm
    title = "Record a new plan"
    success_message = "New plan recorded. The safety plan is no longer in force."

    def perform(self, form):
        services.step_up_record_new_plan(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class WithdrawView(TransferStepView):
    step = "transfers:withdraw"
    form_class = WithdrawForm
    title = "Withdraw this request"
    success_message = "Request withdrawn. Everyone involved has been told."
    check_answers = True
    check_verb = "withdraw this request"

    def check_warning(self, form):
        return (
            "The request is withdrawn: its deadlines are cancelled and everyone involved is "
            "told. This cannot be undone."
        )

    def perform(self, form):
        services.transfer_withdraw(
            transfer=self.transfer, by=self.request.user, reason=form.cleaned_data["reason"]
        )


class AcceptRefusalView(TransferStepView):
    step = "transfers:accept_refusal"
    form_class = AcceptRefusalForm
    title = "Accept Social Care's decision"
    success_message = "Decision accepted. The case carries on with Early Help."
    check_answers = True
    check_verb = "accept Social Care's decision"

    def check_warning(self, form):
        return (
            "The step-up ends: the case carries on with Early Help, and Social Care's decision "
            "can no longer be escalated. This cannot be undone."
        )

    def perform(self, form):
        services.step_up_accept_refusal(
            transfer=self.transfer, by=self.request.user, note=form.cleaned_data["note"]
        )


class EscalateView(TransferStepView):
    step = "transfers:escalate"
    form_class = EscalateForm
    title = "Escalate Social Care's decision"
    success_message = "Escalated. The Social Care service manager has been told."
    check_answers = True
    check_verb = "escalate the decision to the service manager"

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

    def get_context_data(self, **kwargs):
        from escalations.selectors import open_concerns_for_duty

        # Seed 000 s3: immediate safeguarding concerns come first, before any step-up.
        return super().get_context_data(
            duty_concerns=open_concerns_for_duty(self.request.user), **kwargs
        )


# --- transfers between teams (seeds 000 and 001) ----------------------------------------------


class ProposeTransferView(CaseMixin, FormView):
    template_name = "transfers/propose.html"
    form_class = ProposeTransferForm

    def has_case_permission(self) -> bool:
        return can.may_propose_transfer(self.case, self.request.user)

    def get(self, request, *args, **kwargs):
        if not can.propose_transfer(self.case, request.user):
            messages.info(request, "This case already has a transfer in progress.")
            return redirect(self.case.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def _options(self):
        if not hasattr(self, "_team_options"):
            self._team_options = team_move.transfer_options(self.case, timezone.localdate())
        return self._team_options

    def get_form_kwargs(self):
        eligible, _ = self._options()
        return {
            **super().get_form_kwargs(),
            "teams": Team.objects.filter(pk__in=[t.pk for t in eligible]).order_by("name"),
            "managers": team_move.receiving_managers(eligible),
        }

    def get_context_data(self, **kwargs):
        eligible, refused = self._options()
        return super().get_context_data(
            title="Propose a transfer to another team",
            refused=refused,
            across=self.case.current_team.service in team_move.ACROSS
            or any(
                team_move.kind_for(self.case.current_team, t) == TransferKind.STEP_ACROSS
                for t in eligible
            ),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            transfer = services.transfer_propose(
                case=self.case, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            error = _time_errors_to_date(error, "discussion_held_at", "discussion_date")
            _add_errors(form, error)
            return self.form_invalid(form)
        if transfer.status == TransferStatus.DECLINED:
            messages.error(self.request, f"Transfer refused. {transfer.decision_note}")
        else:
            messages.success(
                self.request, "Transfer proposed. The receiving team manager has been told."
            )
        return redirect(transfer.get_absolute_url())


class DecideTransferView(TransferStepView):
    step = "transfers:decide"
    form_class = DecideTransferForm
    title = "Accept or decline the transfer"
    success_message = "Decision recorded. The originating team has been told."
    check_answers = True

    def verb(self, form):
        return "accept the transfer" if form.cleaned_data["accepted"] else "decline the transfer"

    def check_warning(self, form):
        if form.cleaned_data["accepted"]:
            return ""
        return (
            f"The transfer is declined: the case stays with {self.transfer.from_team}, who are "
            "told your reasons. You cannot change this decision once it is recorded."
        )

    def perform(self, form):
        services.transfer_decide(transfer=self.transfer, by=self.request.user, **form.cleaned_data)


class TransferSummaryView(TransferStepView):
    step = "transfers:summary"
    form_class = TransferSummaryForm
    title = "Transfer summary"
    success_message = "Summary saved. The team manager signs it off."

    def perform(self, form):
        services.transfer_write_summary(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class SignOffSummaryView(TransferStepView):
    step = "transfers:sign_off"
    form_class = ConfirmForm
    title = "Sign off the transfer summary"
    success_message = "Summary signed off."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit": "Sign off the summary"}

    def perform(self, form):
        services.transfer_sign_off_summary(transfer=self.transfer, by=self.request.user)


class QualityAssuranceView(TransferStepView):
    step = "transfers:quality"
    form_class = QualityAssuranceForm
    title = "Quality assurance of the file"
    success_message = "Quality assurance check recorded."

    def perform(self, form):
        services.transfer_quality_assure(
            transfer=self.transfer, by=self.request.user, notes=form.cleaned_data["notes"]
        )


class AllocateReceivingView(TransferStepView):
    step = "transfers:allocate_receiving"
    form_class = AllocateReceivingForm
    title = "Allocate a worker in your team"
    success_message = "Allocated. The originating team now completes the transfer standards."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "workers": team_move.receiving_workers(self.transfer)}

    def perform(self, form):
        services.transfer_allocate(
            transfer=self.transfer, by=self.request.user, **form.service_kwargs()
        )


class NoteStepView(TransferStepView):
    """A step that needs one piece of text."""

    label = ""
    required_message = ""
    submit = ""
    form_class = NoteForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "label": self.label,
            "required_message": self.required_message,
            "submit": self.submit,
        }


class CapacityView(NoteStepView):
    step = "transfers:capacity"
    title = "Escalate capacity to the Service Manager"
    label = "Why can no worker be allocated?"
    required_message = "Enter why no worker can be allocated"
    submit = "Escalate to the Service Manager"
    success_message = "Escalated. The Service Manager has been told."

    def perform(self, form):
        services.transfer_escalate_capacity(
            transfer=self.transfer, by=self.request.user, note=form.cleaned_data["note"]
        )


class MissingWorkView(NoteStepView):
    step = "transfers:missing_work"
    title = "Record missing work"
    label = "What is missing?"
    required_message = "Enter what is missing"
    submit = "Send it back to the originating team"
    success_message = "Recorded. The originating team has been told."

    def perform(self, form):
        services.transfer_record_missing_work(
            transfer=self.transfer, by=self.request.user, description=form.cleaned_data["note"]
        )


class MissingWorkDoneView(TransferMixin, FormView):
    template_name = "transfers/step_form.html"
    form_class = NoteForm

    def _item(self):
        return get_object_or_404(
            MissingWork, pk=self.kwargs["item"], transfer=self.transfer, done_at=None
        )

    def get(self, request, *args, **kwargs):
        self.item = self._item()
        if not can.resolve_missing_work(self.transfer, request.user):
            raise PermissionDenied
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.item = self._item()
        if not can.resolve_missing_work(self.transfer, request.user):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "label": "What was done?",
            "required_message": "Enter what was done",
            "submit": "Record it as done",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Missing work done", intro=self.item.description, **kwargs
        )

    def form_valid(self, form):
        try:
            services.transfer_resolve_missing_work(
                item=self.item, by=self.request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Recorded as done.")
        return redirect(self.transfer.get_absolute_url())


class CompleteTransferView(TransferStepView):
    step = "transfers:complete"
    form_class = ConfirmForm
    title = "Complete the transfer"
    success_message = "Transfer completed. The case is with the receiving team."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit": "Complete the transfer"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro="The case, its allocation and its deadlines move to the receiving team. "
            "This cannot be undone.",
            **kwargs,
        )

    def perform(self, form):
        services.transfer_complete(transfer=self.transfer, by=self.request.user)


class WaitingView(LoginRequiredMixin, ListView):
    """Everything waiting on the person, page by page, by next deadline: the home page's
    "Transfers waiting for you" in full."""

    template_name = "transfers/waiting.html"
    context_object_name = "transfers"
    paginate_by = 25
    extra_context = {
        "heading": "Transfers waiting for you",
        "intro": "Every transfer with a step for you to take, the next deadline first.",
        "empty_heading": "Nothing is waiting for you",
        "empty_text": "When a transfer needs your decision or your next step, it appears here "
        "and you are emailed.",
    }

    def get_queryset(self):
        return ranked_needing_action(self.request.user)


class StartedView(WaitingView):
    """The live requests the person started, page by page: the home page's list in full."""

    extra_context = {
        "heading": "Requests you started",
        "intro": "Your requests that are still open, the next deadline first. Each shows who "
        "holds it now.",
        "empty_heading": "You have no open requests",
        "empty_text": "A request you start from a case page stays here until it is completed, "
        "refused or withdrawn.",
    }

    def get_queryset(self):
        return ranked_raised_by(self.request.user)


class InboxView(LoginRequiredMixin, ListView):
    """The receiving manager's inbox: transfers into the teams they manage, by next deadline."""

    template_name = "transfers/inbox.html"
    context_object_name = "transfers"
    paginate_by = 25

    def get_queryset(self):
        return incoming_transfers(self.request.user)


# --- Child in Need to Children in Care (seed 004) ----------------------------------------------


class AccessToCareView(CaseMixin, FormView):
    template_name = "transfers/step_form.html"
    form_class = AccessToCareForm

    def has_case_permission(self) -> bool:
        return can.may_confirm_access_to_care(self.case, self.request.user)

    def get(self, request, *args, **kwargs):
        if not can.confirm_access_to_care(self.case, request.user):
            messages.info(request, "This case already has a transfer in progress.")
            return redirect(self.case.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="The panel confirmed access to care",
            intro="Record the panel's decision. The team manager is told at once, and the case "
            "is to be allocated to a Children in Care team within a week.",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            transfer = services.cin_to_cic_start(
                case=self.case, by=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Recorded. The team manager has been told.")
        return redirect(transfer.get_absolute_url())


class NotifyAdministratorView(TransferStepView):
    step = "transfers:cic_notify_admin"
    form_class = NotifyAdministratorForm
    title = "Tell the Senior Performance Administrator"
    success_message = "The Senior Performance Administrator has been told."

    def get_initial(self):
        return {"ics_number": self.transfer.case.ics_number}

    def perform(self, form):
        services.cin_to_cic_notify_administrator(
            transfer=self.transfer,
            by=self.request.user,
            due_by=form.cleaned_data["due_by"],
            summary=form.cleaned_data["summary"],
            ics_number=form.cleaned_data["ics_number"],
        )


class ChildrenInCareTeamView(TransferStepView):
    step = "transfers:cic_team"
    form_class = ChildrenInCareTeamForm
    title = "Allocate a Children in Care team"
    success_message = "Allocated. Both team managers have been told."

    def get_form_kwargs(self):
        from .services.cin_to_cic import children_in_care_teams

        return {**super().get_form_kwargs(), "teams": children_in_care_teams()}

    def perform(self, form):
        services.cin_to_cic_allocate_team(
            transfer=self.transfer, by=self.request.user, team=form.cleaned_data["team"]
        )


class LookedAfterReviewView(TransferStepView):
    step = "transfers:cic_review"
    form_class = LookedAfterReviewForm
    title = "First Looked After review"
    success_message = "Saved. The transfer discussion is due by the review."

    def get_initial(self):
        details = self.transfer.cin_to_cic
        return {
            "first_lac_review_on": details.first_lac_review_on,
            "looked_after_reason": details.looked_after_reason or None,
        }

    def perform(self, form):
        services.cin_to_cic_set_review(
            transfer=self.transfer, by=self.request.user, **form.cleaned_data
        )


class TransferDiscussionView(TransferStepView):
    step = "transfers:cic_discussion"
    form_class = TransferDiscussionForm
    title = "Record the transfer discussion"
    success_message = "Transfer discussion recorded."

    def perform(self, form):
        try:
            services.cin_to_cic_record_transfer_discussion(
                transfer=self.transfer, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            raise _time_errors_to_date(error, "held_at", "held_on") from error


class ChildrenInCareWorkerView(TransferStepView):
    step = "transfers:cic_worker"
    form_class = AllocateSocialWorkerForm
    title = "Allocate a social worker"
    success_message = "Allocated."

    def get_form_kwargs(self):
        workers = users_in_team(self.transfer.to_team, Role.SOCIAL_WORKER)
        return {**super().get_form_kwargs(), "workers": workers}

    def perform(self, form):
        services.cin_to_cic_allocate_worker(
            transfer=self.transfer, by=self.request.user, worker=form.cleaned_data["worker"]
        )


class FamilyToldView(NoteStepView):
    step = "transfers:cic_family"
    title = "The child, family and professionals were told"
    label = "Who was told, and how?"
    required_message = "Enter who was told and how"
    submit = "Record it"
    success_message = "Recorded."

    def perform(self, form):
        services.cin_to_cic_record_family_told(
            transfer=self.transfer, by=self.request.user, notes=form.cleaned_data["note"]
        )


class PreTransferView(TransferStepView):
    step = "transfers:cic_pre_transfer"
    form_class = PreTransferForm
    title = "Record the pre-transfer discussion"
    success_message = "Pre-transfer discussion recorded."

    def perform(self, form):
        try:
            services.cin_to_cic_record_pre_transfer(
                transfer=self.transfer, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            raise _time_errors_to_date(error, "held_at", "held_on") from error


class RecordedOnIcsView(TransferStepView):
    step = "transfers:cic_ics"
    form_class = ConfirmForm
    title = "The transfer is recorded on ICS"
    success_message = "Recorded."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit": "Confirm it is recorded on ICS"}

    def perform(self, form):
        services.cin_to_cic_record_on_ics(transfer=self.transfer, by=self.request.user)


class CompleteCinToCicView(TransferStepView):
    step = "transfers:cic_complete"
    form_class = ConfirmForm
    title = "Complete the transfer to Children in Care"
    success_message = "Completed. The case is with the Children in Care team."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit": "Complete the transfer"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro="The case, its allocation and its deadlines move to the Children in Care team, "
            "and the child is recorded as on a Child in Care plan. This cannot be undone.",
            **kwargs,
        )

    def perform(self, form):
        services.cin_to_cic_complete(transfer=self.transfer, by=self.request.user)
