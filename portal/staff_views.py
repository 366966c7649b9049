"""Staff side of owner notices: write, publish, withdraw."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from lib.views import form_page, list_page
from portal import services
from portal.filtersets import NoticeFilterSet
from portal.forms import NoticeForm
from portal.selectors import get_notice_for_user, staff_notice_list
from portal.tables import NoticeTable


@staff_required(Perm.ORG_VIEW)
def notice_list(request):
    actions = []
    if access_for(request.user).has(Perm.NOTICES_MANAGE):
        actions = [{"label": _("New notice"), "url": reverse("notice_create"), "icon": "plus-lg"}]
    return list_page(
        request,
        queryset=staff_notice_list(user=request.user),
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
    notice = get_notice_for_user(user=request.user, pk=pk, write=True)
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
