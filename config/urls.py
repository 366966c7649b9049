from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("m/", include("portal.urls")),
    path("notices/", include("portal.staff_urls")),
    path("workorders/settings/", include("workorders.config_urls")),
    path("workorders/", include("workorders.urls")),
    path("standards/", include("standards.urls")),
    path("", include("plans.task_urls")),
    path("plans/", include("plans.urls")),
    path("inspections/", include("inspections.urls")),
    path("", include("inspections.phone_urls")),
    path("alerts/", include("alerts.urls")),
    path("analytics/", include("analytics.urls")),
    path("open311/v2/", include("open311.urls")),
    path("api/", include("api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
