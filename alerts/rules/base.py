"""What every rule over changes shares: the active rules of a pass, the alerts a rule wants raised
(candidates) and raising them in one batch, and the small formatting helpers of summaries."""

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert, AlertRule
from alerts.rules.params import validate_params
from alerts.services import alert_raise

log = logging.getLogger("alerts.engine")

Ref = tuple[str, int]


class RuleBook:
    """The active rules of active companies, loaded once per pass (one query), by company and kind,
    with their parameters cleaned (defaults filled in). A rule whose stored parameters no longer
    validate is left out and logged, rather than stopping the pass."""

    def __init__(self, rules: Iterable[AlertRule]) -> None:
        self._rules: dict[tuple[int, str], list[AlertRule]] = defaultdict(list)
        self._params: dict[int, dict] = {}
        for rule in rules:
            try:
                self._params[rule.pk] = validate_params(rule.kind, rule.params)
            except ValidationError as e:
                log.warning("alert rule %s (%s) skipped: %s", rule.pk, rule.kind, e.messages)
                continue
            self._rules[(rule.company_id, rule.kind)].append(rule)

    @classmethod
    def load(cls, *, kinds: Iterable[str], company_id: int | None = None) -> "RuleBook":
        rules = AlertRule.objects.filter(kind__in=list(kinds), is_active=True, company__is_active=True)
        if company_id is not None:
            rules = rules.filter(company_id=company_id)
        return cls(rules.select_related("company").order_by("id"))

    def rules_for(self, company_id: int, kind: str, project_id: int | None) -> list[AlertRule]:
        """The company's active rules of ``kind`` that apply to ``project_id`` (company-wide or its own)."""
        return [r for r in self._rules.get((company_id, kind), ()) if r.project_id in (None, project_id)]

    def params(self, rule: AlertRule) -> dict:
        return self._params[rule.pk]

    def companies_with(self, kind: str) -> set[int]:
        return {company_id for company_id, k in self._rules if k == kind}


@dataclass
class Candidate:
    """An alert a rule wants raised (or added to): alert_raise's arguments, collected so that a pass
    raises only what is new."""

    rule: AlertRule
    key: str
    subject_type: str
    subject_id: int | None
    project_id: int | None
    refs: set[Ref]
    summary: tuple[str, dict[str, Any]]
    facts: dict[str, Any] = field(default_factory=dict)
    department_id: int | None = None


@dataclass
class Outcome:
    """What one source's rules found in a pass: alerts to raise and alerts to resolve (by reason)."""

    candidates: list[Candidate] = field(default_factory=list)
    resolve: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    errors: int = 0

    def guarded(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run one rule in a savepoint: a failing rule is logged and counted, and neither stops the
        other rules nor holds the cursor back (the change would fail again on every pass)."""
        try:
            with transaction.atomic():
                fn(*args, **kwargs)
        except Exception:
            log.exception("alert rule %s failed", name)
            self.errors += 1


def raise_all(candidates: list[Candidate], *, at: dt.datetime) -> Counter:
    """Raise the candidates that would change something; returns counts (raised, reopened, added).

    Candidates of one condition are merged first; then one query finds the alerts that already hold
    all of a candidate's evidence, which are skipped: re-reading changes (the cursor's window) then
    costs one query, not one alert_raise each.
    """
    merged = _merge(candidates)
    known = _known_refs(merged)
    counts: Counter = Counter()
    for (rule_id, key), c in merged.items():
        if (rule_id, key) in known and c.refs <= known[(rule_id, key)]:
            continue  # nothing new: alert_raise would change nothing
        try:
            raised = raise_candidate(c, at=at)
        except Exception:  # alert_raise runs in its own savepoint: the pass goes on
            log.exception("raising %s of rule %s failed", key, rule_id)
            counts["errors"] += 1
            continue
        counts["raised"] += raised.created
        counts["reopened"] += raised.reopened
        counts["added"] += raised.added if not raised.created else 0
    return counts


def raise_candidate(c: Candidate, *, at: dt.datetime | None):
    return alert_raise(
        rule=c.rule,
        dedup_key=c.key,
        subject_type=c.subject_type,
        subject_id=c.subject_id,
        project_id=c.project_id,
        refs=sorted(c.refs),
        facts=c.facts,
        summary=c.summary,
        department_id=c.department_id,
        at=at,
    )


def _merge(candidates: list[Candidate]) -> dict[tuple[int, str], Candidate]:
    merged: dict[tuple[int, str], Candidate] = {}
    for c in candidates:
        key = (c.rule.pk, c.key[:200])
        if key in merged:
            first = merged[key]
            first.refs |= c.refs
            first.facts = {**first.facts, **c.facts}
            first.summary = c.summary
        else:
            merged[key] = Candidate(**{**c.__dict__, "key": key[1], "refs": set(c.refs)})
    return merged


def _known_refs(merged: dict[tuple[int, str], Candidate]) -> dict[tuple[int, str], set[Ref]]:
    known: dict[tuple[int, str], set[Ref]] = {}
    items = list(merged.items())
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        rows = Alert.objects.filter(
            company_id__in={c.rule.company_id for _, c in chunk},
            rule_id__in={rule_id for (rule_id, _), _ in chunk},
            dedup_key__in={key for (_, key), _ in chunk},
        ).values_list("rule_id", "dedup_key", "evidence")
        for rule_id, key, evidence in rows:
            known[(rule_id, key)] = {(r["type"], int(r["id"])) for r in (evidence or {}).get("refs", [])}
    return known


#
# Formatting helpers for summaries (their params are shown as they are, in any language)
#
def order_code(order: dict) -> str:
    """WorkOrder.code from a values() row: date of report and id, e.g. 20261121-1234."""
    return f"{timezone.localtime(order['created']):%Y%m%d}-{order['id']}"


def local_time(value: dt.datetime | str | None, zone) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{timezone.localtime(value, zone):%Y-%m-%d %H:%M}"


def order_round(order: dict, at: dt.datetime) -> int:
    """The round of work (0 before the first reopen) an order was in at ``at``: its reopen count,
    less one if it was reopened since (a rule reads a change a moment after it happened; a
    follow-up saying "not solved" reopens the order in the same instant)."""
    reopened_at = order.get("reopened_at")
    late = reopened_at is not None and at is not None and reopened_at >= at and order["reopen_count"] > 0
    return order["reopen_count"] - int(late)
