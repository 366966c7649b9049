"""Routes of the reports API under /api/v1/: written reports (with reports/generate/) and campaigns
on the shared router."""

from analytics.api import report_views as views


def register(router) -> None:
    router.register("reports", views.ReportViewSet, basename="report")
    router.register("campaigns", views.CampaignViewSet, basename="campaign")


urlpatterns: list = []
