"""The Excel workbook of a report: a summary sheet (KPIs against the comparison period and the
target), the monthly trend, the campaign's goals, each project (company reports), inspection
scores, alerts, and what people wrote."""

import io

from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from analytics.kpis import KPIS
from analytics.reports.build import REPORT_KPIS, ReportData

BOLD = Font(bold=True)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (_("yes") if value else _("no"))


def _sheet(wb: Workbook, title: str, header: list, rows: list[list], *, first: bool = False) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    ws.title = force_str(title)[:31]
    ws.append([force_str(h) for h in header])
    for cell in ws[1]:
        cell.font = BOLD
        ws.column_dimensions[cell.column_letter].width = max(12, len(force_str(cell.value)) * 2 + 4)
    for row in rows:
        ws.append(["" if v is None else v for v in row])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # text people wrote ("=HYPERLINK(...)") stays text, never a formula
    ws.freeze_panes = "A2"
    return ws


def _summary(wb: Workbook, data: ReportData) -> None:
    ws = _sheet(
        wb,
        _("Summary"),
        [
            _("KPI"),
            _("Value"),
            data.compare_label,
            pgettext("difference", "Change"),
            _("Target"),
            _("Target met"),
            _("Numerator"),
            _("Denominator"),
        ],
        [
            [
                row.label,
                row.value,
                row.previous,
                row.change,
                row.target,
                _yes_no(row.met),
                row.numerator,
                row.denominator,
            ]
            for row in data.kpis
        ],
        first=True,
    )
    ws.column_dimensions["A"].width = 30
    ws.insert_rows(1, 3)
    ws["A1"] = data.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = _("Period: {first} to {last}; {compare}: {cfirst} to {clast}").format(
        first=data.date_from,
        last=data.date_to,
        compare=data.compare_label,
        cfirst=data.compare_from,
        clast=data.compare_to,
    )
    ws.freeze_panes = "A5"


def report_xlsx(data: ReportData) -> bytes:
    """The report as an .xlsx workbook, in the active language."""
    wb = Workbook()
    _summary(wb, data)
    trend_rows = [row for row in data.kpis if row.trend]
    _sheet(
        wb,
        _("Trend"),
        [_("Month"), *[row.label for row in trend_rows], _("Inspection score")],
        [
            [f"{month:%Y-%m}", *[row.trend[i] for row in trend_rows], data.scores[i]["score"]]
            for i, month in enumerate(data.months)
        ],
    )
    if data.goals:
        _sheet(
            wb,
            _("Goals"),
            [
                _("KPI"),
                _("Comparison"),
                _("Goal"),
                _("Baseline"),
                _("Result"),
                pgettext("difference", "Change"),
                _("Goal met"),
            ],
            [[g.label, g.comparison_label, g.goal, g.baseline, g.result, g.change, _yes_no(g.met)] for g in data.goals],
        )
    if data.projects:
        _sheet(
            wb,
            _("Projects"),
            [_("Project"), *[str(KPIS[code].label) for code in REPORT_KPIS]],
            [[p["name"], *p["values"]] for p in data.projects],
        )
    _sheet(
        wb,
        _("Alerts"),
        [_("Alert kind"), _("Alerts")],
        [[a["label"], a["total"]] for a in data.alerts],
    )
    narrative = data.narrative
    _sheet(
        wb,
        _("Narrative"),
        [_("Section"), _("Text")],
        [
            *[[_("Highlights (from the figures)"), text] for text in data.highlights],
            *[[_("Problems (from the figures)"), text] for text in data.problems],
            [_("Highlights"), narrative.highlights if narrative else ""],
            [_("Problems"), narrative.problems if narrative else ""],
            [_("Plan"), narrative.plan if narrative else ""],
        ],
    ).column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
