"""Phone pages of inspections (/inspect/…): my rounds, a round item by item, and the findings to
rectify, verify and extend. Included at the site root by config/urls.py."""

from django.urls import path

from inspections import phone_views as views

app_name = "inspect"

urlpatterns = [
    path("inspect/", views.round_mine, name="round_mine"),
    path("inspect/<int:pk>/", views.round_detail, name="round_detail"),
    path("inspect/<int:pk>/start/", views.round_start, name="round_start"),
    path("inspect/<int:pk>/submit/", views.round_submit, name="round_submit"),
    path("inspect/<int:pk>/items/<int:item_pk>/", views.round_item, name="round_item"),
    path("inspect/<int:pk>/items/<int:item_pk>/pass/", views.round_item_pass, name="round_item_pass"),
    path("inspect/findings/", views.finding_list, name="finding_list"),
    path("inspect/findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("inspect/findings/<int:pk>/start/", views.finding_start, name="finding_start"),
    path("inspect/findings/<int:pk>/rectify/", views.finding_rectify, name="finding_rectify"),
    path("inspect/findings/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("inspect/findings/<int:pk>/extension/", views.finding_extension, name="finding_extension"),
    path("inspect/extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
]
