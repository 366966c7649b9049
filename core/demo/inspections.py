"""The demo's quality inspections, made through the inspections services.

In 锦绣花园: yesterday's daily quality round by the quality manager, with two failures whose
findings opened rectification orders (one rectified and verified, one still with the cleaning
team); today's pre-holiday safety inspection, lead by the quality manager with the third-party
`inspector` invited, waiting to be done on a phone; and a weekly mystery-shopper round of the
customer service in 环球金融中心, scored 0–5 per item.
"""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from core.demo import places
from core.models import Area
from inspections.models import ChecklistTemplate, InspectionRound
from inspections.services import (
    finding_rectify,
    finding_start,
    finding_verify,
    round_create,
    round_result_record,
    round_submit,
)

# The daily round's failures: (item key, public area, note).
DAILY_FAILURES = [
    ("eng-pump-room", "水泵房", "2号泵机械密封处滴水，地面有积水，运行记录缺两天。"),
    ("cln-corridor", "3栋电梯厅", "电梯厅地面有污渍，垃圾桶满溢未及时清理。"),
]
MYSTERY_SCORES = {"cs-hotline": 4, "cs-front-desk": 5, "cs-repair-intake": 3, "cs-complaint": 4, "cs-follow-up": 2}


def seed_inspections(ctx) -> None:
    """Once per company (when it has no rounds yet)."""
    if InspectionRound.objects.filter(company=ctx.company).exists():
        return
    people = {u.username: u for u in User.objects.filter(username__in=["quality", "inspector", "supervisor"])}
    now = timezone.now()
    _daily_round(ctx, people, now)
    _holiday_round(ctx, people, now)
    _mystery_round(ctx, people, now)


def _version(ctx, code: str):
    return ChecklistTemplate.objects.get(company=ctx.company, code=code).current_version


def _daily_round(ctx, people: dict, now: dt.datetime) -> None:
    project, quality = ctx.projects[places.RESIDENTIAL], people["quality"]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    start = now - dt.timedelta(days=1, hours=2)
    version = _version(ctx, "daily-quality")
    round = round_create(
        project=project,
        version=version,
        kind="daily",
        title=f"{yesterday:%m-%d} 日常品质检查",
        scheduled_for=yesterday,
        due_at=start + dt.timedelta(hours=8),
        lead=quality,
        inspectors=[quality],
        actor=quality,
    )
    failures = {key: (area, note) for key, area, note in DAILY_FAILURES}
    for i, item in enumerate(version.items.order_by("sort_order")):
        at = start + dt.timedelta(minutes=4 * i)
        if item.key in failures:
            area_name, note = failures[item.key]
            area = Area.objects.filter(project=project, name=area_name).first()
            round_result_record(
                round=round,
                item=item,
                outcome="fail",
                note=note,
                photo=_photo(f"{item.title}：{area_name}", "#b02a37"),
                area=area,
                actor=quality,
                at=at,
            )
        else:
            round_result_record(round=round, item=item, outcome="pass", actor=quality, at=at)
    round_submit(round=round, actor=quality)
    pump = round.findings.get(item__key="eng-pump-room")
    supervisor = people["supervisor"]
    finding_start(finding=pump, actor=supervisor, note="已安排水暖工更换机械密封。")
    finding_rectify(
        finding=pump,
        note="已更换2号泵机械密封，清理积水，补齐运行记录。",
        photo=_photo("2号泵 整改后", "#198754"),
        actor=supervisor,
    )
    finding_verify(finding=pump, passed=True, note="现场复查：无渗漏，记录完整。", actor=quality)


def _holiday_round(ctx, people: dict, now: dt.datetime) -> None:
    quality, inspector = people["quality"], people["inspector"]
    round_create(
        project=ctx.projects[places.RESIDENTIAL],
        version=_version(ctx, "holiday-safety"),
        kind="special",
        title="元旦节前安全专项检查",
        scheduled_for=timezone.localdate(),
        due_at=now + dt.timedelta(days=2),
        lead=quality,
        inspectors=[quality, inspector],
        actor=quality,
    )


def _mystery_round(ctx, people: dict, now: dt.datetime) -> None:
    inspector, quality = people["inspector"], people["quality"]
    version = _version(ctx, "mystery-shopper-cs")
    round = round_create(
        project=ctx.projects[places.OFFICE],
        version=version,
        kind="mystery_shopper",
        title="客服神秘访客（第47周）",
        scheduled_for=timezone.localdate() - dt.timedelta(days=2),
        due_at=now,
        lead=inspector,
        inspectors=[inspector],
        actor=quality,
    )
    for item in version.items.order_by("sort_order"):
        score = MYSTERY_SCORES.get(item.key, 4)
        failed = score <= 2  # the quality department's line for a mystery-shopper item
        note = "回访电话未核实问题是否解决，未询问满意度。" if failed else ""
        outcome = "fail" if failed else "pass"
        round_result_record(round=round, item=item, outcome=outcome, score=score, note=note, actor=inspector)
    round_submit(round=round, actor=inspector)


def _photo(text: str, color: str) -> SimpleUploadedFile:
    """A small stand-in photo (the demo has no camera); the caption says what it shows."""
    img = Image.new("RGB", (640, 480), color)
    ImageDraw.Draw(img).rectangle((20, 20, 620, 460), outline="white", width=6)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return SimpleUploadedFile(f"{abs(hash(text)) % 10**8}.jpg", buf.getvalue(), content_type="image/jpeg")
