from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView

from deadlines.selectors import deadlines_for_case
from people.selectors import teams_visible_to, user_manages_team, users_in_team
from transfers.permissions import start_step_up as can_start_step_up
from transfers.selectors import case_transfers, eh_worker_involved

from .forms import AllocateForm, CaseSearchForm
from .selectors import case_allocation_history, case_audit_history, case_get_for_user, case_search
from .services import case_allocate


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
    template_name = "cases/case_list.html"
    paginate_by = 25
    context_object_name = "cases"

    def get_queryset(self):
        teams = teams_visible_to(self.request.user)
        self.form = CaseSearchForm(self.request.GET or None, teams=teams)
        if self.form.is_bound and self.form.is_valid():
            data = self.form.cleaned_data
            return case_search(
                user=self.request.user,
                query=data["q"],
                team_id=data["team"].pk if data["team"] else None,
                plan_type=data["plan_type"],
            )
        return case_search(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, **kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["searched"] = any(self.request.GET.get(k) for k in ("q", "team", "plan_type"))
        return context


class CaseDetailView(CaseMixin, TemplateView):
    template_name = "cases/case_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["allocations"] = case_allocation_history(self.case)
        context["audit_events"] = case_audit_history(self.case)[:50]
        context["deadlines"] = deadlines_for_case(self.case)
        context["transfers"] = case_transfers(self.case)
        context["live_transfer"] = next((t for t in context["transfers"] if t.is_live), None)
        context["can_allocate"] = context["live_transfer"] is None and user_manages_team(
            self.request.user, self.case.current_team
        )
        context["can_start_step_up"] = context["live_transfer"] is None and can_start_step_up(
            self.case, self.request.user
        )
        context["eh_involvement"] = eh_worker_involved(self.case)
        return context


class CaseAllocateView(CaseMixin, FormView):
    template_name = "cases/case_allocate.html"
    form_class = AllocateForm

    def has_case_permission(self) -> bool:
        return user_manages_team(self.request.user, self.case.current_team)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "workers": users_in_team(self.case.current_team)}

    def form_valid(self, form):
        try:
            case_allocate(
                case=self.case,
                team=self.case.current_team,
                worker=form.cleaned_data["worker"],
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        worker = form.cleaned_data["worker"]
        messages.success(self.request, f"Case {self.case.reference} allocated to {worker}")
        return redirect(self.case.get_absolute_url())
