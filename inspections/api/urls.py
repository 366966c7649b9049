"""Routes of the inspections API under /api/v1/inspections/: viewsets on the shared router, the report as a path."""

from django.urls import path

from inspections.api import views


def register(router) -> None:
    router.register("inspections/templates", views.ChecklistTemplateViewSet, basename="checklist")
    router.register("inspections/rounds", views.InspectionRoundViewSet, basename="inspection-round")
    router.register("inspections/findings", views.FindingViewSet, basename="finding")
    router.register("inspections/extension-requests", views.ExtensionRequestViewSet, basename="extension-request")
    router.register("inspections/capa", views.CapaViewSet, basename="capa")


urlpatterns = [
    path("inspections/reports/", views.InspectionReportApi.as_view(), name="inspection-report"),
]
