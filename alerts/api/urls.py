"""Routes of the alerts API under /api/v1/: viewsets on the shared router, actions on an alert as paths,
and the readings endpoint of device gateways."""

from django.urls import path

from alerts.api import views
from alerts.api.readings import ReadingIngestApi


def register(router) -> None:
    router.register("alerts", views.AlertViewSet, basename="alert")
    router.register("alert-rules", views.AlertRuleViewSet, basename="alert-rule")
    router.register("alert-channels", views.ChannelViewSet, basename="alert-channel")
    router.register("devices", views.DeviceViewSet, basename="device")


urlpatterns = [
    *[path(f"alerts/<int:pk>/{name}/", view.as_view(), name=f"alert-{name}") for name, view in views.ACTIONS.items()],
    path("readings/", ReadingIngestApi.as_view(), name="readings"),
]
