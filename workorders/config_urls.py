from django.urls import path

from workorders import config_views as views

app_name = "workorder_config"
urlpatterns = [
    path("", views.settings_edit, name="settings_edit"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("sla/", views.sla_policy_list, name="sla_policy_list"),
    path("sla/new/", views.sla_policy_create, name="sla_policy_create"),
    path("sla/<int:pk>/edit/", views.sla_policy_edit, name="sla_policy_edit"),
    path("dispatch-rules/", views.dispatch_rule_list, name="dispatch_rule_list"),
    path("dispatch-rules/new/", views.dispatch_rule_create, name="dispatch_rule_create"),
    path("dispatch-rules/<int:pk>/edit/", views.dispatch_rule_edit, name="dispatch_rule_edit"),
    path("dispatch-rules/<int:pk>/delete/", views.dispatch_rule_delete, name="dispatch_rule_delete"),
    path("duty/", views.duty_list, name="duty_list"),
    path("duty/<int:pk>/", views.membership_duty, name="membership_duty"),
]
