"""The fixed demo accounts `manage.py demo_data` creates, and the table printed for them."""

import unicodedata
from dataclasses import dataclass

DEMO_PASSWORD = "pinzhi2026"  # published on purpose: demo accounts only
OWNER_PHONE = "13800000001"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    phone: str | None
    name: str
    role: str  # a core.choices.Role value, "owner" or "operator"
    scope: str  # what he sees, for the printed table
    path: str  # where he lands after signing in


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("admin", "13900000001", "王建国", "company_admin", "安居物业 全公司 (总经理)", "/"),
    DemoLogin("quality", "13900000002", "李慧敏", "quality_manager", "安居物业 全公司 (品质经理)", "/"),
    DemoLogin("pm", "13900000003", "张志强", "project_manager", "锦绣花园 (项目经理)", "/"),
    DemoLogin("supervisor", "13900000004", "刘海涛", "supervisor", "锦绣花园 工程部 (工程主管)", "/"),
    DemoLogin("staff", "13900000005", "陈永刚", "staff", "锦绣花园 工程部 (维修工)", "/"),
    DemoLogin("inspector", "13900000006", "杨帆", "inspector", "锦绣花园、环球金融中心 (第三方检查)", "/"),
    DemoLogin("viewer", "13900000007", "赵丽娟", "viewer", "安居物业 全公司 (只读)", "/"),
    DemoLogin("owner", OWNER_PHONE, "周明华", "owner", "锦绣花园 1栋1单元1501 业主", "/m/"),
    DemoLogin("operator", None, "平台运营", "operator", "平台超级用户 (Django admin)", "/admin/"),
]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up in a terminal even with Chinese text."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def logins_table(base_url: str = "") -> str:
    rows = [["username", "phone", "password", "name", "role", "sees", "opens"]]
    rows += [
        [x.username, x.phone or "-", DEMO_PASSWORD, x.name, x.role, x.scope, f"{base_url}{x.path}"] for x in DEMO_LOGINS
    ]
    return format_table(rows)
