"""Seed data every company starts with (DOMAIN.md §6.2 and §6.4); all of it is editable per company."""

from core.choices import DepartmentKind as D
from core.choices import ServiceLevel
from workorders.choices import Kind, Priority, SlaClock

P0, P1, P2, P3 = Priority.P0, Priority.P1, Priority.P2, Priority.P3
WORKDAY = 9 * 60  # minutes of one working day under the default 09:00–18:00 hours

# (code, name, priority hint, department kind, children: (code, name, priority hint, description))
REPAIR_TREE = [
    (
        "water",
        "给排水",
        P2,
        D.ENGINEERING,
        [
            ("water-leak", "漏水/渗水", P1, ""),
            ("water-burst", "水管爆裂/跑水", P1, ""),
            ("water-blocked", "下水道/地漏/马桶堵塞", P2, "冒溢时按P1处理"),
            ("water-outage", "停水/水压低", P2, "整栋停水时按P1处理"),
            ("water-meter", "水表", P2, ""),
        ],
    ),
    (
        "electric",
        "电气",
        P2,
        D.ENGINEERING,
        [
            ("power-outage", "停电/跳闸", P1, ""),
            ("electric-socket", "插座/开关", P2, ""),
            ("electric-indoor-light", "户内照明", P2, ""),
            ("electric-public-light", "楼道灯/路灯", P2, ""),
            ("electric-meter", "电表", P2, ""),
        ],
    ),
    (
        "gas",
        "燃气",
        P0,
        D.ENGINEERING,
        [
            ("gas-leak", "燃气泄漏/燃气味", P0, "同时通知燃气公司"),
        ],
    ),
    (
        "door",
        "门窗",
        P2,
        D.ENGINEERING,
        [
            ("door-entry", "入户门/门锁", P2, ""),
            ("door-access", "单元门/门禁", P2, "无法进出时按P1处理"),
            ("door-window", "窗户/玻璃", P2, ""),
            ("door-fire", "防火门", P2, ""),
        ],
    ),
    (
        "elevator",
        "电梯",
        P1,
        D.ENGINEERING,
        [
            ("elevator-trapped", "电梯困人", P0, "立即通知电梯维保单位"),
            ("elevator-stopped", "停梯/故障", P1, ""),
            ("elevator-noise", "异响/抖动", P2, ""),
            ("elevator-car", "轿厢设施", P2, ""),
        ],
    ),
    (
        "building",
        "房屋本体",
        P3,
        D.ENGINEERING,
        [
            ("building-wall-leak", "外墙渗漏", P3, ""),
            ("building-roof-leak", "屋面渗漏", P3, ""),
            ("building-crack", "墙面空鼓/开裂", P3, ""),
            ("building-floor", "地面破损", P3, ""),
        ],
    ),
    (
        "facility",
        "公共设施",
        P2,
        D.ENGINEERING,
        [
            ("facility-road", "道路/井盖", P2, "井盖缺失时按P1处理"),
            ("facility-fitness", "健身/儿童设施", P2, ""),
            ("facility-mailbox", "信报箱", P2, ""),
            ("facility-board", "宣传栏", P2, ""),
            ("facility-fence", "围墙/栏杆", P2, ""),
            ("facility-barrier", "道闸", P2, ""),
        ],
    ),
    (
        "fire",
        "消防设施",
        P1,
        D.ENGINEERING,
        [
            ("fire-hydrant", "消火栓/灭火器", P1, ""),
            ("fire-alarm", "烟感/报警", P1, ""),
            ("fire-emergency-light", "应急照明/疏散指示", P2, ""),
        ],
    ),
    (
        "smart",
        "弱电智能化",
        P2,
        D.ENGINEERING,
        [
            ("smart-cctv", "监控", P2, ""),
            ("smart-intercom", "可视对讲", P2, ""),
            ("smart-access", "门禁系统", P2, ""),
            ("smart-network", "网络", P2, ""),
        ],
    ),
    (
        "hvac",
        "暖通",
        P2,
        D.ENGINEERING,
        [
            ("hvac-heating", "供暖", P2, ""),
            ("hvac-aircon", "空调/新风", P2, ""),
        ],
    ),
    (
        "greening",
        "绿化",
        P3,
        D.GREENING,
        [
            ("greening-pruning", "修剪", P3, ""),
            ("greening-pests", "病虫害", P2, ""),
            ("greening-replant", "枯死补种", P3, ""),
            ("greening-watering", "浇灌", P3, ""),
        ],
    ),
    (
        "sanitation",
        "环境卫生",
        P2,
        D.CLEANING,
        [
            ("sanitation-garbage", "垃圾清运", P2, ""),
            ("sanitation-corner", "卫生死角", P2, ""),
            ("sanitation-pests", "四害消杀", P2, ""),
            ("sanitation-odour", "异味", P2, ""),
            ("sanitation-water-snow", "积水/积雪", P2, ""),
        ],
    ),
    (
        "security",
        "秩序安全",
        P2,
        D.SECURITY,
        [
            ("security-suspicious", "可疑人员", P1, ""),
            ("security-throwing", "高空抛物", P1, "有人受伤时按P0处理"),
            ("security-parking", "违停/占用消防通道", P1, ""),
            ("security-noise", "噪音", P2, ""),
            ("security-pets", "宠物", P2, ""),
            ("security-group-rent", "群租", P2, ""),
        ],
    ),
    (
        "renovation",
        "装修",
        P2,
        D.SECURITY,
        [
            ("renovation-illegal", "违规装修", P2, ""),
            ("renovation-noise", "装修噪音/超时", P2, ""),
            ("renovation-waste", "装修垃圾", P2, ""),
        ],
    ),
    ("indoor", "户内设施", P2, D.ENGINEERING, []),
]

COMPLAINT_TREE = [
    ("c-attitude", "服务态度", P2, D.CUSTOMER_SERVICE, []),
    (
        "c-quality",
        "服务质量",
        P2,
        D.CUSTOMER_SERVICE,
        [
            ("c-quality-cleaning", "保洁", P2, ""),
            ("c-quality-greening", "绿化", P2, ""),
            ("c-quality-security", "秩序/安保", P2, ""),
            ("c-quality-repair", "维修", P2, ""),
            ("c-quality-service", "客服", P2, ""),
        ],
    ),
    ("c-timeliness", "响应/处理时效", P2, D.CUSTOMER_SERVICE, []),
    (
        "c-fees",
        "收费与公示",
        P2,
        D.CUSTOMER_SERVICE,
        [
            ("c-fees-property", "物业费", P2, ""),
            ("c-fees-parking", "停车费", P2, ""),
            ("c-fees-income", "公共收益", P2, ""),
        ],
    ),
    (
        "c-order",
        "秩序管理",
        P2,
        D.SECURITY,
        [
            ("c-order-parking", "停车", P2, ""),
            ("c-order-noise", "噪音", P2, ""),
            ("c-order-illegal-build", "违建", P2, ""),
            ("c-order-pets", "宠物", P2, ""),
        ],
    ),
    ("c-facility", "设施设备", P2, D.ENGINEERING, []),
    (
        "c-building-quality",
        "房屋质量",
        P3,
        D.CUSTOMER_SERVICE,
        [
            ("c-building-developer", "开发商/保修期", P3, "转开发商处理"),
        ],
    ),
    ("c-neighbours", "邻里纠纷", P3, D.CUSTOMER_SERVICE, []),
    ("c-other", "其他", P2, D.CUSTOMER_SERVICE, []),
]

OTHER_CATEGORIES = [
    (Kind.INQUIRY, "inquiry", "咨询", P3, D.CUSTOMER_SERVICE),
    (Kind.SUGGESTION, "suggestion", "建议", P3, D.CUSTOMER_SERVICE),
    (Kind.PRAISE, "praise", "表扬", P3, D.CUSTOMER_SERVICE),
    (Kind.SERVICE, "service-cleaning", "保洁服务", P3, D.CLEANING),
    (Kind.SERVICE, "service-greening", "绿化服务", P3, D.GREENING),
    (Kind.SERVICE, "service-other", "其他服务", P3, D.CUSTOMER_SERVICE),
    (Kind.RECTIFICATION, "rectification", "整改", P2, D.QUALITY),
]

# (kind, priority, service level or "", clock, acknowledge, dispatch, arrive, resolve) in minutes of the clock.
H24, BIZ = SlaClock.ROUND_THE_CLOCK, SlaClock.BUSINESS
SLA_MATRIX = [
    (Kind.REPAIR, P0, "", H24, 1, 2, 15, 120),
    (Kind.REPAIR, P1, "", H24, 5, 10, 60, 24 * 60),
    (Kind.REPAIR, P1, ServiceLevel.LEVEL_1, H24, 5, 10, 30, 24 * 60),
    (Kind.REPAIR, P1, ServiceLevel.LEVEL_2, H24, 5, 10, 60, 24 * 60),
    (Kind.REPAIR, P1, ServiceLevel.LEVEL_3, H24, 5, 10, 120, 24 * 60),
    (Kind.REPAIR, P2, "", BIZ, 30, 60, None, 2 * WORKDAY),
    (Kind.REPAIR, P3, "", BIZ, 60, WORKDAY, WORKDAY, 7 * WORKDAY),
    (Kind.COMPLAINT, P0, "", H24, 1, None, 60, 120),
    (Kind.COMPLAINT, P1, "", H24, 30, None, 60, 24 * 60),
    (Kind.COMPLAINT, P2, "", BIZ, 60, None, None, 3 * WORKDAY),
    (Kind.COMPLAINT, P3, "", BIZ, 60, None, None, 7 * WORKDAY),
    (Kind.RECTIFICATION, P0, "", H24, 5, 30, None, 24 * 60),
    (Kind.RECTIFICATION, P1, "", H24, 30, 60, None, 48 * 60),
    (Kind.RECTIFICATION, P2, "", BIZ, 60, WORKDAY, None, 3 * WORKDAY),
    (Kind.RECTIFICATION, P3, "", BIZ, 60, WORKDAY, None, 7 * WORKDAY),
    (Kind.SERVICE, P0, "", H24, 1, 2, 15, 120),
    (Kind.SERVICE, P1, "", H24, 5, 10, 60, 24 * 60),
    (Kind.SERVICE, P2, "", BIZ, 60, None, None, WORKDAY),
    (Kind.SERVICE, P3, "", BIZ, 60, None, None, 2 * WORKDAY),
]
for _kind in (Kind.INQUIRY, Kind.SUGGESTION):
    SLA_MATRIX += [
        (_kind, P0, "", H24, 1, 2, 15, 120),
        (_kind, P1, "", H24, 30, None, None, 4 * 60),
        (_kind, P2, "", BIZ, 60, None, None, 2 * WORKDAY),
        (_kind, P3, "", BIZ, 60, None, None, 2 * WORKDAY),
    ]
SLA_MATRIX += [(Kind.PRAISE, p, "", BIZ, 60, None, None, None) for p in (P0, P1, P2, P3)]
