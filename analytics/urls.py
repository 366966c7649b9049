"""Staff pages of analytics (/analytics/): dashboards, reports and staff performance.

Each area keeps its routes in its own module; they share the ``analytics`` namespace.
"""

from analytics.urls_dashboard import urlpatterns as dashboard_urls
from analytics.urls_reports import urlpatterns as report_urls
from analytics.urls_staff import urlpatterns as staff_urls

app_name = "analytics"

urlpatterns = [*dashboard_urls, *report_urls, *staff_urls]
