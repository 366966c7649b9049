"""Phone pages of plan tasks (/tasks/), the QR link printed at checkpoints (/c/<code>/) and the
PDF sheets of codes (/plans/.../qr.pdf). Included at the site root by config/urls.py."""

from django.urls import path

from plans import task_views as views

app_name = "tasks"

urlpatterns = [
    path("tasks/", views.task_mine, name="task_mine"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("tasks/<int:pk>/checkin/", views.task_checkin, name="task_checkin"),
    path("tasks/<int:pk>/problem/", views.task_problem, name="task_problem"),
    path("tasks/<int:pk>/finish/", views.task_finish, name="task_finish"),
    # Short on purpose: it is what the printed QR code encodes.
    path("c/<str:code>/", views.checkpoint_scan, name="checkpoint_scan"),
    path("plans/<int:pk>/qr.pdf", views.plan_qr_sheet, name="plan_qr_sheet"),
    path("plans/checkpoints/<int:pk>/qr.pdf", views.checkpoint_qr_sheet, name="checkpoint_qr_sheet"),
]
