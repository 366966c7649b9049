"""Seed data every company starts with: the service-level profiles of DOMAIN.md §6.1 and a starter
library of standard items per discipline. All of it is editable per company; seeding only adds
what is missing, so a company's edits survive a re-run.

The rows are plain data (no model imports) so the data migration can seed existing companies
with the historical models: ``seed_company`` takes the model classes it writes.
"""

from dataclasses import dataclass

from standards.choices import Discipline as D
from standards.choices import RankDirection

R04 = "[R] 2004 std"  # recalled from 《普通住宅小区物业管理服务等级标准（试行）》, not yet checked
V04 = "[V] 2004 std"  # seen in the source text
LOCAL = "[S] local std"
CUSTOM = "custom"
BASED_ON = "level_2"  # the custom profile starts as a copy of 二级's settings

# code, name, rank, description
PROFILES = [
    ("level_1", "一级", 1, "2004《普通住宅小区物业管理服务等级标准（试行）》一级：最高服务等级。"),
    ("level_2", "二级", 2, "2004《普通住宅小区物业管理服务等级标准（试行）》二级。"),
    ("level_3", "三级", 3, "2004《普通住宅小区物业管理服务等级标准（试行）》三级：基本服务等级。"),
    (
        CUSTOM,
        "自定义/地方标准",
        2,
        "按合同或地方标准约定的服务等级。初始值复制自二级，请按合同调整各项设置及等级方向。",
    ),
]


@dataclass(frozen=True)
class Level:
    """One cell of the §6.1 table: the text shown and its machine-readable form."""

    value: str
    rrule: str = ""
    interval_minutes: int | None = None
    times_per_day: int | None = None
    target_percent: int | None = None
    limit_minutes: int | None = None
    basis: str = R04


def _daily(times: int) -> Level:
    return Level(f"每日{times}次", "FREQ=DAILY", times_per_day=times)


def _patrol(hours: int) -> Level:
    return Level(f"每{hours}小时", f"FREQ=HOURLY;INTERVAL={hours}", interval_minutes=hours * 60)


WEEKLY = "FREQ=WEEKLY"
MONTHLY = "FREQ=MONTHLY"
QUARTERLY = "FREQ=MONTHLY;INTERVAL=3"
HALF_YEARLY = "FREQ=MONTHLY;INTERVAL=6"
YEARLY = "FREQ=YEARLY"
HALF_MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=1,16"

# key, label, (一级, 二级, 三级) — DOMAIN.md §6.1 in its order
SETTINGS = [
    (
        "urgent_repair_onsite",
        "急修到场时限",
        (
            Level("30分钟", limit_minutes=30),
            Level("60分钟", limit_minutes=60),
            Level("120分钟", limit_minutes=120),
        ),
    ),
    ("key_area_patrol_interval", "重点区域巡逻间隔", (_patrol(1), _patrol(2), _patrol(3))),
    (
        "common_parts_inspection",
        "房屋共用部位巡查",
        (
            Level("每日1次", "FREQ=DAILY"),
            Level("每3日1次", "FREQ=DAILY;INTERVAL=3"),
            Level("每周1次", WEEKLY),
        ),
    ),
    ("waste_clearance", "垃圾清运", (_daily(2), _daily(1), _daily(1))),
    ("road_sweeping", "道路及绿地清扫", (_daily(2), _daily(1), _daily(1))),
    ("corridor_sweeping", "电梯厅及楼道清扫", (_daily(2), _daily(1), _daily(1))),
    (
        "corridor_mopping",
        "电梯厅及楼道拖洗",
        (Level("每周1次", WEEKLY), Level("每半月1次", HALF_MONTHLY), Level("不要求")),
    ),
    (
        "glass_cleaning",
        "公共区域玻璃擦拭",
        (Level("每周1次", WEEKLY), Level("每月1次", MONTHLY), Level("每季度1次", QUARTERLY)),
    ),
    (
        "light_cleaning",
        "公共灯具清洁",
        (Level("每月1次", MONTHLY), Level("每季度1次", QUARTERLY), Level("每半年1次", HALF_YEARLY)),
    ),
    (
        "light_intact_target",
        "道路及楼道灯完好率",
        (Level("95%", target_percent=95), Level("90%", target_percent=90), Level("80%", target_percent=80)),
    ),
    (
        "satisfaction_survey",
        "满意度调查",
        tuple(Level("每年≥1次", YEARLY, basis="[V]/[R] 2004 std") for _ in range(3)),
    ),
    (
        "satisfaction_target",
        "满意率目标",
        (
            Level("80%", target_percent=80, basis=V04),
            Level("75%", target_percent=75),
            Level("70%", target_percent=70),
        ),
    ),
    (
        "fire_drill",
        "消防演练",
        (
            Level("每年≥2次", HALF_YEARLY, basis=LOCAL),
            Level("每年≥1次", YEARLY, basis=LOCAL),
            Level("每年≥1次", YEARLY, basis=LOCAL),
        ),
    ),
]
LEVEL_INDEX = {"level_1": 0, "level_2": 1, "level_3": 2, CUSTOM: 1}


@dataclass(frozen=True)
class ItemSpec:
    code: str
    title: str
    requirement: str
    frequency: str
    judgement: str
    rrule: str = ""
    time_limit_minutes: int | None = None
    photo_required: bool = False


# The starter library. Frequencies written as 一级 where the level changes them; plans take the
# project's own figure from its profile settings.
ITEMS = {
    D.CUSTOMER_SERVICE: [
        ItemSpec(
            "cs-hotline",
            "服务热线接听",
            "服务热线24小时有人接听，铃响3声内接听；使用规范服务用语，首问负责，来电内容当即登记。",
            "持续",
            "抽查通话录音与来电登记：接听及时、用语规范、登记完整为合格。",
        ),
        ItemSpec(
            "cs-repair-intake",
            "报修受理与派单",
            "业主报修即时受理登记，5分钟内派单；急修按服务等级时限到场，一般维修按与业主约定的时间上门。",
            "每单",
            "工单系统中受理至派单时间≤5分钟为合格。",
            time_limit_minutes=5,
        ),
        ItemSpec(
            "cs-complaint",
            "投诉处理",
            "投诉1小时内受理并联系投诉人，24小时内给出首次实质答复；简单投诉24小时内办结，"
            "一般投诉3个工作日内办结，办结后48小时内回访。",
            "每单",
            "投诉处理及时率≥95%，回访率100%。",
            time_limit_minutes=60,
        ),
        ItemSpec(
            "cs-follow-up",
            "维修回访",
            "维修完成后48小时内回访业主，回访率100%，记录业主评价；不满意的重新派单处理。",
            "每单",
            "抽查回访记录：按时回访、评价记录完整、不满意已重新处理为合格。",
            time_limit_minutes=48 * 60,
        ),
        ItemSpec(
            "cs-front-desk",
            "前台接待",
            "工作时间前台有人值守，着装统一、佩戴工牌，主动问候；来访即时接待，台账资料整齐。",
            "每日",
            "现场检查仪容仪表、接待礼仪与台账。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
        ItemSpec(
            "cs-notice",
            "公告发布",
            "停水、停电等影响业主生活的事项至少提前24小时在公告栏及线上发布；公告栏及时更新，过期公告及时撤除。",
            "按需",
            "检查公告发布记录与现场公告栏。",
            photo_required=True,
        ),
    ],
    D.ENGINEERING: [
        ItemSpec(
            "eng-power-room",
            "配电房巡检",
            "每日巡视配电房，记录电压、电流、温度；检查设备运行声音、指示灯、防鼠板及消防器材，异常立即报告并处理。",
            "每日1次",
            "巡检记录完整、读数在正常范围；现场无积尘杂物，防鼠板完好。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
        ItemSpec(
            "eng-pump-room",
            "水泵房巡检",
            "每日巡视生活水泵房及消防泵房，检查水泵运行、压力、渗漏及控制柜状态；消防泵每月试运行1次。",
            "每日1次",
            "巡检记录完整，压力正常，无渗漏；消防泵试运行有记录。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
        ItemSpec(
            "eng-elevator",
            "电梯日常巡查",
            "每日检查电梯运行、轿厢照明、通风、五方对讲及紧急呼叫；督促维保单位每15日维保1次并签字确认。",
            "每日1次",
            "巡查记录完整；维保记录每15日1次且有签字。",
            rrule="FREQ=DAILY",
        ),
        ItemSpec(
            "eng-public-lights",
            "公共照明巡查",
            "每周巡查道路、楼道及地下车库照明，损坏灯具24小时内更换；完好率达到服务等级目标（一级95%）。",
            "每周1次",
            "抽查灯具完好率不低于项目服务等级的目标。",
            rrule="FREQ=WEEKLY",
            time_limit_minutes=24 * 60,
        ),
        ItemSpec(
            "eng-fire-facilities",
            "消防设施检查",
            "每月检查消火栓、灭火器、应急照明、疏散指示及防火门；灭火器压力在绿区，消防通道畅通。",
            "每月1次",
            "检查记录完整，抽查设施完好，消防通道无占用。",
            rrule="FREQ=MONTHLY",
            photo_required=True,
        ),
        ItemSpec(
            "eng-urgent-repair",
            "急修",
            "爆管、跑水、停电、跳闸、下水道冒溢等急修，接单后按服务等级时限到场（一级30分钟），急修不过夜。",
            "每单",
            "工单到场时间不超过时限，当日修复。",
            time_limit_minutes=30,
            photo_required=True,
        ),
    ],
    D.SECURITY: [
        ItemSpec(
            "sec-gate",
            "门岗值守",
            "出入口24小时值守；访客登记，外来车辆登记放行，大件物品凭放行条出门；站姿规范，礼貌待人。",
            "24小时",
            "现场检查在岗情况与登记台账。",
            rrule="FREQ=DAILY",
        ),
        ItemSpec(
            "sec-patrol",
            "重点区域巡逻",
            "按巡逻路线对出入口、地下车库、楼道、配电房周边等重点区域巡逻并逐点签到；"
            "巡逻间隔按服务等级（一级每1小时），可疑情况及时处置并报告。",
            "一级每1小时",
            "巡更到位率≥95%：逐点按时签到。",
            rrule="FREQ=HOURLY;INTERVAL=1",
            photo_required=True,
        ),
        ItemSpec(
            "sec-cctv",
            "监控中心值班",
            "监控中心24小时值班，监控画面完好，录像保存不少于30天；发现异常即时调度，交接班记录完整。",
            "24小时",
            "抽查录像保存天数与值班、交接班记录。",
            rrule="FREQ=DAILY",
        ),
        ItemSpec(
            "sec-parking",
            "车辆停放管理",
            "引导车辆有序停放，消防通道及出入口无占用，非机动车集中停放；每日巡查地下车库2次。",
            "每日2次",
            "现场检查：消防通道畅通，无乱停乱放。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
        ItemSpec(
            "sec-fire-drill",
            "消防演练",
            "每年至少组织1次消防演练（一级2次）；演练前通知业主，演练后总结存档。",
            "每年≥1次",
            "演练方案、签到、照片及总结齐全。",
            rrule="FREQ=YEARLY",
            photo_required=True,
        ),
    ],
    D.CLEANING: [
        ItemSpec(
            "cln-waste",
            "垃圾清运",
            "生活垃圾日产日清（一级每日2次）；垃圾桶周边无散落垃圾、无异味，分类投放点有人督导。",
            "一级每日2次",
            "现场检查：垃圾桶不满溢，周边无散落、无异味。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
        ItemSpec(
            "cln-corridor",
            "电梯厅及楼道清扫",
            "电梯厅、楼道每日清扫，一级每周拖洗1次；地面无垃圾、无积水、无污渍，扶手门窗无明显灰尘。",
            "一级每日2次",
            "目视检查，白手套擦拭扶手无明显灰尘。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
        ItemSpec(
            "cln-road",
            "道路及广场清扫",
            "小区道路、广场每日清扫（一级每日2次）并循环保洁；地面无烟头、纸屑、果皮，无积水。",
            "一级每日2次",
            "抽查10处，每处烟头纸屑不超过1个。",
            rrule="FREQ=DAILY",
        ),
        ItemSpec(
            "cln-glass",
            "公共区域玻璃擦拭",
            "大堂门窗、单元门玻璃按服务等级擦拭（一级每周1次），玻璃明亮，无水迹、无手印。",
            "一级每周1次",
            "目视检查：1米外无明显水迹、手印。",
            rrule="FREQ=WEEKLY",
            photo_required=True,
        ),
        ItemSpec(
            "cln-elevator-car",
            "电梯轿厢清洁",
            "电梯轿厢每日清洁2次，轿厢壁及按钮无污迹手印，地面干净无杂物。",
            "每日2次",
            "现场抽查轿厢。",
            rrule="FREQ=DAILY",
            photo_required=True,
        ),
    ],
    D.GREENING: [
        ItemSpec(
            "grn-mowing",
            "草坪修剪",
            "生长季（4—10月）每两周修剪1次，草高不超过8厘米，边缘整齐，无明显杂草。",
            "生长季每两周1次",
            "抽查草高与杂草情况。",
            rrule="FREQ=WEEKLY;INTERVAL=2;BYMONTH=4,5,6,7,8,9,10",
            photo_required=True,
        ),
        ItemSpec(
            "grn-pruning",
            "乔灌木修剪",
            "绿篱、灌木每季度修剪1次，造型整齐；乔木冬季修剪，枯枝及时清除，台风前加固。",
            "每季度1次",
            "现场检查：造型整齐，无枯枝。",
            rrule="FREQ=MONTHLY;INTERVAL=3",
            photo_required=True,
        ),
        ItemSpec(
            "grn-watering",
            "绿地浇灌",
            "根据天气及时浇灌，夏季每日早晚浇水，避开正午高温；无干枯、死亡植株。",
            "夏季每日",
            "现场检查：无缺水萎蔫、无死株。",
            rrule="FREQ=DAILY;BYMONTH=6,7,8,9",
        ),
        ItemSpec(
            "grn-pest",
            "病虫害防治",
            "每月巡查病虫害，发现后及时防治；喷药前24小时公告，避开业主活动时段并设置警示标志。",
            "每月1次",
            "巡查记录、喷药公告及警示标志齐全，无明显病虫害。",
            rrule="FREQ=MONTHLY",
            photo_required=True,
        ),
        ItemSpec(
            "grn-fertilizing",
            "施肥",
            "草坪及花木每年春秋各施肥1次，施肥后及时浇水，无烧苗。",
            "每年2次",
            "施肥记录齐全，无烧苗。",
            rrule="FREQ=YEARLY;BYMONTH=3,9",
        ),
    ],
}


def seed_company(company_id: int, *, Profile, Setting, Item, Revision) -> None:
    """Add the default profiles, settings and items a company lacks; never touches existing rows.

    Takes the model classes so the data migration can pass its historical models.
    """
    profiles = _seed_profiles(company_id, Profile)
    _seed_settings(company_id, profiles, Setting)
    _seed_items(company_id, Item, Revision)


def _seed_profiles(company_id: int, Profile) -> dict:
    existing = {p.code: p for p in Profile.objects.filter(company_id=company_id)}
    missing = [
        Profile(
            company_id=company_id,
            code=code,
            name=name,
            rank=rank,
            rank_direction=RankDirection.LOWER_IS_HIGHER,
            is_builtin=True,
            description=description,
        )
        for code, name, rank, description in PROFILES
        if code not in existing
    ]
    for profile in Profile.objects.bulk_create(missing):
        existing[profile.code] = profile
    return existing


def _seed_settings(company_id: int, profiles: dict, Setting) -> None:
    seeded = set(Setting.objects.filter(company_id=company_id).values_list("profile_id", "key"))
    rows = []
    for code, _name, _rank, _description in PROFILES:
        profile = profiles[code]
        for order, (key, label, levels) in enumerate(SETTINGS, start=1):
            if (profile.pk, key) in seeded:
                continue
            level = levels[LEVEL_INDEX[code]]
            basis = f"{level.basis}，复制自二级" if code == CUSTOM else level.basis
            rows.append(
                Setting(
                    company_id=company_id,
                    profile=profile,
                    key=key,
                    label=label,
                    value=level.value,
                    rrule=level.rrule,
                    interval_minutes=level.interval_minutes,
                    times_per_day=level.times_per_day,
                    target_percent=level.target_percent,
                    limit_minutes=level.limit_minutes,
                    basis=basis,
                    sort_order=order * 10,
                )
            )
    Setting.objects.bulk_create(rows)


def _seed_items(company_id: int, Item, Revision) -> None:
    seeded = set(Item.objects.filter(company_id=company_id).values_list("code", flat=True))
    specs, items = [], []
    for discipline, entries in ITEMS.items():
        for order, spec in enumerate(entries, start=1):
            if spec.code not in seeded:
                specs.append(spec)
                items.append(
                    Item(
                        company_id=company_id,
                        discipline=discipline,
                        code=spec.code,
                        title=spec.title,
                        sort_order=order * 10,
                    )
                )
    items = Item.objects.bulk_create(items)
    revisions = Revision.objects.bulk_create(
        Revision(
            company_id=company_id,
            item=item,
            number=1,
            requirement=spec.requirement,
            frequency=spec.frequency,
            rrule=spec.rrule,
            time_limit_minutes=spec.time_limit_minutes,
            judgement=spec.judgement,
            photo_required=spec.photo_required,
            note="初始版本（系统预置）",
        )
        for item, spec in zip(items, specs, strict=True)
    )
    for item, revision in zip(items, revisions, strict=True):
        item.current_revision = revision
    Item.objects.bulk_update(items, ["current_revision"])
