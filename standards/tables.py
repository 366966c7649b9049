"""Tables of the standards pages (HTML list and Excel export from one definition)."""

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from lib.tables import Column, Table
from standards.choices import DISCIPLINE_COLORS


def yes_no(value: bool):
    return _("Yes") if value else _("No")


def minutes_text(minutes: int | None) -> str:
    """120 → "2 h", 90 → "90 min", 2880 → "2 d"; "—" when empty."""
    if not minutes:
        return "—"
    if minutes % 1440 == 0:
        return _("{n} d").format(n=minutes // 1440)
    if minutes % 60 == 0:
        return _("{n} h").format(n=minutes // 60)
    return _("{n} min").format(n=minutes)


def _current(field: str):
    def value(item):
        revision = item.current_revision
        return getattr(revision, field) if revision else ""

    return value


class StandardItemTable(Table):
    columns = [
        Column("code", _("code")),
        Column("title", _("title"), link="standards:standard_item_detail"),
        Column(
            "discipline",
            _("discipline"),
            "get_discipline_display",
            badge=lambda i: DISCIPLINE_COLORS.get(i.discipline, "secondary"),
        ),
        Column("requirement", _("requirement"), lambda i: Truncator(_current("requirement")(i)).chars(60)),
        Column("frequency", _("frequency"), _current("frequency")),
        Column(
            "time_limit",
            _("time limit"),
            lambda i: minutes_text(i.current_revision.time_limit_minutes) if i.current_revision else "—",
        ),
        Column(
            "photo_required",
            _("photo required"),
            lambda i: yes_no(bool(i.current_revision and i.current_revision.photo_required)),
        ),
        Column("revision", _("revision"), lambda i: f"v{i.current_revision.number}" if i.current_revision else "—"),
        Column(
            "is_active",
            _("active"),
            lambda i: yes_no(i.is_active),
            badge=lambda i: "success" if i.is_active else "secondary",
        ),
    ]
