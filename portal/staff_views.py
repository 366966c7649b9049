"""Staff side of owner notices: write, publish, withdraw."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.access import access_for, get_object_for_user, restrict
from core.choices import Perm
from core.decorators import staff_required
from core.filtersets import SearchFilterSet, project_filter
from lib.tables import Column, Table
from lib.views import form_page, list_page
from portal import services
from portal.forms import NoticeForm
from portal.models import Notice


class NoticeFilterSet(SearchFilterSet):
    search_fields = ("title", "body")
    project_id = project_filter()

    class Meta:
        model = Notice
        fields = ["q", "project_id"]


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


def _notices(user):
    return restrict(Notice.objects.select_related("project"), user, Perm.ORG_VIEW)


@staff_required(Perm.ORG_VIEW)
def notice_list(request):
    actions = []
    if access_for(request.user).has(Perm.NOTICES_MANAGE):
        actions = [{"label": _("New notice"), "url": reverse("notice_create"), "icon": "plus-lg"}]
    return list_page(
        request,
        queryset=_notices(request.user),
        filterset_class=NoticeFilterSet,
        table_class=NoticeTable,
        title=_("Notices to owners"),
        export_name="notices",
        actions=actions,
        extra={"row_template": "portal/notice_row_actions.html"},
    )


@staff_required(Perm.NOTICES_MANAGE)
def notice_create(request):
    form = NoticeForm(request.POST or None, user=request.user)

    def save(data):
        project, publish = data.pop("project"), data.pop("publish")
        services.notice_create(project=project, data=data, publish=publish, actor=request.user)
        return reverse("notice_list")

    return form_page(request, form=form, title=_("New notice"), on_valid=save, success_message=_("Saved."))


@require_POST
@staff_required(Perm.NOTICES_MANAGE)
def notice_publish(request, pk):
    notice = get_object_for_user(
        _notices(request.user), request.user, pk, perm=Perm.ORG_VIEW, write_perm=Perm.NOTICES_MANAGE
    )
    try:
        if notice.published_at:
            services.notice_withdraw(notice=notice, actor=request.user)
            messages.success(request, _("Notice withdrawn."))
        else:
            services.notice_publish(notice=notice, actor=request.user)
            messages.success(request, _("Notice published."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("notice_list")
