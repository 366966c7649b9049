from django.urls import path

from portal import staff_views

urlpatterns = [
    path("", staff_views.notice_list, name="notice_list"),
    path("new/", staff_views.notice_create, name="notice_create"),
    path("<int:pk>/publish/", staff_views.notice_publish, name="notice_publish"),
]
