from django.urls import path

from workorders import views

app_name = "workorders"

# Every action is a POST to its own URL; the URL name carries the model word (see test_isolation).
ACTIONS = (
    "accept",
    "dispatch",
    "take",
    "start",
    "hold",
    "resume",
    "complete",
    "verify",
    "close",
    "reopen",
    "reject",
    "cancel",
    "comment",
)

urlpatterns = [
    path("", views.workorder_list, name="workorder_list"),
    path("mine/", views.workorder_mine, name="workorder_mine"),
    path("new/", views.workorder_create, name="workorder_create"),
    path("new/units/", views.unit_search, name="unit_search"),
    path("follow-ups/", views.followup_list, name="followup_list"),
    path("follow-ups/<int:pk>/record/", views.follow_up_record, name="follow_up_record"),
    path("saved-views/", views.saved_view_create, name="saved_view_create"),
    path("saved-views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("<int:pk>/", views.workorder_detail, name="workorder_detail"),
    *(
        path(f"<int:pk>/{name}/", views.workorder_action, {"action": name}, name=f"workorder_{name}")
        for name in ACTIONS
    ),
]
