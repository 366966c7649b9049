from django.urls import path

from standards import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_item_list, name="standard_item_list"),
    path("new/", views.standard_item_create, name="standard_item_create"),
    path("<int:pk>/", views.standard_item_detail, name="standard_item_detail"),
    path("<int:pk>/edit/", views.standard_item_edit, name="standard_item_edit"),
    path("<int:pk>/revise/", views.standard_item_revise, name="standard_item_revise"),
    path("<int:pk>/deactivate/", views.standard_item_deactivate, name="standard_item_deactivate"),
    path("<int:pk>/activate/", views.standard_item_activate, name="standard_item_activate"),
    path("profiles/", views.profile_list, name="profile_list"),
    path("profiles/new/", views.profile_create, name="profile_create"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile_detail"),
    path("profiles/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:pk>/settings/new/", views.profile_setting_create, name="profile_add_setting"),
    path("settings/<int:pk>/edit/", views.profile_setting_edit, name="profile_setting_edit"),
]
