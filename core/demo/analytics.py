"""The demo's analytics: the KPI roll-ups of the whole demo history, a quality-month campaign with
its goals and the quality manager's narrative, and 锦绣花园's owner board published by a public link.

The roll-ups are rebuilt for every day of the history, so the dashboards, the owner board and the
reports have figures the moment `make run` serves them (the refresh job only follows changes made
after it starts); a rebuild replaces the days' rows, so seeding again changes nothing. The campaign
and the public link are made once.
"""

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from accounts.models import User
from analytics.report_models import Campaign, Comparison, ReportKind
from analytics.services.reports import campaign_create, report_save
from analytics.services.rollup import rollup_rebuild
from core.demo import places
from core.models import Project
from inspections.models import Finding
from plans.models import Task
from portal.board_services import board_link_enable
from portal.models import BoardLink
from workorders.models import WorkOrder

AHEAD_DAYS = 14  # deadlines and scheduled tasks in the coming days count on their own day
CAMPAIGN_DAYS = 10  # the campaign is the last ten days, its baseline the ten days before
CAMPAIGN_NAME = "服务提升品质月"


def seed_analytics(ctx) -> int:
    written = _rollups(ctx.company)
    quality = User.objects.get(username="quality")
    if not Campaign.objects.filter(company=ctx.company, name=CAMPAIGN_NAME).exists():
        _campaign(ctx.company, quality)
    _public_board(ctx, User.objects.get(username="admin"))
    return written


def _rollups(company) -> int:
    today = timezone.localdate(timezone=company.zone)
    firsts = [
        timezone.localdate(first, timezone=company.zone)
        for first in (
            WorkOrder.objects.filter(company=company).aggregate(first=Min("created"))["first"],
            Finding.objects.filter(company=company).aggregate(first=Min("created"))["first"],
        )
        if first is not None
    ]
    first_task = Task.objects.filter(company=company).aggregate(first=Min("date"))["first"]
    first_day = min([*firsts, *([first_task] if first_task else []), today])
    days = [first_day + dt.timedelta(days=n) for n in range((today - first_day).days + AHEAD_DAYS + 1)]
    return rollup_rebuild(company=company, days=days)


def _campaign(company, quality: User) -> None:
    today = timezone.localdate(timezone=company.zone)
    start = today - dt.timedelta(days=CAMPAIGN_DAYS - 1)
    campaign = campaign_create(
        company=company,
        data={
            "name": CAMPAIGN_NAME,
            "description": "以“服务看得见”为主题：回访满意度提升、报修返修下降、检查问题全部整改。",
            "baseline_from": start - dt.timedelta(days=CAMPAIGN_DAYS),
            "baseline_to": start - dt.timedelta(days=1),
            "date_from": start,
            "date_to": today,
        },
        goals=[
            {"kpi": "follow_up_satisfaction", "comparison": Comparison.CHANGE_POINTS, "value": "2"},
            {"kpi": "repair_rework", "comparison": Comparison.CHANGE_PCT, "value": "-10"},
            {"kpi": "rectification_rate", "comparison": Comparison.AT_LEAST, "value": "100"},
            {"kpi": "repair_arrive_on_time", "comparison": Comparison.AT_LEAST, "value": "95"},
        ],
        actor=quality,
    )
    report_save(
        company=company,
        project=None,
        kind=ReportKind.CAMPAIGN,
        date_from=campaign.date_from,
        date_to=campaign.date_to,
        campaign=campaign,
        data={
            "highlights": "设备房巡检按时完成；电梯困人事件 5 分钟内到场处置，业主致电表扬。",
            "problems": "报修完成及时率偏低，部分水电维修超时；环球金融中心大堂保洁检查扣分。",
            "plan": "维修班组增加晚间值班；大堂保洁改为每 2 小时巡查一次；下月复查整改效果。",
        },
        actor=quality,
    )


def _public_board(ctx, admin: User) -> None:
    """锦绣花园 publishes its owner board by a public link (its QR code is on /notices/boards/)."""
    project = Project.objects.get(company=ctx.company, code=places.RESIDENTIAL)
    if not BoardLink.objects.filter(project=project).exists():  # a link switched off stays off
        board_link_enable(project=project, actor=admin)
