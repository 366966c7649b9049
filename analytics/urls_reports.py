"""Routes of the report pages under /analytics/reports/ (namespace ``analytics``)."""

from django.urls import path

from analytics import views_reports as views

urlpatterns = [
    path("reports/", views.report_index, name="report_index"),
    path("reports/view/", views.report_view, name="report"),
    path("reports/pdf/", views.report_pdf_view, name="report_pdf"),
    path("reports/xlsx/", views.report_xlsx_view, name="report_xlsx"),
    path("reports/narrative/", views.report_narrative, name="report_narrative"),
    path("reports/campaigns/new/", views.campaign_create_view, name="campaign_create"),
    path("reports/campaigns/<int:pk>/edit/", views.campaign_edit_view, name="campaign_edit"),
    path("reports/campaigns/<int:pk>/delete/", views.campaign_delete_view, name="campaign_delete"),
]
