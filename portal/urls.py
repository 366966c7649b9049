from django.urls import path

from accounts.views import OwnerLoginView
from portal import board_views, views, workorder_views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", OwnerLoginView.as_view(), name="login"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("workorders/", workorder_views.workorder_list, name="workorder_list"),
    path("workorders/new/", workorder_views.workorder_create, name="workorder_create"),
    path("workorders/<int:pk>/", workorder_views.workorder_detail, name="workorder_detail"),
    path("workorders/<int:pk>/rate/", workorder_views.workorder_rate, name="workorder_rate"),
    path("workorders/<int:pk>/reopen/", workorder_views.workorder_reopen, name="workorder_reopen"),
    path("workorders/<int:pk>/cancel/", workorder_views.workorder_cancel, name="workorder_cancel"),
    path("workorders/<int:pk>/comment/", workorder_views.workorder_comment, name="workorder_comment"),
    path("follow-ups/<int:pk>/answer/", workorder_views.follow_up_answer, name="follow_up_answer"),
    path("projects/<int:pk>/board/", board_views.project_board, name="project_board"),
    path("board/<str:token>/", board_views.public_board, name="public_board"),
]
