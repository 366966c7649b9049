"""The demo's early warnings, made through the alerts services and the rules engine.

Channels: the quality manager's e-mail (high and critical alerts) and a WeCom group robot that is
switched off, its address an obvious example to replace. Equipment in 锦绣花园: the pump room's
outlet pressure and the roof tank's level, posted by a gateway over the last day, with threshold
rules; the pump's pressure drops below its limit an hour ago, which raises an alert and opens a
repair order. Then one pass of the engine over the demo's work orders, tasks and findings raises
what the default rules find there (keywords, low ratings, SLA breaches, repeat complaints, missed
patrols, overdue rectification...). One alert is taken on by its owner, one resolved.

Created once: a company that already has the demo pump is left as it is.
"""

import datetime as dt
import logging

from django.utils import timezone

from accounts.models import User
from alerts.choices import AlertStatus, RuleKind, Severity
from alerts.models import Alert, Device
from alerts.services import alert_acknowledge, alert_resolve
from alerts.services.channels import channel_create
from alerts.services.config import rule_create
from alerts.services.devices import device_create, gateway_create, readings_ingest
from core.demo import places
from core.models import Area

log = logging.getLogger(__name__)

PUMP, TANK = "jx-pump-1", "jx-tank-1"
# An address nobody can post to: admins replace it with their robot's webhook and switch it on.
WECOM_EXAMPLE_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=EXAMPLE-REPLACE-WITH-YOUR-ROBOT-KEY"


def seed_alerts(ctx) -> None:
    if Device.objects.filter(company=ctx.company, code=PUMP).exists():
        return
    quality = User.objects.get(username="quality")
    now = timezone.now()
    _channels(ctx, quality)
    _equipment(ctx, quality, now)
    _evaluate(now)
    _handle(ctx, quality)


def _channels(ctx, quality: User) -> None:
    channel_create(
        company=ctx.company,
        data={
            "name": "品质经理邮箱",
            "kind": "email",
            "emails": "quality@example.com",
            "min_severity": Severity.HIGH,
        },
        actor=quality,
    )
    channel_create(
        company=ctx.company,
        data={
            "name": "品质部企业微信群（示例地址，未启用）",
            "kind": "wecom",
            "url": WECOM_EXAMPLE_URL,
            "min_severity": Severity.MEDIUM,
            "quiet_start": dt.time(22, 0),
            "quiet_end": dt.time(7, 0),
            "is_active": False,
        },
        actor=quality,
    )


def _equipment(ctx, quality: User, now: dt.datetime) -> None:
    project = ctx.projects[places.RESIDENTIAL]
    room = Area.objects.filter(project=project, name="水泵房").first()
    device_create(
        company=ctx.company,
        data={"project": project, "code": PUMP, "name": "水泵房1号加压泵", "device_kind": "pump", "area": room},
        actor=quality,
    )
    device_create(
        company=ctx.company,
        data={"project": project, "code": TANK, "name": "屋顶水箱液位", "device_kind": "tank", "area": room},
        actor=quality,
    )
    rule_create(
        company=ctx.company,
        data={
            "kind": RuleKind.EQUIPMENT,
            "name": "二次供水出水压力过低",
            "project": project,
            "severity": Severity.HIGH,
            "params": {
                "metric": "pressure",
                "op": "<",
                "value": 0.25,
                "device_kind": "pump",
                "open_work_order": True,
                "category_code": "water-outage",
                "priority": "P1",
            },
        },
        actor=quality,
    )
    rule_create(
        company=ctx.company,
        data={
            "kind": RuleKind.EQUIPMENT,
            "name": "屋顶水箱液位过低",
            "project": project,
            "severity": Severity.MEDIUM,
            "params": {"metric": "level", "op": "<", "value": 0.8, "device_kind": "tank"},
        },
        actor=quality,
    )
    gateway, _key = gateway_create(
        company=ctx.company, data={"name": "锦绣花园泵房网关（演示）", "project": project}, actor=quality
    )
    readings_ingest(gateway=gateway, readings=_readings(ctx, now), now=now)


def _readings(ctx, now: dt.datetime) -> list[dict]:
    """A day of readings every half hour: the pump holds 0.32–0.36 MPa until it drops an hour ago;
    the tank swings between 1.6 and 2.4 m."""
    rng = ctx.rng("alerts:readings")
    rows = []
    for step in range(48, 0, -1):
        at = now - dt.timedelta(minutes=30 * step)
        pressure = round(rng.uniform(0.32, 0.36), 3) if step > 2 else 0.18 - 0.02 * (2 - step)
        level = round(2.0 + 0.4 * ((step % 12) - 6) / 6, 2)
        rows.append({"device": PUMP, "metric": "pressure", "value": pressure, "at": at.isoformat()})
        rows.append({"device": TANK, "metric": "level", "value": level, "at": at.isoformat()})
    return rows


def _evaluate(now: dt.datetime) -> None:
    """One pass of the rules over the demo's changes and figures (as the every-minute job would)."""
    from alerts.engine import evaluate_changes, evaluate_periodic

    totals = evaluate_changes(now=now)
    totals.update({f"periodic:{k}": n for k, n in evaluate_periodic(now=now).items()})
    log.info("demo alerts: %s", totals)


def _handle(ctx, quality: User) -> None:
    """The pump's alert taken on by its owner; the oldest other open alert resolved by its owner."""
    open_alerts = Alert.objects.filter(company=ctx.company, status=AlertStatus.OPEN).select_related("owner")
    pump = open_alerts.filter(kind=RuleKind.EQUIPMENT).first()
    if pump is not None:
        alert_acknowledge(alert=pump, actor=pump.owner or quality, note="已通知工程部到泵房检查，备用泵已切换。")
    other = open_alerts.exclude(kind=RuleKind.EQUIPMENT).order_by("created", "id").first()
    if other is not None:
        alert_resolve(alert=other, actor=other.owner or quality, note="已回访业主并现场处理，业主表示满意。")
