"""REST API of the reports under /api/v1/: the written reports (list, detail, write the narrative),
the generation of a report as JSON, PDF or Excel, and quality-month campaigns (CRUD).

``analytics.view`` reads (a company's report needs it company-wide); ``analytics.report`` writes.
A project or campaign the user may not see is a 400 on its field when named in a query, 404 by id.
"""

from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from analytics.api import report_serializers as s
from analytics.forms_reports import report_campaigns
from analytics.report_models import Campaign, Report
from analytics.reports import ReportData, report_build, report_pdf, report_xlsx
from analytics.services.reports import campaign_create, campaign_delete, campaign_update, report_save
from api.base import TenantViewSet
from core.access import access_for, get_object_for_user, restrict
from core.choices import Perm
from core.models import Company
from lib.excel import XLSX_CONTENT_TYPE


class ReportsPermission(BasePermission):
    """``analytics.view`` somewhere to read, ``analytics.report`` somewhere to write; per row the
    selectors (404) and the services (403) decide."""

    def has_permission(self, request, view) -> bool:
        access = access_for(request.user)
        if access.is_superuser:
            return True
        write = request.method not in SAFE_METHODS
        return access.has(Perm.REPORT_WRITE if write else Perm.KPI_VIEW)


def _build(request, data: dict) -> ReportData:
    return report_build(
        user=request.user,
        kind=data["kind"],
        date_from=data["date_from"],
        date_to=data["date_to"],
        project=data.get("project"),
        campaign=data.get("campaign"),
    )


def report_json(data: ReportData) -> dict:
    return {
        "kind": data.kind,
        "title": data.title,
        "company": data.company.pk,
        "project": data.project.pk if data.project else None,
        "campaign": data.campaign.pk if data.campaign else None,
        "date_from": data.date_from,
        "date_to": data.date_to,
        "compare_from": data.compare_from,
        "compare_to": data.compare_to,
        "service_level": data.service_level,
        "months": data.months,
        "kpis": [
            {
                "code": row.code,
                "label": row.label,
                "unit": row.unit,
                "value": row.value,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "previous": row.previous,
                "change": row.change,
                "target": row.target,
                "met": row.met,
                "trend": row.trend,
            }
            for row in data.kpis
        ],
        "goals": [
            {
                "kpi": g.kpi,
                "comparison": g.comparison,
                "goal": g.goal,
                "baseline": g.baseline,
                "result": g.result,
                "change": g.change,
                "met": g.met,
            }
            for g in data.goals
        ],
        "projects": [{"project": p["project_id"], "name": p["name"], "values": p["values"]} for p in data.projects],
        "scores": [{"month": item["month"], "score": item["score"]} for item in data.scores],
        "score": data.score,
        "previous_score": data.previous_score,
        "alerts": [{"kind": a["kind"], "total": a["total"], "severities": a["severities"]} for a in data.alerts],
        "highlights": data.highlights,
        "problems": data.problems,
        "narrative": s.WrittenReportSerializer(data.narrative).data if data.narrative else None,
    }


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Written reports (their narrative): list, detail; POST writes the narrative of the named report."""

    permission_classes = [IsAuthenticated, ReportsPermission]
    serializer_class = s.WrittenReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return restrict(Report.objects.all(), self.request.user, Perm.KPI_VIEW).order_by("-date_from", "id")

    @extend_schema(
        request=s.NarrativeInputSerializer,
        responses={200: s.WrittenReportSerializer},
        description="Write the narrative (highlights, problems, plan) of the report named like in "
        "`reports/generate/`; created on first write (analytics.report).",
    )
    @extend_schema(
        parameters=[s.ReportQuerySerializer],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The report's figures (output=json)"),
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
        description="A report built now from the roll-ups: `kind` (monthly: `month`=YYYY-MM; half_year: `year`, "
        "`half`=1|2; campaign: `campaign`), `project` (empty: the company, which needs analytics.view "
        "company-wide), `output` json (default), pdf or xlsx (a download).",
    )
    @action(detail=False, methods=["get"], url_path="generate")
    def generate(self, request, format=None):
        query = s.ReportQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = _build(request, query.validated_data)
        output = query.validated_data["output"]
        if output == "json":
            return Response(report_json(data))
        body, content_type = (
            (report_pdf(data), "application/pdf") if output == "pdf" else (report_xlsx(data), XLSX_CONTENT_TYPE)
        )
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(data.title)}.{output}"
        return response

    def create(self, request, format=None):
        query = s.NarrativeInputSerializer(data=request.data, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        data = _build(request, params)  # the user must read it first: 403 otherwise
        report = report_save(
            company=data.company,
            project=data.project,
            kind=data.kind,
            date_from=data.date_from,
            date_to=data.date_to,
            campaign=data.campaign,
            data={k: params[k] for k in ("highlights", "problems", "plan") if k in params},
            actor=request.user,
        )
        return Response(s.WrittenReportSerializer(report).data)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantViewSet):
    """Quality-month campaigns with their goals: list, detail (analytics.view), create, change, delete
    (analytics.report)."""

    permission_classes = [IsAuthenticated, ReportsPermission]
    serializer_class = s.CampaignSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return report_campaigns(self.request.user).prefetch_related("goals")

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return get_object_for_user(
            self.get_queryset(),
            self.request.user,
            self.kwargs["pk"],
            perm=Perm.KPI_VIEW,
            write_perm=Perm.REPORT_WRITE if write else None,
        )

    def _input(self, request, partial=False) -> dict:
        serializer = s.CampaignInputSerializer(data=request.data, partial=partial, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _company(self, request, project) -> Company:
        if project is not None:
            return project.company
        ids = access_for(request.user).company_grants.get(Perm.REPORT_WRITE, set())
        if len(ids) != 1:
            raise PermissionDenied
        return Company.objects.get(pk=next(iter(ids)))

    def _goals(self, data: dict) -> list[dict] | None:
        goals = data.pop("goals", None)
        return None if goals is None else [dict(g) for g in goals]

    @extend_schema(request=s.CampaignInputSerializer, responses={201: s.CampaignSerializer})
    def create(self, request, format=None):
        data = self._input(request)
        goals = self._goals(data) or []
        campaign = campaign_create(
            company=self._company(request, data.get("project")), data=data, goals=goals, actor=request.user
        )
        return Response(s.CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CampaignInputSerializer, responses={200: s.CampaignSerializer})
    def partial_update(self, request, pk=None, format=None):
        campaign = self.get_object()
        data = self._input(request, partial=True)
        goals = self._goals(data)
        campaign = campaign_update(campaign=campaign, data=data, goals=goals, actor=request.user)
        return Response(s.CampaignSerializer(Campaign.objects.prefetch_related("goals").get(pk=campaign.pk)).data)

    def perform_destroy(self, instance):
        campaign_delete(campaign=instance, actor=self.request.user)
