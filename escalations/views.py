"""Thin views over the concern services: a concern the user may not see answers 404; a step
their role or team may not take answers 403, by the functions the buttons come from."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.models import AuditEvent
from cases.views import CaseMixin, _add_service_error
from casework.permissions import sees_case
from deadlines.models import Deadline

from . import permissions as can
from .forms import (
    AcknowledgeForm,
    CloseConcernForm,
    EndSuspensionForm,
    OversightForm,
    PassUpForm,
    RaiseConcernForm,
    RaiseEscalationForm,
    ResolveForm,
    RespondForm,
    SuspensionRequestForm,
    WithdrawEscalationForm,
)
from .models import ConcernStatus, EscalationKind, EscalationLevel
from .selectors import (
    answers_escalations,
    concern_get_for_user,
    concerns_overseen_by,
    escalation_get_for_user,
    escalations_raised_by,
    escalations_to_answer,
    suspensions_in_force,
)
from .services import (
    concern_close,
    concern_raise,
    concern_respond,
    duty_team_for,
    escalation_acknowledge,
    escalation_escalate,
    escalation_raise,
    escalation_record_oversight,
    escalation_resolve,
    escalation_withdraw,
    level_holders,
    outcomes_for,
    suspension_end,
)
from .services.ladder import level_of, may_pass_up


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


class TakeStep:
    """A step page's submission: the service's field errors go on the form, nothing lost; a
    step someone else took first is said so; success goes back to the record's page."""

    heading = ""
    success_message = ""
    noun = "record"

    def record(self):
        raise NotImplementedError

    def take(self, form) -> None:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=self.heading, back_url=self.record().get_absolute_url(), **kwargs
        )

    def form_valid(self, form):
        page = self.record().get_absolute_url()
        try:
            self.take(form)
        except ValidationError as error:
            _add_service_error(form, error)
            return self.form_invalid(form)
        except (TransitionNotAllowed, ConcurrentTransition):
            messages.error(self.request, f"Someone else acted on this {self.noun} first.")
            return redirect(page)
        messages.success(self.request, self.success_message)
        return redirect(page)


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


class ConcernStepView(TakeStep, ConcernMixin, FormView):
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

    noun = "concern"

    def record(self):
        return self.concern


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


# --- The escalation ladder ----------------------------------------------------------------------


class EscalationListView(TemplateView):
    """The Service Manager's, Assistant Director's and Integrated Family Services Manager's page:
    what is theirs to decide, breached first, with its age; and what the user raised."""

    template_name = "escalations/list.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_manager or answers_escalations(user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        page = Paginator(escalations_to_answer(user), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page=page,
            raised=list(escalations_raised_by(user)[:50]),
            answers=answers_escalations(user),
            concerns=list(concerns_overseen_by(user)[:50]) if answers_escalations(user) else [],
            suspensions=list(suspensions_in_force()),
            may_request_suspension=bool(_suspension_teams(user)),
            **kwargs,
        )


class EscalationMixin:
    def dispatch(self, request, *args, **kwargs):
        self.escalation = escalation_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.escalation is None:
            raise Http404("No escalation found")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            escalation=self.escalation, case=self.escalation.case, **kwargs
        )


def escalation_actions(escalation, user) -> list[tuple[str, str, str]]:
    """(label, url name, style) for each step the user may take now: the same functions the
    services check."""
    from .models import EscalationStatus

    actions = []
    if escalation.status in (EscalationStatus.RAISED, EscalationStatus.ESCALATED) and can.answer(
        escalation, user
    ):
        actions.append(("Acknowledge", "escalations:acknowledge", ""))
    if outcomes_for(escalation) and can.answer(escalation, user):
        actions.append(("Record the decision", "escalations:resolve", ""))
    if may_pass_up(escalation, user):
        level = level_of(escalation, escalation.level + 1)
        actions.append(
            (f"Pass it to the {level.title.lower()}", "escalations:pass_up", "secondary")
        )
    if can.record_oversight(escalation, user):
        actions.append(("Record a visit or review", "escalations:oversight", "secondary"))
    if can.end_suspension(escalation, user):
        actions.append(("End the suspension", "escalations:end_suspension", "warning"))
    if escalation.is_live and can.withdraw(escalation, user):
        actions.append(("Withdraw", "escalations:withdraw", "warning"))
    return actions


class EscalationDetailView(EscalationMixin, TemplateView):
    template_name = "escalations/detail.html"

    def get_context_data(self, **kwargs):
        escalation = self.escalation
        user = self.request.user
        levels = list(EscalationLevel.objects.filter(kind=escalation.kind).order_by("number"))
        return super().get_context_data(
            actions=escalation_actions(escalation, user),
            levels=levels,
            level=next((lv for lv in levels if lv.number == escalation.level), None),
            holders=level_holders(escalation) if escalation.is_live else [],
            sees_case=escalation.case_id is not None and sees_case(escalation.case, user),
            oversight=list(escalation.oversight_records.select_related("recorded_by")),
            deadlines=Deadline.objects.filter(
                subject_type__app_label="escalations",
                subject_type__model="escalation",
                subject_id=str(escalation.pk),
            )
            .select_related("owner")
            .order_by("due_at"),
            history=AuditEvent.objects.filter(
                subject_type__app_label="escalations",
                subject_type__model="escalation",
                subject_id=str(escalation.pk),
            )
            .select_related("actor")
            .order_by("at", "id"),
            **kwargs,
        )


class SuspensionNotificationView(EscalationMixin, TemplateView):
    """Appendix 1: Transfer Protocol Contingency Planning, as a printable page."""

    template_name = "escalations/notification.html"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if self.escalation.kind != EscalationKind.PROTOCOL_SUSPENSION:
            raise Http404("Only a protocol suspension has a notification form")
        return response


class EscalationStepView(TakeStep, EscalationMixin, FormView):
    """One step on an escalation. `allowed(escalation, user)` is the same function the button
    comes from; a step no longer open sends the user back with what happened."""

    template_name = "escalations/step.html"
    heading = ""
    success_message = ""

    def allowed(self, escalation, user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.escalation = escalation_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.escalation is None:
            raise Http404("No escalation found")
        labels = [a[1] for a in escalation_actions(self.escalation, request.user)]
        if self.request.resolver_match.view_name not in labels:
            if not self.allowed(self.escalation, request.user):
                raise PermissionDenied
            messages.info(
                request, f"This escalation is now '{self.escalation.get_status_display()}'."
            )
            return redirect(self.escalation.get_absolute_url())
        return super(EscalationMixin, self).dispatch(request, *args, **kwargs)

    noun = "escalation"

    def record(self):
        return self.escalation


class AcknowledgeView(EscalationStepView):
    form_class = AcknowledgeForm
    heading = "Acknowledge the escalation"
    success_message = "Acknowledged. Whoever raised it has been told you are looking at it."

    def allowed(self, escalation, user) -> bool:
        return can.answer(escalation, user)

    def get_form_kwargs(self):
        from .services.ladder import UNTIL_ALLOCATED

        return {
            **super().get_form_kwargs(),
            "note_required": self.escalation.kind in UNTIL_ALLOCATED,
        }

    def take(self, form) -> None:
        escalation_acknowledge(
            escalation=self.escalation, by=self.request.user, note=form.cleaned_data["note"]
        )


class ResolveView(EscalationStepView):
    form_class = ResolveForm
    heading = "Record the decision"
    success_message = "Decision recorded. Everyone concerned has been told."

    def allowed(self, escalation, user) -> bool:
        return can.answer(escalation, user)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "outcomes": outcomes_for(self.escalation),
            "step_up": self.escalation.kind == EscalationKind.REFUSED_STEP_UP,
        }

    def take(self, form) -> None:
        escalation_resolve(
            escalation=self.escalation,
            by=self.request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            sc_outcome=form.cleaned_data.get("sc_outcome") or "",
        )


class PassUpView(EscalationStepView):
    form_class = PassUpForm
    heading = "Pass it to the next level"
    success_message = "Passed to the next level. They have been emailed."

    def allowed(self, escalation, user) -> bool:
        return can.answer(escalation, user)

    def take(self, form) -> None:
        escalation_escalate(
            escalation=self.escalation, by=self.request.user, note=form.cleaned_data["note"]
        )


class WithdrawView(EscalationStepView):
    form_class = WithdrawEscalationForm
    heading = "Withdraw the escalation"
    success_message = "Escalation withdrawn."

    def allowed(self, escalation, user) -> bool:
        return can.withdraw(escalation, user)

    def take(self, form) -> None:
        escalation_withdraw(
            escalation=self.escalation, by=self.request.user, note=form.cleaned_data["note"]
        )


class OversightView(EscalationStepView):
    form_class = OversightForm
    heading = "Record a visit or review"
    success_message = "Recorded. The service manager sees it on the escalation."

    def allowed(self, escalation, user) -> bool:
        return can.record_oversight(escalation, user)

    def take(self, form) -> None:
        escalation_record_oversight(
            escalation=self.escalation, by=self.request.user, **form.cleaned_data
        )


class EndSuspensionView(EscalationStepView):
    form_class = EndSuspensionForm
    heading = "End the protocol suspension"
    success_message = "Suspension ended: the protocol applies in full again."

    def allowed(self, escalation, user) -> bool:
        return can.end_suspension(escalation, user)

    def take(self, form) -> None:
        suspension_end(
            escalation=self.escalation, by=self.request.user, note=form.cleaned_data["note"]
        )


# --- Raising ------------------------------------------------------------------------------------


def _raise(view, form, *, sent="Escalated. The service manager has been emailed.", **fields):
    """Raise it through the service; its field errors go back on the form, nothing lost."""
    try:
        escalation = escalation_raise(by=view.request.user, **fields)
    except ValidationError as error:
        _add_service_error(form, error)
        return view.form_invalid(form)
    messages.success(view.request, sent)
    return redirect(escalation.get_absolute_url())


class RaiseFromCaseView(CaseMixin, FormView):
    """From the case page: a child on a CP plan or in care who cannot be allocated or moved for
    capacity, or a child in need the team leader holds."""

    template_name = "escalations/step.html"
    form_class = RaiseEscalationForm

    def has_case_permission(self) -> bool:
        return can.raise_for_case(self.case, self.request.user)

    def get(self, request, *args, **kwargs):
        if not can.escalate_case(self.case, request.user):
            messages.info(request, "This child is already escalated to the service manager.")
            return redirect(self.case.get_absolute_url())
        return super().get(request, *args, **kwargs)

    @property
    def kind(self) -> str:
        from cases.choices import AllocationState

        if self.case.allocation == AllocationState.HELD_BY_TEAM_LEADER:
            return EscalationKind.HELD_CIN
        return EscalationKind.CAPACITY

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "button": "Escalate to the service manager"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading="Escalate to the service manager",
            intro=EscalationKind(self.kind).label,
            back_url=self.case.get_absolute_url(),
            **kwargs,
        )

    def form_valid(self, form):
        return _raise(
            self, form, kind=self.kind, case=self.case, reason=form.cleaned_data["reason"]
        )


class RaiseFromTransferView(FormView):
    """From a transfer between teams that is declined or blocked."""

    template_name = "escalations/step.html"
    form_class = RaiseEscalationForm

    def dispatch(self, request, *args, **kwargs):
        from transfers.selectors import transfer_get_for_user

        self.transfer = transfer_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.transfer is None:
            raise Http404("No transfer found")
        from transfers.actions import STEPS

        step = STEPS["escalations:raise_for_transfer"]
        if not step.permission(self.transfer, request.user):
            raise PermissionDenied
        if not step.open_for(self.transfer):
            messages.info(request, "This transfer is already escalated, or can no longer be.")
            return redirect(self.transfer.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "button": "Escalate to the service manager"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading="Escalate the transfer to the service manager",
            intro=f"{self.transfer.get_kind_display()}: {self.transfer.get_status_display()}",
            case=self.transfer.case,
            back_url=self.transfer.get_absolute_url(),
            **kwargs,
        )

    def form_valid(self, form):
        return _raise(
            self,
            form,
            kind=EscalationKind.BLOCKED_TRANSFER,
            transfer=self.transfer,
            reason=form.cleaned_data["reason"],
        )


def _suspension_teams(user):
    from people.models import Team

    if not user.is_authenticated or not user.is_manager:
        return Team.objects.none()
    from people.selectors import teams_visible_to

    return Team.objects.filter(
        pk__in=[t.pk for t in teams_visible_to(user) if can.request_suspension(t, user)]
    ).order_by("name")


class SuspensionRequestView(FormView):
    """Seed 001 s6.1: a written request to suspend part of the protocol, to the Integrated Family
    Services Manager, brought to the Assistant Director."""

    template_name = "escalations/step.html"
    form_class = SuspensionRequestForm

    def dispatch(self, request, *args, **kwargs):
        self.teams = _suspension_teams(request.user)
        if request.user.is_authenticated and not self.teams.exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "teams": self.teams}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading="Ask to suspend part of the transfer protocol",
            intro="The request goes to the Integrated Family Services Manager, who brings it to "
            "the Assistant Director. If approved it applies until its end date.",
            back_url=reverse("escalations:list"),
            **kwargs,
        )

    def form_valid(self, form):
        return _raise(
            self,
            form,
            kind=EscalationKind.PROTOCOL_SUSPENSION,
            sent="Request sent to the Integrated Family Services Manager.",
            **form.cleaned_data,
        )
