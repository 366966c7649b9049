"""Demo work orders (`manage.py demo_data`): about forty orders in every status, replayed through the services.

Each order has a report time in the past and steps (take, start, hold, complete, rate, close,
follow up, reopen...) some minutes after it. All steps of all orders are replayed in time order
through ``workorders.services``; the services read the time from ``workorders.services.common.now``,
which the replay sets to each step's moment, so timelines, SLA deadlines and ratings carry
realistic times. Between steps the periodic sweep (``workorders.tasks.sweep``) runs at each due
checkpoint, so warnings, breaches and the breach-rectification rule happen when they would have.

Created once: a company that already has work orders is left as it is.
"""

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from accounts.models import User
from accounts.services import user_create
from core import services as core_services
from core.choices import DepartmentKind as D
from core.choices import Role
from core.demo import places
from core.demo.seed import OWNER_UNIT, SeedContext
from core.models import Area, Department, Membership, Project, Resident, Unit, UnitResident
from workorders import services
from workorders.choices import FollowUpMethod, FollowUpResolved, HoldReason, Kind, Source, Status
from workorders.models import Category, DispatchRule, FollowUp, WorkOrder
from workorders.services import common
from workorders.services.sla import take_timeouts_due

JX, HQ = places.RESIDENTIAL, places.OFFICE
M, H, DAY = 1, 60, 24 * 60  # minutes
OWNER_ACCOUNTS = {JX: 4, HQ: 1}  # roster owners who get an /m/ account to report and rate
PHONE_INS = {JX: 12, HQ: 6}  # roster people who phone in


@dataclass(frozen=True)
class Step:
    after: float  # minutes after the report; negative: minutes before now
    verb: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoOrder:
    """One order: who reports what, when, where, and what happens to it afterwards.

    ``who``: "owner" (the demo owner), "o<n>" (owner n with an account), "p<n>" (owner n phones
    in), "hotline:p<n>" (a 12345 referral about him), "desk" (front desk for a tenant), "guard" or
    "cleaner" (found on a round). ``at``: (days ago, "HH:MM") local time, or minutes ago.
    """

    project: str
    who: str
    at: tuple[int, str] | int
    kind: str
    category: str
    title: str
    description: str
    area: str = ""
    unit: str = ""
    steps: tuple[Step, ...] = ()


def S(after: float, verb: str, **args: Any) -> Step:
    return Step(after, verb, args)


REPAIR, COMPLAINT = Kind.REPAIR, Kind.COMPLAINT
GOOD_FOLLOW_UP = {"method": FollowUpMethod.PHONE, "resolved": FollowUpResolved.YES, "satisfaction": 5}

ORDERS: list[DemoOrder] = [
    # The demo owner 周明华 (1-1-1501): one of each thing an owner sees on /m/.
    DemoOrder(JX, "owner", (9, "19:20"), REPAIR, "water-leak", "厨房水槽下水管漏水",
              "厨房水槽下面的下水管接口漏水，柜子里都湿了，麻烦尽快来看看。",
              steps=(S(2, "dispatch", to="staff", note="陈师傅就在1栋附近"), S(5, "take"), S(26, "start"),
                     S(70, "complete", note="更换下水管接头及密封圈，已试水无渗漏。"),
                     S(3 * H, "rate", stars=5, tags=["speed", "attitude"], comment="师傅半小时就到了，修得很利索。",
                       is_public=True),
                     S(DAY, "close"), S(2 * DAY, "follow_up", comment="业主表示满意。", **GOOD_FOLLOW_UP))),
    DemoOrder(JX, "owner", (1, "08:50"), REPAIR, "water-blocked", "卫生间地漏返臭味",
              "卫生间地漏一直返臭味，晚上特别明显，家里有小孩。",
              steps=(S(3, "dispatch", to="staff"), S(12, "take"), S(5 * H, "start"),
                     S(5 * H + 30, "comment", text="已更换防臭地漏芯，需观察一晚，明天回访确认。", is_public=True))),
    DemoOrder(JX, "owner", (2, "10:05"), REPAIR, "door-entry", "入户门锁芯转动不灵",
              "入户门锁芯转动不灵，钥匙经常拧不动，担心哪天打不开门。",
              steps=(S(2, "dispatch", to="staff"), S(10, "take"), S(2.5 * H, "start"),
                     S(3.3 * H, "complete", note="更换C级防盗锁芯，三把新钥匙已交业主本人。"))),
    DemoOrder(JX, "owner", (4, "20:10"), REPAIR, "electric-public-light", "15楼电梯厅灯不亮",
              "1单元15楼电梯厅的灯又坏了，晚上回家黑漆漆的。", area="1栋电梯厅",
              steps=(S(10, "take"), S(40, "start"), S(60, "complete", note="更换LED灯管。"),
                     S(-3 * H, "reopen", reason="灯还是一闪一闪的，晚上根本不亮。"),
                     S(-3 * H + 4, "dispatch", to="staff", note="排查线路，陈师傅配合电工。"),
                     S(-3 * H + 12, "take"))),
    DemoOrder(JX, "owner", (3, "07:40"), COMPLAINT, "c-order-noise", "楼上装修周末清早电钻",
              "楼上1601装修，周末早上七点就开始电钻，严重影响休息，希望物业管一管。",
              steps=(S(12, "take"), S(45, "start"),
                     S(60, "comment", text="秩序员已上门劝导，装修负责人承诺周末九点后施工。", is_public=True))),
    DemoOrder(JX, "owner", (15, "21:00"), Kind.SUGGESTION, "suggestion", "建议南大门增设快递柜",
              "建议在南大门增设智能快递柜，现在快递都堆在门岗，容易拿错。",
              steps=(S(10, "take"), S(DAY, "start"),
                     S(DAY + 2 * H, "complete", note="已提交项目部评估，计划下月在南大门东侧安装。"),
                     S(2 * DAY, "close"))),
    # Other owners with an account.
    DemoOrder(JX, "o1", (4, "18:32"), REPAIR, "elevator-trapped", "3栋2单元电梯困人",
              "3栋2单元电梯困人！卡在9楼和10楼之间，里面有一位老人，快来人！", area="3栋电梯厅",
              steps=(S(1, "take"), S(9, "start", note="已到场安抚，电梯维保单位在路上。"),
                     S(35, "complete", note="维保单位到场盘车放人，人员安全；电梯停用检修。"), S(60, "verify"),
                     S(90, "close"), S(2 * H, "rate", stars=4, tags=["speed"], comment="来得很快，就是电梯老出问题。"),
                     S(DAY, "follow_up", method=FollowUpMethod.PHONE, resolved=FollowUpResolved.YES, satisfaction=4,
                       comment="业主认可处置速度，建议加强电梯维保。"))),
    DemoOrder(JX, "o2", (2, "21:15"), REPAIR, "water-leak", "天花板渗水",
              "楼上卫生间漏水，我家卫生间天花板在滴水，墙面已经发黄。",
              steps=(S(8, "take"), S(50, "comment", text="已联系楼上业主，对方出差，约其家人开门。"))),
    DemoOrder(JX, "o3", (5, "16:40"), COMPLAINT, "c-attitude", "投诉前台客服",
              "前台客服态度差，我问物业费明细时很不耐烦，还直接挂电话。",
              steps=(S(10, "take"), S(30, "comment", text="已调取通话录音核实。"), S(50, "start"),
                     S(5 * H, "complete", note="客服主管致电业主致歉，已对当事客服进行服务规范培训。"),
                     S(6 * H, "rate", stars=2, tags=["attitude"], comment="道歉是有了，但解释得还是不清楚。"),
                     S(DAY, "close"),
                     S(3 * DAY, "follow_up", method=FollowUpMethod.PHONE, resolved=FollowUpResolved.PARTLY,
                       satisfaction=3, comment="业主接受道歉，希望物业费明细按季度公示。"))),
    DemoOrder(JX, "o4", (1, "09:30"), REPAIR, "greening-pruning", "香樟树枝伸进阳台",
              "9栋楼下的香樟树枝快伸进我家阳台了，麻烦修剪一下。", steps=(S(40, "accept"),)),
    DemoOrder(JX, "o1", (6, "12:00"), REPAIR, "electric-socket", "客厅插座没电",
              "客厅两个插座都没电，其他房间正常。",
              steps=(S(9, "cancel", reason="是空气开关掉了，自己已经推上去恢复了。"),)),
    DemoOrder(JX, "o2", 6, REPAIR, "facility-fitness", "滑梯螺丝松动",
              "儿童游乐区滑梯有一颗螺丝松了，小孩玩有点危险。", area="儿童游乐区"),
    DemoOrder(JX, "o3", 3 * H, REPAIR, "security-parking", "消防通道被占",
              "5栋楼下消防通道被一辆白色SUV停了一整天。", area="小区主干道",
              steps=(S(5, "take"), S(15, "start"), S(50, "complete", note="已联系车主挪车，并在车窗张贴告知单。"))),
    DemoOrder(JX, "o2", (3, "13:00"), Kind.SERVICE, "service-cleaning", "预约开荒保洁",
              "家里装修完了，想请保洁做一次开荒保洁，周六上午可以吗？",
              steps=(S(10, "take"), S(2 * DAY - 4 * H, "start"), S(2 * DAY, "complete", note="开荒保洁完成。"),
                     S(2 * DAY + 2 * H, "rate", stars=5, tags=["quality", "cleanup"],
                       comment="打扫得很干净，窗槽都擦了。", is_public=True),
                     S(2 * DAY + 3 * H, "close"))),
    # Owners who phone the service desk, and 12345 referrals.
    DemoOrder(JX, "p1", (12, "06:50"), REPAIR, "water-burst", "热水器进水管爆裂",
              "家里热水器进水管爆裂，跑水了，已经关了总阀。",
              steps=(S(6, "take"), S(25, "start"), S(80, "complete", note="更换热水器进水软管及角阀。"),
                     S(3 * H, "verify"), S(DAY, "close"),
                     S(2 * DAY, "follow_up", comment="业主说来得很及时。", **GOOD_FOLLOW_UP))),
    DemoOrder(JX, "hotline:p2", (3, "10:20"), COMPLAINT, "c-facility", "12345转办：地下车库积水",
              "12345热线转办：业主反映小区地下车库入口积水严重，车辆无法通行。", area="地下车库",
              steps=(S(10, "take"), S(50, "start"),
                     S(3 * H, "hold", hold_reason=HoldReason.THIRD_PARTY,
                       reason="需市政排水管网疏通，已联系水务部门，等待排期。"))),
    DemoOrder(JX, "p3", 50, REPAIR, "power-outage", "家里跳闸合不上",
              "家里突然跳闸，总闸合不上，冰箱里都是东西。", steps=(S(4, "take"), S(22, "start"))),
    DemoOrder(JX, "guard", (7, "15:10"), REPAIR, "facility-road", "主干道井盖松动",
              "6栋旁边主干道井盖松动，车辆经过有很大响声。", area="小区主干道",
              steps=(S(10, "take"), S(DAY, "start"),
                     S(DAY + 30, "hold", hold_reason=HoldReason.PARTS, reason="井盖型号特殊，已向厂家订购。"))),
    DemoOrder(JX, "cleaner", (1, "07:15"), REPAIR, "sanitation-garbage", "厨余垃圾桶满溢",
              "垃圾分类站厨余垃圾桶满溢，异味较大。", area="垃圾分类站",
              steps=(S(10, "take"), S(25, "start"), S(90, "complete", note="已清运并冲洗垃圾桶。"),
                     S(2 * H, "verify"), S(3 * H, "close"))),
    DemoOrder(JX, "p4", (4, "11:00"), REPAIR, "smart-intercom", "可视对讲没有图像",
              "可视对讲没有图像，楼下按门铃只听得到声音。",
              steps=(S(8, "dispatch", to="staff"), S(18, "take"), S(DAY, "start"),
                     S(DAY + 40, "hold", hold_reason=HoldReason.PARTS, reason="室内分机主板损坏，已订配件。"))),
    DemoOrder(JX, "p5", (8, "14:30"), REPAIR, "door-window", "卧室窗户把手断了",
              "卧室窗户把手断了，窗户关不严，晚上有风声。",
              steps=(S(12, "take"), S(DAY, "start"), S(DAY + 40, "complete", note="更换窗户执手。"),
                     S(2 * DAY, "close"),
                     S(-40, "follow_up", method=FollowUpMethod.PHONE, resolved=FollowUpResolved.NO,
                       satisfaction=2, comment="业主反映新把手还是松的，窗户关不严。"))),
    DemoOrder(JX, "p6", (2, "09:10"), Kind.INQUIRY, "inquiry", "车位月卡怎么续费",
              "咨询：车位月卡怎么续费？可以在手机上交吗？",
              steps=(S(10, "start"), S(15, "complete", note="已告知可在物业公众号“生活缴费”中续费。"), S(H, "close"))),
    DemoOrder(JX, "p7", (1, "19:40"), REPAIR, "water-blocked", "厨房下水道堵塞",
              "厨房下水道堵了，水下不去。",
              steps=(S(12, "cancel", reason="业主来电告知已自行疏通。"),)),
    DemoOrder(JX, "p8", (5, "10:00"), COMPLAINT, "c-building-developer", "新房外墙开裂",
              "交房不到两年，客厅外墙出现多条裂缝，要求物业维修。",
              steps=(S(10, "accept"), S(40, "reject", reason="属开发商保修范围，已转开发商售后并告知业主。"))),
    DemoOrder(JX, "p9", (10, "10:00"), REPAIR, "sanitation-pests", "地下车库老鼠多",
              "地下车库老鼠很多，电动车坐垫都被咬坏了。", area="地下车库",
              steps=(S(10, "take"), S(DAY, "start"), S(2 * DAY, "complete", note="投放鼠饵站12处，封堵管井缝隙。"),
                     S(2 * DAY + H, "verify"), S(3 * DAY, "close"),
                     S(5 * DAY, "follow_up", method=FollowUpMethod.PHONE, resolved=FollowUpResolved.YES,
                       satisfaction=4, comment="业主说最近少多了。"))),
    DemoOrder(JX, "hotline:p10", (1, "14:00"), COMPLAINT, "c-fees-property", "12345转办：物业费上涨",
              "12345热线转办：业主质疑今年物业费上涨未经公示。",
              steps=(S(12, "take"), S(H, "start"),
                     S(2 * H, "comment", text="已调出业委会表决记录及公示照片，约业主面谈。"))),
    DemoOrder(JX, "guard", (5, "23:10"), REPAIR, "security-suspicious", "北门陌生人尾随",
              "北门有陌生人尾随业主进入小区，已劝离并登记。", area="北门",
              steps=(S(3, "take"), S(5, "start"), S(20, "complete", note="已劝离，调看监控确认其离开小区。"),
                     S(8 * H, "verify"), S(9 * H, "close"))),
    DemoOrder(JX, "p11", (3, "08:00"), REPAIR, "water-outage", "高峰时段水压低",
              "每天早晚高峰水压很低，热水器经常熄火。",
              steps=(S(10, "take"), S(DAY, "start"), S(DAY + 2 * H, "complete", note="已调整二次供水加压泵出口压力。"),
                     S(DAY + 4 * H, "verify"))),
    DemoOrder(JX, "p12", (18, "10:30"), REPAIR, "building-wall-leak", "客厅外墙渗水",
              "下雨时客厅外墙一侧渗水，墙纸起皮发霉。",
              steps=(S(10, "take"), S(DAY - 30, "start"),
                     S(DAY + H, "hold", hold_reason=HoldReason.THIRD_PARTY,
                       reason="需外墙吊篮施工，已申请使用专项维修资金，等待业主表决。"))),
    DemoOrder(JX, "p4", (6, "09:00"), REPAIR, "water-meter", "水表走字异常",
              "家里没人用水的时候水表也在转，怀疑有暗管漏水。",
              steps=(S(6, "dispatch", to="staff"), S(14, "take"))),
    DemoOrder(JX, "p2", (2, "17:00"), REPAIR, "elevator-noise", "8栋电梯异响",
              "8栋电梯运行时有异响，晃动明显，老人不敢坐。", area="8栋电梯厅",
              steps=(S(9, "take"), S(DAY, "start"))),
    DemoOrder(JX, "p6", (2, "20:30"), Kind.PRAISE, "praise", "表扬维修师傅",
              "表扬工程部陈师傅，上周晚上来修水管，非常负责，还帮忙清理了现场。",
              steps=(S(13 * H, "accept"), S(13 * H + 10, "dispatch", to=D.CUSTOMER_SERVICE),
                     S(13 * H + 20, "start"), S(15 * H + 20, "complete", note="已在周例会通报表扬。"),
                     S(DAY, "close"))),
    DemoOrder(JX, "o4", 25, REPAIR, "greening-pests", "月季长蚜虫",
              "中心花园的月季长了很多蚜虫。", area="中心花园"),
    # The office tower.
    DemoOrder(HQ, "desk", (1, "10:15"), REPAIR, "hvac-aircon", "18楼东区空调不制冷",
              "18楼东区空调不制冷，室温28度，客户在开会。", unit="A-1801",
              steps=(S(8, "take"), S(20, "start"), S(2 * H, "complete", note="清洗风机盘管过滤网，补充冷媒。"),
                     S(3 * H, "verify"), S(4 * H, "close"))),
    DemoOrder(HQ, "o1", 2 * H, REPAIR, "smart-network", "会议室网络断断续续",
              "23楼大会议室网络断断续续，视频会议老掉线。",
              steps=(S(10, "take"), S(30, "start"))),
    DemoOrder(HQ, "desk", 5 * H, REPAIR, "elevator-stopped", "中区3号电梯停运",
              "中区3号电梯停运，早高峰等电梯要十几分钟。", area="中区电梯厅",
              steps=(S(5, "take"), S(20, "start"),
                     S(H, "hold", hold_reason=HoldReason.PARTS, reason="变频器故障，厂家配件明早送到。"))),
    DemoOrder(HQ, "p1", (4, "15:30"), COMPLAINT, "c-quality-cleaning", "洗手间保洁不及时",
              "12楼洗手间下午经常没有纸巾，卫生也不及时。",
              steps=(S(10, "take"), S(30, "start"), S(3 * H, "complete", note="增加下午14点、16点两次巡查补给。"),
                     S(DAY, "close"), S(2 * DAY, "follow_up", comment="客户表示已改善。", **GOOD_FOLLOW_UP))),
    DemoOrder(HQ, "p2", (2, "11:20"), REPAIR, "greening-replant", "屋顶花园绿植枯死",
              "裙楼屋顶花园有几盆绿植枯死了，影响观感。", area="裙楼屋顶花园"),
    DemoOrder(HQ, "p3", 90, Kind.PRAISE, "praise", "感谢找回电脑包",
              "感谢秩序部的同事帮忙找回遗失在大堂的电脑包。"),
    DemoOrder(HQ, "p4", (9, "08:40"), REPAIR, "door-access", "闸机刷卡失灵",
              "一层大堂闸机刷卡经常失灵，早高峰排长队。", area="一层大堂",
              steps=(S(10, "take"), S(H, "start"), S(DAY, "complete", note="更换两台闸机读卡模块。"),
                     S(DAY + H, "verify"), S(2 * DAY, "close"),
                     S(4 * DAY, "follow_up", comment="客户反馈刷卡正常。", **GOOD_FOLLOW_UP))),
    DemoOrder(HQ, "p5", (1, "16:00"), REPAIR, "water-leak", "茶水间吊顶漏水",
              "26楼茶水间吊顶漏水，滴到旁边工位的办公桌上。",
              steps=(S(10, "take"), S(25, "start"))),
    DemoOrder(HQ, "p6", (6, "09:30"), Kind.SERVICE, "service-other", "周末加班空调申请",
              "本周六9:00-18:00公司加班，申请开放20楼空调。", unit="A-2001",
              steps=(S(10, "take"), S(40, "start"), S(60, "complete", note="已排定周六空调开放。"), S(2 * H, "close"))),
]  # fmt: skip

# Dispatch rules of the demo: (project, category code or "", area name or "", department kind).
RULES = [
    (JX, "elevator", "", D.ENGINEERING),
    (JX, "c-quality-repair", "", D.ENGINEERING),
    (JX, "sanitation", "地下车库", D.CLEANING),
    (HQ, "hvac", "", D.ENGINEERING),
    (HQ, "c-quality-cleaning", "", D.CLEANING),
]


def seed_workorders(ctx: SeedContext) -> None:
    """The demo's work orders, dispatch rules and duty roster; once per company."""
    services.workorder_defaults_seed(company=ctx.company)
    _dispatch_rules(ctx)
    if WorkOrder.objects.filter(company=ctx.company).exists():
        return
    _greening_off_duty(ctx)
    replay = Replay(ctx, now=timezone.now())
    replay.run(ORDERS)


def _dispatch_rules(ctx: SeedContext) -> None:
    for key, code, area, kind in RULES:
        project = ctx.projects[key]
        data = {
            "category": Category.objects.get(company=ctx.company, code=code) if code else None,
            "area": Area.objects.get(project=project, name=area) if area else None,
            "department": Department.objects.get(project=project, kind=kind),
        }
        if not DispatchRule.objects.filter(project=project, **data).exists():
            services.dispatch_rule_save(project=project, data=data, actor=ctx.managers[key])


def _greening_off_duty(ctx: SeedContext) -> None:
    """The residential gardeners are off today: gardening orders wait in the department's queue."""
    project = ctx.projects[JX]
    for membership in Membership.objects.filter(project=project, role=Role.STAFF, department__kind=D.GREENING):
        services.membership_duty_set(membership=membership, on_duty=False, actor=ctx.managers[JX])


@contextmanager
def _clock(at: dt.datetime) -> Iterator[None]:
    """The services' "now" for one replayed step."""
    real = common.now
    common.now = lambda: at
    try:
        yield
    finally:
        common.now = real


#
# The replay
#
class Replay:
    def __init__(self, ctx: SeedContext, *, now: dt.datetime) -> None:
        self.ctx, self.now = ctx, now
        self.rng = ctx.rng("workorders")
        self.orders: dict[int, WorkOrder] = {}
        # One instance per person, so that each computes his permissions once (core.access caches them on it).
        self.users: dict[int, User] = {}
        categories = {c.code: c for c in Category.objects.filter(company=ctx.company)}
        self.people = {key: _People(ctx, ctx.projects[key], self.rng, self.users, categories) for key in (JX, HQ)}

    def user(self, pk: int) -> User:
        if pk not in self.users:
            self.users[pk] = User.objects.get(pk=pk)
        return self.users[pk]

    def run(self, specs: list[DemoOrder]) -> None:
        agenda = []
        for i, spec in enumerate(specs):
            start = self.start_of(spec)
            for n, step in enumerate((Step(0, "report"), *spec.steps)):
                origin = self.now if step.after < 0 else start
                agenda.append((origin + dt.timedelta(minutes=step.after), i, n, spec, step))
        for at, i, _n, spec, step in sorted(agenda, key=lambda row: row[:3]):
            self.sweep_until(at)
            with _clock(at):
                self.play(i, spec, step)
        self.sweep_until(self.now)

    def start_of(self, spec: DemoOrder) -> dt.datetime:
        """The report time; a history that would end in the future is moved back to end now."""
        if isinstance(spec.at, int):
            start = self.now - dt.timedelta(minutes=spec.at)
        else:
            days, hhmm = spec.at
            day = timezone.localdate(self.now) - dt.timedelta(days=days)
            clock = dt.time.fromisoformat(hhmm)
            start = timezone.make_aware(dt.datetime.combine(day, clock))
        last = start + dt.timedelta(minutes=max((s.after for s in spec.steps if s.after > 0), default=0))
        latest = self.now - dt.timedelta(minutes=2)
        return start - (last - latest) if last > latest else start

    def sweep_until(self, until: dt.datetime) -> None:
        """Run the periodic sweep at every checkpoint or take deadline of the demo orders up to ``until``."""
        orders = WorkOrder.objects.filter(company=self.ctx.company)
        for _round in range(10_000):  # each round fires at least one checkpoint or deadline
            due = orders.aggregate(
                sla=Min("sla_next_at"),
                take=Min("take_due_at", filter=Q(status=Status.DISPATCHED, taken_at__isnull=True)),
            )
            moments = [t for t in due.values() if t is not None and t <= until]
            if not moments:
                return
            at = min(moments)
            with _clock(at):  # what workorders.tasks.sweep does every minute, without its log line
                services.sla_sweep(now=at)
                for order_id in take_timeouts_due(now=at):
                    services.take_timeout_handle(order_id=order_id, now=at)
        raise RuntimeError("the demo's SLA sweep does not settle")

    def play(self, i: int, spec: DemoOrder, step: Step) -> None:
        people = self.people[spec.project]
        if step.verb == "report":
            self.orders[i] = people.report(spec)
            return
        order = WorkOrder.objects.select_related("project", "department", "resident").get(pk=self.orders[i].pk)
        getattr(self, f"do_{step.verb}")(order, people, **step.args)

    #
    # Verbs: each calls one service as the person who would do it
    #
    def do_accept(self, order, people, note=""):
        services.workorder_accept(order=order, actor=people.desk_lead, note=note)

    def do_dispatch(self, order, people, to: str, note=""):
        if to in D.values:
            department = people.department(to)
            services.workorder_dispatch(
                order=order, assignee=people.worker(to), department=department, note=note, actor=people.lead(order)
            )
        else:
            user = self.user(User.objects.values_list("pk", flat=True).get(username=to))
            services.workorder_dispatch(order=order, assignee=user, note=note, actor=people.lead(order))

    def do_take(self, order, people):
        services.workorder_take(order=order, actor=self.user(order.assignee_id))

    def do_start(self, order, people, note=""):
        services.workorder_start(order=order, actor=self.user(order.assignee_id), note=note)

    def do_hold(self, order, people, hold_reason: str, reason: str):
        assignee = self.user(order.assignee_id)
        services.workorder_hold(order=order, hold_reason=hold_reason, reason=reason, actor=assignee)

    def do_complete(self, order, people, note=""):
        services.workorder_complete(order=order, actor=self.user(order.assignee_id), note=note)

    def do_verify(self, order, people):
        services.workorder_verify(order=order, passed=True, actor=people.lead(order))

    def do_close(self, order, people):
        services.workorder_close(order=order, actor=people.desk_lead)

    def do_reject(self, order, people, reason: str):
        services.workorder_reject(order=order, reason=reason, actor=people.desk_lead)

    def do_cancel(self, order, people, reason: str):
        owner = self.user(order.reporter_id) if order.source == Source.OWNER_APP else people.desk_lead
        services.workorder_cancel(order=order, reason=reason, actor=owner)

    def do_reopen(self, order, people, reason: str):
        services.workorder_reopen(order=order, reason=reason, actor=self.user(order.reporter_id))

    def do_rate(self, order, people, **rating):
        rater = order.reporter_id if order.source == Source.OWNER_APP else order.resident.user_id
        services.workorder_rate(order=order, actor=self.user(rater), **rating)

    def do_comment(self, order, people, text: str, is_public=False):
        author = self.user(order.assignee_id) if order.assignee_id else people.lead(order)
        services.workorder_comment(order=order, text=text, is_public=is_public, actor=author)

    def do_follow_up(self, order, people, **result):
        follow_up = FollowUp.objects.filter(order=order).order_by("-id").first()
        services.follow_up_record(follow_up=follow_up, actor=people.desk_lead, **result)


class _People:
    """Who does what in one demo project: reporters, leads, workers."""

    def __init__(
        self,
        ctx: SeedContext,
        project: Project,
        rng: random.Random,
        users: dict[int, User],
        categories: dict[str, Category],
    ) -> None:
        self.ctx, self.project, self.users, self.categories = ctx, project, users, categories
        members = Membership.objects.filter(project=project, is_active=True).select_related("user", "department")
        self.members = list(members.order_by("id"))
        for m in self.members:
            users.setdefault(m.user_id, m.user)
        self.areas = {a.name: a for a in Area.objects.filter(project=project)}
        self.desk_lead = self.supervisor(D.CUSTOMER_SERVICE)
        self.owners = _roster_owners(project, rng, accounts=OWNER_ACCOUNTS[project.code] + PHONE_INS[project.code])
        self.accounts = [_owner_account(self.ctx, r) for r in self.owners[: OWNER_ACCOUNTS[project.code]]]
        self.demo_owner = User.objects.get(username="owner")
        for user in (*self.accounts, self.demo_owner):
            users.setdefault(user.pk, user)

    def supervisor(self, kind: str) -> User:
        return self._in_department(Role.SUPERVISOR, kind)[0]

    def worker(self, kind: str, index: int = 0) -> User:
        return self._in_department(Role.STAFF, kind)[index]

    def _in_department(self, role: str, kind: str) -> list[User]:
        members = [m for m in self.members if m.role == role and m.department and m.department.kind == kind]
        return [self.users[m.user_id] for m in members]

    def department(self, kind: str) -> Department:
        return Department.objects.get(project=self.project, kind=kind)

    def lead(self, order: WorkOrder) -> User:
        """The supervisor of the order's department, else the project manager."""
        if order.department_id:
            leads = [m for m in self.members if m.role == Role.SUPERVISOR and m.department_id == order.department_id]
            if leads:
                return self.users[leads[0].user_id]
        manager = self.ctx.managers[self.project.code]
        return self.users.setdefault(manager.pk, manager)

    def report(self, spec: DemoOrder) -> WorkOrder:
        data: dict[str, Any] = {
            "kind": spec.kind,
            "category": self.categories[spec.category],
            "title": spec.title,
            "description": spec.description,
        }
        if spec.area:
            data["area"] = self.areas[spec.area]
        if spec.unit:
            data["unit"] = Unit.objects.get(project=self.project, code=spec.unit)
        actor = self._reporter(spec, data)
        return services.workorder_create(project=self.project, data=data, actor=actor)

    def _reporter(self, spec: DemoOrder, data: dict[str, Any]) -> User:
        who = spec.who
        if who == "owner" or (who.startswith("o") and who[1:].isdigit()):
            user = self.demo_owner if who == "owner" else self.accounts[int(who[1:]) - 1]
            if not spec.area and "unit" not in data:
                data["unit"] = _unit_of(user=user, project=self.project)
            return user
        if who in ("guard", "cleaner"):
            data["source"] = Source.STAFF
            return self.worker(D.SECURITY if who == "guard" else D.CLEANING)
        if who == "desk":
            data["source"] = Source.WALK_IN
            return self.worker(D.CUSTOMER_SERVICE)
        hotline, _sep, ref = who.rpartition(":")
        resident = self.owners[OWNER_ACCOUNTS[self.project.code] + int(ref[1:]) - 1]
        data.update(
            source=Source.HOTLINE_12345 if hotline else Source.PHONE,
            resident=resident,
            contact_name=resident.name,
            contact_phone=resident.phone,
        )
        if not spec.area and "unit" not in data:
            data["unit"] = UnitResident.objects.filter(resident=resident).order_by("id").first().unit
        return self.worker(D.CUSTOMER_SERVICE)


def _roster_owners(project: Project, rng: random.Random, *, accounts: int) -> list[Resident]:
    """Verified residents of the project without an account, a fixed sample (the demo owner excluded)."""
    residents = list(
        Resident.objects.filter(units__unit__project=project, units__is_verified=True, user__isnull=True)
        .exclude(units__unit__code=OWNER_UNIT)
        .distinct()
        .order_by("id")
    )
    return rng.sample(residents, accounts)


def _owner_account(ctx: SeedContext, resident: Resident) -> User:
    """An /m/ account for a roster owner: username and password like the demo owner's, his phone signs in."""
    user = User.objects.filter(phone=resident.phone).first()
    if user is None:
        user = user_create(username=resident.phone, name=resident.name, phone=resident.phone)
        ctx.new_users.append(user)
    core_services.resident_link_account(resident=resident)
    return user


def _unit_of(*, user: User, project: Project) -> Unit:
    return UnitResident.objects.filter(resident__user=user, unit__project=project).order_by("id").first().unit
