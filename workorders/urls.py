from django.urls import path

from workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.workorder_list, name="workorder_list"),
    path("<int:pk>/", views.workorder_detail, name="workorder_detail"),
]
