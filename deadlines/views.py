from django.db.models import QuerySet
from django.views.generic import ListView

from cases.paging import CountedSoFar
from people.selectors import team_filter_for

from .forms import TeamDeadlinesForm
from .selectors import deadlines_in_order, ranked_live_team_deadlines, team_deadlines


class TeamDeadlinesView(ListView):
    template_name = "deadlines/team_deadlines.html"
    context_object_name = "deadlines"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        teams, choices = team_filter_for(user)
        self.form = TeamDeadlinesForm(self.request.GET or None, teams=teams, team_choices=choices)
        team_id, status = None, "live"
        if self.form.is_bound and self.form.is_valid():
            team = self.form.cleaned_data["team"]
            team_id = team.pk if team else None
            status = self.form.cleaned_data["status"] or "live"
        if status == "live":  # as the page opens: ranked rows (issue 14)
            return ranked_live_team_deadlines(user=user, team_id=team_id)
        return team_deadlines(user=user, team_id=team_id, status=status)

    def get_paginator(self, queryset, per_page, **kwargs):
        # Ranked rows are counted as they are ranked; a query (a service manager's live rows,
        # or every status: a million rows for those who see the county) only so far.
        if not isinstance(queryset, QuerySet):
            return super().get_paginator(queryset, per_page, **kwargs)
        return CountedSoFar.of(
            queryset,
            deadlines_in_order(self.request.user),
            per_page,
            **kwargs,
        )

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(form=self.form, query_string=query.urlencode(), **kwargs)
