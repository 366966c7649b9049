"""Repeat and group complaints over newly reported orders (DOMAIN §6.5, rule-based escalations).

- repeat_complaint: the same unit and category again within ``days``. One alert per chain, keyed
  on the unit, the category and the earliest order of the window, with every order of it as
  evidence; a later order inside the same window adds to it.
- group_complaint: the same category at the same place (a public area, else the building) from at
  least ``households`` households within ``hours``. One alert per place, category and window (keyed
  on the earliest order of the window), with the orders as evidence.

Each pass asks the database once per rule kind, for all new orders together.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext_noop

from alerts.choices import RuleKind, SubjectType
from alerts.rules.base import Candidate, RuleBook

REPEAT_SUMMARY = gettext_noop("Unit {unit}: {count} {category} orders within {days} days")
GROUP_SUMMARY = gettext_noop("{place}: {households} households reported {category} within {hours} hours")
# Kinds of order a group of households files about one fault (not praise, questions or suggestions).
GROUP_KINDS = ("repair", "complaint")


def _live(rows):
    from workorders.choices import FINAL_STATUSES

    return rows.exclude(status__in=sorted(FINAL_STATUSES))


#
# Repeat complaints
#
def repeat_candidates(orders: Iterable[dict], book: RuleBook) -> list[Candidate]:
    from workorders.models import WorkOrder

    wanted = []
    for order in orders:
        if not (order["unit_id"] and order["category_id"]):
            continue
        rules = [
            (rule, book.params(rule))
            for rule in book.rules_for(order["company_id"], RuleKind.REPEAT_COMPLAINT, order["project_id"])
        ]
        rules = [(rule, p) for rule, p in rules if not p["kinds"] or order["kind"] in p["kinds"]]
        if rules:
            wanted.append((order, rules))
    if not wanted:
        return []
    longest = max(p["days"] for _, rules in wanted for _, p in rules)
    rows = (
        _live(
            WorkOrder.objects.filter(
                unit_id__in={o["unit_id"] for o, _ in wanted},
                category_id__in={o["category_id"] for o, _ in wanted},
                created__gte=min(o["created"] for o, _ in wanted) - dt.timedelta(days=longest),
                created__lte=max(o["created"] for o, _ in wanted),
            )
        )
        .values("id", "unit_id", "category_id", "created")
        .order_by()
    )
    history = defaultdict(list)
    for row in rows:
        history[(row["unit_id"], row["category_id"])].append(row)
    fired = []
    for order, rules in wanted:
        for rule, params in rules:
            since = order["created"] - dt.timedelta(days=params["days"])
            chain = _window(history[(order["unit_id"], order["category_id"])], since, order)
            if len(chain) >= 2:
                fired.append((rule, params, order, chain))
    units = _names("core.Unit", {o["unit_id"] for _, _, o, _ in fired}, "code")
    categories = _names("workorders.Category", {o["category_id"] for _, _, o, _ in fired})
    return [
        _repeat(rule, params, order, chain, units.get(order["unit_id"], ""), categories.get(order["category_id"], ""))
        for rule, params, order, chain in fired
    ]


def _window(rows: list[dict], since: dt.datetime, order: dict) -> list[dict]:
    """The orders from ``since`` up to ``order`` (itself included even if a sibling query missed it)."""
    chain = {r["id"]: r for r in rows if since <= r["created"] <= order["created"]}
    chain.setdefault(order["id"], order)
    return sorted(chain.values(), key=lambda r: (r["created"], r["id"]))


def _repeat(rule, params, order, chain, unit: str, category: str) -> Candidate:
    first = chain[0]
    return Candidate(
        rule=rule,
        key=f"repeat:unit:{order['unit_id']}:cat:{order['category_id']}:{first['id']}",
        subject_type=SubjectType.UNIT,
        subject_id=order["unit_id"],
        project_id=order["project_id"],
        department_id=order["department_id"],
        refs={(SubjectType.WORKORDER, r["id"]) for r in chain},
        facts={"unit_id": order["unit_id"], "category_id": order["category_id"], "days": params["days"]},
        summary=(REPEAT_SUMMARY, {"unit": unit, "count": len(chain), "category": category, "days": params["days"]}),
    )


#
# Group complaints
#
def place_of(order: dict) -> tuple[str, int] | None:
    """Where a group of households sees one fault: the public area, else the building (a unit's
    building is on the order). The same convention as the hotspot rule."""
    if order["area_id"]:
        return SubjectType.AREA, order["area_id"]
    if order["building_id"]:
        return SubjectType.BUILDING, order["building_id"]
    return None


def household_of(order: dict) -> tuple[str, object]:
    """Who reported, as a household: the unit, else the owner on the roster, the phone number to
    call back, the account that filed it; an order with none of them counts on its own."""
    for name in ("unit_id", "resident_id", "contact_phone", "reporter_id"):
        if order.get(name):
            return name, order[name]
    return "order", order["id"]


def group_candidates(orders: Iterable[dict], book: RuleBook) -> list[Candidate]:
    from workorders.models import WorkOrder

    wanted = []
    for order in orders:
        if not order["category_id"] or order["kind"] not in GROUP_KINDS or place_of(order) is None:
            continue
        rules = book.rules_for(order["company_id"], RuleKind.GROUP_COMPLAINT, order["project_id"])
        if rules:
            wanted.append((order, [(rule, book.params(rule)) for rule in rules]))
    if not wanted:
        return []
    longest = max(p["hours"] for _, rules in wanted for _, p in rules)
    places = [place_of(o) for o, _ in wanted]
    near = Q(area_id__in={pid for kind, pid in places if kind == SubjectType.AREA}) | Q(
        building_id__in={pid for kind, pid in places if kind == SubjectType.BUILDING}, area_id__isnull=True
    )
    rows = (
        _live(
            WorkOrder.objects.filter(
                category_id__in={o["category_id"] for o, _ in wanted},
                created__gte=min(o["created"] for o, _ in wanted) - dt.timedelta(hours=longest),
                created__lte=max(o["created"] for o, _ in wanted),
                kind__in=GROUP_KINDS,
            )
        )
        .filter(near)
        .values(*GROUP_FIELDS)
        .order_by()
    )
    history = defaultdict(list)
    for row in rows:
        history[(place_of(row), row["category_id"])].append(row)
    fired = []
    for order, rules in wanted:
        for rule, params in rules:
            since = order["created"] - dt.timedelta(hours=params["hours"])
            window = _window(history[(place_of(order), order["category_id"])], since, order)
            households = {household_of(r) for r in window}
            if len(households) >= params["households"]:
                fired.append((rule, params, order, window, len(households)))
    return _group_named(fired)


GROUP_FIELDS = (
    "id",
    "unit_id",
    "resident_id",
    "contact_phone",
    "reporter_id",
    "building_id",
    "area_id",
    "category_id",
    "created",
)


def _group_named(fired: list) -> list[Candidate]:
    buildings = _names("core.Building", {place_of(o)[1] for *_, o, _, _ in fired if o["area_id"] is None})
    areas = _names("core.Area", {o["area_id"] for *_, o, _, _ in fired if o["area_id"]})
    categories = _names("workorders.Category", {o["category_id"] for *_, o, _, _ in fired})
    out = []
    for rule, params, order, window, households in fired:
        kind, place_id = place_of(order)
        name = (areas if kind == SubjectType.AREA else buildings).get(place_id, "")
        summary_params = {
            "place": name,
            "households": households,
            "category": categories.get(order["category_id"], ""),
            "hours": params["hours"],
        }
        out.append(
            Candidate(
                rule=rule,
                key=f"group:{kind}:{place_id}:cat:{order['category_id']}:{window[0]['id']}",
                subject_type=kind,
                subject_id=place_id,
                project_id=order["project_id"],
                department_id=order["department_id"],
                refs={(SubjectType.WORKORDER, r["id"]) for r in window},
                facts={"place": name, "category_id": order["category_id"], "households": households},
                summary=(GROUP_SUMMARY, summary_params),
            )
        )
    return out


def _names(model: str, ids: set[int], field: str = "name") -> dict[int, str]:
    from django.apps import apps

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(apps.get_model(model).objects.filter(pk__in=ids).values_list("pk", field))
