from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from audit.services import audit_read
from casetransfer.request_cache import read_only
from casework.selectors import joint_planning_for, meetings_for
from deadlines.selectors import case_page_deadlines, deadlines_for_case
from escalations.selectors import concerns_for_case, escalations_for_case, suspensions_for_teams
from people.selectors import team_filter_for, users_in_team
from transfers.selectors import case_transfers, eh_worker_involved

from . import permissions as can
from .actions import case_casework_actions, case_page_actions
from .forms import AllocateForm, CaseSearchForm, CloseToSocialCareForm, HoldForm, StepDownForm
from .paging import CountedSoFar, SinglePassPaginator, in_order_of
from .selectors import (
    case_allocation_history,
    case_get_for_user,
    case_search,
    case_timeline,
    read_cases_by_pk,
    step_down_teams,
    timeline_entries,
)
from .services import (
    case_allocate,
    case_close_to_social_care,
    case_hold_by_team_leader,
    case_step_down_to_early_help,
)

TIMELINE_ON_CASE_PAGE = 10
MOVED_ON = "Someone else changed this case at the same time. Check it and try again."


class CaseMixin:
    """Loads the case named in the URL if the user may see it; otherwise 404, so a case in
    another team is not revealed to exist."""

    def dispatch(self, request, *args, **kwargs):
        self.case = case_get_for_user(user=request.user, reference=kwargs["reference"])
        if self.case is None:
            raise Http404("No case found")
        if not self.has_case_permission():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def has_case_permission(self) -> bool:
        """Beyond seeing the case, may the user do what this page does? Views override."""
        return True

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.case, **kwargs)


class CaseListView(ListView):
    """Search and filters are POSTed, so a child's name never appears in a URL (and so never in
    access logs or browser history). The name or number searched is never stored: its results
    are the POST's own response, and its further pages are POSTed again with it. Only the team
    and plan type filters, which hold nothing personal, are kept in the session."""

    template_name = "cases/case_list.html"
    paginate_by = 25
    context_object_name = "cases"
    SESSION_KEY = "case_filters"
    # Before issue 13 the searched name was kept in the session under this key.
    OLD_SESSION_KEY = "case_search"

    def _form(self, *args, **kwargs) -> CaseSearchForm:
        teams, choices = team_filter_for(self.request.user)
        return CaseSearchForm(*args, teams=teams, team_choices=choices, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        request.session.pop(self.OLD_SESSION_KEY, None)
        self.query = ""
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "clear" in request.POST:
            request.session.pop(self.SESSION_KEY, None)
            return redirect("cases:list")
        # A search changes nothing but the filters kept in the session: the user's teams and
        # the cases they see are worked out once, for the form and the results, as a GET's are.
        with read_only():
            return self._search(request)

    def _search(self, request):
        form = self._form(request.POST)
        self.form = form
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "team": data["team"].pk if data["team"] else None,
                "plan_type": data["plan_type"],
            }
            if request.session.get(self.SESSION_KEY) != filters:  # else no session write
                request.session[self.SESSION_KEY] = filters
            if not data["q"].strip():
                return redirect("cases:list")  # filters only: plain pages from here on
            self.query = data["q"].strip()
            page = request.POST.get("page", "")
            if page.isdigit():
                self.kwargs["page"] = page
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data()).render()

    def get_paginator(self, queryset, per_page, **kwargs):
        # A name or number search runs once, counted in the same query; browsing, which for an
        # assistant director is every case in the county, is counted only so far (issue 14).
        if self.query:
            if isinstance(queryset, list):  # a number's few matches, read whole already
                return Paginator(queryset, per_page, **kwargs)
            return SinglePassPaginator(queryset, per_page, **kwargs)
        return CountedSoFar.of(
            queryset,
            lambda ids: in_order_of(ids, read_cases_by_pk),
            per_page,
            **kwargs,
        )

    def get_queryset(self):
        saved = self.request.session.get(self.SESSION_KEY, {})
        if not hasattr(self, "form"):
            self.form = self._form(initial=saved)
        return case_search(
            user=self.request.user,
            query=self.query,
            team_id=saved.get("team"),
            plan_type=saved.get("plan_type", ""),
            pages=True,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, **kwargs)
        saved = self.request.session.get(self.SESSION_KEY, {})
        context["searched"] = bool(self.query) or any(saved.get(k) for k in ("team", "plan_type"))
        context["name_search"] = self.query
        context["saved_filters"] = saved
        return context


class CaseDetailView(CaseMixin, TemplateView):
    template_name = "cases/case_detail.html"

    def get(self, request, *args, **kwargs):
        # Every view of a child's record is audited: who, when, which case, from where.
        audit_read(actor=request.user, subject=self.case, note=f"Case {self.case.reference}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["allocations"] = case_allocation_history(self.case)
        # The latest events, counted in the same query, for the link to the whole timeline.
        latest = timeline_entries(
            case_timeline(self.case).annotate(total=Window(Count("*")))[:TIMELINE_ON_CASE_PAGE]
        )
        context["timeline"] = latest
        context["timeline_total"] = latest[0].total if latest else 0
        context["deadlines"] = case_page_deadlines(self.case)
        context["transfers"] = case_transfers(self.case)
        context["actions"] = case_page_actions(self.case, self.request.user)
        context["eh_involvement"] = eh_worker_involved(self.case)
        context["casework_actions"] = case_casework_actions(self.case, self.request.user)
        meetings = list(meetings_for(case=self.case))
        context["meetings"] = meetings
        context["joint_planning"] = joint_planning_for(meetings)
        context["concerns"] = concerns_for_case(self.case)
        context["escalations"] = escalations_for_case(self.case)
        context["suspensions"] = suspensions_for_teams(self.case.current_team_id)
        return context


class CaseRecordsView(CaseMixin, ListView):
    """A list of one case's records, 25 a page, counted alongside the page (a case's records
    are few: one query, not two). A read of the child's record, audited as the case page is:
    `read_note` says which, with the case's `{reference}`."""

    paginate_by = 25
    paginator_class = SinglePassPaginator
    read_note = ""

    def get(self, request, *args, **kwargs):
        note = self.read_note.format(reference=self.case.reference)
        audit_read(actor=request.user, subject=self.case, note=note)
        return super().get(request, *args, **kwargs)


class CaseTimelineView(CaseRecordsView):
    """Everything that happened to the case, newest first."""

    template_name = "cases/timeline.html"
    context_object_name = "events"
    read_note = "Timeline of case {reference}"

    def get_queryset(self):
        return case_timeline(self.case)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = timeline_entries(context["events"])
        return context


class CaseDeadlinesView(CaseRecordsView):
    """Every deadline the case has had, the latest due first: the case page shows the live ones
    and the latest few met or cancelled."""

    template_name = "cases/case_deadlines.html"
    context_object_name = "deadlines"
    read_note = "Deadlines of case {reference}"

    def get_queryset(self):
        return deadlines_for_case(self.case)


class CaseAllocateView(CaseMixin, FormView):
    template_name = "cases/case_allocate.html"
    form_class = AllocateForm

    def has_case_permission(self) -> bool:
        return can.allocate(self.case, self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "workers": users_in_team(self.case.current_team)}

    def get_initial(self):
        current = self.case.allocations.filter(ended_at__isnull=True).order_by("-pk").first()
        return {"seen_allocation": current.pk if current else None}

    def form_valid(self, form):
        try:
            case_allocate(
                case=self.case,
                team=self.case.current_team,
                worker=form.cleaned_data["worker"],
                by=self.request.user,
                reason=form.cleaned_data["reason"],
                seen_allocation=form.cleaned_data["seen_allocation"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        worker = form.cleaned_data["worker"]
        messages.success(self.request, f"Case {self.case.reference} allocated to {worker}")
        return redirect(self.case.get_absolute_url())


class CaseStepView(CaseMixin, FormView):
    """A confirmation page for one case transition: the form's data goes to one service; a
    refusal in the service's words shows in the error summary."""

    template_name = "cases/case_step.html"
    heading = ""
    success_message = ""

    def take(self, form) -> None:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.heading, **kwargs)

    def form_valid(self, form):
        try:
            self.take(form)
        except ValidationError as error:
            _add_service_error(form, error)
            return self.form_invalid(form)
        except (TransitionNotAllowed, ConcurrentTransition):
            form.add_error(None, MOVED_ON)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(case=self.case))
        return redirect(self.case.get_absolute_url())


def _add_service_error(form, error: ValidationError) -> None:
    """A service's field errors go to the form's field where it has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


class CaseCloseView(CaseStepView):
    form_class = CloseToSocialCareForm
    heading = "Close Social Care involvement"
    success_message = "Case {case.reference} closed to Social Care"

    def has_case_permission(self) -> bool:
        return can.close_to_social_care(self.case, self.request.user)

    def take(self, form) -> None:
        case_close_to_social_care(
            case=self.case, by=self.request.user, reason=form.cleaned_data["reason"]
        )


class CaseStepDownView(CaseStepView):
    form_class = StepDownForm
    heading = "Step down to Early Help"
    success_message = "Case {case.reference} stepped down to Early Help"

    def has_case_permission(self) -> bool:
        return can.close_to_social_care(self.case, self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "teams": step_down_teams(self.case)}

    def take(self, form) -> None:
        case_step_down_to_early_help(
            case=self.case,
            by=self.request.user,
            to_team=form.cleaned_data["to_team"],
            reason=form.cleaned_data["reason"],
        )


class CaseHoldView(CaseStepView):
    form_class = HoldForm
    heading = "Hold the case as team leader"
    success_message = "You hold case {case.reference} until a social worker is allocated"

    def has_case_permission(self) -> bool:
        return can.hold_by_team_leader(self.case, self.request.user)

    def take(self, form) -> None:
        case_hold_by_team_leader(
            case=self.case, by=self.request.user, reason=form.cleaned_data["reason"]
        )
