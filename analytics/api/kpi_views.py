"""REST API of the KPI library, its figures, the records behind them, the roll-up rows and staff
performance (all GET, token or session auth):

- ``/api/v1/kpis/``: the library (codes, labels, units, formulas, targets per service level);
- ``/api/v1/kpis/values/``: ``analytics.selectors.kpi_values`` over a range, grouped or not;
- ``/api/v1/kpis/<code>/records/``: ``kpi_drilldown``, paginated;
- ``/api/v1/rollups/<table>/``: the daily roll-up rows, paginated;
- ``/api/v1/staff-performance/`` and ``/api/v1/staff-performance/<person>/``: ``analytics.selectors_staff``.

Everything but staff performance needs ``analytics.view`` somewhere (else 403); rows are restricted
like the figures. Staff performance also answers a staff member, with his own figures only.
Bad parameters are 400 with the parameter named (api.exceptions).
"""

import datetime as dt

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from analytics import selectors_staff as staff
from analytics.api import kpi_serializers as s
from analytics.kpis import HOUSEHOLDS, KPIS
from analytics.models import FindingDaily, HotspotDaily, HourlyLoad, TaskDaily, WorkOrderDaily
from analytics.selectors import kpi_drilldown, kpi_values
from api.base import TenantApi
from api.pagination import PageNumberPagination
from core.access import access_for, restrict
from core.choices import Perm

TABLES = {
    "workorders": WorkOrderDaily,
    "tasks": TaskDaily,
    "findings": FindingDaily,
    "hotspots": HotspotDaily,
    "hourly": HourlyLoad,
}
TABLE_NAMES = {model: name for name, model in TABLES.items()}
NOT_RECORDS = "这个分母不是记录（住户数）/ This denominator is not made of records (households)."


def _counters(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.get_internal_type() == "PositiveIntegerField"]


def _key_fields(model) -> list[str]:
    skip = {"id", "company", "project", "day", *_counters(model)}
    return [f.attname for f in model._meta.concrete_fields if f.name not in skip]


class ReadsKpis(BasePermission):
    def has_permission(self, request, view) -> bool:
        access = access_for(request.user)
        return access.is_superuser or access.has(Perm.KPI_VIEW)


class ReadsStaffPerformance(BasePermission):
    def has_permission(self, request, view) -> bool:
        return staff.staff_scope(request.user) != staff.SCOPE_NONE


class KpiApi(TenantApi):
    permission_classes = [IsAuthenticated, ReadsKpis]

    def query(self, serializer_class) -> dict:
        query = serializer_class(data=self.request.query_params, context={"request": self.request})
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)


#
# The library and its figures
#
class KpiListApi(KpiApi):
    @extend_schema(
        responses=s.KpiSerializer(many=True),
        description="The KPI library (DOMAIN §6.3): every KPI's code, label, unit, direction, the roll-up table "
        "and counters of its formula (Σ numerator ÷ Σ denominator over the rows of its kinds), its exclusions "
        "and its targets per service level. Not paginated.",
    )
    def get(self, request, format=None):
        body = [
            {
                "code": k.code,
                "label": str(k.label),
                "unit": k.unit,
                "higher_is_better": k.higher_is_better,
                "table": TABLE_NAMES[k.table],
                "numerator": list(k.numerator),
                "denominator": list(k.denominator),
                "kinds": list(k.kinds),
                "exclusions": str(k.exclusions),
                "targets": dict(k.targets),
            }
            for k in KPIS.values()
        ]
        return Response(s.KpiSerializer(body, many=True).data)


class KpiValuesApi(KpiApi):
    @extend_schema(
        parameters=[s.ValuesQuerySerializer],
        responses=s.KpiValuesResultSerializer,
        description="KPI figures over `from`..`to` of what you may read (or one `project`), in total or per "
        "`group_by` (project, department, person, day, week, month, year): per KPI one row per group with "
        "numerator, denominator and rate (null when nothing was due). `valid_complaints` is per household: "
        "multiply its rate by 1,000. With a project, `target` is the project's (its service level).",
    )
    def get(self, request, format=None):
        params = self.query(s.ValuesQuerySerializer)
        project = params["project"]
        values = kpi_values(
            user=request.user,
            kpis=params["kpis"],
            date_from=params["from"],
            date_to=params["to"],
            group_by=params["group_by"],
            project=project,
        )
        results = [
            {
                "kpi": code,
                "label": str(KPIS[code].label),
                "unit": KPIS[code].unit,
                "target": KPIS[code].target(project.service_level) if project is not None else None,
                "rows": [_rate(r) for r in rates],
            }
            for code, rates in values.items()
        ]
        body = {
            "from": params["from"],
            "to": params["to"],
            "group_by": params["group_by"],
            "project": project.pk if project else None,
            "results": results,
        }
        return Response(s.KpiValuesResultSerializer(body).data)


def _rate(rate) -> dict:
    return {"group": rate.group, "numerator": rate.numerator, "denominator": rate.denominator, "rate": rate.rate}


#
# Records behind a figure
#
def _when(value) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat() if value else ""


def _record(obj) -> dict:
    name = type(obj).__name__
    if name == "WorkOrder":
        order, kind = obj, "workorder"
        label, at, status = str(obj), obj.created, obj.status
    elif name in ("FollowUp", "Rating"):
        order, kind = obj.order, "follow_up" if name == "FollowUp" else "rating"
        label = f"{order.code} {order.title}"
        at = (obj.done_at or obj.due_at) if name == "FollowUp" else obj.created
        status = getattr(obj, "status", "") or ""
    else:
        order = None
        kind = "task" if name == "Task" else "finding"
        label, status = obj.title, obj.status
        at = obj.date if name == "Task" else obj.created
    if order is not None:
        url, project = reverse("workorders:workorder_detail", args=[order.pk]), order.project_id
    elif kind == "task":
        url, project = reverse("plans:task_detail", args=[obj.pk]), obj.project_id
    else:
        url, project = reverse("inspections:finding_detail", args=[obj.pk]), obj.project_id
    return {
        "type": kind,
        "id": obj.pk,
        "label": label,
        "project": project,
        "status": status,
        "at": _when(at),
        "url": url,
    }


class KpiRecordsApi(KpiApi):
    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[
            s.RecordsQuerySerializer,
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="A KPI code."),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Records per page (at most 500)."),
        ],
        responses=s.KpiRecordSerializer(many=True),
        description="The records behind a KPI's `part` (numerator or denominator) over `from`..`to`: the orders, "
        "follow-ups, ratings, tasks or findings its counters count, restricted like the figures, paginated "
        "(`count`, `next`, `previous`, `results`). Filter by `project`, `department` or `person` (assignee); "
        "name the `company` if you read KPIs of several. 404 for an unknown code.",
    )
    def get(self, request, code: str, format=None):
        if code not in KPIS:
            raise Http404
        params = self.query(s.RecordsQuerySerializer)
        filters = {
            "date_from": params["from"],
            "date_to": params["to"],
            "company_id": params["company"].pk if params["company"] else None,
            "project_id": params["project"].pk if params["project"] else None,
            "department_id": params["department"].pk if params["department"] else None,
            "person_id": params["person"],
        }
        if params["part"] == "denominator" and KPIS[code].denominator == (HOUSEHOLDS,):
            raise serializers.ValidationError({"part": [NOT_RECORDS]})
        try:
            records = kpi_drilldown(user=request.user, kpi=code, part=params["part"], filters=filters)
        except ValueError as error:
            raise serializers.ValidationError({"company": [str(error)]}) from None
        records = records.order_by("-pk")
        if records.model.__name__ in ("FollowUp", "Rating"):
            records = records.select_related("order")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(s.KpiRecordSerializer([_record(r) for r in page], many=True).data)


#
# Roll-up rows
#
class RollupRowsApi(KpiApi):
    pagination_class = PageNumberPagination

    @extend_schema(
        parameters=[
            s.RollupQuerySerializer,
            OpenApiParameter(
                "table", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(TABLES), description="The roll-up table."
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (at most 500)."),
        ],
        responses=s.RollupRowSerializer(many=True),
        description="Rows of a daily roll-up (`workorders`, `tasks`, `findings`, `hotspots`, `hourly`) for the "
        "days `from`..`to` of what you may read (or one `project`), by day, project and id, paginated. `key` "
        "holds the rest of the row's key, `counters` every counter (see docs/analytics.md, Roll-up tables).",
    )
    def get(self, request, table: str, format=None):
        model = TABLES.get(table)
        if model is None:
            raise Http404
        params = self.query(s.RollupQuerySerializer)
        rows = restrict(model.objects.all(), request.user, Perm.KPI_VIEW).filter(
            day__gte=params["from"], day__lte=params["to"]
        )
        if params["project"] is not None:
            rows = rows.filter(project=params["project"])
        counters, keys = _counters(model), _key_fields(model)
        rows = rows.order_by("day", "project_id", "id").values("id", "day", "project_id", *keys, *counters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        body = [
            {
                "id": row["id"],
                "day": row["day"],
                "project": row["project_id"],
                "key": {k.removesuffix("_id"): row[k] for k in keys},
                "counters": {c: row[c] for c in counters},
            }
            for row in page
        ]
        return paginator.get_paginated_response(s.RollupRowSerializer(body, many=True).data)


#
# Staff performance
#
class StaffApi(KpiApi):
    permission_classes = [IsAuthenticated, ReadsStaffPerformance]


class StaffPerformanceApi(StaffApi):
    @extend_schema(
        parameters=[s.StaffQuerySerializer],
        responses=s.StaffPerformanceSerializer,
        description="Staff performance over `from`..`to`: per person (the assignee) the orders done, response "
        "time, on-time rates, rework, rating, complaints, tasks, the composite score and stars, ranked (rank "
        "null: too little work to rank). Optionally one `project` or `department`. A staff member without "
        "analytics.view gets his own figures only, unranked (`ranked` false). Rules: docs/staff_performance.md.",
    )
    def get(self, request, format=None):
        params = self.query(s.StaffQuerySerializer)
        rows = staff.staff_performance(
            user=request.user,
            date_from=params["from"],
            date_to=params["to"],
            project=params["project"],
            department=params["department"],
        )
        body = {
            "from": params["from"],
            "to": params["to"],
            "project": params["project"].pk if params["project"] else None,
            "department": params["department"].pk if params["department"] else None,
            "ranked": staff.staff_scope(request.user) == staff.SCOPE_ALL,
            "results": rows,
        }
        return Response(s.StaffPerformanceSerializer(body).data)


class StaffTrendApi(StaffApi):
    @extend_schema(
        parameters=[
            s.StaffTrendQuerySerializer,
            OpenApiParameter("person", OpenApiTypes.INT, OpenApiParameter.PATH, description="The person's user id."),
        ],
        responses=s.StaffTrendSerializer,
        operation_id="v1_staff_performance_person",
        description="One person's figures per `period` (day, week, month; every period present) and their "
        "total over `from`..`to`. 404 for a person you may not see (staff: anyone but yourself).",
    )
    def get(self, request, person: int, format=None):
        person = staff.get_staff_person_for_user(request.user, person)
        params = self.query(s.StaffTrendQuerySerializer)
        trend = staff.staff_trend(
            user=request.user,
            person=person,
            date_from=params["from"],
            date_to=params["to"],
            period=params["period"],
            project=params["project"],
            department=params["department"],
        )
        body = {
            "person": {"id": person.pk, "name": person.name},
            "from": params["from"],
            "to": params["to"],
            "period": params["period"],
            "total": staff.staff_total(person=person, trend=trend),
            "periods": trend,
        }
        return Response(s.StaffTrendSerializer(body).data)
