"""REST API of analytics: KPIs, roll-ups and staff performance (kpi_urls), reports (report_urls)."""

from analytics.api import kpi_urls, report_urls


def register(router) -> None:
    kpi_urls.register(router)
    report_urls.register(router)


urlpatterns = [*kpi_urls.urlpatterns, *report_urls.urlpatterns]
