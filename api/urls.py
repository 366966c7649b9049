from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from alerts.api import urls as alert_urls
from analytics.api import urls as analytics_urls
from core.api import views as core_views
from inspections.api import urls as inspection_urls
from plans.api import urls as plan_urls
from standards.api import urls as standards_urls
from workorders.api import urls as workorder_urls

router = DefaultRouter()
core_views.register(router)
workorder_urls.register(router)
standards_urls.register(router)
plan_urls.register(router)
inspection_urls.register(router)
alert_urls.register(router)
analytics_urls.register(router)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/", include(workorder_urls.urlpatterns)),
    path("v1/", include(plan_urls.urlpatterns)),
    path("v1/", include(inspection_urls.urlpatterns)),
    path("v1/", include(alert_urls.urlpatterns)),
    path("v1/", include(analytics_urls.urlpatterns)),
    path("v1/auth/token/", core_views.ObtainTokenApi.as_view(), name="api-token"),
    path("v1/me/", core_views.MeApi.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
