from django.urls import path

from analytics import views_staff

urlpatterns: list = [
    path("staff/", views_staff.staff_list, name="staff"),
    path("staff/<int:person>/", views_staff.staff_person, name="staff_person"),
]
