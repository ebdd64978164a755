import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from cases.models import Case
from cases.tests.factories import CaseFactory
from casetransfer.prepared import source
from transfers.models import Transfer, TransferStage

from .conftest import NOW, THIS_WEEK, make_transfer

pytestmark = pytest.mark.django_db
WEEKLY = reverse("registers:weekly")
HISTORIC = reverse("registers:historic")


@pytest.fixture
def listed(world, now):
    into_cic = make_transfer(
        case=world.north_case, to_team=world.cic, due_at=NOW + timedelta(days=2)
    )
    south = make_transfer(case=world.south_case, to_team=world.north)
    return into_cic, south


def test_the_senior_administrators_home_is_the_weekly_list(client, world):
    client.force_login(world.senior_admin)
    assert client.get("/").url == WEEKLY
    client.force_login(world.north_tm)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Weekly transfer list" in response.content  # the navigation link


def test_the_senior_administrator_sees_every_row(client, world, listed):
    client.force_login(world.senior_admin)
    response = client.get(WEEKLY)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Amy Ashby" in content and "Ben Brook" in content
    assert "Week of Monday 16 November 2026 (2026-W47)" in content
    assert "Proceedings issued; Interim care order" in content
    assert "Dee Deputy" in content and "Nora North" in content and "Sam Worker" in content
    assert "Fri 20 Nov 2026 12:00" in content  # the next deadline, London time


def test_a_team_manager_sees_only_their_teams_rows(client, world, listed):
    client.force_login(world.south_tm)
    content = client.get(WEEKLY).content.decode()
    assert "Ben Brook" in content and "Amy Ashby" not in content


@pytest.mark.parametrize("url", [WEEKLY, HISTORIC, WEEKLY + "?format=csv", HISTORIC + "?print=1"])
def test_a_worker_with_no_management_role_is_refused(client, world, listed, url):
    client.force_login(world.north_sw)
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="register.export").exists()
    assert b"Weekly transfer list" not in client.get("/").content


def test_filters_are_in_the_query_string_and_sort_links_keep_them(client, world, listed):
    client.force_login(world.senior_admin)
    response = client.get(WEEKLY, {"team": world.cic.pk, "sort": "name", "order": "asc"})
    content = response.content.decode()
    assert "Amy Ashby" in content and "Ben Brook" not in content
    # The current column says how it is sorted; its link sorts the other way, filters kept.
    assert (
        'aria-sort="ascending"><a class="govuk-link app-sort-link" href="?week=2026-W47&amp;team='
        in content
    )
    assert f"team={world.cic.pk}&amp;sort=name&amp;order=desc" in content
    assert "No transfers match" in client.get(WEEKLY, {"state": "completed"}).content.decode()


def test_a_week_still_to_come_is_refused_with_a_message(client, world, listed):
    client.force_login(world.senior_admin)
    content = client.get(WEEKLY, {"week": "2027-W10"}).content.decode()
    assert "There is a problem" in content
    assert "Amy Ashby" in content  # this week's list instead


def test_the_empty_list_says_what_to_do(client, world, now):
    client.force_login(world.north_tm)
    content = client.get(WEEKLY).content.decode()
    assert "No transfers were open this week in the teams you can see" in content
    assert "Choose an earlier week" in content


# The senior administrator's list is every transfer; the team manager's is narrowed to the cases
# they see. Either way the ids of its first rows are read and counted in one query.
@pytest.mark.parametrize("reader", ["senior_admin", "north_tm"])
def test_the_list_is_paged_fifty_at_a_time(client, world, now, reader):
    cases = CaseFactory.create_batch(51, current_team=world.north)
    for case in cases:
        make_transfer(case=case)
    client.force_login(getattr(world, reader))
    first = client.get(WEEKLY, {"sort": "requested"})
    assert first.context["page_obj"].paginator.count == 51
    assert len(first.context["rows"]) == 50
    second = client.get(WEEKLY, {"sort": "requested", "page": 2})
    assert [row.case_id for row in second.context["rows"]] == [cases[-1].pk]
    assert second.context["page_obj"].paginator.count == 51
    assert "Page 1 of 2" in first.content.decode()
    # A page past the end shows the last one, as the pager's links would.
    past = client.get(WEEKLY, {"sort": "requested", "page": 9})
    assert past.context["page_obj"].number == 2 and len(past.context["rows"]) == 1
    with CaptureQueriesContext(connection) as queries:  # no COUNT query, whichever page
        client.get(WEEKLY, {"sort": "requested", "page": 2})
    assert not [q for q in queries.captured_queries if "COUNT(" in source(q["sql"]).upper()]


@pytest.mark.parametrize("reader", ["senior_admin", "north_tm"])
def test_a_long_list_says_more_than_it_counted_and_pages_on(
    client, world, now, reader, monkeypatch
):
    """Counted only so far (a county-wide week holds 20,000 transfers at ten times the largest
    county): "More than", "at least", and Next (issue 14)."""
    from cases.paging import CountedSoFar
    from registers.views import RegisterView

    monkeypatch.setattr(CountedSoFar, "CAP", 3)
    monkeypatch.setattr(RegisterView, "paginate_by", 2)
    for case in CaseFactory.create_batch(6, current_team=world.north):
        make_transfer(case=case)
    client.force_login(getattr(world, reader))
    first = client.get(WEEKLY, {"sort": "requested"}).content.decode()
    assert "More than 3 transfers." in first
    assert "Page 1 of at least 3" in first
    assert 'rel="next"' in first
    last = client.get(WEEKLY, {"sort": "requested", "page": 3}).content.decode()
    assert "6 transfers." in last
    assert "Page 3 of 3" in last


def test_the_print_view_has_every_row_one_a_line_with_the_week_and_filters(client, world, now):
    for case in CaseFactory.create_batch(55, current_team=world.north):
        make_transfer(case=case)
    client.force_login(world.senior_admin)
    response = client.get(WEEKLY, {"print": 1, "team": world.north.pk})
    content = response.content.decode()
    assert len(response.context["rows"]) == 55
    assert "Weekly case transfer list: Week of Monday 16 November 2026 (2026-W47)" in content
    assert "team: CIN North; transfer: all; stage: all" in content
    assert "registers/registers.css" in content and "govuk-pagination" not in content
    assert "app-sort-link" not in content  # headings are not links on paper


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_has_the_filtered_rows_and_the_export_is_audited(client, world, listed):
    client.force_login(world.senior_admin)
    response = client.get(WEEKLY, {"format": "csv", "team": world.cic.pk})
    assert response["Content-Type"].startswith("text/csv")
    assert f"weekly-transfer-list-{THIS_WEEK}.csv" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    rows = _csv(response)
    header = rows[0]
    assert header[:5] == [
        "Case reference",
        "ICS number",
        "First name",
        "Last name",
        "Date of birth",
    ]
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["Last name"] == "Ashby" and row["DTM"] == "Dee Deputy"
    assert row["Next deadline"] == "2026-11-20 12:00"
    assert row["To team"] == "Children in Care"
    event = AuditEvent.objects.get(action="register.export")
    assert event.actor == world.senior_admin
    assert event.note.startswith("Weekly list, CSV, 1 rows, Week of Monday 16 November 2026")
    assert "team: Children in Care" in event.note


def test_the_xlsx_has_the_same_rows_with_real_dates(client, world, listed):
    client.force_login(world.senior_admin)
    response = client.get(WEEKLY, {"format": "xlsx", "sort": "name"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][3] == "Last name"
    assert [v[3] for v in values[1:]] == ["Ashby", "Brook"]
    assert values[1][4].year == 2015  # a date, not text
    assert AuditEvent.objects.get(action="register.export").note.startswith(
        "Weekly list, XLSX, 2 rows"
    )


def test_exports_never_hand_a_spreadsheet_a_formula(client, world, now):
    Case.objects.filter(pk=world.north_case.pk).update(
        first_name='=HYPERLINK("http://evil")', last_name="@SUM(1)", ics_number="+1-2"
    )
    make_transfer(case=world.north_case, withdrawn_reason="-x", stage=TransferStage.WITHDRAWN)
    client.force_login(world.senior_admin)
    rows = _csv(client.get(HISTORIC, {"format": "csv"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["First name"] == '\'=HYPERLINK("http://evil")'
    assert row["Last name"] == "'@SUM(1)" and row["ICS number"] == "'+1-2"
    assert row["Outcome"] == "Withdrawn: -x"
    sheet = load_workbook(io.BytesIO(client.get(HISTORIC, {"format": "xlsx"}).content)).active
    cell = sheet.cell(row=2, column=3)
    assert cell.value == '=HYPERLINK("http://evil")' and cell.data_type == "s"


def test_the_historic_search_is_posted_and_kept_out_of_the_url(client, world, now):
    make_transfer(case=world.north_case, stage=TransferStage.COMPLETED)
    make_transfer(case=world.south_case, stage=TransferStage.WITHDRAWN)
    client.force_login(world.senior_admin)
    response = client.post(HISTORIC + f"?team={world.north.pk}&page=3", {"q": "Amy Ashby"})
    assert response.status_code == 302
    assert "Amy" not in response.url and "Ashby" not in response.url
    assert response.url == f"{HISTORIC}?team={world.north.pk}"
    assert client.session["historic_transfer_search"] == {"q": "Amy Ashby"}
    content = client.get(HISTORIC).content.decode()
    assert "Amy Ashby" in content and "Ben Brook" not in content
    assert "Amy" not in "".join(a for a in content.split('href="')[1:] if a.startswith("?"))
    client.get(HISTORIC, {"format": "csv"})
    assert "Amy" not in AuditEvent.objects.get(action="register.export").note
    assert (
        "searched by name or case number" in AuditEvent.objects.get(action="register.export").note
    )
    client.post(HISTORIC, {"clear": ""})
    assert "Ben Brook" in client.get(HISTORIC).content.decode()


def test_the_historic_list_shows_completion_and_outcome(client, world, now):
    make_transfer(case=world.south_case, stage=TransferStage.REFUSED, decision_note="Not our remit")
    client.force_login(world.senior_admin)
    content = client.get(HISTORIC).content.decode()
    assert "Refused: Not our remit" in content and "3 Nov 2026" in content


def _build(count: int, world) -> None:
    """`count` live transfers, fast: one case each (one live transfer per case)."""
    cases = Case.objects.bulk_create(
        [
            CaseFactory.build(
                current_team=world.north if i % 2 else world.south, allocated_worker=world.north_sw
            )
            for i in range(count)
        ]
    )
    Transfer.objects.bulk_create(
        [
            Transfer(
                kind="cin_to_cic",
                case=case,
                status="proposed",
                stage="requested",
                from_team=case.current_team,
                to_team=world.cic,
                requested_by=world.north_tm,
            )
            for case in cases
        ]
    )


@pytest.mark.parametrize("count", [10, 500])
def test_the_weekly_page_costs_the_same_queries_whatever_the_rows(
    client, world, now, count, django_assert_max_num_queries
):
    _build(count, world)
    client.force_login(world.senior_admin)
    with django_assert_max_num_queries(10):
        response = client.get(WEEKLY, {"sort": "worker"})
    assert response.context["page_obj"].paginator.count == count
    with django_assert_max_num_queries(10):
        client.get(WEEKLY, {"print": 1})
    with django_assert_max_num_queries(10):
        client.get(WEEKLY, {"format": "csv"})


def test_a_page_number_far_past_the_end_shows_the_last_page(client, world, now):
    make_transfer(case=world.north_case)
    client.force_login(world.senior_admin)
    response = client.get(WEEKLY, {"page": "99999999999999999999999"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1 and len(response.context["rows"]) == 1


@pytest.mark.parametrize("url", [WEEKLY, "/transfers/historic/"])
def test_applying_a_filter_keeps_the_sort(client, world, now, url):
    """The filter form carries the list's sort: choosing a team after sorting by child keeps
    the list sorted by child (it went back to the next deadline)."""
    client.force_login(world.senior_admin)
    content = client.get(url, {"sort": "name", "order": "desc"}).content.decode()
    form = content[content.index('<form method="get"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="sort" value="name">' in form
    assert '<input type="hidden" name="order" value="desc">' in form
    # A sort the list does not know is not carried: the form has the list's own.
    content = client.get(url, {"sort": "<script>", "order": "sideways"}).content.decode()
    assert "<script>" not in content
    assert 'name="order" value="asc"' in content or 'name="order" value="desc"' in content
