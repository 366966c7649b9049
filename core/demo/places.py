"""The demo company: its projects, buildings, public areas, departments, staff and notices.

Plain data, read by core.demo.seed. Project names and addresses are made up.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.choices import AreaKind, DepartmentKind, ProjectKind, Role, ServiceLevel

COMPANY = {
    "name": "安居物业服务有限公司",
    "short_name": "安居物业",
    "code": "anju",
    "phone": "400-826-1188",
}

RESIDENTIAL = "jinxiu"
OFFICE = "huanqiu"

PROJECTS: dict[str, dict] = {
    RESIDENTIAL: {
        "name": "锦绣花园",
        "kind": ProjectKind.RESIDENTIAL,
        "service_level": ServiceLevel.LEVEL_1,
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路388号",
        "contract_start": dt.date(2022, 1, 1),
        "contract_end": dt.date(2027, 12, 31),
    },
    OFFICE: {
        "name": "环球金融中心",
        "kind": ProjectKind.OFFICE,
        "service_level": ServiceLevel.LEVEL_1,
        "city": "上海市",
        "district": "浦东新区",
        "address": "世纪大道1688号",
        "contract_start": dt.date(2023, 7, 1),
        "contract_end": dt.date(2028, 6, 30),
    },
}


@dataclass(frozen=True)
class BuildingSpec:
    """A building of identical stacks: every entrance has ``layouts`` rooms per floor from ``first_floor`` up."""

    name: str
    floors: int
    entrances: int  # 0 for office towers without 单元
    layouts: tuple[Decimal, ...]  # floor area of room 01, 02, ... on each floor
    first_floor: int = 1
    code_prefix: str = ""
    occupancy: float = 0.88


def _areas(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


_HIGH_RISE = _areas("89.62", "128.45")
_HIGH_RISE_LARGE = _areas("118.20", "143.56")
_THREE_ROOM = _areas("65.80", "89.31", "98.74")
_GARDEN_HOUSE = _areas("143.60", "178.92")

# 10 buildings, 1,182 apartments: high-rises, mid-rises and four-entrance 洋房.
RESIDENTIAL_BUILDINGS = [
    *(BuildingSpec(f"{n}栋", 32, 2, _HIGH_RISE) for n in (1, 2, 3)),
    *(BuildingSpec(f"{n}栋", 26, 2, _HIGH_RISE_LARGE) for n in (4, 5)),
    *(BuildingSpec(f"{n}栋", 18, 3, _HIGH_RISE) for n in (6, 7)),
    BuildingSpec("8栋", 33, 2, _THREE_ROOM),
    *(BuildingSpec(f"{n}栋", 11, 4, _GARDEN_HOUSE) for n in (9, 10)),
]

# One 30-floor tower; floors 1–2 are lobby and retail, suites get larger towards the top.
OFFICE_ZONES = [
    (
        range(3, 13),
        _areas("86.50", "112.30", "145.80", "168.20", "220.40", "96.70", "124.60", "152.90", "188.30", "210.10"),
    ),
    (range(13, 23), _areas("126.40", "182.70", "236.50", "318.90", "142.20", "196.80", "254.30", "302.60")),
    (range(23, 31), _areas("386.20", "452.80", "518.60", "622.40")),
]
OFFICE_BUILDING = "主楼"
OFFICE_CODE_PREFIX = "A"
OFFICE_OCCUPANCY = 0.86

DEPARTMENTS = [
    (DepartmentKind.CUSTOMER_SERVICE, "客服部", "1001"),
    (DepartmentKind.ENGINEERING, "工程部", "1002"),
    (DepartmentKind.SECURITY, "秩序部", "1003"),
    (DepartmentKind.CLEANING, "环境部", "1004"),
    (DepartmentKind.GREENING, "绿化部", "1005"),
    (DepartmentKind.QUALITY, "品质部", "1006"),
]
PROJECT_PHONE_PREFIX = {RESIDENTIAL: "0571-8816", OFFICE: "021-5088"}
# The office tower's landscaping is contracted out, so it has no greening department.
PROJECT_DEPARTMENTS = {
    RESIDENTIAL: [k for k, _n, _p in DEPARTMENTS],
    OFFICE: [k for k, _n, _p in DEPARTMENTS if k != DepartmentKind.GREENING],
}

# (name, kind, building name or None, description)
RESIDENTIAL_AREAS = [
    ("南大门", AreaKind.GATE, None, "主出入口，人车分流，24小时值守"),
    ("北门", AreaKind.GATE, None, "人行出入口，22:00后关闭"),
    ("中心花园", AreaKind.GARDEN, None, "中心景观水系及草坪"),
    ("东侧绿化带", AreaKind.GARDEN, None, ""),
    ("儿童游乐区", AreaKind.GARDEN, None, "滑梯、沙池及健身器材"),
    ("小区主干道", AreaKind.ROAD, None, "环形车行道"),
    ("中心广场", AreaKind.ROAD, None, ""),
    ("地下车库", AreaKind.GARAGE, None, "B1层，1,050个车位"),
    ("非机动车库", AreaKind.GARAGE, None, "含电动车集中充电区"),
    ("监控室", AreaKind.EQUIPMENT_ROOM, None, "消防控制室与监控中心合署"),
    ("水泵房", AreaKind.EQUIPMENT_ROOM, None, "二次供水设备"),
    ("配电房", AreaKind.EQUIPMENT_ROOM, None, ""),
    ("垃圾分类站", AreaKind.OTHER, None, "定时定点投放"),
    *((f"{b.name}大堂", AreaKind.LOBBY, b.name, "") for b in RESIDENTIAL_BUILDINGS),
    *((f"{b.name}电梯厅", AreaKind.ELEVATOR_HALL, b.name, "") for b in RESIDENTIAL_BUILDINGS),
    *((f"{b.name}楼梯间", AreaKind.CORRIDOR, b.name, "") for b in RESIDENTIAL_BUILDINGS),
    ("1栋屋面", AreaKind.ROOF, "1栋", "太阳能热水及避雷设施"),
]
OFFICE_AREAS = [
    ("一层大堂", AreaKind.LOBBY, OFFICE_BUILDING, "前台、访客登记及闸机"),
    ("低区电梯厅", AreaKind.ELEVATOR_HALL, OFFICE_BUILDING, "3–12层"),
    ("中区电梯厅", AreaKind.ELEVATOR_HALL, OFFICE_BUILDING, "13–22层"),
    ("高区电梯厅", AreaKind.ELEVATOR_HALL, OFFICE_BUILDING, "23–30层"),
    ("消防通道", AreaKind.CORRIDOR, OFFICE_BUILDING, ""),
    ("地下车库B1", AreaKind.GARAGE, OFFICE_BUILDING, ""),
    ("地下车库B2", AreaKind.GARAGE, OFFICE_BUILDING, ""),
    ("监控室", AreaKind.EQUIPMENT_ROOM, OFFICE_BUILDING, "消防控制室"),
    ("空调机房", AreaKind.EQUIPMENT_ROOM, OFFICE_BUILDING, "冷水机组及冷却塔"),
    ("配电房", AreaKind.EQUIPMENT_ROOM, OFFICE_BUILDING, ""),
    ("屋顶停机坪", AreaKind.ROOF, OFFICE_BUILDING, ""),
    ("前广场", AreaKind.ROAD, None, "出租车及网约车上下客区"),
    ("裙楼屋顶花园", AreaKind.GARDEN, None, ""),
]
PROJECT_AREAS = {RESIDENTIAL: RESIDENTIAL_AREAS, OFFICE: OFFICE_AREAS}


@dataclass(frozen=True)
class StaffSpec:
    """One staff account; ``username`` None means a generated name and username."""

    role: str
    title: str
    project: str | None = None
    department: str | None = None
    username: str | None = None
    count: int = 1


def _company(role: str, title: str, username: str | None = None) -> StaffSpec:
    return StaffSpec(role, title, username=username)


def _in(
    project: str, role: str, title: str, department: str | None = None, *, username: str | None = None, count: int = 1
) -> StaffSpec:
    return StaffSpec(role, title, project, department, username, count)


D = DepartmentKind
R = Role
STAFF: list[StaffSpec] = [
    _company(R.COMPANY_ADMIN, "总经理", "admin"),
    _company(R.COMPANY_ADMIN, "行政人事经理"),
    _company(R.QUALITY_MANAGER, "品质经理", "quality"),
    _company(R.QUALITY_MANAGER, "品质专员"),
    _company(R.VIEWER, "总部运营专员", "viewer"),
    # 锦绣花园
    _in(RESIDENTIAL, R.PROJECT_MANAGER, "项目经理", username="pm"),
    _in(RESIDENTIAL, R.SUPERVISOR, "客服主管", D.CUSTOMER_SERVICE),
    _in(RESIDENTIAL, R.SUPERVISOR, "工程主管", D.ENGINEERING, username="supervisor"),
    _in(RESIDENTIAL, R.SUPERVISOR, "秩序主管", D.SECURITY),
    _in(RESIDENTIAL, R.SUPERVISOR, "环境主管", D.CLEANING),
    _in(RESIDENTIAL, R.SUPERVISOR, "绿化主管", D.GREENING),
    _in(RESIDENTIAL, R.SUPERVISOR, "品质主管", D.QUALITY),
    _in(RESIDENTIAL, R.STAFF, "维修工", D.ENGINEERING, username="staff"),
    _in(RESIDENTIAL, R.STAFF, "电工", D.ENGINEERING),
    _in(RESIDENTIAL, R.STAFF, "水暖工", D.ENGINEERING),
    _in(RESIDENTIAL, R.STAFF, "客服专员", D.CUSTOMER_SERVICE, count=2),
    _in(RESIDENTIAL, R.STAFF, "秩序员", D.SECURITY, count=3),
    _in(RESIDENTIAL, R.STAFF, "保洁员", D.CLEANING, count=3),
    _in(RESIDENTIAL, R.STAFF, "绿化工", D.GREENING, count=2),
    _in(RESIDENTIAL, R.INSPECTOR, "第三方品质检查员", username="inspector"),
    _in(RESIDENTIAL, R.COMMITTEE, "业委会主任"),
    _in(RESIDENTIAL, R.COMMITTEE, "业委会副主任"),
    _in(RESIDENTIAL, R.COMMITTEE, "业委会委员"),
    # 环球金融中心
    _in(OFFICE, R.PROJECT_MANAGER, "项目经理"),
    _in(OFFICE, R.SUPERVISOR, "客服主管", D.CUSTOMER_SERVICE),
    _in(OFFICE, R.SUPERVISOR, "工程主管", D.ENGINEERING),
    _in(OFFICE, R.SUPERVISOR, "秩序主管", D.SECURITY),
    _in(OFFICE, R.SUPERVISOR, "环境主管", D.CLEANING),
    _in(OFFICE, R.STAFF, "暖通工程师", D.ENGINEERING),
    _in(OFFICE, R.STAFF, "弱电工程师", D.ENGINEERING),
    _in(OFFICE, R.STAFF, "秩序员", D.SECURITY, count=2),
    _in(OFFICE, R.STAFF, "保洁员", D.CLEANING, count=2),
    _in(OFFICE, R.STAFF, "前台接待", D.CUSTOMER_SERVICE),
    _in(OFFICE, R.INSPECTOR, "第三方品质检查员", username="inspector"),
    _in(OFFICE, R.VIEWER, "业主方代表"),
]

# (title, body, pinned)
NOTICES = {
    RESIDENTIAL: [
        (
            "关于二次供水水箱清洗的停水通知",
            "尊敬的业主：为保障饮用水卫生，管理处将于本周六 9:00–15:00 清洗1–5栋二次供水水箱，"
            "届时上述楼栋暂停供水，请提前储水。给您带来不便，敬请谅解。",
            True,
        ),
        (
            "电梯年度检验公告",
            "特种设备检验机构将于下周对小区全部电梯进行年度检验，每部电梯停运约2小时，"
            "检验期间请使用相邻电梯，具体时间以各楼栋大堂张贴为准。",
            False,
        ),
        (
            "小区消防演练通知",
            "为提高业主消防安全意识，管理处将于本月最后一个周日上午在中心广场组织消防演练及灭火器使用培训，"
            "欢迎业主参加。演练期间消防警铃会短时鸣响，请勿惊慌。",
            False,
        ),
        (
            "垃圾分类定时定点投放调整",
            "即日起，垃圾分类站开放时间调整为 7:00–9:00、18:00–21:00，其他时间请勿将垃圾放在楼道内。",
            False,
        ),
    ],
    OFFICE: [
        (
            "空调系统季节切换通知",
            "大厦空调系统将于下周一由供冷切换为供暖，切换期间（约1天）室内温度可能波动，敬请谅解。",
            True,
        ),
        (
            "大厦消防演练通知",
            "大厦将于本周四 15:00 进行全楼疏散演练，届时请各租户配合工作人员有序疏散至前广场。",
            False,
        ),
        ("节假日大厦开放时间安排", "节假日期间大厦 8:00–20:00 开放，其他时间进入需在一层大堂前台登记并刷卡。", False),
    ],
}
