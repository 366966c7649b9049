"""The alerts probe (run through bench.probes): one incremental evaluation pass of the rules engine
over the last minute's changes, in a company with 1,000,000 orders (at full scale).

1. A company with ``orders`` generated orders (gen_scale; reused on PostgreSQL while it has as
   many); the SLA sweep catches up on the generated backlog and every evaluation cursor is moved
   to the end, as if the engine had run all along.
2. The last minute's changes, through the real services: new orders (one in five with keywords of
   the §6.5 tiers, some the second of their unit and category within 30 days, one group of
   households in one building), staff notes on open orders, owners' ratings (a third ≤ 2 stars).
3. One ``alerts.engine.evaluate_changes`` pass, timed; then a second pass, which must raise
   nothing, and checks that the alerts the changes call for were raised.
"""

import datetime as dt
import random
import time
import uuid

from bench.probes import check, generate

KEYWORD_TEXTS = [
    "电梯困人，里面有老人和小孩，请马上处理！",
    "楼道里有烧焦味，好像是电表箱冒烟了，赶紧来人！",
    "厨房水管爆裂跑水严重，楼下也淹了。",
    "上周报修的门禁到现在还没修好，進不來出不去，太差了。",  # traditional characters
    "再不处理就打12345投诉，已经说了好几次。",
]
PLAIN_TEXTS = [
    "卫生间地漏返味，请安排师傅上门看看。",
    "客厅插座没电了，麻烦检查一下。",
    "阳台窗户关不严，下雨会渗水进来。",
    "楼道灯不亮，晚上出入不方便。",
]
NOTES = ["已联系业主，约明天上午上门。", "材料已申请，等待到货。", "业主不在家，改约时间。"]


def alert_eval(*, code: str, projects: int, units: int, orders: int, changes: int, reuse: bool) -> dict:
    from django.utils import timezone

    from workorders.models import WorkOrder

    existing = WorkOrder.objects.filter(company__code=code, source_key__isnull=True).count()
    gen = {"reused": True, "orders": existing}
    if not (reuse and existing == orders):
        gen = generate(code=code, projects=projects, units=units, orders=orders)
    company_orders = WorkOrder.objects.filter(company__code=code).count()
    now = timezone.now()
    caught_up = _catch_up(now)
    made = _changes(code=code, count=changes, rng=random.Random())  # other units each run
    from alerts.engine import evaluate_changes
    from alerts.models import Alert

    before = Alert.objects.count()
    started = time.perf_counter()
    totals = evaluate_changes(now=timezone.now())
    seconds = time.perf_counter() - started
    raised = Alert.objects.count() - before
    started = time.perf_counter()
    again = evaluate_changes(now=timezone.now())
    idle_seconds = time.perf_counter() - started
    check(Alert.objects.count() - before == raised, f"a second pass raised more alerts: {again}")
    _check_raised(made, before_count=before)
    return {
        "seconds": seconds,
        "idle_seconds": idle_seconds,
        "orders": company_orders,
        "changes": made["events"],
        "made": {k: v for k, v in made.items() if not k.startswith("_")},
        "raised": raised,
        "totals": totals,
        "caught_up": caught_up,
        "gen": gen,
    }


def _catch_up(now: dt.datetime) -> dict:
    """The SLA sweep over the generated backlog, then every cursor at the end of its source."""
    from alerts.models import Alert, EvaluationCursor
    from inspections.models import FindingEvent
    from plans.models import TaskEvent
    from workorders.models import WorkOrderEvent
    from workorders.services import sla_sweep

    swept = {"warnings": 0, "breaches": 0}
    while True:
        totals = sla_sweep(now=now, batch=5000)
        if not any(totals.get(k) for k in ("warnings", "breaches")):
            break
        for k in swept:
            swept[k] += totals.get(k, 0)
    for model in (WorkOrderEvent, TaskEvent, FindingEvent):
        last = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        EvaluationCursor.objects.update_or_create(
            source=f"{model._meta.app_label}.{model.__name__}", defaults={"last_id": last, "recent_ids": [last]}
        )
    return {**swept, "cursors": EvaluationCursor.objects.count(), "alerts_before": Alert.objects.count()}


def _changes(*, code: str, count: int, rng: random.Random) -> dict:
    """``count`` changes through the services: orders, notes and ratings, in the proportions 5:3:2."""
    from accounts.models import User
    from core.models import Building, Unit
    from workorders.choices import DONE_STATUSES, OPEN_STATUSES, Kind
    from workorders.models import Category, Rating, WorkOrder
    from workorders.services import workorder_comment, workorder_create_system, workorder_rate

    admin = User.objects.get(username=f"gen-{code}-admin")
    company_id = Unit.objects.filter(company__code=code).values_list("company_id", flat=True).first()
    by_id = {c.pk: c for c in Category.objects.filter(company_id=company_id, kind=Kind.REPAIR)}
    categories = [c for c in by_id.values() if c.parent_id is not None]
    made = {"orders": 0, "keyword_orders": 0, "repeats": 0, "group": 0, "notes": 0, "ratings": 0, "low_ratings": 0}
    n_orders, n_notes = count * 5 // 10, count * 3 // 10
    n_ratings = count - n_orders - n_notes
    # Repeats: units whose last order (same category, within 30 days) is known.
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=25)
    recent = list(
        WorkOrder.objects.filter(company_id=company_id, created__gte=since, unit__isnull=False, kind=Kind.REPAIR)
        .exclude(category__isnull=True)
        .values_list("project_id", "unit_id", "category_id")[: max(1, n_orders // 10)]
    )
    building = Building.objects.filter(company_id=company_id).order_by("?").first()
    group_units = list(Unit.objects.filter(building=building).values_list("id", flat=True)[:5])
    group_category = rng.choice(categories)
    all_units = list(Unit.objects.filter(company_id=company_id).values_list("id", "project_id"))
    picks = []
    for i in range(n_orders):
        if i < len(recent):
            project_id, unit_id, category_id = recent[i]
            made["repeats"] += 1
        elif i < len(recent) + len(group_units):
            unit_id, category_id = group_units[i - len(recent)], group_category.pk
            project_id = building.project_id
            made["group"] += 1
        else:
            unit_id, project_id = rng.choice(all_units)
            category_id = rng.choice(categories).pk
        picks.append((project_id, unit_id, category_id))
    units = Unit.objects.in_bulk([unit_id for _, unit_id, _ in picks])
    keyword_ids, run = [], uuid.uuid4().hex[:8]
    for i, (project_id, unit_id, category_id) in enumerate(picks):
        keyword = i % 5 == 0
        text = rng.choice(KEYWORD_TEXTS if keyword else PLAIN_TEXTS)
        order = workorder_create_system(
            project_id=project_id,
            data={
                "kind": Kind.REPAIR,
                "title": text[:20],
                "description": text,
                "unit": units[unit_id],
                "category": by_id[category_id],
            },
            # a source key keeps these out of the generated orders counted for reuse
            source_key=f"bench-alerts:{run}:{i}",
        )
        made["orders"] += 1
        if keyword:
            made["keyword_orders"] += 1
            keyword_ids.append(order.pk)
    open_orders = list(
        WorkOrder.objects.filter(company_id=company_id, status__in=sorted(OPEN_STATUSES)).order_by("-id")[:n_notes]
    )
    for order in open_orders:
        workorder_comment(order=order, text=rng.choice(NOTES), actor=admin)
        made["notes"] += 1
    rated = Rating.objects.filter(company_id=company_id).values_list("order_id", flat=True)
    done = list(
        WorkOrder.objects.filter(company_id=company_id, status__in=sorted(DONE_STATUSES), resident__isnull=False)
        .exclude(pk__in=rated)
        .select_related("resident")
        .order_by("-id")[:n_ratings]
    )
    owners = _owner_accounts([order.resident for order in done])
    for order in done:
        stars = 2 if made["ratings"] % 3 == 0 else 5
        comment = "" if stars > 2 else "师傅态度差，一直没修好"
        workorder_rate(order=order, stars=stars, comment=comment, actor=owners[order.resident_id])
        made["ratings"] += 1
        made["low_ratings"] += int(stars <= 2)
    made["events"] = made["orders"] + made["notes"] + made["ratings"]
    made["_keyword_ids"] = keyword_ids
    return made


def _owner_accounts(residents: list) -> dict:
    """Log-ins for the owners who rate (generated residents have none): set-up, not a change measured."""
    from accounts.models import User
    from accounts.services import user_create
    from core.models import Resident

    accounts = {}
    for resident in residents:
        if resident.pk in accounts:
            continue
        if resident.user_id is None:
            user = user_create(username=f"bench-owner-{resident.pk}", name=resident.name, phone=None, password=None)
            Resident.objects.filter(pk=resident.pk).update(user=user)
            resident.user_id = user.pk
        else:
            user = User.objects.get(pk=resident.user_id)
        accounts[resident.pk] = user
    return accounts


def _check_raised(made: dict, *, before_count: int) -> None:
    """The pass found what the changes call for: every keyword order, the low ratings, the group."""
    from alerts.choices import RuleKind
    from alerts.models import Alert

    keyword = set(
        Alert.objects.filter(kind=RuleKind.KEYWORD, subject_id__in=made["_keyword_ids"]).values_list(
            "subject_id", flat=True
        )
    )
    check(len(keyword) == len(made["_keyword_ids"]), f"keyword alerts for {len(keyword)} of {made['keyword_orders']}")
    low = Alert.objects.filter(kind=RuleKind.LOW_RATING).count()
    check(low >= made["low_ratings"], f"{low} rating alerts for {made['low_ratings']} low ratings")
    if made["group"] >= 3:
        check(Alert.objects.filter(kind=RuleKind.GROUP_COMPLAINT).exists(), "the group of households raised nothing")
