from django.urls import path

from core import import_views, views

app_name = "core"

urlpatterns = [
    path("switch-project/", views.switch_project, name="switch_project"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("areas/", views.area_list, name="area_list"),
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("people/", views.membership_list, name="membership_list"),
    path("people/new/", views.staff_create, name="staff_create"),
    path("people/<int:pk>/", views.membership_detail, name="membership_detail"),
    path("people/<int:pk>/grant/", views.membership_grant, name="membership_grant"),
    path("people/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("owners/", views.resident_list, name="resident_list"),
    path("owners/new/", views.resident_create, name="resident_create"),
    path("owners/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("owners/<int:pk>/link-unit/", views.resident_link_unit, name="resident_link_unit"),
    path("owner-links/<int:pk>/verify/", views.unit_resident_verify, name="unit_resident_verify"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/days/", views.calendar_day_add, name="calendar_day_add"),
    path("calendar/seed/", views.calendar_seed, name="calendar_seed"),
    path("import/buildings/", import_views.import_buildings, name="import_buildings"),
    path("import/units/", import_views.import_units, name="import_units"),
    path("import/owners/", import_views.import_owners, name="import_owners"),
    path("import/<str:kind>/template.xlsx", import_views.import_template, name="import_template"),
]
