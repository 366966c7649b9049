"""Work-order configuration pages: categories, SLA policies and company settings (WO_CONFIGURE),
dispatch rules per project (WO_MANAGE on the project), and who is on duty.

Company-level rows are looked up among the companies the user configures: another company's
row answers 404 like a missing one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core import selectors as core_selectors
from core.access import access_for, get_object_for_user, restrict
from core.choices import Perm, Role
from core.decorators import staff_required
from core.models import Company, Membership
from lib.excel import table_xlsx, xlsx_response
from lib.tables import Column, Table
from lib.views import form_page, list_page
from workorders import services
from workorders.choices import PRIORITY_COLORS, ROUND_THE_CLOCK_PRIORITIES, Kind, SlaClock
from workorders.config_forms import (
    CategoryFilterSet,
    CategoryForm,
    DispatchRuleFilterSet,
    DispatchRuleForm,
    DutyFilterSet,
    SlaPolicyFilterSet,
    SlaPolicyForm,
    WorkOrderSettingsForm,
    can_see_duty,
)
from workorders.models import Category, DispatchRule, SlaPolicy, WorkOrderSettings


#
# Access
#
def _company_or_403(request, perm: str = Perm.WO_CONFIGURE) -> Company:
    """The company whose work orders the user configures (his first company)."""
    company = core_selectors.default_company_for_user(user=request.user)
    if company is None or not access_for(request.user).allows(perm, company_id=company.id, project_id=None):
        raise PermissionDenied
    return company


def _configured(request, qs: QuerySet):
    """Company-level rows of the companies the user configures."""
    return qs.filter(company_id__in=sorted(access_for(request.user).company_grants.get(Perm.WO_CONFIGURE, ())))


def _get_configured(request, qs: QuerySet, pk):
    try:
        return _configured(request, qs).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _action(label, url_name: str, icon: str = "plus-lg") -> dict:
    return {"label": label, "url": reverse(url_name), "icon": icon}


def _full_list(request, *, queryset, filterset_class, table_class, title, export_name: str, actions=()):
    """Like lib.views.list_page, on one page: configuration lists are short and read as a whole."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound else queryset
    if request.GET.get("export") == "xlsx":
        return xlsx_response(table_xlsx(table_class(rows), sheet_title=str(title)), f"{export_name}.xlsx")
    rows = list(rows)
    context = {
        "title": title,
        "filterset": filterset,
        "table": table_class(rows),
        "page": Paginator(rows, max(len(rows), 1)).get_page(1),
        "querystring": request.GET.urlencode(),
        "actions": list(actions),
    }
    return render(request, "list.html", context)


#
# Human units for SLA limits
#
def _workday_minutes(company: Company) -> int:
    start, end = company.work_start, company.work_end
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def effective_clock(policy: SlaPolicy) -> str:
    """P0 and P1 run around the clock whatever the policy says (see services.sla.sla_plan)."""
    if policy.priority in ROUND_THE_CLOCK_PRIORITIES:
        return SlaClock.ROUND_THE_CLOCK
    return policy.clock


def human_minutes(minutes: int | None, *, clock: str, workday: int) -> str:
    """30 → "30 minutes", 120 → "2 hours", 1080 on the business clock → "2 working days"."""
    if minutes is None:
        return "—"
    if clock == SlaClock.BUSINESS and workday > 0 and minutes and minutes % workday == 0:
        n = minutes // workday
        return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}
    if minutes and minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def _limit(field: str, *, empty=None):
    def value(policy: SlaPolicy) -> str:
        minutes = getattr(policy, field)
        if minutes is None and empty is not None:
            return empty
        return human_minutes(minutes, clock=effective_clock(policy), workday=_workday_minutes(policy.company))

    return value


#
# Tables
#
def _yes_no(active: bool):
    return _("Yes") if active else _("No")


class CategoryTable(Table):
    columns = [
        Column(
            "name",
            _("name"),
            lambda c: f"\u3000└ {c.name}" if c.parent_id else c.name,
            link="workorder_config:category_edit",
        ),
        Column("code", _("code")),
        Column("kind", _("kind"), "get_kind_display"),
        Column(
            "priority_hint",
            _("priority hint"),
            "get_priority_hint_display",
            badge=lambda c: PRIORITY_COLORS.get(c.priority_hint, ""),
        ),
        Column(
            "department_kind",
            _("default department"),
            lambda c: c.get_department_kind_display() or (_("as its parent") if c.parent_id else ""),
        ),
        Column("description", _("description")),
        Column("sort_order", _("sort order")),
        Column(
            "is_active",
            _("active"),
            lambda c: _yes_no(c.is_active),
            badge=lambda c: "success" if c.is_active else "secondary",
        ),
    ]


class SlaPolicyTable(Table):
    columns = [
        Column("kind", _("kind"), "get_kind_display", link="workorder_config:sla_policy_edit"),
        Column("priority", _("priority"), "get_priority_display", badge=lambda p: PRIORITY_COLORS.get(p.priority, "")),
        Column(
            "service_level",
            _("service level"),
            lambda p: p.get_service_level_display() if p.service_level else _("all levels"),
        ),
        Column("clock", _("clock"), lambda p: SlaClock(effective_clock(p)).label),
        Column("acknowledge_minutes", _("acknowledge within"), _limit("acknowledge_minutes")),
        Column("dispatch_minutes", _("dispatch within"), _limit("dispatch_minutes")),
        Column("arrive_minutes", _("on site within"), _limit("arrive_minutes", empty=_("at the agreed time"))),
        Column("resolve_minutes", _("resolve within"), _limit("resolve_minutes")),
    ]


class DispatchRuleTable(Table):
    columns = [
        Column("project", _("project"), "project.name"),
        Column("category", _("category"), lambda r: str(r.category) if r.category_id else _("any")),
        Column("building", _("building"), lambda r: r.building.name if r.building_id else _("any")),
        Column("area", _("public area"), lambda r: r.area.name if r.area_id else _("any")),
        Column("department", _("department"), "department.name", link="workorder_config:dispatch_rule_edit"),
        Column("sort_order", _("sort order")),
        Column(
            "is_active",
            _("active"),
            lambda r: _yes_no(r.is_active),
            badge=lambda r: "success" if r.is_active else "secondary",
        ),
    ]


class DutyTable(Table):
    columns = [
        Column("name", _("full name"), "user.get_full_name"),
        Column("phone", _("mobile phone"), "user.phone"),
        Column("project", _("project"), "project.name"),
        Column("department", _("department"), "department.name"),
        Column("title", _("job title")),
        Column(
            "on_duty",
            _("on duty"),
            lambda m: _yes_no(m.on_duty),
            badge=lambda m: "success" if m.on_duty else "secondary",
        ),
    ]


#
# Categories
#
KIND_ORDER = Case(*(When(kind=k, then=Value(i)) for i, k in enumerate(Kind.values)), output_field=IntegerField())


@staff_required(Perm.WO_CONFIGURE)
def category_list(request):
    company = _company_or_403(request)
    # Tree order: each top-level category, then its children.
    queryset = (
        Category.objects.filter(company=company)
        .select_related("parent")
        .annotate(
            kind_order=KIND_ORDER,
            root_order=Coalesce("parent__sort_order", "sort_order"),
            root_id=Coalesce("parent_id", "id"),
            is_child=Case(When(parent__isnull=True, then=Value(0)), default=Value(1)),
        )
        .order_by("kind_order", "root_order", "root_id", "is_child", "sort_order", "id")
    )
    return _full_list(
        request,
        queryset=queryset,
        filterset_class=CategoryFilterSet,
        table_class=CategoryTable,
        title=_("Work-order categories"),
        export_name="categories",
        actions=[_action(_("New category"), "workorder_config:category_create")],
    )


@staff_required(Perm.WO_CONFIGURE)
def category_create(request):
    company = _company_or_403(request)
    form = CategoryForm(request.POST or None, company=company, initial={"parent": request.GET.get("parent")})

    def save(data):
        services.category_create(company=company, data=data, actor=request.user)
        return reverse("workorder_config:category_list")

    return form_page(request, form=form, title=_("New category"), on_valid=save, success_message=_("Created."))


@staff_required(Perm.WO_CONFIGURE)
def category_edit(request, pk):
    category = _get_configured(request, Category.objects.select_related("company"), pk)
    form = CategoryForm(request.POST or None, instance=category, company=category.company)

    def save(data):
        services.category_update(category=category, data=data, actor=request.user)
        return reverse("workorder_config:category_list")

    return form_page(request, form=form, title=_("Edit category"), on_valid=save, success_message=_("Saved."))


#
# SLA policies
#
@staff_required(Perm.WO_CONFIGURE)
def sla_policy_list(request):
    company = _company_or_403(request)
    queryset = (
        SlaPolicy.objects.filter(company=company)
        .select_related("company")
        .annotate(kind_order=KIND_ORDER)
        .order_by("kind_order", "priority", "service_level", "id")
    )
    return _full_list(
        request,
        queryset=queryset,
        filterset_class=SlaPolicyFilterSet,
        table_class=SlaPolicyTable,
        title=_("SLA policies"),
        export_name="sla-policies",
        actions=[_action(_("New SLA policy"), "workorder_config:sla_policy_create")],
    )


def _sla_policy_form_page(request, *, company: Company, policy: SlaPolicy | None, title):
    form = SlaPolicyForm(request.POST or None, instance=policy, company=company)

    def save(data):
        services.sla_policy_save(company=company, data=data, actor=request.user, policy=policy)
        return reverse("workorder_config:sla_policy_list")

    return form_page(request, form=form, title=title, on_valid=save, success_message=_("Saved."))


@staff_required(Perm.WO_CONFIGURE)
def sla_policy_create(request):
    return _sla_policy_form_page(request, company=_company_or_403(request), policy=None, title=_("New SLA policy"))


@staff_required(Perm.WO_CONFIGURE)
def sla_policy_edit(request, pk):
    policy = _get_configured(request, SlaPolicy.objects.select_related("company"), pk)
    return _sla_policy_form_page(request, company=policy.company, policy=policy, title=_("Edit SLA policy"))


#
# Company settings
#
@staff_required(Perm.WO_CONFIGURE)
def settings_edit(request):
    company = _company_or_403(request)
    current = WorkOrderSettings.objects.filter(company=company).first() or WorkOrderSettings(company=company)
    form = WorkOrderSettingsForm(request.POST or None, instance=current)

    def save(data):
        services.workorder_settings_update(company=company, data=data, actor=request.user)
        return reverse("workorder_config:settings_edit")

    return form_page(request, form=form, title=_("Work-order settings"), on_valid=save, success_message=_("Saved."))


#
# Dispatch rules
#
def _rules(request) -> QuerySet[DispatchRule]:
    return restrict(DispatchRule.objects.all(), request.user, Perm.WO_MANAGE).select_related(
        "project", "category", "category__parent", "building", "area", "department"
    )


def _get_rule(request, pk) -> DispatchRule:
    return get_object_for_user(DispatchRule.objects.select_related("project"), request.user, pk, perm=Perm.WO_MANAGE)


@staff_required(Perm.WO_MANAGE)
def dispatch_rule_list(request):
    return list_page(
        request,
        queryset=_rules(request).order_by("project__name", "sort_order", "id"),
        filterset_class=DispatchRuleFilterSet,
        table_class=DispatchRuleTable,
        title=_("Dispatch rules"),
        export_name="dispatch-rules",
        actions=[_action(_("New dispatch rule"), "workorder_config:dispatch_rule_create")],
        extra={"row_template": "workorder_config/dispatch_rule_row.html"},
    )


@staff_required(Perm.WO_MANAGE)
def dispatch_rule_create(request):
    form = DispatchRuleForm(request.POST or None, user=request.user, initial={"project": request.GET.get("project")})

    def save(data):
        project = data.pop("project")
        services.dispatch_rule_save(project=project, data=data, actor=request.user)
        return reverse("workorder_config:dispatch_rule_list")

    return form_page(request, form=form, title=_("New dispatch rule"), on_valid=save, success_message=_("Created."))


@staff_required(Perm.WO_MANAGE)
def dispatch_rule_edit(request, pk):
    rule = _get_rule(request, pk)
    form = DispatchRuleForm(request.POST or None, instance=rule, user=request.user)

    def save(data):
        services.dispatch_rule_save(project=rule.project, data=data, actor=request.user, rule=rule)
        return reverse("workorder_config:dispatch_rule_list")

    return form_page(request, form=form, title=_("Edit dispatch rule"), on_valid=save, success_message=_("Saved."))


@require_POST
@staff_required(Perm.WO_MANAGE)
def dispatch_rule_delete(request, pk):
    rule = _get_rule(request, pk)
    services.dispatch_rule_delete(rule=rule, actor=request.user)
    messages.success(request, _("Dispatch rule deleted."))
    return redirect("workorder_config:dispatch_rule_list")


#
# On duty
#
def _duty_memberships(request) -> QuerySet[Membership]:
    """Field staff of the projects the user leads, and the user's own field-staff roles."""
    user = request.user
    visible = access_for(user).q(Perm.WO_MANAGE) | Q(user=user)
    return (
        Membership.objects.filter(visible, role=Role.STAFF, is_active=True, project__isnull=False)
        .select_related("user", "project", "department")
        .order_by("project__name", "department__name", "user__name", "id")
    )


@staff_required()
def duty_list(request):
    if not can_see_duty(request.user):
        raise PermissionDenied
    return list_page(
        request,
        queryset=_duty_memberships(request),
        filterset_class=DutyFilterSet,
        table_class=DutyTable,
        title=_("On duty"),
        export_name="on-duty",
        extra={"row_template": "workorder_config/duty_row.html"},
    )


@require_POST
@staff_required()
def membership_duty(request, pk):
    if not can_see_duty(request.user):
        raise PermissionDenied
    membership = _duty_memberships(request).filter(pk=pk).first()
    if membership is None:
        raise Http404
    on_duty = request.POST.get("on_duty") in ("1", "true", "on")
    try:
        services.membership_duty_set(membership=membership, on_duty=on_duty, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("{name} is on duty.") if on_duty else _("{name} is off duty.")
        messages.success(request, text.format(name=membership.user.get_full_name()))
    return redirect("workorder_config:duty_list")
