from django.utils.translation import gettext_lazy as _

from lib.tables import Column, Table


class NoticeTable(Table):
    columns = [
        Column("project", _("project"), "project.name"),
        Column("title", _("title")),
        Column("is_pinned", _("pinned"), lambda n: _("Yes") if n.is_pinned else ""),
        Column(
            "published_at",
            _("published at"),
            lambda n: n.published_at or _("Draft"),
            badge=lambda n: "success" if n.published_at else "secondary",
        ),
    ]
