"""The quality dashboard and the records behind its figures (namespace ``analytics``)."""

from django.urls import path

from analytics import views_dashboard

urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("kpis/<slug:code>/records/", views_dashboard.kpi_records, name="kpi_records"),
    path("hotspots/records/", views_dashboard.hotspot_records, name="hotspot_records"),
]
