"""Routes of the plans API under /api/v1/: viewsets on the shared router, task actions as paths."""

from django.urls import path

from plans.api import views


def register(router) -> None:
    router.register("plans", views.PlanViewSet, basename="plan")
    router.register("checkpoints", views.CheckpointViewSet, basename="checkpoint")
    router.register("tasks", views.TaskViewSet, basename="task")


urlpatterns = [
    path(f"tasks/<int:pk>/{name}/", view.as_view(), name=f"task-{name}") for name, view in views.TASK_ACTIONS.items()
]
