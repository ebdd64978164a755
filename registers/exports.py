"""The lists as CSV and XLSX: the filtered rows, one line each, times in London time.

A cell a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) is written as text: in CSV with a leading apostrophe (OWASP's advice), in XLSX as a
string cell, which Excel never evaluates."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from deadlines.calendar import LONDON

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    attr: str


WEEKLY_COLUMNS = [
    Column("Case reference", "case_reference"),
    Column("ICS number", "ics_number"),
    Column("First name", "first_name"),
    Column("Last name", "last_name"),
    Column("Date of birth", "date_of_birth"),
    Column("Social worker", "social_worker"),
    Column("DTM", "deputy_team_managers"),
    Column("TM", "team_manager"),
    Column("Transfer", "kind_label"),
    Column("From team", "from_team_name"),
    Column("To team", "to_team_name"),
    Column("Requested", "requested_at"),
    Column("Decided", "decided_at"),
    Column("Anticipated transfer date", "anticipated_on"),
    Column("Legal proceedings", "legal_proceedings"),
    Column("Stage", "stage_label"),
    Column("State", "state_label"),
    Column("Next deadline", "next_due_at"),
]
HISTORIC_COLUMNS = [
    *WEEKLY_COLUMNS[:-1],
    Column("Closed", "closed_at"),
    Column("Outcome", "outcome"),
]


def formula_safe(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _local(value):
    """Aware datetimes in London time, without the zone (spreadsheets have none)."""
    if isinstance(value, datetime):
        return value.astimezone(LONDON).replace(tzinfo=None, microsecond=0)
    return value


def _text(value) -> str:
    value = _local(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return formula_safe(str(value))


def csv_bytes(rows: Iterable, columns: list[Column]) -> bytes:
    # UTF-8 with a byte order mark, so Excel reads accented names correctly.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([_text(getattr(row, c.attr)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: Iterable, columns: list[Column], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows, start=2):
        for col, column in enumerate(columns, start=1):
            value = _local(getattr(row, column.attr))
            cell = sheet.cell(row=number, column=col, value=value if value != "" else None)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    for col, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = max(
            12, len(column.header) + 2
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response
