"""Thin views over the conference services. Each loads the request only if the user may see it
(404 otherwise), checks the step's permission (403) through the same `STEPS` table the buttons
come from, and turns service errors into the form's GOV.UK error summary with nothing saved."""

from datetime import timedelta
from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from icalendar import Calendar, Event

from audit.services import audit_record
from deadlines.calendar import LONDON
from deadlines.emails import absolute_url
from people.roles import Role

from . import permissions as can
from . import services
from .actions import STEPS, request_actions
from .forms import ReceiveForm
from .letters import letter_as_text, letter_pdf, render_letter, stored_letter
from .models import (
    ConferenceStatus,
    LetterKind,
)
from .selectors import (
    chair_upcoming,
    conference_list,
    document_get_for_user,
    qa_worklist,
    request_deadlines,
    request_get_for_user,
    request_timeline,
)

CONFERENCE_LENGTH = timedelta(hours=2)


# A service's error about a moment belongs to the form's date boxes, where its link goes.
DATE_FIELDS = {
    "request_received_at": "received_on",
    "discussed_at": "discussed_on",
    "visited_at": "visited_on",
    "conference_at": "conference_on",
}


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = DATE_FIELDS.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _any_role(user, *roles) -> bool:
    return user.is_superuser or user.has_role(*roles)


class RequestMixin:
    def dispatch(self, request, *args, **kwargs):
        self.tir = request_get_for_user(user=request.user, pk=kwargs["pk"])
        if self.tir is None:
            raise Http404("No transfer-in request found")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tir=self.tir, **kwargs)


class ConferenceListView(ListView):
    """The CCA's list: every request of the teams the user sees, by state and next deadline."""

    template_name = "conferences/list.html"
    context_object_name = "requests"
    paginate_by = 50

    def get_queryset(self):
        self.status = self.request.GET.get("status", "live")
        if self.status not in {"live", "all", *ConferenceStatus.values}:
            self.status = "live"
        return conference_list(user=self.request.user, status=self.status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Transfer-in conferences",
            status=self.status,
            statuses=[("live", "In progress"), *ConferenceStatus.choices, ("all", "All")],
            may_receive=can.may_receive(self.request.user),
            **kwargs,
        )


class QaListView(ListView):
    """The QA Service Manager's decisions."""

    template_name = "conferences/list.html"
    context_object_name = "requests"

    def dispatch(self, request, *args, **kwargs):
        if not _any_role(request.user, Role.QA_SERVICE_MANAGER):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return qa_worklist(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Transfer-in requests waiting for your decision",
            intro="Shared bundles to discuss with the receiving team manager, decisions to "
            "record and tentative dates to offer.",
            **kwargs,
        )


class ChairListView(ListView):
    """The Independent Chair's upcoming conferences, with the updated report's status."""

    template_name = "conferences/chair.html"
    context_object_name = "requests"

    def dispatch(self, request, *args, **kwargs):
        if not _any_role(request.user, Role.INDEPENDENT_CHAIR):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return chair_upcoming(self.request.user)


class ReceiveView(FormView):
    """Step 1: MASH records the request."""

    template_name = "conferences/step_form.html"
    form_class = ReceiveForm

    def dispatch(self, request, *args, **kwargs):
        if not can.may_receive(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Record a transfer-in conference request",
            intro="From the other local authority, as received by MASH. One request can cover "
            "brothers and sisters: add a child for each.",
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.tir = services.conference_receive(
                by=self.request.user,
                cca_team=data["cca_team"],
                requesting_authority=data["requesting_authority"],
                ola_social_worker=data["ola_social_worker"],
                ola_social_worker_email=data["ola_social_worker_email"],
                ola_social_worker_phone=data["ola_social_worker_phone"],
                ola_team_manager=data["ola_team_manager"],
                moved_in_on=data["moved_in_on"],
                new_address=data["new_address"],
                request_received_at=form.at("received_on", "received_time"),
                children=form.children(),
            )
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Request {self.tir.reference} recorded.")
        return redirect(self.tir.get_absolute_url())


class RequestDetailView(RequestMixin, TemplateView):
    template_name = "conferences/detail.html"

    def get_context_data(self, **kwargs):
        tir, user = self.tir, self.request.user
        letters = []
        for kind in LetterKind.values:
            letter = stored_letter(tir, kind)
            if letter is not None:
                letters.append(
                    {
                        "title": letter.title,
                        "url": reverse("conferences:letter", args=[tir.pk, kind]),
                    }
                )
        return super().get_context_data(
            actions=request_actions(tir, user),
            children=list(tir.children.select_related("case", "case__current_team")),
            checklist=services.bundle_checklist(tir),
            missing_invitees=services.missing_invitees(tir) if tir.conference_at else [],
            letters=letters,
            draft_protocol=(
                render_letter(tir, LetterKind.PROTOCOL)
                if tir.status == ConferenceStatus.FAMILY_RECORDED
                else None
            ),
            visits=list(tir.welfare_visits.select_related("visited_by")),
            invitees=list(tir.invitees.all()),
            deadlines=list(request_deadlines(tir)),
            timeline=request_timeline(tir),
            **kwargs,
        )


class StepView(RequestMixin, FormView):
    """One step of the journey, named in the URL; `STEPS` says who may take it, when, with
    which form and which service."""

    template_name = "conferences/step_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.step = STEPS.get(kwargs["step"])
        if self.step is None:
            raise Http404("No such step")
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return self.step.form

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "tir": self.tir,
            **self.step.form_kwargs(self.tir, self.request.user),
        }

    def get(self, request, *args, **kwargs):
        return self._guard() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._guard() or super().post(request, *args, **kwargs)

    def _guard(self):
        if not self.step.permission(self.tir, self.request.user):
            raise PermissionDenied
        if not self.step.allowed(self.tir, self.request.user):
            messages.info(
                self.request,
                f"This request is now '{self.tir.get_status_display()}': that step is not open.",
            )
            return redirect(self.tir.get_absolute_url())
        return None

    def get_context_data(self, **kwargs):
        draft = None
        if self.kwargs["step"] == "protocol":
            draft = render_letter(self.tir, LetterKind.PROTOCOL)
        elif self.kwargs["step"] == "acknowledge":
            draft = render_letter(self.tir, LetterKind.ACKNOWLEDGEMENT)
        return super().get_context_data(
            title=self.step.label,
            intro=self.step.intro,
            draft=draft,
            checklist=services.bundle_checklist(self.tir)
            if self.kwargs["step"] in ("decision", "discussion", "upload")
            else None,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            self.step.perform(self.tir, self.request.user, form)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        except (TransitionNotAllowed, ConcurrentTransition):
            self.tir.refresh_from_db()
            messages.error(
                self.request,
                "Someone else acted on this request first: it is now "
                f"'{self.tir.get_status_display()}'. Nothing you entered was saved.",
            )
            return redirect(self.tir.get_absolute_url())
        messages.success(self.request, self.step.done)
        return redirect(self.tir.get_absolute_url())


class DocumentView(View):
    """A bundle document, only to someone who may see the request; every download audited."""

    def get(self, request, pk: int, document_pk: int):
        document = document_get_for_user(user=request.user, pk=pk, document_pk=document_pk)
        if document is None:
            raise Http404("No document found")
        audit_record(
            actor=request.user,
            action="bundledocument.download",
            subject=document.request,
            case=services.first_case(document.request),
            changes={"document": [None, document.pk]},
            note=f"{document.get_kind_display()} downloaded",
        )
        suffix = PurePosixPath(document.file.name).suffix
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=f"{document.request.reference}-{document.kind}{suffix}",
            content_type=document.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _letter(tir, kind: str):
    if kind not in LetterKind.values:
        raise Http404("No such letter")
    letter = stored_letter(tir, kind)
    if letter is None and kind == LetterKind.PROTOCOL and tir.status == "family_recorded":
        letter = render_letter(tir, kind)  # the draft, before it is sent
    if letter is None:
        raise Http404("That letter has not been sent")
    return letter


class LetterView(RequestMixin, TemplateView):
    """A letter to the other authority, to copy, print or download as a PDF."""

    template_name = "conferences/letter.html"

    def get_context_data(self, **kwargs):
        letter = _letter(self.tir, self.kwargs["kind"])
        return super().get_context_data(letter=letter, letter_text=letter_as_text(letter), **kwargs)


class LetterPdfView(RequestMixin, View):
    def get(self, request, pk: int, kind: str):
        letter = _letter(self.tir, kind)
        response = HttpResponse(
            letter_pdf(letter, reference=self.tir.reference), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.tir.reference}-{kind}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class CalendarView(RequestMixin, View):
    """The conference as a calendar file invitees can add. No child's name: the reference."""

    def get(self, request, pk: int):
        tir = self.tir
        if tir.conference_at is None or not tir.is_live:
            raise Http404("No conference date is agreed")
        calendar = Calendar()
        calendar.add("prodid", "-//casetransfer//transfer-in conferences//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "PUBLISH")
        event = Event()
        event.add("uid", f"{tir.reference}@casetransfer")
        event.add("summary", f"Transfer-in Child Protection Conference {tir.reference}")
        event.add("dtstart", tir.conference_at.astimezone(LONDON))
        event.add("dtend", (tir.conference_at + CONFERENCE_LENGTH).astimezone(LONDON))
        event.add("dtstamp", timezone.now())
        # Bumped when the conference moves, so calendars replace the old entry.
        moves = [e for e in request_timeline(tir) if e.action.endswith("move_conference_date")]
        event.add("sequence", len(moves))
        event.add("location", tir.conference_venue)
        event.add("description", f"Details: {absolute_url(tir.get_absolute_url())}")
        event.add("url", absolute_url(tir.get_absolute_url()))
        calendar.add_component(event)
        response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{tir.reference}.ics"'
        return response
