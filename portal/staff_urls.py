from django.urls import path

from portal import board_views, staff_views

urlpatterns = [
    path("", staff_views.notice_list, name="notice_list"),
    path("new/", staff_views.notice_create, name="notice_create"),
    path("<int:pk>/publish/", staff_views.notice_publish, name="notice_publish"),
    path("boards/", board_views.board_links, name="board_links"),
    path("boards/<int:pk>/<slug:action>/", board_views.board_link_change, name="board_link_change"),
]
