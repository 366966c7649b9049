from django.urls import path

from accounts.views import OwnerLoginView
from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", OwnerLoginView.as_view(), name="login"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
]
