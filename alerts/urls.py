from django.urls import path

from alerts import views, views_config

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("<int:pk>/", views.alert_detail, name="alert_detail"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert_acknowledge"),
    path("<int:pk>/assign/", views.alert_assign_view, name="alert_assign"),
    path("<int:pk>/resolve/", views.alert_resolve_view, name="alert_resolve"),
    path("<int:pk>/note/", views.alert_note_view, name="alert_note"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("rules/", views_config.rule_list, name="rule_list"),
    path("rules/new/", views_config.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views_config.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/toggle/", views_config.rule_toggle, name="rule_toggle"),
    path("channels/", views_config.channel_list, name="channel_list"),
    path("channels/new/", views_config.channel_create, name="channel_create"),
    path("channels/<int:pk>/", views_config.channel_detail, name="channel_detail"),
    path("channels/<int:pk>/test/", views_config.channel_test, name="channel_test"),
    path("devices/", views_config.device_list, name="device_list"),
    path("devices/new/", views_config.device_create, name="device_create"),
    path("devices/<int:pk>/", views_config.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views_config.device_edit, name="device_edit"),
    path("gateways/", views_config.gateway_list, name="gateway_list"),
    path("gateways/new/", views_config.gateway_create, name="gateway_create"),
    path("gateways/<int:pk>/revoke/", views_config.gateway_revoke, name="gateway_revoke"),
]
