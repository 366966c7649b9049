"""REST API of inspections under /api/v1/inspections/: checklists with versions and items, rounds
with their results and steps, findings with the rectification loop and extension requests, CAPA
step by step, and the report figures.

Reads go through inspections.selectors / selectors_findings and writes through the services,
exactly as the staff pages and the phone pages do. Third-party inspectors (``inspections.do``
without view) reach only the rounds they are invited to and their findings; checklists, CAPA
and reports answer them 403. A row the user may not see is 404; a visible one he may not act on
is 403; a step the row cannot take now is 400 (409 ``conflict`` when it changed meanwhile).
"""

from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.base import TenantApi, TenantViewSet
from core.access import access_for
from core.choices import Perm
from inspections import reports, selectors, services
from inspections import selectors_findings as finding_selectors
from inspections.api import serializers as s
from inspections.filtersets import CapaFilterSet, ChecklistTemplateFilterSet, FindingFilterSet, InspectionRoundFilterSet
from inspections.forms_findings import finding_projects
from inspections.models import Capa, ChecklistItem, ChecklistTemplate, ExtensionRequest, Finding, InspectionRound
from inspections.services import capa as capa_services
from inspections.services import findings as finding_services

ROUND_JOINED = ("project", "version", "version__template", "lead")
FINDING_JOINED = ("project", "department", "building", "area", "work_order")


class InspectionsPermission(BasePermission):
    """Any of the view's ``read_perms`` somewhere (``write_perms`` for writes, when it names them);
    owners and people without a role get 403. Per row: selectors (404) and services (403)."""

    def has_permission(self, request, view) -> bool:
        access = access_for(request.user)
        if access.is_superuser:
            return True
        perms = view.read_perms
        if request.method not in SAFE_METHODS and getattr(view, "write_perms", None):
            perms = view.write_perms
        return any(access.has(perm) for perm in perms)


class InspectionsViewSet(TenantViewSet):
    permission_classes = [IsAuthenticated, InspectionsPermission]
    read_perms: tuple[str, ...] = (Perm.INSP_VIEW,)
    write_perms: tuple[str, ...] = ()

    def _read(self, serializer_class, data, **context):
        serializer = serializer_class(data=data, context={"request": self.request, **context})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def _both(serializer):
    return {"application/json": serializer, "multipart/form-data": serializer}


def _require(request, perm: str) -> None:
    if not access_for(request.user).has(perm):
        raise PermissionDenied


#
# Checklists
#
@extend_schema_view(
    list=extend_schema(
        description="Checklists (检查表) of your companies: code, name, the kinds of round they suit, discipline, "
        "current version and its number of items. Third-party inspectors get 403 (they see a round's items "
        "in the round)."
    ),
    retrieve=extend_schema(description="One checklist."),
)
class ChecklistTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InspectionsViewSet):
    """Checklists: list, detail, create, change, versions, items, switch off and on, from the standards library."""

    serializer_class = s.ChecklistTemplateSerializer
    filterset_class = ChecklistTemplateFilterSet
    write_perms = (Perm.INSP_MANAGE,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ChecklistTemplate.objects.none()
        qs = selectors.template_list(user=self.request.user)
        return qs.annotate(item_count=Count("current_version__items")).order_by("name", "pk")

    def get_object(self):
        write = self.request.method not in SAFE_METHODS
        return selectors.get_template_for_user(user=self.request.user, pk=self.kwargs["pk"], write=write)

    def _response(self, template, status_code=status.HTTP_200_OK) -> Response:
        template = self.get_queryset().get(pk=template.pk)
        return Response(s.ChecklistTemplateSerializer(template).data, status=status_code)

    @extend_schema(
        request=s.ChecklistTemplateInputSerializer,
        responses={201: s.ChecklistTemplateSerializer},
        description="A new checklist of your company (quality managers and company admins: checklists are "
        "company-wide); with `items` it gets its first version at once. Item errors come back on `items`, "
        "one line per problem naming the item's position.",
    )
    def create(self, request, format=None):
        data = self._read(s.ChecklistTemplateInputSerializer, request.data)
        company, items, note = data.pop("company"), data.pop("items", None), data.pop("note", "")
        template = services.checklist_template_create(
            company=company,
            data=data,
            items=s.item_rows(items) if items is not None else None,
            note=note,
            actor=request.user,
        )
        return self._response(template, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ChecklistTemplateInputSerializer,
        responses=s.ChecklistTemplateSerializer,
        description="Change name, kinds, discipline or description; the items change only by a new version.",
    )
    def partial_update(self, request, pk=None, format=None):
        template = self.get_object()
        serializer = s.ChecklistTemplateInputSerializer(
            data=request.data, template=template, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        services.checklist_template_update(template=template, data=dict(serializer.validated_data), actor=request.user)
        return self._response(template)

    @extend_schema(
        methods=["GET"],
        responses=s.ChecklistVersionSerializer(many=True),
        description="Every version of the checklist, newest first, each with its items.",
    )
    @extend_schema(
        methods=["POST"],
        request=s.VersionInputSerializer,
        responses={201: s.ChecklistVersionSerializer},
        description="The next version with these items (all of them, in order); it becomes current. Give an "
        "item the `key` of an earlier one to keep it the same item (repeats are found by key).",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def versions(self, request, pk=None, format=None):
        template = self.get_object()
        if request.method == "POST":
            data = self._read(s.VersionInputSerializer, request.data)
            version = services.checklist_version_create(
                template=template, items=s.item_rows(data["items"]), note=data["note"], actor=request.user
            )
            return Response(
                s.ChecklistVersionSerializer(_with_items(template.versions.filter(pk=version.pk)).get()).data,
                status=status.HTTP_201_CREATED,
            )
        versions = _with_items(template.versions.order_by("-number"))
        return Response(s.ChecklistVersionSerializer(versions, many=True).data)

    @extend_schema(
        responses=s.ChecklistItemSerializer(many=True),
        description="The items of the current version (or of `?version=<number>`).",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def items(self, request, pk=None, format=None):
        template = self.get_object()
        number = request.query_params.get("version")
        versions = template.versions.all()
        version = versions.filter(number=number).first() if number else template.current_version
        if version is None:
            return Response([])
        items = version.items.select_related("standard_revision").order_by("sort_order", "id")
        return Response(s.ChecklistItemSerializer(items, many=True).data)

    @extend_schema(request=None, responses=s.ChecklistTemplateSerializer, description="No new rounds with it.")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None, format=None):
        template = services.checklist_template_deactivate(template=self.get_object(), actor=request.user)
        return self._response(template)

    @extend_schema(request=None, responses=s.ChecklistTemplateSerializer, description="Switch it back on.")
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None, format=None):
        template = services.checklist_template_activate(template=self.get_object(), actor=request.user)
        return self._response(template)

    @extend_schema(
        request=s.FromStandardsInputSerializer,
        responses={201: s.ChecklistTemplateSerializer},
        description="A checklist with one pass/fail item per standard revision (`revisions`: ids of your "
        "company's revisions): the standard's photo rule, a severity by discipline and the discipline's "
        "department as the rectifier.",
    )
    @action(detail=False, methods=["post"], url_path="from-standards", filterset_class=None, pagination_class=None)
    def from_standards(self, request, format=None):
        data = self._read(s.FromStandardsInputSerializer, request.data)
        template = services.checklist_template_from_standards(
            company=data["company"],
            name=data["name"],
            code=data["code"],
            revisions=data["revisions"],
            kinds=data.get("kinds") or [],
            discipline=data["discipline"],
            description=data["description"],
            actor=request.user,
        )
        return self._response(template, status.HTTP_201_CREATED)


def _with_items(versions):
    items = ChecklistItem.objects.select_related("standard_revision").order_by("sort_order", "id")
    return versions.prefetch_related(Prefetch("items", queryset=items))


#
# Rounds
#
def round_response(request, round: InspectionRound, status_code=status.HTTP_200_OK, headers=None) -> Response:
    """The round as ``GET rounds/{id}/`` shows it, read afresh after a write."""
    round = selectors.get_round_for_user(user=request.user, pk=round.pk)
    body = s.RoundDetailSerializer(round, context={"request": request}).data
    return Response(body, status=status_code, headers=headers)


@extend_schema_view(
    list=extend_schema(
        description="Inspection rounds (检查任务) you may see, newest first: every round of your projects with "
        "`inspections.view`; only the rounds you are invited to as a third-party inspector. Filters as in "
        "the staff list."
    ),
)
class InspectionRoundViewSet(mixins.ListModelMixin, InspectionsViewSet):
    """Rounds: list, detail, schedule one, and its steps."""

    serializer_class = s.RoundSerializer
    filterset_class = InspectionRoundFilterSet
    read_perms = (Perm.INSP_VIEW, Perm.INSP_DO)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionRound.objects.none()
        return selectors.round_list(user=self.request.user).select_related(None).select_related(*ROUND_JOINED)

    def _round(self, pk, *, write: bool = False) -> InspectionRound:
        return selectors.get_round_for_user(user=self.request.user, pk=pk, write=write)

    @extend_schema(
        responses=s.RoundDetailSerializer,
        description="One round with its checklist items, results (photos, time, position), score, department "
        "scores, findings, inspectors, timeline and `allowed_actions`.",
    )
    def retrieve(self, request, pk=None, format=None):
        return round_response(request, self._round(pk))

    @extend_schema(
        request=s.RoundInputSerializer,
        responses={201: s.RoundDetailSerializer},
        description="Schedule a round ad hoc (a special inspection, an audit, a mystery shopper's visit) in a "
        "project where you manage inspections: the checklist's current version, the lead and invited "
        "`inspectors` (people with `inspections.do` there, third parties included).",
    )
    def create(self, request, format=None):
        _require(request, Perm.INSP_MANAGE)
        data = self._read(s.RoundInputSerializer, request.data)
        template = data.pop("template")
        round = services.round_create(version=template.current_version, actor=request.user, **data)
        location = reverse("inspection-round-detail", kwargs={"pk": round.pk}, request=request)
        return round_response(request, round, status.HTTP_201_CREATED, {"Location": location})

    @extend_schema(request=None, responses=s.RoundDetailSerializer, description="Start the round (inspectors).")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None, format=None):
        round = services.round_start(round=self._round(pk), actor=request.user)
        return round_response(request, round)

    @extend_schema(
        request=_both(s.ResultInputSerializer),
        responses={201: s.ResultSerializer},
        description="Record (or, before submitting, record again) the answer to one item: `outcome` pass, "
        "fail or na, a `score` for 0–N items, a `note`, the place and position; JSON, or multipart with a "
        "`photo` (required when an item that asks for one fails). A scheduled round starts with its first "
        "answer.",
    )
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None, format=None):
        round = self._round(pk)
        data = self._read(s.ResultInputSerializer, request.data, round=round)
        result = services.round_result_record(round=round, actor=request.user, **data)
        body = s.ResultSerializer(result, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=s.RoundDetailSerializer,
        description="Hand the round in once every item is answered: it is scored, every failed item becomes "
        "a finding with its rectification order, and the month's roll-up is refreshed.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None, format=None):
        round = services.round_submit(round=self._round(pk), actor=request.user)
        return round_response(request, round)

    @extend_schema(
        request=s.InspectionReasonInputSerializer,
        responses=s.RoundDetailSerializer,
        description="Call an open round off.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):
        round = self._round(pk, write=True)
        data = self._read(s.InspectionReasonInputSerializer, request.data)
        return round_response(request, services.round_cancel(round=round, reason=data["reason"], actor=request.user))

    @extend_schema(
        request=s.InspectionNoteInputSerializer,
        responses=s.RoundDetailSerializer,
        description="Close a submitted round after review; its score stays in the figures.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        round = self._round(pk, write=True)
        data = self._read(s.InspectionNoteInputSerializer, request.data)
        return round_response(request, services.round_close(round=round, reason=data["note"], actor=request.user))

    @extend_schema(
        request=s.InspectorsInputSerializer,
        responses=s.RoundDetailSerializer,
        description="Replace who is invited to an open round (and its lead).",
    )
    @action(detail=True, methods=["post"])
    def inspectors(self, request, pk=None, format=None):
        round = self._round(pk, write=True)
        data = self._read(s.InspectorsInputSerializer, request.data, round=round)
        services.round_inspectors_set(round=round, actor=request.user, **data)
        return round_response(request, round)


#
# Findings
#
FINDING_READERS = (Perm.INSP_VIEW, Perm.INSP_DO, Perm.FINDINGS_RECTIFY)


def finding_response(request, finding: Finding, status_code=status.HTTP_200_OK, headers=None) -> Response:
    finding = finding_selectors.get_finding_for_user(user=request.user, pk=finding.pk)
    body = s.FindingDetailSerializer(finding, context={"request": request}).data
    return Response(body, status=status_code, headers=headers)


@extend_schema_view(
    list=extend_schema(
        description="Findings (不合格项) you may see, newest first: every finding of your projects with "
        "`inspections.view`; the rectifying team its department's; third-party inspectors those of their "
        "rounds. Filter by project, department, severity, status, source, `overdue`, `repeat`, round, dates."
    ),
)
class FindingViewSet(mixins.ListModelMixin, InspectionsViewSet):
    """Findings: list, detail, raise one, and the rectification loop."""

    serializer_class = s.FindingSerializer
    filterset_class = FindingFilterSet
    read_perms = FINDING_READERS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Finding.objects.none()
        return (
            finding_selectors.finding_list(user=self.request.user).select_related(None).select_related(*FINDING_JOINED)
        )

    def _finding(self, pk) -> Finding:
        return finding_selectors.get_finding_for_user(user=self.request.user, pk=pk)

    @extend_schema(
        responses=s.FindingDetailSerializer,
        description="One finding with its photos (before and after), timeline, extension requests and "
        "`allowed_actions`.",
    )
    def retrieve(self, request, pk=None, format=None):
        return finding_response(request, self._finding(pk))

    @extend_schema(
        request=_both(s.FindingInputSerializer),
        responses={201: s.FindingDetailSerializer},
        description="Raise a finding by hand (a walk-by, a complaint, an audit, a KPI, a 12345 referral, or the "
        "same failed item at another place with `item_result`): it opens a rectification order for the "
        "department, and a CAPA when severe, critical or a repeat. Multipart for the `photo`.",
    )
    def create(self, request, format=None):
        if not finding_projects(request.user).exists():
            raise PermissionDenied
        data = self._read(s.FindingInputSerializer, request.data)
        project = data.pop("project")
        data = {k: v for k, v in data.items() if v not in (None, "")}
        finding = finding_services.finding_create(project=project, data=data, actor=request.user)
        location = reverse("finding-detail", kwargs={"pk": finding.pk}, request=request)
        return finding_response(request, finding, status.HTTP_201_CREATED, {"Location": location})

    @extend_schema(
        request=s.InspectionNoteInputSerializer,
        responses=s.FindingDetailSerializer,
        description="The team takes it on.",
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None, format=None):
        finding = self._finding(pk)
        data = self._read(s.InspectionNoteInputSerializer, request.data)
        finding = finding_services.finding_start(finding=finding, note=data["note"], actor=request.user)
        return finding_response(request, finding)

    @extend_schema(
        request={"multipart/form-data": s.RectifyInputSerializer},
        responses=s.FindingDetailSerializer,
        description="The team reports the rectification with a `note` and an after `photo` (multipart); the "
        "finding then waits for verification and its order is completed.",
    )
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None, format=None):
        finding = self._finding(pk)
        data = self._read(s.RectifyInputSerializer, request.data)
        finding = finding_services.finding_rectify(finding=finding, actor=request.user, **data)
        return finding_response(request, finding)

    @extend_schema(
        request=s.FindingVerifyInputSerializer,
        responses=s.FindingDetailSerializer,
        description="The inspector verifies on site: `passed` closes it; not passed needs a `note` and a "
        "`new_due_at` and sends it back to the team. Nobody verifies his own rectification.",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None, format=None):
        finding = self._finding(pk)
        data = self._read(s.FindingVerifyInputSerializer, request.data)
        finding = finding_services.finding_verify(finding=finding, actor=request.user, **data)
        return finding_response(request, finding)

    @extend_schema(
        methods=["GET"],
        responses=s.ExtensionRequestSerializer(many=True),
        description="The finding's extension requests, newest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=s.ExtensionInputSerializer,
        responses={201: s.ExtensionRequestSerializer},
        description="The team asks for a later deadline with a reason; a manager decides.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="extension-requests",
        pagination_class=None,
        filterset_class=None,
    )
    def extension_requests(self, request, pk=None, format=None):
        finding = self._finding(pk)
        if request.method == "POST":
            data = self._read(s.ExtensionInputSerializer, request.data)
            extension = finding_services.finding_extension_request(finding=finding, actor=request.user, **data)
            return Response(s.ExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)
        rows = finding.extensions.select_related("requested_by", "decided_by").order_by("-created", "-id")
        return Response(s.ExtensionRequestSerializer(rows, many=True).data)

    @extend_schema(
        request=s.InspectionReasonInputSerializer,
        responses=s.FindingDetailSerializer,
        description="Withdraw a finding raised in error (managers); its order is cancelled too.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):
        finding = self._finding(pk)
        data = self._read(s.InspectionReasonInputSerializer, request.data)
        finding = finding_services.finding_cancel(finding=finding, reason=data["reason"], actor=request.user)
        return finding_response(request, finding)


class ExtensionRequestViewSet(mixins.RetrieveModelMixin, InspectionsViewSet):
    """Extension requests of findings: one, and the decision on it."""

    serializer_class = s.ExtensionRequestSerializer
    read_perms = FINDING_READERS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        return finding_selectors.extension_list(user=self.request.user)

    def get_object(self):
        return finding_selectors.get_extension_request_for_user(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=s.DecideInputSerializer,
        responses=s.ExtensionRequestSerializer,
        description="Approve (the deadline moves) or reject (with a `note`) a pending request; managers only, "
        "never one's own request.",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None, format=None):
        extension = self.get_object()
        data = self._read(s.DecideInputSerializer, request.data)
        extension = finding_services.finding_extension_decide(request=extension, actor=request.user, **data)
        return Response(s.ExtensionRequestSerializer(extension).data)


#
# CAPA
#
CAPA_READERS = (Perm.INSP_VIEW, Perm.CAPA_MANAGE)


def capa_response(request, capa: Capa, status_code=status.HTTP_200_OK, headers=None) -> Response:
    capa = finding_selectors.get_capa_for_user(user=request.user, pk=capa.pk)
    body = s.CapaDetailSerializer(capa, context={"request": request}).data
    return Response(body, status=status_code, headers=headers)


@extend_schema_view(
    list=extend_schema(
        description="CAPAs (纠正预防措施) of your projects, newest first. Filter by project, status, severity, "
        "source, cause class, owner, `requires_8d`, `overdue`."
    ),
)
class CapaViewSet(mixins.ListModelMixin, InspectionsViewSet):
    """CAPA: list, detail, file one, change its draft fields, and each step of §6.7."""

    serializer_class = s.CapaSerializer
    filterset_class = CapaFilterSet
    read_perms = CAPA_READERS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Capa.objects.none()
        return finding_selectors.capa_list(user=self.request.user)

    def _capa(self, pk, *, write: bool = True) -> Capa:
        return finding_selectors.get_capa_for_user(user=self.request.user, pk=pk, write=write)

    @extend_schema(
        responses=s.CapaDetailSerializer,
        description="One CAPA with every step's record, its findings, timeline and `allowed_actions`.",
    )
    def retrieve(self, request, pk=None, format=None):
        return capa_response(request, self._capa(pk, write=False))

    @extend_schema(
        request=s.CapaInputSerializer,
        responses={201: s.CapaDetailSerializer},
        description="File a CAPA (立案) in a project where you work on CAPAs, for `findings` of it (a finding "
        "with an open CAPA already is refused), with an `owner` and a deadline.",
    )
    def create(self, request, format=None):
        _require(request, Perm.CAPA_MANAGE)
        data = self._read(s.CapaInputSerializer, request.data)
        capa = capa_services.capa_open(actor=request.user, **data)
        location = reverse("capa-detail", kwargs={"pk": capa.pk}, request=request)
        return capa_response(request, capa, status.HTTP_201_CREATED, {"Location": location})

    @extend_schema(
        request=s.CapaUpdateSerializer,
        responses=s.CapaDetailSerializer,
        description="Save fields as a draft (no step changes); the steps check what they require.",
    )
    def partial_update(self, request, pk=None, format=None):
        capa = self._capa(pk)
        data = self._read(s.CapaUpdateSerializer, request.data, capa=capa)
        return capa_response(request, capa_services.capa_update(capa=capa, data=data, actor=request.user))

    def _step(self, request, pk, serializer_class, call) -> Response:
        capa = self._capa(pk)
        data = self._read(serializer_class, request.data) if serializer_class else {}
        return capa_response(request, call(capa, data))

    @extend_schema(
        request=s.CapaFindingsInputSerializer,
        responses=s.CapaDetailSerializer,
        description="Link more findings of the project to this open CAPA (the same problem found again).",
    )
    @action(detail=True, methods=["post"], url_path="findings", url_name="link")
    def link_findings(self, request, pk=None, format=None):
        capa = self._capa(pk)
        data = self._read(s.CapaFindingsInputSerializer, request.data, capa=capa)
        return capa_response(request, capa_services.capa_link_findings(capa=capa, actor=request.user, **data))

    @extend_schema(
        request=s.InspectionNoteInputSerializer, responses=s.CapaDetailSerializer, description="Filed → containment."
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, format=None):
        return self._step(
            request,
            pk,
            s.InspectionNoteInputSerializer,
            lambda c, d: capa_services.capa_accept(capa=c, note=d["note"], actor=request.user),
        )

    @extend_schema(
        request=s.ContainInputSerializer,
        responses=s.CapaDetailSerializer,
        description="Record the containment action → cause analysis.",
    )
    @action(detail=True, methods=["post"])
    def contain(self, request, pk=None, format=None):
        return self._step(
            request,
            pk,
            s.ContainInputSerializer,
            lambda c, d: capa_services.capa_contain(capa=c, containment=d["containment"], actor=request.user),
        )

    @extend_schema(
        request=s.AnalyseInputSerializer,
        responses=s.CapaDetailSerializer,
        description="Record the 5-Why chain (at least 3, 5 for a full 8D) and the cause class → corrective action.",
    )
    @action(detail=True, methods=["post"])
    def analyse(self, request, pk=None, format=None):
        return self._step(
            request,
            pk,
            s.AnalyseInputSerializer,
            lambda c, d: capa_services.capa_analyse(capa=c, actor=request.user, **d),
        )

    @extend_schema(
        request=s.ActInputSerializer,
        responses=s.CapaDetailSerializer,
        description="Record the corrective and preventive actions and the horizontal check with its scope → "
        "verifying; the effectiveness check falls due in 30 days.",
    )
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None, format=None):
        return self._step(
            request, pk, s.ActInputSerializer, lambda c, d: capa_services.capa_act(capa=c, actor=request.user, **d)
        )

    @extend_schema(
        request=_both(s.EffectivenessInputSerializer),
        responses=s.CapaDetailSerializer,
        description="Record the effectiveness check with its evidence: `effective` once it is due; "
        "`not_effective` sends the CAPA back to the analysis. Multipart for the `photo`.",
    )
    @action(detail=True, methods=["post"])
    def effectiveness(self, request, pk=None, format=None):
        return self._step(
            request,
            pk,
            s.EffectivenessInputSerializer,
            lambda c, d: capa_services.capa_effectiveness_record(capa=c, actor=request.user, **d),
        )

    @extend_schema(
        request=s.InspectionNoteInputSerializer,
        responses=s.CapaDetailSerializer,
        description="Close an effective CAPA whose findings are closed (the closing authority, `capa.close`).",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None, format=None):
        capa = self._capa(pk, write=False)
        data = self._read(s.InspectionNoteInputSerializer, request.data)
        return capa_response(request, capa_services.capa_close(capa=capa, note=data["note"], actor=request.user))

    @extend_schema(
        request=s.InspectionReasonInputSerializer,
        responses=s.CapaDetailSerializer,
        description="Send the CAPA back one step with a reason (退回).",
    )
    @action(detail=True, methods=["post"])
    def back(self, request, pk=None, format=None):
        return self._step(
            request,
            pk,
            s.InspectionReasonInputSerializer,
            lambda c, d: capa_services.capa_back(capa=c, reason=d["reason"], actor=request.user),
        )


#
# Reports
#
class InspectionReportApi(TenantApi):
    permission_classes = [IsAuthenticated, InspectionsPermission]
    read_perms = (Perm.INSP_VIEW,)

    @extend_schema(
        parameters=[s.ReportQuerySerializer],
        responses=s.ReportSerializer,
        description="An inspection figure over `date_from`..`date_to` for what you see, in total or per `group_by`: "
        "`score` = points achieved ÷ possible of submitted rounds (whole months, from the roll-ups; per "
        "project, department type, month or kind); `on_time` 整改完成率(按期) = findings closed by their "
        "deadline ÷ findings due in the period; `rectification` 整改率(累计) = closed ÷ raised in the period; "
        "`effectiveness` 整改有效率 = closed without a repeat within 30 days ÷ closed at least 30 days ago; "
        "`repeat` = repeats ÷ raised; `open_age` = unresolved findings now, overdue ÷ all, with the count per "
        "age bucket in `details` (per project or department). Cancelled findings never count.",
    )
    def get(self, request, format=None):
        query = s.ReportQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = reports.report(user=request.user, **params)
        body = {
            **params,
            "project": params["project"].pk if params["project"] else None,
            "results": [
                {
                    "group": r.group,
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "rate": r.rate,
                    "details": r.details,
                }
                for r in rows
            ],
        }
        return Response(s.ReportSerializer(body).data)
