from django.urls import path

from inspections import views, views_findings, views_reports

app_name = "inspections"

urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/cancel/", views.round_cancel, name="round_cancel"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/inspectors/", views.round_inspectors, name="round_inspectors"),
    path("schedules/", views.schedule_list, name="inspection_schedule_list"),
    path("schedules/new/", views.schedule_create, name="inspection_schedule_create"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="inspection_schedule_edit"),
    path("schedules/<int:pk>/deactivate/", views.schedule_deactivate, name="inspection_schedule_deactivate"),
    path("templates/", views.template_list, name="checklist_list"),
    path("templates/new/", views.template_create, name="checklist_create"),
    path("templates/from-standards/", views.template_from_standards, name="checklist_from_standards"),
    path("templates/<int:pk>/", views.template_detail, name="checklist_detail"),
    path("templates/<int:pk>/edit/", views.template_edit, name="checklist_edit"),
    path("templates/<int:pk>/new-version/", views.version_create, name="checklist_new_version"),
    path("templates/<int:pk>/deactivate/", views.template_deactivate, name="checklist_deactivate"),
    path("templates/<int:pk>/activate/", views.template_activate, name="checklist_activate"),
    path("findings/", views_findings.finding_list, name="finding_list"),
    path("findings/new/", views_findings.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views_findings.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/start/", views_findings.finding_start, name="finding_start"),
    path("findings/<int:pk>/rectify/", views_findings.finding_rectify, name="finding_rectify"),
    path("findings/<int:pk>/extension/", views_findings.finding_extension, name="finding_extension"),
    path("findings/<int:pk>/verify/", views_findings.finding_verify, name="finding_verify"),
    path("findings/<int:pk>/cancel/", views_findings.finding_cancel, name="finding_cancel"),
    path("findings/<int:pk>/capa/", views_findings.finding_capa, name="finding_capa"),
    path("findings/<int:pk>/capa/link/", views_findings.finding_capa_link, name="finding_capa_link"),
    path("extensions/<int:pk>/decide/", views_findings.extension_decide, name="extension_decide"),
    path("capa/", views_findings.capa_list, name="capa_list"),
    path("capa/new/", views_findings.capa_create, name="capa_create"),
    path("capa/<int:pk>/", views_findings.capa_detail, name="capa_detail"),
    path("capa/<int:pk>/<slug:step>/", views_findings.capa_step, name="capa_step"),
    path("proposals/", views_findings.proposals, name="proposals"),
    path("reports/", views_reports.report_page, name="reports"),
]
