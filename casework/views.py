"""Thin views over the casework services. A case or transfer the user may not see answers 404;
a step their role or team may not take answers 403, by the same permission functions the
buttons come from."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from cases.views import CaseMixin, _add_service_error
from transfers.selectors import transfer_get_for_user

from . import permissions as can
from .forms import MeetingForm, MeetingHeldForm, NotificationForm
from .models import Meeting, MeetingKind
from .selectors import meeting_colleagues, notifications_for, taf_advisers, yfs_and_cc_staff
from .services import meeting_plan, meeting_record, notification_record

HEADINGS = {
    "": "Record a meeting",
    MeetingKind.TAF: "Record a Team Around the Family (TAF) meeting",
    MeetingKind.CIN: "Invite to a Child in Need (CIN) meeting",
}
INTROS = {
    MeetingKind.TAF: "Rather than transferring the case, a TAF meeting with a social worker sent "
    "by the safeguarding team manager to advise may keep it with your team.",
    MeetingKind.CIN: "Invite the Youth & Family Services or Children's Centre worker doing "
    "specific work with the family, so the work is planned jointly.",
}


def may_record_kind(kind: str, *, case, transfer, user) -> bool:
    if kind == MeetingKind.TAF:
        return can.record_taf_meeting(case, user)
    if kind == MeetingKind.CIN:
        return can.invite_to_cin_meeting(case, user)
    if transfer is not None:
        return can.record_transfer_meeting(transfer, user)
    return can.record_meeting(case, user)


class MeetingFormMixin:
    """A meeting on `self.case`, perhaps for `self.transfer`; ?kind=taf or ?kind=cin fixes the
    kind."""

    template_name = "casework/form.html"
    form_class = MeetingForm
    transfer = None

    def kind(self) -> str:
        kind = self.request.GET.get("kind", "")
        if kind and kind not in MeetingKind.values:
            raise Http404("No such kind of meeting")
        # A fixed general kind still asks the question, with that answer chosen.
        return kind if kind in (MeetingKind.TAF, MeetingKind.CIN) else ""

    def allowed(self) -> bool:
        return may_record_kind(
            self.kind(), case=self.case, transfer=self.transfer, user=self.request.user
        )

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        return {"kind": kind} if kind and not self.kind() else {}

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "kind": self.kind() or None,
            "colleagues": meeting_colleagues(self.case, self.transfer),
            "invitable": yfs_and_cc_staff(),
            "advisers": taf_advisers(),
        }

    def get_context_data(self, **kwargs):
        kind = self.kind()
        return super().get_context_data(
            heading=HEADINGS[kind],
            intro=INTROS.get(kind, ""),
            transfer=self.transfer,
            back_url=self.back_url(),
            **kwargs,
        )

    def back_url(self) -> str:
        return (self.transfer or self.case).get_absolute_url()

    def form_valid(self, form):
        kwargs = form.service_kwargs()
        try:
            if form.is_held:
                meeting_record(
                    case=self.case, transfer=self.transfer, by=self.request.user, **kwargs
                )
            else:
                meeting_plan(case=self.case, transfer=self.transfer, by=self.request.user, **kwargs)
        except ValidationError as error:
            _add_service_error(form, _renamed(error))
            return self.form_invalid(form)
        label = MeetingKind(form.kind_value).label
        messages.success(self.request, f"{label} {'recorded' if form.is_held else 'planned'}")
        return redirect(self.back_url())


def _renamed(error: ValidationError) -> ValidationError:
    """The services name datetimes; the forms ask for a date and a time."""
    if not hasattr(error, "error_dict"):
        return error
    names = {"held_at": "held_on", "planned_for": "planned_on", "told_at": "told_on"}
    return ValidationError(
        {names.get(field, field): errors for field, errors in error.error_dict.items()}
    )


class CaseMeetingView(MeetingFormMixin, CaseMixin, FormView):
    def has_case_permission(self) -> bool:
        return self.allowed()


class TransferMixin:
    """The transfer in the URL if the user may see its case, else 404."""

    def dispatch(self, request, *args, **kwargs):
        self.transfer = transfer_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.transfer is None:
            raise Http404("No transfer found")
        self.case = self.transfer.case
        if not self.allowed():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, **kwargs)


class TransferMeetingView(TransferMixin, MeetingFormMixin, FormView):
    pass


class MeetingHeldView(FormView):
    """Record a planned meeting as held."""

    template_name = "casework/form.html"
    form_class = MeetingHeldForm

    def dispatch(self, request, *args, **kwargs):
        from cases.selectors import cases_visible_to

        self.meeting = (
            Meeting.objects.select_related("case", "transfer", "advising_social_worker")
            .filter(pk=kwargs["pk"], case__in=cases_visible_to(request.user))
            .first()
        )
        if self.meeting is None:
            raise Http404("No meeting found")
        self.case, self.transfer = self.meeting.case, self.meeting.transfer
        if not may_record_kind(
            self.meeting.kind, case=self.case, transfer=self.transfer, user=request.user
        ):
            raise PermissionDenied
        if not self.meeting.is_planned:
            messages.info(request, "This meeting has already been recorded as held.")
            return redirect(self.back_url())
        return super().dispatch(request, *args, **kwargs)

    def back_url(self) -> str:
        return (self.transfer or self.case).get_absolute_url()

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "meeting": self.meeting,
            "colleagues": meeting_colleagues(self.case, self.transfer),
            "advisers": taf_advisers(),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=f"Record the {self.meeting.get_kind_display()} as held",
            case=self.case,
            transfer=self.transfer,
            back_url=self.back_url(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            meeting_record(meeting=self.meeting, by=self.request.user, **form.service_kwargs())
        except ValidationError as error:
            _add_service_error(form, _renamed(error))
            return self.form_invalid(form)
        messages.success(self.request, f"{self.meeting.get_kind_display()} recorded as held")
        return redirect(self.back_url())


class NotificationView(TransferMixin, FormView):
    template_name = "casework/form.html"
    form_class = NotificationForm

    def allowed(self) -> bool:
        return can.record_notification(self.transfer, self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading="Record who was told of the new worker",
            intro="Tell every actively involved agency, professional and "
            "family member, in writing, the name and contact details of the newly allocated "
            "worker and team. Record each one here.",
            transfer=self.transfer,
            back_url=self.transfer.get_absolute_url(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            notification_record(
                transfer=self.transfer, by=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_service_error(form, _renamed(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded: {form.cleaned_data['recipient_name']} told")
        return redirect(self.transfer.get_absolute_url())


class LetterView(TransferMixin, TemplateView):
    """A printable letter to the family and agencies naming the newly allocated worker and
    team. Without an allocated worker there is no letter to print, and the page says so."""

    template_name = "casework/letter.html"

    def allowed(self) -> bool:
        return can.view_letter(self.transfer, self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            transfer=self.transfer,
            worker=self.transfer.allocated_worker,
            team=self.transfer.to_team,
            notifications=notifications_for(self.transfer),
            may_record=can.record_notification(self.transfer, self.request.user),
            **kwargs,
        )
