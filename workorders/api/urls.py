"""Routes of the work-order API under /api/v1/: viewsets on the shared router, actions as paths."""

from django.urls import path

from workorders.api import views


def register(router) -> None:
    router.register("workorders", views.WorkOrderViewSet, basename="workorder")
    router.register("workorder-categories", views.CategoryViewSet, basename="workorder-category")
    router.register("sla-policies", views.SlaPolicyViewSet, basename="sla-policy")


urlpatterns = [
    path("workorders/<int:pk>/events/", views.WorkOrderEventListApi.as_view(), name="workorder-events"),
    path("workorders/<int:pk>/photos/", views.WorkOrderPhotoListApi.as_view(), name="workorder-photos"),
    path("workorders/<int:pk>/ratings/", views.WorkOrderRatingListApi.as_view(), name="workorder-ratings"),
    *[
        path(f"workorders/<int:pk>/{name}/", view.as_view(), name=f"workorder-{name}")
        for name, view in views.ACTIONS.items()
    ],
]
