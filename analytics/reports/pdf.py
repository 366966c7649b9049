"""The PDF of a report: the same figures as the page, laid out for A4 by WeasyPrint with the system's
CJK font (Debian fonts-noto-cjk, see the stylesheet in ``report_pdf.html``), charts as SVG.

WeasyPrint is imported when a PDF is made: it loads Pango, which a machine that never prints
need not have (as plans/pdf.py).
"""

from django.template.loader import render_to_string
from django.utils import translation

from analytics.reports.build import PDF_PROJECT_KPIS, TREND_KPIS, ReportData
from analytics.reports.svg import COLOURS, line_svg


def trend_svg(data: ReportData):
    rows = [data.kpi(code) for code in TREND_KPIS]
    rows = [row for row in rows if row is not None]
    categories = [f"{m:%Y-%m}" for m in data.months]
    legend = [(row.label, COLOURS[i % len(COLOURS)]) for i, row in enumerate(rows)]
    return line_svg(categories=categories, series=[row.trend for row in rows]), legend


def score_svg(data: ReportData):
    if not any(item["score"] is not None for item in data.scores):
        return None
    return line_svg(
        categories=[f"{item['month']:%Y-%m}" for item in data.scores],
        series=[[float(item["score"]) if item["score"] is not None else None for item in data.scores]],
    )


def report_html(data: ReportData) -> str:
    chart, legend = trend_svg(data)
    context = {
        "data": data,
        "trend_svg": chart,
        "trend_legend": legend,
        "score_svg": score_svg(data),
        "project_table": data.project_table(PDF_PROJECT_KPIS),
    }
    return render_to_string("analytics/report_pdf.html", context)


def report_pdf(data: ReportData) -> bytes:
    """The report as a PDF (A4 portrait), in the active language (Chinese by default)."""
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import turns it on for the whole process

    with translation.override(translation.get_language() or "zh-hans"):
        html = report_html(data)
    return HTML(string=html).write_pdf()
