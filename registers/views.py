"""The weekly and historic transfer lists (seed 004): filter, sort, page, print, export."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from cases.paging import CountedSoFar
from people.selectors import team_filter_for

from . import exports
from .forms import HistoricFilterForm, HistoricSearchForm, WeeklyFilterForm
from .models import SnapshotRow
from .permissions import may_open_registers
from .selectors import (
    DEFAULT_SORT,
    SORTS,
    Filters,
    Week,
    historic_transfers,
    register_rows,
    rows_by_pk,
    snapshot_for,
    snapshot_rows,
    weekly_ids,
    weekly_transfers,
)
from .services import register_export_record

# The table's columns: heading and sort key (None: not sortable).
WEEKLY_HEADERS = [
    ("ICS number", "ics"),
    ("Child", "name"),
    ("Date of birth", "dob"),
    ("SW / DTM / TM", "worker"),
    ("Transfer", "kind"),
    ("From", "from"),
    ("To", "to"),
    ("Requested", "requested"),
    ("Decided", "decided"),
    ("Anticipated transfer", "anticipated"),
    ("Legal proceedings", "proceedings"),
    ("State", "state"),
    ("Next deadline", "due"),
]
HISTORIC_HEADERS = [*WEEKLY_HEADERS[:-1], ("Closed", "closed"), ("Outcome", None)]


class RegisterView(TemplateView):
    """One list: its rows (`get_rows`), shown a page at a time, printed whole, or exported whole
    as CSV or XLSX (each export audited). Filters and sort are in the query string."""

    paginate_by = 50
    template_name = "registers/register.html"
    print_template = "registers/print.html"
    headers = WEEKLY_HEADERS
    columns = exports.WEEKLY_COLUMNS
    default_sort, default_descending = DEFAULT_SORT, False
    list_name = ""

    def dispatch(self, request, *args, **kwargs):
        if not may_open_registers(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    # --- what subclasses say --------------------------------------------------------------------
    def prepare(self) -> None:
        """Read the filters; set self.filters, self.description, self.query (filters for URLs)."""
        raise NotImplementedError

    def get_rows(self):
        raise NotImplementedError

    def filename(self) -> str:
        raise NotImplementedError

    # --- shared -------------------------------------------------------------------------------
    def _sort(self) -> tuple[str, bool]:
        sort = self.request.GET.get("sort", "")
        if sort not in SORTS or sort not in {key for _, key in self.headers}:
            return self.default_sort, self.default_descending
        return sort, self.request.GET.get("order") == "desc"

    def _as_rows(self, rows) -> list:
        return list(rows) if rows.model is SnapshotRow else register_rows(rows)

    def get(self, request, *args, **kwargs):
        self.sort, self.descending = self._sort()
        self.prepare()
        output = request.GET.get("format", "")
        if output in ("csv", "xlsx"):
            return self.export(self.get_rows(), output)
        if request.GET.get("print"):
            return render(
                request,
                self.print_template,
                self.get_context_data(rows=self._as_rows(self.get_rows()), printing=True),
            )
        page = self.paginator().get_page(request.GET.get("page"))
        page_rows = list(page.object_list)
        context = self.get_context_data(page_obj=page, rows=page_rows)
        return self.render_to_response(context)

    def paginator(self) -> CountedSoFar:
        """Counted only so far: a county-wide reader's week holds 20,000 transfers at ten times
        the largest county. The ids of the first thousand come down the sort's index in one
        query; the page's rows are then read by primary key (issue 14)."""
        rows = self.get_rows()
        return CountedSoFar.of(rows, lambda ids: rows_by_pk(rows, ids), self.paginate_by)

    def export(self, rows, output: str):
        rows = self._as_rows(rows)
        order = "descending" if self.descending else "ascending"
        register_export_record(
            user=self.request.user,
            note=f"{self.list_name}, {output.upper()}, {len(rows)} rows, {self.description}; "
            f"sorted by {self.sort} {order}",
        )
        if output == "csv":
            content, kind = exports.csv_bytes(rows, self.columns), "text/csv; charset=utf-8"
        else:
            content = exports.xlsx_bytes(rows, self.columns, self.list_name)
            kind = exports.XLSX
        return exports.download(content, filename=f"{self.filename()}.{output}", content_type=kind)

    def _url(self, **extra) -> str:
        return "?" + urlencode({**self.query, **extra})

    def _headers(self) -> list[dict]:
        headers = []
        for label, key in self.headers:
            current = key == self.sort
            next_order = "desc" if current and not self.descending else "asc"
            headers.append(
                {
                    "label": label,
                    "key": key,
                    "aria_sort": (
                        ("descending" if self.descending else "ascending") if current else "none"
                    ),
                    "url": self._url(sort=key, order=next_order) if key else "",
                }
            )
        return headers

    def get_context_data(self, **kwargs):
        sorting = {"sort": self.sort, "order": "desc" if self.descending else "asc"}
        return super().get_context_data(
            list_name=self.list_name,
            description=self.description,
            headers=self._headers(),
            query_string=urlencode({**self.query, **sorting}),
            print_url=self._url(**sorting, print=1),
            csv_url=self._url(**sorting, format="csv"),
            xlsx_url=self._url(**sorting, format="xlsx"),
            sorting=sorting,
            filtered=any(self.query.get(k) for k in ("team", "kind", "state")),
            now=timezone.now(),
            **kwargs,
        )


def _describe(form, fields: dict[str, str]) -> str:
    """'team: CIN North; transfer: all; stage: Agreed' from a validated filter form."""
    parts = []
    for name, label in fields.items():
        value = form.cleaned_data.get(name)
        if value and name != "team":
            value = dict(form.fields[name].choices).get(value, value)
        parts.append(f"{label}: {value or 'all'}")
    return "; ".join(parts)


class WeeklyListView(RegisterView):
    """Every transfer open at any time in the chosen week (this week by default). A past week
    that was frozen on its Monday shows its snapshot."""

    list_name = "Weekly list"

    def prepare(self) -> None:
        user = self.request.user
        self.current = Week.containing(timezone.now())
        data = (
            self.request.GET
            if any(k in self.request.GET for k in ("week", "team", "kind", "state"))
            else None
        )
        teams, choices = team_filter_for(user)
        self.form = WeeklyFilterForm(data, teams=teams, team_choices=choices, current=self.current)
        self.form.is_valid()
        cleaned = self.form.cleaned_data if self.form.is_bound else {}
        self.week = cleaned.get("week") or self.current
        if self.week.monday > self.current.monday:
            self.form.add_error("week", "Choose this week or a week before it")
            self.week = self.current
        team = cleaned.get("team")
        self.filters = Filters(
            team_id=team.pk if team else None,
            kind=cleaned.get("kind", ""),
            stage=cleaned.get("state", ""),
        )
        self.query = {
            k: v
            for k, v in {
                "week": self.week.key,
                "team": team.pk if team else "",
                "kind": self.filters.kind,
                "state": self.filters.stage,
            }.items()
            if v
        }
        self.snapshot = None
        if self.week.monday < self.current.monday:
            self.snapshot = snapshot_for(self.week)
        detail = (
            _describe(self.form, {"team": "team", "kind": "transfer", "state": "stage"})
            if self.form.is_bound
            else "team: all; transfer: all; stage: all"
        )
        self.description = f"{self.week.label} ({self.week.key}); {detail}"

    def get_rows(self):
        options = {
            "user": self.request.user,
            "filters": self.filters,
            "sort": self.sort,
            "descending": self.descending,
        }
        if self.snapshot is not None:
            return snapshot_rows(snapshot=self.snapshot, **options)
        return weekly_transfers(week=self.week, **options)

    def paginator(self) -> CountedSoFar:
        if self.snapshot is not None:
            return super().paginator()
        # The same rows, their ids read by SQL compiled once (registers.selectors.weekly_ids).
        return CountedSoFar(
            lambda limit: weekly_ids(
                user=self.request.user,
                week=self.week,
                limit=limit,
                filters=self.filters,
                sort=self.sort,
                descending=self.descending,
            ),
            lambda ids: rows_by_pk(None, ids),
            self.paginate_by,
        )

    def filename(self) -> str:
        return f"weekly-transfer-list-{self.week.key}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title="Weekly case transfer list",
            form=self.form,
            week=self.week,
            this_week=self.week == self.current,
            snapshot=self.snapshot,
            other_list=("Historic transfer list", reverse("registers:historic")),
            **kwargs,
        )


class HistoricListView(RegisterView):
    """Completed, withdrawn and refused transfers. The name search is POSTed and kept in the
    session; the other filters are in the query string."""

    list_name = "Historic list"
    headers = HISTORIC_HEADERS
    columns = exports.HISTORIC_COLUMNS
    default_sort, default_descending = "closed", True
    SESSION_KEY = "historic_transfer_search"

    def post(self, request, *args, **kwargs):
        if not may_open_registers(request.user):
            raise PermissionDenied
        if "clear" in request.POST:
            request.session.pop(self.SESSION_KEY, None)
        else:
            form = HistoricSearchForm(request.POST)
            if form.is_valid():
                request.session[self.SESSION_KEY] = {"q": form.cleaned_data["q"]}
        # Back to the list with its filters; never the search, which stays in the session.
        keep = {
            k: v for k, v in request.GET.items() if k in ("team", "kind", "state", "sort", "order")
        }
        url = reverse("registers:historic")
        return redirect(f"{url}?{urlencode(keep)}" if keep else url)

    def prepare(self) -> None:
        user = self.request.user
        data = (
            self.request.GET
            if any(k in self.request.GET for k in ("team", "kind", "state"))
            else None
        )
        teams, choices = team_filter_for(user)
        self.form = HistoricFilterForm(data, teams=teams, team_choices=choices)
        self.form.is_valid()
        cleaned = self.form.cleaned_data if self.form.is_bound else {}
        team = cleaned.get("team")
        self.filters = Filters(
            team_id=team.pk if team else None,
            kind=cleaned.get("kind", ""),
            stage=cleaned.get("state", ""),
        )
        self.query = {
            k: v
            for k, v in {
                "team": team.pk if team else "",
                "kind": self.filters.kind,
                "state": self.filters.stage,
            }.items()
            if v
        }
        self.search = self.request.session.get(self.SESSION_KEY, {}).get("q", "")
        detail = (
            _describe(self.form, {"team": "team", "kind": "transfer", "state": "outcome"})
            if self.form.is_bound
            else "team: all; transfer: all; outcome: all"
        )
        # The search may be a child's name: the description (audit note, print heading) says
        # only that there is one.
        self.description = detail + ("; searched by name or case number" if self.search else "")

    def get_rows(self):
        return historic_transfers(
            user=self.request.user,
            filters=self.filters,
            query=self.search,
            sort=self.sort,
            descending=self.descending,
        )

    def filename(self) -> str:
        return f"historic-transfer-list-{timezone.localdate():%Y-%m-%d}"

    def get_context_data(self, **kwargs):
        search_form = HistoricSearchForm(initial={"q": self.search})
        search_form.helper.form_action = "?" + urlencode(self.query) if self.query else ""
        return super().get_context_data(
            title="Historic transfer list",
            form=self.form,
            search_form=search_form,
            searched=bool(self.search),
            historic=True,
            other_list=("Weekly transfer list", reverse("registers:weekly")),
            **kwargs,
        )
