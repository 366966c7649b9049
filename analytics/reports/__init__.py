"""Periodic reports (monthly, half-year, quality-month campaign): build the figures once, render them
as an HTML page (views_reports), a PDF (WeasyPrint) or an Excel workbook (openpyxl)."""

from analytics.reports.build import ReportData, report_build
from analytics.reports.pdf import report_pdf
from analytics.reports.xlsx import report_xlsx

__all__ = ["ReportData", "report_build", "report_pdf", "report_xlsx"]
