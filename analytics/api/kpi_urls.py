"""Routes of the KPI, roll-up and staff-performance API under /api/v1/ (plain paths, no router)."""

from django.urls import path

from analytics.api import kpi_views as views


def register(router) -> None:
    pass


urlpatterns: list = [
    path("kpis/", views.KpiListApi.as_view(), name="kpi-list"),
    path("kpis/values/", views.KpiValuesApi.as_view(), name="kpi-values"),
    path("kpis/<str:code>/records/", views.KpiRecordsApi.as_view(), name="kpi-records"),
    path("rollups/<str:table>/", views.RollupRowsApi.as_view(), name="rollup-rows"),
    path("staff-performance/", views.StaffPerformanceApi.as_view(), name="staff-performance"),
    path("staff-performance/<int:person>/", views.StaffTrendApi.as_view(), name="staff-performance-person"),
]
