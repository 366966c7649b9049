"""The rules over changes: what each source's new events (read by alerts.engine) make the rules
raise or resolve. One function per source takes the events of a pass as values() rows, loads the
records behind them in one query, and runs each rule family over the whole batch.

Dedup keys (one alert per condition and window):

- keyword           kw:<tier>:workorder:<order>
- low_rating        low_rating:workorder:<order>:r<round of work>
- sla_warning/breach sla:workorder:<order>:<target>:r<round of work>
- repeat_complaint  repeat:unit:<unit>:cat:<category>:<earliest order of the window>
- group_complaint   group:<building|area>:<id>:cat:<category>:<earliest order of the window>
- missed_patrol     missed:plan:<plan>:<date of the tasks>
- overdue_rectification overdue:finding:<finding>:<deadline, UTC>
"""

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext_noop

from alerts.choices import OPEN_ALERT_STATUSES, RuleKind, SubjectType
from alerts.models import Alert
from alerts.rules import resolve
from alerts.rules.base import Candidate, Outcome, RuleBook, local_time, order_code, order_round
from alerts.rules.complaints import group_candidates, repeat_candidates
from alerts.rules.keywords import ORDER_SUMMARY, Text, keyword_candidates

#
# Work-order events
#
WORKORDER_EVENT_KINDS = ("created", "comment", "rated", "follow_up", "sla_warning", "sla_breach")
ORDER_FIELDS = (
    "id",
    "company_id",
    "project_id",
    "kind",
    "category_id",
    "unit_id",
    "building_id",
    "area_id",
    "department_id",
    "reporter_id",
    "resident_id",
    "contact_phone",
    "status",
    "title",
    "description",
    "location",
    "keyword_hits",
    "source",
    "created",
    "reopen_count",
    "reopened_at",
    *resolve.ORDER_MILESTONES,
    "ack_due_at",
    "dispatch_due_at",
    "arrive_due_at",
    "resolve_due_at",
)
TEXT_SOURCES = {"comment": "comment", "rated": "rating", "follow_up": "follow_up"}

RATED_SUMMARY = gettext_noop("Order {code}: rated {stars} of 5 stars")
FOLLOW_UP_SUMMARY = gettext_noop("Order {code}: follow-up satisfaction {satisfaction} of 5")
UNSOLVED_SUMMARY = gettext_noop("Order {code}: the follow-up says the problem is not solved")
LOW_RATING_CLEARED = gettext_noop("A later rating or follow-up is above the line.")
# One message per limit, so that each reads naturally once translated.
SLA_WARNING_SUMMARY = {
    # xgettext:no-python-format
    "ack": gettext_noop("Order {code}: {level} % of the time to acknowledge used (due {due})"),
    # xgettext:no-python-format
    "dispatch": gettext_noop("Order {code}: {level} % of the time to dispatch used (due {due})"),
    # xgettext:no-python-format
    "arrive": gettext_noop("Order {code}: {level} % of the time to be on site used (due {due})"),
    # xgettext:no-python-format
    "resolve": gettext_noop("Order {code}: {level} % of the time to resolve used (due {due})"),
}
SLA_BREACH_SUMMARY = {
    "ack": gettext_noop("Order {code}: not acknowledged in time (due {due})"),
    "dispatch": gettext_noop("Order {code}: not dispatched in time (due {due})"),
    "arrive": gettext_noop("Order {code}: nobody on site in time (due {due})"),
    "resolve": gettext_noop("Order {code}: not resolved in time (due {due})"),
}


def evaluate_workorder_events(events: list[dict], book: RuleBook, now: dt.datetime) -> Outcome:
    from workorders.models import WorkOrder

    out = Outcome()
    order_ids = {e["order_id"] for e in events}
    orders = {o["id"]: o for o in WorkOrder.objects.filter(pk__in=order_ids).values(*ORDER_FIELDS).order_by()}
    events = [e for e in events if e["order_id"] in orders]
    new = [orders[e["order_id"]] for e in events if e["kind"] == "created"]
    new = [o for o in new if not resolve.order_final(o)]
    out.guarded("keyword", _keywords, out, events, orders, book)
    out.guarded("low_rating", _low_ratings, out, events, orders, book)
    out.guarded("sla", _sla, out, events, orders, book)
    out.guarded("repeat_complaint", lambda: out.candidates.extend(repeat_candidates(new, book)))
    out.guarded("group_complaint", lambda: out.candidates.extend(group_candidates(new, book)))
    return out


def _keywords(out: Outcome, events: list[dict], orders: dict[int, dict], book: RuleBook) -> None:
    from workorders.choices import Source

    if not book.companies_with(RuleKind.KEYWORD):
        return
    texts = []
    for event in events:
        order = orders[event["order_id"]]
        if resolve.order_final(order):
            continue
        if event["kind"] == "created":
            text = f"{order['title']} {order['description']} {order['location']}"
            hits = list(order["keyword_hits"] or [])
            if order["source"] == Source.HOTLINE_12345:  # DOMAIN §6.5: a 12345 referral escalates, words or not
                text = f"12345 {text}"
                hits.append({"word": "12345", "tier": "L2"})
            texts.append(_order_text(order, text, "order", stored_hits=hits))
        elif event["kind"] in TEXT_SOURCES and event["reason"]:
            texts.append(_order_text(order, event["reason"], TEXT_SOURCES[event["kind"]], event_id=event["id"]))
    out.candidates.extend(keyword_candidates(texts, book))


def _order_text(order: dict, text: str, source: str, stored_hits=None, event_id=None) -> Text:
    return Text(
        company_id=order["company_id"],
        project_id=order["project_id"],
        subject_type=SubjectType.WORKORDER,
        subject_id=order["id"],
        text=text,
        refs={(SubjectType.WORKORDER, order["id"])},
        department_id=order["department_id"],
        source=source,
        label=order_code(order),
        message=ORDER_SUMMARY,
        stored_hits=stored_hits,
        facts={"event_id": event_id} if event_id else {},
    )


def _low_ratings(out: Outcome, events: list[dict], orders: dict[int, dict], book: RuleBook) -> None:
    """The last rating or follow-up of an order in the batch decides: below the line raises (one
    alert per order and round of work), above it resolves the order's earlier low-rating alerts."""
    last: dict[tuple[int, int], tuple[dict, bool, str, dict]] = {}
    for event in events:
        if event["kind"] not in ("rated", "follow_up"):
            continue
        order = orders[event["order_id"]]
        for rule in book.rules_for(order["company_id"], RuleKind.LOW_RATING, order["project_id"]):
            verdict = _feedback(event, book.params(rule))
            if verdict is not None:
                last[(rule.pk, order["id"])] = (event, *verdict, rule)
    good: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (rule_id, order_id), (event, low, message, params, rule) in last.items():
        order = orders[order_id]
        if not low:
            good[rule_id].append((order_id, event["id"]))
            continue
        round_ = order_round(order, event["created"])
        out.candidates.append(
            Candidate(
                rule=rule,
                key=f"low_rating:workorder:{order_id}:r{round_}",
                subject_type=SubjectType.WORKORDER,
                subject_id=order_id,
                project_id=order["project_id"],
                department_id=order["department_id"],
                refs={(SubjectType.WORKORDER, order_id)},
                facts={"event_id": event["id"], "round": round_, **params},
                summary=(message, {"code": order_code(order), **params}),
            )
        )
    _resolve_low_ratings(out, good)


def _feedback(event: dict, params: dict) -> tuple[bool, str, dict] | None:
    """(below the line?, summary, facts) of a rating or follow-up; None if it says nothing."""
    data = event["data"] or {}
    if event["kind"] == "rated":
        stars = data.get("stars")
        if stars is None:
            return None
        return stars <= params["max_stars"], RATED_SUMMARY, {"stars": stars}
    if data.get("status") != "done":
        return None  # the owner could not be reached: no verdict
    satisfaction, resolved = data.get("satisfaction"), data.get("resolved")
    if params["unresolved_follow_up"] and resolved == "no":
        return True, UNSOLVED_SUMMARY, {"satisfaction": satisfaction, "resolved": resolved}
    if satisfaction is None:
        return None
    low = satisfaction <= params["max_follow_up_satisfaction"]
    return low, FOLLOW_UP_SUMMARY, {"satisfaction": satisfaction, "resolved": resolved}


def _resolve_low_ratings(out: Outcome, good: dict[int, list[tuple[int, int]]]) -> None:
    if not good:
        return
    later_than = {(rule_id, order_id): event_id for rule_id, pairs in good.items() for order_id, event_id in pairs}
    rows = Alert.objects.filter(
        subject_type=SubjectType.WORKORDER,
        subject_id__in={order_id for _, order_id in later_than},
        status__in=OPEN_ALERT_STATUSES,
        rule_id__in=set(good),
    ).values_list("pk", "rule_id", "subject_id", "evidence")
    for pk, rule_id, order_id, evidence in rows:
        event_id = later_than.get((rule_id, order_id))
        if event_id is not None and (evidence.get("facts") or {}).get("event_id", 0) < event_id:
            out.resolve[LOW_RATING_CLEARED].add(pk)


def _sla(out: Outcome, events: list[dict], orders: dict[int, dict], book: RuleBook) -> None:
    for event in events:
        if event["kind"] not in ("sla_warning", "sla_breach"):
            continue
        data, order = event["data"] or {}, orders[event["order_id"]]
        target, level = data.get("target"), data.get("level")
        if target not in SLA_BREACH_SUMMARY or not isinstance(level, int):
            continue
        round_ = order_round(order, event["created"])
        if resolve.sla_met(order, target, round_):
            continue  # met (or the order finished) before the rule read the warning
        for rule in _sla_rules(book, order, target, level):
            out.candidates.append(_sla_candidate(rule, order, target, level, round_, _deadline(order, target, data)))


def _sla_rules(book: RuleBook, order: dict, target: str, level: int) -> list:
    if level >= 100:
        rules = book.rules_for(order["company_id"], RuleKind.SLA_BREACH, order["project_id"])
        return [r for r in rules if not book.params(r)["targets"] or target in book.params(r)["targets"]]
    rules = book.rules_for(order["company_id"], RuleKind.SLA_WARNING, order["project_id"])
    return [r for r in rules if level >= book.params(r)["level"]]


def _deadline(order: dict, target: str, data: dict) -> str | None:
    """The limit's deadline: a breach carries it; a warning carries its own moment (50 or 80 %),
    so the order's current deadline is read."""
    if data.get("level") == 100 or order.get(f"{target}_due_at") is None:
        return data.get("due")
    return order[f"{target}_due_at"].isoformat()


def _sla_candidate(rule, order: dict, target: str, level: int, round_: int, due: str | None) -> Candidate:
    messages = SLA_BREACH_SUMMARY if level >= 100 else SLA_WARNING_SUMMARY
    return Candidate(
        rule=rule,
        key=f"sla:workorder:{order['id']}:{target}:r{round_}",
        subject_type=SubjectType.WORKORDER,
        subject_id=order["id"],
        project_id=order["project_id"],
        department_id=order["department_id"],
        refs={(SubjectType.WORKORDER, order["id"])},
        facts={"target": target, "level": level, "round": round_, "due": due},
        summary=(
            messages[target],
            {"code": order_code(order), "level": level, "due": local_time(due, rule.company.zone)},
        ),
    )


#
# Task events: missed patrols
#
MISSED_SUMMARY = gettext_noop("{plan}: {count} missed on {date}")


def evaluate_task_events(events: list[dict], book: RuleBook, now: dt.datetime) -> Outcome:
    out = Outcome()
    out.guarded("missed_patrol", _missed, out, events, book)
    return out


def _missed(out: Outcome, events: list[dict], book: RuleBook) -> None:
    """One alert per plan and day once ``min_missed`` of the day's tasks are missed; the day is the
    task's date, the company-local date its window starts on (a night round missed at 06:00
    belongs to the evening before)."""
    from plans.choices import TaskStatus
    from plans.models import Task

    companies = book.companies_with(RuleKind.MISSED_PATROL)
    task_ids = {e["task_id"] for e in events if e["company_id"] in companies}
    if not task_ids:
        return
    days = set(Task.objects.filter(pk__in=task_ids).values_list("plan_id", "date").order_by().distinct())
    if not days:
        return
    tasks = defaultdict(list)
    rows = (
        Task.objects.filter(plan_id__in={p for p, _ in days}, date__in={d for _, d in days}, status=TaskStatus.MISSED)
        .values("id", "company_id", "project_id", "plan_id", "plan__name", "department_id", "kind", "date")
        .order_by("id")
    )
    for row in rows:
        if (row["plan_id"], row["date"]) in days:
            tasks[(row["plan_id"], row["date"])].append(row)
    for (plan_id, day), missed in tasks.items():
        first = missed[0]
        for rule in book.rules_for(first["company_id"], RuleKind.MISSED_PATROL, first["project_id"]):
            params = book.params(rule)
            if first["kind"] in params["kinds"] and len(missed) >= params["min_missed"]:
                out.candidates.append(_missed_candidate(rule, plan_id, day, missed))


def _missed_candidate(rule, plan_id: int, day: dt.date, missed: list[dict]) -> Candidate:
    first = missed[0]
    return Candidate(
        rule=rule,
        key=f"missed:plan:{plan_id}:{day.isoformat()}",
        subject_type=SubjectType.PLAN,
        subject_id=plan_id,
        project_id=first["project_id"],
        department_id=first["department_id"],
        refs={(SubjectType.PLAN, plan_id), *((SubjectType.TASK, t["id"]) for t in missed)},
        facts={"date": day.isoformat(), "missed": len(missed)},
        summary=(MISSED_SUMMARY, {"plan": first["plan__name"], "count": len(missed), "date": day.isoformat()}),
    )


#
# Finding events: overdue rectifications
#
OVERDUE_SUMMARY = gettext_noop("Finding “{title}”: rectification overdue since {due}")
FINDING_FIELDS = ("id", "company_id", "project_id", "department_id", "title", "status", "due_at")


def evaluate_finding_events(events: list[dict], book: RuleBook, now: dt.datetime) -> Outcome:
    out = Outcome()
    out.guarded("overdue_rectification", _overdue, out, events, book, now)
    return out


def _overdue(out: Outcome, events: list[dict], book: RuleBook, now: dt.datetime) -> None:
    """One alert per finding and deadline (the sweep escalates each deadline once), unless the
    finding was closed or given a later deadline before the rule read the escalation."""
    from inspections.models import Finding

    companies = book.companies_with(RuleKind.OVERDUE_RECTIFICATION)
    events = [e for e in events if e["company_id"] in companies and (e["data"] or {}).get("due_at")]
    if not events:
        return
    findings = {
        f["id"]: f
        for f in Finding.objects.filter(pk__in={e["finding_id"] for e in events}).values(*FINDING_FIELDS).order_by()
    }
    for event in events:
        finding = findings.get(event["finding_id"])
        if finding is None:
            continue
        due = dt.datetime.fromisoformat(event["data"]["due_at"])
        if resolve.finding_cleared(finding, due, now):
            continue
        for rule in book.rules_for(finding["company_id"], RuleKind.OVERDUE_RECTIFICATION, finding["project_id"]):
            out.candidates.append(_overdue_candidate(rule, finding, due))


def _overdue_candidate(rule, finding: dict, due: dt.datetime) -> Candidate:
    return Candidate(
        rule=rule,
        key=f"overdue:finding:{finding['id']}:{due.astimezone(dt.UTC):%Y%m%dT%H%M}",
        subject_type=SubjectType.FINDING,
        subject_id=finding["id"],
        project_id=finding["project_id"],
        department_id=finding["department_id"],
        refs={(SubjectType.FINDING, finding["id"])},
        facts={"due_at": due.isoformat()},
        summary=(OVERDUE_SUMMARY, {"title": finding["title"], "due": local_time(due, rule.company.zone)}),
    )
