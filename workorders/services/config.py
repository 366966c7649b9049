"""Company configuration of work orders: default categories and SLA policies, edits, rules, views."""

from typing import Any

from django.db import transaction

from accounts.models import User
from core.access import require_perm
from core.choices import Perm
from core.models import Company, Project
from workorders import defaults
from workorders.choices import Kind
from workorders.models import Category, DispatchRule, SavedView, SlaPolicy, WorkOrderSettings


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def workorder_defaults_seed(*, company: Company) -> None:
    """Give a company the default category tree, SLA matrix and settings; skips what exists."""
    WorkOrderSettings.objects.get_or_create(company=company)
    if not Category.objects.filter(company=company).exists():
        _seed_categories(company)
    if not SlaPolicy.objects.filter(company=company).exists():
        SlaPolicy.objects.bulk_create(
            SlaPolicy(
                company=company,
                kind=kind,
                priority=prio,
                service_level=level,
                clock=clock,
                acknowledge_minutes=ack,
                dispatch_minutes=disp,
                arrive_minutes=arrive,
                resolve_minutes=resolve,
            )
            for kind, prio, level, clock, ack, disp, arrive, resolve in defaults.SLA_MATRIX
        )


def _seed_categories(company: Company) -> None:
    order = 0
    for kind, tree in ((Kind.REPAIR, defaults.REPAIR_TREE), (Kind.COMPLAINT, defaults.COMPLAINT_TREE)):
        for code, name, prio, dept, children in tree:
            order += 10
            parent = Category.objects.create(
                company=company,
                kind=kind,
                code=code,
                name=name,
                priority_hint=prio,
                department_kind=dept,
                sort_order=order,
            )
            Category.objects.bulk_create(
                Category(
                    company=company,
                    kind=kind,
                    parent=parent,
                    code=c_code,
                    name=c_name,
                    priority_hint=c_prio,
                    department_kind="",
                    description=desc,
                    sort_order=i,
                )
                for i, (c_code, c_name, c_prio, desc) in enumerate(children)
            )
    for kind, code, name, prio, dept in defaults.OTHER_CATEGORIES:
        order += 10
        Category.objects.create(
            company=company,
            kind=kind,
            code=code,
            name=name,
            priority_hint=prio,
            department_kind=dept,
            sort_order=order,
        )


def _configure(actor: User, company_id: int) -> None:
    require_perm(actor, Perm.WO_CONFIGURE, company_id=company_id, project_id=None)


@transaction.atomic
def category_create(*, company: Company, data: dict[str, Any], actor: User) -> Category:
    _configure(actor, company.id)
    return _save(Category(company=company, **data))


@transaction.atomic
def category_update(*, category: Category, data: dict[str, Any], actor: User) -> Category:
    _configure(actor, category.company_id)
    for k, v in data.items():
        setattr(category, k, v)
    return _save(category)


@transaction.atomic
def sla_policy_save(
    *, company: Company, data: dict[str, Any], actor: User, policy: SlaPolicy | None = None
) -> SlaPolicy:
    """Create or edit a policy; it applies to orders reported or reprioritised from now on."""
    _configure(actor, company.id)
    policy = policy or SlaPolicy(company=company)
    for k, v in data.items():
        setattr(policy, k, v)
    return _save(policy)


@transaction.atomic
def workorder_settings_update(*, company: Company, data: dict[str, Any], actor: User) -> WorkOrderSettings:
    _configure(actor, company.id)
    settings, _created = WorkOrderSettings.objects.get_or_create(company=company)
    for k, v in data.items():
        setattr(settings, k, v)
    return _save(settings)


@transaction.atomic
def dispatch_rule_save(
    *, project: Project, data: dict[str, Any], actor: User, rule: DispatchRule | None = None
) -> DispatchRule:
    require_perm(actor, Perm.WO_MANAGE, company_id=project.company_id, project_id=project.id)
    rule = rule or DispatchRule(company_id=project.company_id, project=project)
    for k, v in data.items():
        setattr(rule, k, v)
    return _save(rule)


@transaction.atomic
def dispatch_rule_delete(*, rule: DispatchRule, actor: User) -> None:
    require_perm(actor, Perm.WO_MANAGE, company_id=rule.company_id, project_id=rule.project_id)
    rule.delete()


@transaction.atomic
def saved_view_save(*, company: Company, user: User, name: str, query: str) -> SavedView:
    """Save (or overwrite) the user's named list filters; the query string is the list page's own."""
    view = SavedView.objects.filter(company=company, user=user, name=name).first() or SavedView(
        company=company, user=user, name=name
    )
    view.query = query.lstrip("?")[:1000]
    return _save(view)


@transaction.atomic
def saved_view_delete(*, view: SavedView, user: User) -> None:
    if view.user_id == user.id:
        view.delete()
