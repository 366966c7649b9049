"""Excel in and out: streaming exports of a Table, and reading sheets for imports."""

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.encoding import force_str
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal, dt.date, dt.datetime)) and not isinstance(value, bool):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value
    return force_str(value)


def workbook_bytes(
    *,
    sheet_title: str,
    header: list[Any],
    rows: Iterable[list[Any]],
    required: set[int] | None = None,
    notes: list[str] | None = None,
) -> bytes:
    """An .xlsx with a bold header row (required columns shaded) and the given rows."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = sheet_title[:31]
    ws.append([force_str(h) for h in header])
    for index, cell in enumerate(ws[1]):
        cell.font = _HEADER_FONT
        if required and index in required:
            cell.fill = _REQUIRED_FILL
        ws.column_dimensions[cell.column_letter].width = max(12, len(force_str(cell.value)) * 2 + 4)
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append([_cell(v) for v in row])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # text typed by users ("=HYPERLINK(...)") stays text, never a formula
    if notes:
        info = wb.create_sheet("说明")
        for line in notes:
            info.append([force_str(line)])
        info.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def table_xlsx(table, *, sheet_title: str) -> bytes:
    return workbook_bytes(
        sheet_title=sheet_title,
        header=table.header(),
        rows=([value for _c, value, _u, _b in cells] for _row, cells in table.cells()),
    )


def _quote(filename: str) -> str:
    from urllib.parse import quote

    return quote(filename)
