"""The parameters of each rule kind: names, defaults, allowed values.

``validate_params(kind, params)`` is the only way parameters get into an AlertRule (the rule
configuration services call it): it returns the cleaned parameters with every default filled in,
or raises ValidationError({"params": [messages]}) where each message names the rule kind and the
parameter (its label and its key) in the reader's language.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alerts.choices import Comparison, RuleKind
from lib.keywords import TIERS
from plans.choices import PlanKind
from workorders.choices import Kind, SlaTarget

# The KPIs a kpi rule may watch: the keys of alerts.rules.periodic.KPIS (kept here so that
# validating a rule does not import the figures).
KPI_NAMES = ("plan_completion", "rectification_on_time", "repair_arrive_on_time")
SLA_WARNING_LEVELS = (50, 80)
PRIORITIES = ("P0", "P1", "P2", "P3")
MAX_WORDS = 200
MAX_WORD_LENGTH = 30

UNKNOWN_KIND = _("Unknown rule kind: {kind}.")
NOT_AN_OBJECT = _("{rule}: the parameters must be a set of names and values.")
UNKNOWN_PARAM = _("{rule}: there is no parameter {name}.")
REQUIRED = _("{rule}: {param} is required.")
BETWEEN = _("{rule}: {param} must be a whole number between {low} and {high}.")
NUMBER_BETWEEN = _("{rule}: {param} must be a number between {low} and {high}.")
GREATER_THAN = _("{rule}: {param} must be a number greater than {low}.")
ONE_OF = _("{rule}: {param} must be one of {choices}.")
SOME_OF = _("{rule}: {param} may only hold {choices}.")
YES_OR_NO = _("{rule}: {param} must be true or false.")
WORDS = _("{rule}: {param} must be a list of words.")
TOO_MANY_WORDS = _("{rule}: {param} may hold at most {n} words.")
WORD_TOO_LONG = _("{rule}: {param}: “{word}” is longer than {n} characters.")
TEXT = _("{rule}: {param} must be a text of at most {n} characters.")
LONGER_THAN = _("{rule}: {param} must be longer than {other}.")

# Labels of the parameters, for forms and messages.
LABELS = {
    "tier": _("keyword tier"),
    "extra_words": _("extra words"),
    "ignore_words": _("words to ignore"),
    "max_stars": _("highest star rating that fires"),
    "max_follow_up_satisfaction": _("highest follow-up satisfaction that fires"),
    "unresolved_follow_up": _("fire when a follow-up says the problem is not solved"),
    # xgettext:no-python-format
    "level": _("warning level (% of the limit)"),
    "targets": _("limits"),
    "days": _("days"),
    "kinds": _("kinds"),
    "households": _("households"),
    "hours": _("hours"),
    "window_days": _("window (days)"),
    "baseline_days": _("baseline (days)"),
    "factor": _("factor"),
    "min_count": _("at least (orders)"),
    "kpi": _("KPI"),
    "target": _("target (0–1)"),
    "min_missed": _("at least (missed tasks)"),
    "metric": _("metric"),
    "op": _("comparison"),
    "value": _("threshold"),
    "device_kind": _("device kind"),
    "device_code": _("device code"),
    "open_work_order": _("open a work order"),
    "category_code": _("category code"),
    "priority": _("priority"),
}

_REQUIRED = object()


class _Invalid(Exception):
    def __init__(self, message, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Field:
    clean: Callable[[Any], Any]
    default: Any = _REQUIRED


#
# Field cleaners: each returns the clean value or raises _Invalid(message, **format params)
#
def _whole(low: int, high: int) -> Callable[[Any], int]:
    def clean(value: Any) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Invalid(BETWEEN, low=low, high=high)
        return value

    return clean


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _number_between(low: float, high: float) -> Callable[[Any], float]:
    def clean(value: Any) -> float:
        number = _number(value)
        if number is None or not low <= number <= high:
            raise _Invalid(NUMBER_BETWEEN, low=low, high=high)
        return number

    return clean


def _greater_than(low: float) -> Callable[[Any], float]:
    def clean(value: Any) -> float:
        number = _number(value)
        if number is None or number <= low:
            raise _Invalid(GREATER_THAN, low=low)
        return number

    return clean


def _any_number(value: Any) -> float:
    number = _number(value)
    if number is None:
        raise _Invalid(NUMBER_BETWEEN, low="-∞", high="∞")
    return number


def _one_of(choices: tuple, *, upper: bool = False) -> Callable[[Any], Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, str) and upper:
            value = value.strip().upper()
        elif all(isinstance(c, int) for c in choices):  # numbers from a form or as 80.0
            number = _number(value)
            value = int(number) if number is not None and number.is_integer() else value
        if isinstance(value, bool) or value not in choices:
            raise _Invalid(ONE_OF, choices=", ".join(map(str, choices)))
        return value

    return clean


def _some_of(choices: tuple[str, ...]) -> Callable[[Any], list[str]]:
    def clean(value: Any) -> list[str]:
        values = _split(value) if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or any(v not in choices for v in values):
            raise _Invalid(SOME_OF, choices=", ".join(choices))
        return list(dict.fromkeys(values))

    return clean


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid(YES_OR_NO)


_SEPARATORS = re.compile(r"[\n\r,，、;；]+")


def _split(text: str) -> list[str]:
    return _SEPARATORS.split(text)


def _words(value: Any) -> list[str]:
    """A list of words, or one text with a word per line (or separated by commas)."""
    values = _split(value) if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise _Invalid(WORDS)
    words = list(dict.fromkeys(w.strip() for w in values if w.strip()))
    if len(words) > MAX_WORDS:
        raise _Invalid(TOO_MANY_WORDS, n=MAX_WORDS)
    for word in words:
        if len(word) > MAX_WORD_LENGTH:
            raise _Invalid(WORD_TOO_LONG, word=word, n=MAX_WORD_LENGTH)
    return words


def _text(max_length: int, *, required: bool = False) -> Callable[[Any], str]:
    def clean(value: Any) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or len(value.strip()) > max_length or (required and not value.strip()):
            raise _Invalid(TEXT, n=max_length)
        return value.strip()

    return clean


def _optional(clean: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def optional(value: Any) -> Any:
        return None if value is None or value == "" else clean(value)

    return optional


#
# The schemas
#
K = RuleKind
SCHEMAS: dict[str, dict[str, Field]] = {
    K.KEYWORD: {
        "tier": Field(_one_of(TIERS, upper=True)),
        "extra_words": Field(_words, []),
        "ignore_words": Field(_words, []),
    },
    K.LOW_RATING: {
        "max_stars": Field(_whole(1, 4), 2),
        "max_follow_up_satisfaction": Field(_whole(1, 4), 2),
        "unresolved_follow_up": Field(_yes_no, True),
    },
    K.SLA_WARNING: {"level": Field(_one_of(SLA_WARNING_LEVELS), 80)},
    K.SLA_BREACH: {"targets": Field(_some_of(tuple(SlaTarget.values)), [])},
    K.REPEAT_COMPLAINT: {
        "days": Field(_whole(1, 365), 30),
        "kinds": Field(_some_of(tuple(Kind.values)), [Kind.COMPLAINT.value, Kind.REPAIR.value]),
    },
    K.GROUP_COMPLAINT: {
        "households": Field(_whole(2, 100), 3),
        "hours": Field(_whole(1, 168), 24),
    },
    K.HOTSPOT: {
        "window_days": Field(_whole(1, 30), 7),
        "baseline_days": Field(_whole(7, 365), 56),
        "factor": Field(_greater_than(1), 2.0),
        "min_count": Field(_whole(1, 100_000), 5),
    },
    K.KPI: {
        "kpi": Field(_one_of(KPI_NAMES)),
        "target": Field(_optional(_number_between(0, 1)), None),
    },
    K.MISSED_PATROL: {
        "min_missed": Field(_whole(1, 100), 1),
        # Patrols (巡更) and maintenance rounds (设备巡检): a miss there is a safety gap; missed
        # cleaning or greening shows in the plan-completion KPI instead.
        "kinds": Field(_some_of(tuple(PlanKind.values)), [PlanKind.PATROL.value, PlanKind.MAINTENANCE.value]),
    },
    K.OVERDUE_RECTIFICATION: {},
    K.EQUIPMENT: {
        "metric": Field(_text(40, required=True)),
        "op": Field(_one_of(tuple(Comparison.values))),
        "value": Field(_any_number),
        "device_kind": Field(_text(40), ""),
        "device_code": Field(_text(60), ""),
        "open_work_order": Field(_yes_no, False),
        "category_code": Field(_text(40), ""),
        "priority": Field(_one_of(PRIORITIES, upper=True), "P1"),
    },
}


def validate_params(kind: str, params: dict | None) -> dict:
    """The cleaned parameters of a rule of ``kind`` (defaults filled in), or ValidationError({"params": [...]})."""
    if kind not in SCHEMAS:
        raise ValidationError({"kind": [str(UNKNOWN_KIND).format(kind=kind)]})
    rule = RuleKind(kind).label
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise ValidationError({"params": [str(NOT_AN_OBJECT).format(rule=rule)]})
    schema = SCHEMAS[kind]
    errors = [str(UNKNOWN_PARAM).format(rule=rule, name=name) for name in params if name not in schema]
    cleaned: dict[str, Any] = {}
    for name, field in schema.items():
        try:
            cleaned[name] = _clean(field, name, params)
        except _Invalid as e:
            errors.append(str(e.message).format(rule=rule, param=_param(name), **e.params))
    if not errors and kind == K.HOTSPOT and cleaned["baseline_days"] <= cleaned["window_days"]:
        errors.append(str(LONGER_THAN).format(rule=rule, param=_param("baseline_days"), other=_param("window_days")))
    if errors:
        raise ValidationError({"params": errors})
    return cleaned


def _clean(field: Field, name: str, params: dict) -> Any:
    value = params.get(name)
    if value is None or (value == "" and field.default is _REQUIRED):
        if field.default is _REQUIRED:
            raise _Invalid(REQUIRED)
        return list(field.default) if isinstance(field.default, list) else field.default
    return field.clean(value)


def _param(name: str) -> str:
    return f"“{LABELS[name]}” ({name})"
