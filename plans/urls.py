from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("defaults/", views.plan_defaults, name="plan_defaults"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/deactivate/", views.plan_deactivate, name="plan_deactivate"),
    path("<int:pk>/activate/", views.plan_activate, name="plan_activate"),
    path("checkpoints/", views.checkpoint_list, name="checkpoint_list"),
    path("checkpoints/new/", views.checkpoint_create, name="checkpoint_create"),
    path("checkpoints/<int:pk>/edit/", views.checkpoint_edit, name="checkpoint_edit"),
    path("checkpoints/<int:pk>/new-code/", views.checkpoint_code_reset, name="checkpoint_code_reset"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="task_assign"),
]
