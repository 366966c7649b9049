"""Learning from complaints (将业主的历史诉求转化为品质检查清单): propose checklist items from the
last months of complaint work orders, ranked by frequency × severity; the quality manager
accepts some into a template as its next version.

How a proposal is made:
- complaints are work orders of kind complaint created in the last ``months`` months (rejected
  and cancelled ones, outside the company's responsibility or withdrawn, do not count);
- they are grouped by category; complaints without a category by their most severe keyword
  hit (DOMAIN.md §6.5, stored on ``WorkOrder.keyword_hits``); a group needs ``MIN_COMPLAINTS``;
- severity: the worst keyword tier found in at least two of the group's complaints (or in its
  only one): L0 → critical, L1 → severe, L2 → major, else minor;
- score = complaints × severity weight (1, 2, 3, 4); ties by complaints, then by name;
- the responsible department: the category's (or its parent's) department type; sub-categories
  without one by what their code names (cleaning, greening, security, repair); keyword groups
  L0/L1 → engineering, else customer service.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.choices import DepartmentKind
from core.models import Company, Project
from inspections.choices import Severity
from inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from inspections.services.templates import checklist_version_create, version_items_as_rows
from lib.keywords import L0, L1, L2, L3, TIERS

MIN_COMPLAINTS = 2
SEVERITY_OF_TIER = {L0: Severity.CRITICAL, L1: Severity.SEVERE, L2: Severity.MAJOR, L3: Severity.MINOR}
SEVERITY_WEIGHT = {Severity.MINOR: 1, Severity.MAJOR: 2, Severity.SEVERE: 3, Severity.CRITICAL: 4}
# What a sub-category's code says about who fixes it, when it names no department itself.
CODE_DEPARTMENTS = (
    ("cleaning", DepartmentKind.CLEANING),
    ("greening", DepartmentKind.GREENING),
    ("security", DepartmentKind.SECURITY),
    ("parking", DepartmentKind.SECURITY),
    ("repair", DepartmentKind.ENGINEERING),
    ("facility", DepartmentKind.ENGINEERING),
)
PROPOSALS_NONE_CHOSEN = _("Choose at least one proposal.")
PROPOSALS_NOTHING_NEW = _("The checklist already has every chosen item.")
PROPOSALS_OTHER_COMPANY = _("These proposals are for another company.")
PROPOSAL_TITLE = _("{name}: no cause for complaints")
PROPOSAL_REQUIREMENT = _(
    "Check on site that what owners complained about is not found: {n} complaints about {name} in the "
    "last {months} months ({projects} projects). Frequent words: {words}."
)
PROPOSAL_NOTE = _("Items learnt from complaints: {titles}")


@dataclass
class Proposal:
    """A checklist item proposed from complaints, with the evidence behind it."""

    company_id: int
    key: str  # stable: "category:<id>" or "keyword:<word>"
    section: str
    title: str
    requirement: str
    severity: str
    department_kind: str
    complaints: int
    projects: int
    score: int
    tiers: dict[str, int] = field(default_factory=dict)  # complaints with a hit of each tier
    keywords: list[tuple[str, int]] = field(default_factory=list)  # most frequent words first
    order_ids: list[int] = field(default_factory=list)  # a few of the complaints, newest first
    covered_by: list[str] = field(default_factory=list)  # codes of templates with this item already

    @property
    def item_key(self) -> str:
        """The checklist item key: the same proposal accepted twice is the same item (repeats)."""
        return "cpl-" + hashlib.sha1(self.key.encode()).hexdigest()[:16]

    def as_item(self) -> dict[str, Any]:
        return {
            "key": self.item_key,
            "section": self.section,
            "title": self.title,
            "requirement": self.requirement,
            "severity_if_failed": self.severity,
            "department_kind": self.department_kind,
        }


@dataclass
class _Group:
    name: str
    department_kind: str
    orders: list[tuple[int, int, list[dict]]] = field(default_factory=list)  # (id, project, hits)


def checklist_proposals(*, company: Company, months: int = 6, project: Project | None = None) -> list[Proposal]:
    """Checklist items proposed from the last ``months`` months of complaints of ``company`` (or
    one ``project``), best first; proposals a template already holds come last (``covered_by``).
    The caller checks who may see them (``inspections.manage``)."""
    from workorders.choices import Kind, Status
    from workorders.models import Category, WorkOrder

    since = timezone.now() - relativedelta(months=months)
    orders = WorkOrder.objects.filter(company=company, kind=Kind.COMPLAINT, created__gte=since).exclude(
        status__in=[Status.REJECTED, Status.CANCELLED]
    )
    if project is not None:
        orders = orders.filter(project=project)
    categories = {c.pk: c for c in Category.objects.filter(company=company).select_related("parent")}
    groups: dict[str, _Group] = {}
    rows = orders.order_by("-created", "-id").values_list("id", "project_id", "category_id", "keyword_hits")
    for order_id, project_id, category_id, hits in rows.iterator():
        hits = [h for h in (hits or []) if isinstance(h, dict) and h.get("tier") in TIERS]
        key, name, kind = _group_of(categories.get(category_id), hits)
        if key is None:
            continue
        groups.setdefault(key, _Group(name=name, department_kind=kind)).orders.append((order_id, project_id, hits))
    proposals = [
        _proposal(company.pk, key, group, months)
        for key, group in groups.items()
        if len(group.orders) >= MIN_COMPLAINTS
    ]
    _mark_covered(company, proposals)
    return sorted(proposals, key=lambda p: (bool(p.covered_by), -p.score, -p.complaints, p.title))


def _group_of(category, hits: list[dict]) -> tuple[str | None, str, str]:
    if category is not None:
        return f"category:{category.pk}", str(category), _department_of(category)
    if not hits:
        return None, "", ""
    worst = min(hits, key=lambda h: TIERS.index(h["tier"]))
    kind = DepartmentKind.ENGINEERING if worst["tier"] in (L0, L1) else DepartmentKind.CUSTOMER_SERVICE
    return f"keyword:{worst['word']}", f"“{worst['word']}”", kind


def _department_of(category) -> str:
    if category.department_kind:
        return category.department_kind
    for fragment, kind in CODE_DEPARTMENTS:
        if fragment in category.code:
            return kind
    if category.parent_id and category.parent.department_kind:
        return category.parent.department_kind
    return DepartmentKind.CUSTOMER_SERVICE


def _proposal(company_id: int, key: str, group: _Group, months: int) -> Proposal:
    n = len(group.orders)
    tiers = Counter(tier for _id, _p, hits in group.orders for tier in {h["tier"] for h in hits})
    words = Counter(h["word"] for _id, _p, hits in group.orders for h in {(x["word"], 0): x for x in hits}.values())
    needed = min(2, n)
    worst = next((t for t in TIERS if tiers.get(t, 0) >= needed), None)
    severity = SEVERITY_OF_TIER.get(worst, Severity.MINOR)
    projects = len({p for _id, p, _hits in group.orders})
    top = words.most_common(5)
    requirement = str(PROPOSAL_REQUIREMENT).format(
        n=n, name=group.name, months=months, projects=projects, words="、".join(w for w, _c in top) or "-"
    )
    return Proposal(
        company_id=company_id,
        key=key,
        section=str(DepartmentKind(group.department_kind).label),
        title=str(PROPOSAL_TITLE).format(name=group.name)[:200],
        requirement=requirement,
        severity=severity,
        department_kind=group.department_kind,
        complaints=n,
        projects=projects,
        score=n * SEVERITY_WEIGHT[severity],
        tiers={t: tiers[t] for t in TIERS if tiers.get(t)},
        keywords=top,
        order_ids=[order_id for order_id, _p, _hits in group.orders[:10]],
    )


def _mark_covered(company: Company, proposals: list[Proposal]) -> None:
    """Templates whose current version already holds a proposal's item (by key or by title)."""
    if not proposals:
        return
    items = ChecklistItem.objects.filter(
        Q(key__in=[p.item_key for p in proposals]) | Q(title__in=[p.title for p in proposals]),
        company=company,
        version__template__is_active=True,
        version__template__current_version=F("version"),
    )
    covered: dict[str, set[str]] = defaultdict(set)
    for key, title, code in items.values_list("key", "title", "version__template__code"):
        covered[key].add(code)
        covered[title].add(code)
    for p in proposals:
        p.covered_by = sorted(covered.get(p.item_key, set()) | covered.get(p.title, set()))


@transaction.atomic
def checklist_proposals_accept(
    *, template: ChecklistTemplate, proposals: Sequence[Proposal], actor: User | None
) -> ChecklistVersion:
    """The next version of ``template``: its current items and the chosen proposals appended
    (those it already holds, by key or title, are skipped). ``checklist_version_create`` checks
    that ``actor`` may manage the company's checklists."""
    if not proposals:
        raise ValidationError({"proposals": PROPOSALS_NONE_CHOSEN})
    if any(p.company_id != template.company_id for p in proposals):
        raise ValidationError({"proposals": PROPOSALS_OTHER_COMPANY})
    rows = version_items_as_rows(template.current_version) if template.current_version_id else []
    keys, titles = {r["key"] for r in rows}, {r["title"] for r in rows}
    added = []
    for p in proposals:
        if p.item_key in keys or p.title in titles:
            continue
        keys.add(p.item_key)
        titles.add(p.title)
        added.append(p.as_item())
    if not added:
        raise ValidationError({"proposals": PROPOSALS_NOTHING_NEW})
    note = str(PROPOSAL_NOTE).format(titles="、".join(r["title"] for r in added))[:200]
    return checklist_version_create(template=template, items=[*rows, *added], note=note, actor=actor)
