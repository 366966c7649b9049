"""Staff pages for work orders (filled in by the staff-UI work)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.choices import Perm
from core.decorators import staff_required
from workorders.selectors import get_workorder_for_user


@staff_required(Perm.WO_VIEW)
def workorder_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workorders/list_placeholder.html", {})


@staff_required(Perm.WO_VIEW)
def workorder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_workorder_for_user(user=request.user, pk=pk)
    return render(request, "workorders/list_placeholder.html", {"order": order})
