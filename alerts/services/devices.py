"""Equipment: devices, the gateways that post their readings, the readings themselves and the
equipment rules evaluated on them (a reading over a threshold raises an alert, can open a work
order, and a later reading back inside the threshold resolves it)."""

import datetime as dt
import hashlib
import logging
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_scopes import scopes_disabled

from accounts.models import User
from alerts.choices import OPEN_ALERT_STATUSES, Comparison, RuleKind, SubjectType
from alerts.models import Alert, AlertRule, Device, Gateway, Reading
from alerts.services import common
from alerts.services.common import full_save, require
from alerts.services.lifecycle import alert_raise, alerts_auto_resolve
from core.choices import Perm
from core.models import Company

log = logging.getLogger(__name__)

DEVICE_FIELDS = ("project", "code", "name", "device_kind", "building", "area", "is_active")
GATEWAY_FIELDS = ("project", "name")
READINGS_MAX = 1000
FUTURE_TOLERANCE = dt.timedelta(minutes=5)

DEVICE_PLACE_OTHER_PROJECT = _("Pick a place of the device's project.")
DEVICE_PROJECT_OTHER_COMPANY = _("The project belongs to another company.")
DEVICE_CODE_TAKEN = _("The company already has a device with this code.")
GATEWAY_NAME_TAKEN = _("The company already has a gateway with this name.")
READINGS_COUNT = _("Send between 1 and {n} readings.")
READINGS_INVALID = _("Some readings are invalid; nothing was saved.")
READING_NOT_AN_OBJECT = _("Each reading is an object with device, metric, value and (optionally) at.")
READING_DEVICE_REQUIRED = _("Give the device's code.")
READING_DEVICE_UNKNOWN = _("No device with this code for this gateway.")
READING_METRIC_REQUIRED = _("Give the metric, at most 40 characters.")
READING_VALUE_NUMBER = _("Give a finite number.")
READING_AT_FORMAT = _("Give an ISO 8601 time, e.g. 2026-11-20T09:30:00+08:00.")
READING_AT_FUTURE = _("The time is more than 5 minutes in the future.")


def _fields(data: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    return dict(data)


#
# Devices
#
def _check_device(device: Device) -> None:
    if Device.objects.filter(company_id=device.company_id, code=device.code).exclude(pk=device.pk).exists():
        raise ValidationError({"code": DEVICE_CODE_TAKEN})
    if device.project_id and device.project.company_id != device.company_id:
        raise ValidationError({"project": DEVICE_PROJECT_OTHER_COMPANY})
    for name in ("area", "building"):
        place = getattr(device, name) if getattr(device, f"{name}_id") else None
        if place is not None and place.project_id != device.project_id:
            raise ValidationError({name: DEVICE_PLACE_OTHER_PROJECT})
    if device.area_id and not device.building_id and device.area.building_id:
        device.building_id = device.area.building_id


@transaction.atomic
def device_create(*, company: Company, data: dict[str, Any], actor: User | None) -> Device:
    device = Device(company=company, **_fields(data, DEVICE_FIELDS))
    require(actor, Perm.ALERT_CONFIGURE, company_id=company.pk, project_id=device.project_id)
    _check_device(device)
    return full_save(device)


@transaction.atomic
def device_update(*, device: Device, data: dict[str, Any], actor: User | None) -> Device:
    require(actor, Perm.ALERT_CONFIGURE, company_id=device.company_id, project_id=device.project_id)
    for name, value in _fields(data, DEVICE_FIELDS).items():
        setattr(device, name, value)
    require(actor, Perm.ALERT_CONFIGURE, company_id=device.company_id, project_id=device.project_id)
    _check_device(device)
    return full_save(device)


#
# Gateways
#
def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def gateway_create(*, company: Company, data: dict[str, Any], actor: User | None) -> tuple[Gateway, str]:
    """A gateway and its key. Only the key's SHA-256 is stored: the key is returned here, once."""
    gateway = Gateway(company=company, **_fields(data, GATEWAY_FIELDS))
    require(actor, Perm.ALERT_CONFIGURE, company_id=company.pk, project_id=gateway.project_id)
    if gateway.project_id and gateway.project.company_id != company.pk:
        raise ValidationError({"project": DEVICE_PROJECT_OTHER_COMPANY})
    if Gateway.objects.filter(company=company, name=gateway.name).exists():
        raise ValidationError({"name": GATEWAY_NAME_TAKEN})
    key = secrets.token_urlsafe(32)
    gateway.key_hash, gateway.key_prefix = key_hash(key), key[:8]
    return full_save(gateway), key


@transaction.atomic
def gateway_revoke(*, gateway: Gateway, actor: User | None) -> Gateway:
    """Switch the gateway's key off for good (a new gateway gets a new key)."""
    require(actor, Perm.ALERT_CONFIGURE, company_id=gateway.company_id, project_id=gateway.project_id)
    Gateway.objects.filter(pk=gateway.pk).update(is_active=False)
    gateway.is_active = False
    return gateway


def gateway_for_key(key: str) -> Gateway | None:
    """The active gateway whose key is ``key`` (any company: the key says which), or None."""
    if not key:
        return None
    with scopes_disabled():
        return Gateway.objects.select_related("company").filter(key_hash=key_hash(key), is_active=True).first()


#
# Readings
#
class ReadingsInvalid(ValidationError):
    """Readings rejected as a whole. ``rows`` holds the errors per row and field, as the API
    answers them: {"3": {"value": [ValidationError]}} (rows counted from 0)."""

    def __init__(self, rows: dict[str, dict[str, list[ValidationError]]]) -> None:
        self.rows = rows
        messages = [
            f"{index}.{name}: {error.message}"
            for index, fields in rows.items()
            for name, errs in fields.items()
            for error in errs
        ]
        super().__init__({"readings": [str(READINGS_INVALID), *messages]})


@dataclass(frozen=True)
class _Row:
    device: Device
    metric: str
    value: float
    at: dt.datetime


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _time(value: Any, *, zone, at: dt.datetime) -> tuple[dt.datetime | None, Any]:
    if value in (None, ""):
        return at, None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return None, READING_AT_FORMAT
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=zone)
    if parsed > at + FUTURE_TOLERANCE:
        return None, READING_AT_FUTURE
    return parsed, None


def _row(raw: Any, *, devices: dict[str, Device], zone, at: dt.datetime) -> tuple[_Row | None, dict]:
    if not isinstance(raw, dict):
        return None, {"non_field_errors": [ValidationError(READING_NOT_AN_OBJECT, code="invalid")]}
    errors: dict[str, list[ValidationError]] = {}
    code = raw.get("device")
    device = devices.get(code) if isinstance(code, str) else None
    if not isinstance(code, str) or not code.strip():
        errors["device"] = [ValidationError(READING_DEVICE_REQUIRED, code="required")]
    elif device is None:
        errors["device"] = [ValidationError(READING_DEVICE_UNKNOWN, code="does_not_exist")]
    metric = raw.get("metric")
    if not isinstance(metric, str) or not metric.strip() or len(metric.strip()) > 40:
        errors["metric"] = [ValidationError(READING_METRIC_REQUIRED, code="invalid")]
    value = _number(raw.get("value"))
    if value is None:
        errors["value"] = [ValidationError(READING_VALUE_NUMBER, code="invalid")]
    when, problem = _time(raw.get("at"), zone=zone, at=at)
    if problem is not None:
        errors["at"] = [ValidationError(problem, code="invalid")]
    if errors:
        return None, errors
    return _Row(device=device, metric=metric.strip(), value=value, at=when), {}


def _devices(gateway: Gateway, codes: set[str]) -> dict[str, Device]:
    devices = Device.objects.filter(company_id=gateway.company_id, code__in=codes, is_active=True)
    if gateway.project_id:
        devices = devices.filter(project_id=gateway.project_id)
    return {d.code: d for d in devices.select_related("project")}


def readings_validate(*, gateway: Gateway, readings: Any, at: dt.datetime) -> list[_Row]:
    """Every reading checked before any is saved; raises ReadingsInvalid with the errors of every row."""
    if not isinstance(readings, list | tuple) or not 1 <= len(readings) <= READINGS_MAX:
        raise ValidationError({"readings": str(READINGS_COUNT).format(n=READINGS_MAX)})
    codes = {r.get("device") for r in readings if isinstance(r, dict) and isinstance(r.get("device"), str)}
    devices = _devices(gateway, codes)
    zone = gateway.company.zone
    rows, errors = [], {}
    for index, raw in enumerate(readings):
        row, row_errors = _row(raw, devices=devices, zone=zone, at=at)
        if row_errors:
            errors[str(index)] = row_errors
        else:
            rows.append(row)
    if errors:
        raise ReadingsInvalid(errors)
    return rows


@transaction.atomic
def readings_ingest(*, gateway: Gateway, readings: list[dict], now: dt.datetime | None = None) -> dict[str, int]:
    """Save a gateway's readings and evaluate the equipment rules on them; all or nothing.

    Each reading is {"device": code, "metric": str, "value": number, "at": ISO time (optional,
    default now; at most 5 minutes ahead)}; up to 1,000 per call. Devices must belong to the
    gateway's company (and project, if it has one). Returns the counts: readings saved, alerts
    raised or reopened, alerts resolved, work orders opened.
    """
    at = now or common.now()
    rows = readings_validate(gateway=gateway, readings=readings, at=at)
    Reading.objects.bulk_create(
        Reading(company_id=gateway.company_id, device=r.device, metric=r.metric, value=r.value, at=r.at, created=at)
        for r in rows
    )
    _touch(gateway, rows, at=at)
    counts = equipment_evaluate(company_id=gateway.company_id, rows=rows, zone=gateway.company.zone)
    return {"accepted": len(rows), **counts}


def _touch(gateway: Gateway, rows: list[_Row], *, at: dt.datetime) -> None:
    latest: dict[int, dt.datetime] = {}
    for r in rows:
        latest[r.device.pk] = max(latest.get(r.device.pk, r.at), r.at)
    for pk, seen in latest.items():
        Device.objects.filter(pk=pk).filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=seen)).update(
            last_seen_at=seen
        )
    Gateway.objects.filter(pk=gateway.pk).update(last_used_at=at)


#
# Equipment rules
#
OPS = {
    Comparison.GT: lambda value, limit: value > limit,
    Comparison.GE: lambda value, limit: value >= limit,
    Comparison.LT: lambda value, limit: value < limit,
    Comparison.LE: lambda value, limit: value <= limit,
}


def _clean_params(rule: AlertRule) -> dict[str, Any] | None:
    """The rule's parameters as the rules module cleans them; None (and a log line) if broken."""
    try:
        from alerts.rules.params import validate_params
    except ImportError:  # pragma: no cover - the rules module is part of the same issue
        validate_params = _minimal_params
    try:
        return validate_params(RuleKind.EQUIPMENT, dict(rule.params))
    except ValidationError as error:
        log.warning("equipment rule %s has broken parameters: %s", rule.pk, error.messages)
        return None


def _minimal_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
    if not params.get("metric") or params.get("op") not in OPS or _number(params.get("value")) is None:
        raise ValidationError({"params": ["equipment: metric, op and value are required"]})
    return {
        "device_kind": "",
        "device_code": "",
        "open_work_order": False,
        "category_code": "",
        "priority": "P1",
        **params,
        "value": _number(params["value"]),
    }


def _rule_applies(rule: AlertRule, params: dict[str, Any], device: Device, metric: str) -> bool:
    if rule.project_id is not None and rule.project_id != device.project_id:
        return False
    if params["metric"] != metric:
        return False
    if params.get("device_kind") and params["device_kind"] != device.device_kind:
        return False
    return not params.get("device_code") or params["device_code"] == device.code


def equipment_evaluate(*, company_id: int, rows: list[_Row], zone) -> dict[str, int]:
    """Run the company's active equipment rules over ``rows``, per device and metric in time order:
    the first reading over the threshold raises (or adds to) the day's alert; the last reading,
    if back inside the threshold, resolves the alert again."""
    counts = {"alerts": 0, "resolved": 0, "work_orders": 0}
    rules = [
        (rule, params)
        for rule in AlertRule.objects.filter(company_id=company_id, kind=RuleKind.EQUIPMENT, is_active=True)
        if (params := _clean_params(rule)) is not None
    ]
    if not rules:
        return counts
    series: dict[tuple[int, str], list[_Row]] = defaultdict(list)
    for r in rows:
        series[(r.device.pk, r.metric)].append(r)
    for readings in series.values():
        readings.sort(key=lambda r: r.at)
        for rule, params in rules:
            if _rule_applies(rule, params, readings[0].device, readings[0].metric):
                for name, n in _evaluate_series(rule, params, readings, zone=zone).items():
                    counts[name] += n
    return counts


def _evaluate_series(rule: AlertRule, params: dict[str, Any], readings: list[_Row], *, zone) -> dict[str, int]:
    counts = {"alerts": 0, "resolved": 0, "work_orders": 0}
    over = OPS[params["op"]]
    breaching = False
    for reading in readings:
        if over(reading.value, params["value"]):
            if not breaching:  # one raise per run of readings over the threshold
                counts["alerts"] += _raise(rule, params, reading, zone=zone, counts=counts)
            breaching = True
        else:
            if breaching or reading is readings[-1]:
                counts["resolved"] += _resolve(rule, reading)
            breaching = False
    return counts


def _dedup_prefix(device: Device, metric: str) -> str:
    return f"eq:{device.pk}:{metric}:"


def _raise(rule: AlertRule, params: dict[str, Any], reading: _Row, *, zone, counts: dict[str, int]) -> int:
    device = reading.device
    day = timezone.localtime(reading.at, zone).date()
    key = f"{_dedup_prefix(device, reading.metric)}{day:%Y-%m-%d}"
    refs: list[tuple[str, int]] = [(SubjectType.DEVICE, device.pk)]
    existing = Alert.objects.filter(company_id=rule.company_id, rule=rule, dedup_key=key).only("status").first()
    if existing is not None and not existing.is_open:
        # Back over the threshold after it cleared: new evidence, so the day's alert reopens.
        refs.append(("reading", _reading_id(reading)))
    facts = {
        "metric": reading.metric,
        "value": reading.value,
        "op": params["op"],
        "threshold": params["value"],
        "at": reading.at.isoformat(),
    }
    summary = (
        gettext_noop("{device}: {metric} = {value} ({op} {threshold})"),
        {
            "device": str(device),
            "metric": reading.metric,
            "value": _fmt(reading.value),
            "op": params["op"],
            "threshold": _fmt(params["value"]),
        },
    )
    raised = alert_raise(
        rule=rule,
        dedup_key=key,
        subject_type=SubjectType.DEVICE,
        subject_id=device.pk,
        project_id=device.project_id,
        refs=refs,
        facts=facts,
        summary=summary,
        at=reading.at,
    )
    if params.get("open_work_order") and raised.alert.is_open:
        order = _open_work_order(raised.alert, params, reading, at=reading.at)
        if order is not None:
            counts["work_orders"] += 1
            alert_raise(
                rule=rule,
                dedup_key=key,
                subject_type=SubjectType.DEVICE,
                subject_id=device.pk,
                project_id=device.project_id,
                refs=[*refs, (SubjectType.WORKORDER, order.pk)],
                at=reading.at,
            )
    return int(raised.created or raised.reopened)


def _reading_id(reading: _Row) -> int:
    found = (
        Reading.objects.filter(device=reading.device, metric=reading.metric, at=reading.at)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return found or 0


def _fmt(value: float) -> str:
    return f"{value:g}"


def _resolve(rule: AlertRule, reading: _Row) -> int:
    """Resolve this rule's open alerts of the device and metric raised no later than ``reading``."""
    prefix = _dedup_prefix(reading.device, reading.metric)
    candidates = Alert.objects.filter(
        company_id=rule.company_id,
        rule=rule,
        subject_type=SubjectType.DEVICE,
        subject_id=reading.device.pk,
        status__in=OPEN_ALERT_STATUSES,
        dedup_key__startswith=prefix,
        last_seen_at__lte=reading.at,
    ).values_list("id", "dedup_key")
    # A metric may itself contain ":": the key's remainder must be the date alone.
    ids = [pk for pk, key in candidates if ":" not in key[len(prefix) :]]
    return alerts_auto_resolve(alert_ids=ids, at=reading.at, reason=str(_("The reading is back within the limit.")))


def _open_work_order(alert: Alert, params: dict[str, Any], reading: _Row, *, at: dt.datetime):
    """The alert's one work order (source key alert:<id>): opened the first time, None afterwards."""
    from workorders.choices import Kind, Source
    from workorders.models import Category, WorkOrder
    from workorders.services import workorder_create_system

    key = f"alert:{alert.pk}"
    if WorkOrder.objects.filter(company_id=alert.company_id, source_key=key).exists():
        return None
    device = reading.device
    category = None
    if params.get("category_code"):
        category = Category.objects.filter(
            company_id=alert.company_id, code=params["category_code"], is_active=True
        ).first()
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("Device {name}: {metric} out of range")).format(name=device.name, metric=reading.metric)
        description = str(
            _("{device} reported {metric} = {value} at {time} (threshold {op} {threshold}). Alert #{alert}.")
        ).format(
            device=device,
            metric=reading.metric,
            value=_fmt(reading.value),
            time=f"{timezone.localtime(reading.at, device.project.company.zone):%Y-%m-%d %H:%M}",
            op=params["op"],
            threshold=_fmt(params["value"]),
            alert=alert.pk,
        )
    data = {
        "kind": category.kind if category else Kind.REPAIR,
        "category": category,
        "priority": str(params.get("priority") or "P1").lower(),
        "source": Source.SYSTEM,
        "title": title[:100],
        "description": description,
        "building": device.building,
        "area": device.area,
    }
    try:
        with transaction.atomic():
            return workorder_create_system(project_id=device.project_id, source_key=key, data=data, at=at)
    except (IntegrityError, ValidationError) as error:
        # A concurrent ingest opened it (unique source key), or the rule's category no longer fits:
        # the alert stands either way.
        if not WorkOrder.objects.filter(company_id=alert.company_id, source_key=key).exists():
            log.warning("alert %s: could not open a work order: %s", alert.pk, error)
        return None
