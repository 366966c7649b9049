"""The owner board (业主决策平台): /m/projects/<id>/board/ for the project's people, /m/board/<token>/
for anyone holding its public link, and the staff page that switches the link on, rotates it and
switches it off (/notices/boards/)."""

import segno
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_scopes import scope

from core.access import get_object_for_user, restrict
from core.choices import Perm
from core.decorators import staff_required
from core.models import Project
from lib.charts import line_chart
from portal import board_services
from portal.board_selectors import PERIODS, board_context, board_project_for_token, board_project_for_user
from portal.views import owner_required

DEFAULT_PERIOD = "month"


def _period(request) -> str:
    period = request.GET.get("period")
    return period if period in PERIODS else DEFAULT_PERIOD


def _charts(history: dict) -> list[dict]:
    """One trend per figure, with the target of the project's service level as a dashed line; no
    chart (options None) for a figure with nothing due in the whole period."""
    charts = []
    for series in history["series"]:
        target = series["target"]
        if all(p is None for p in series["percents"]):
            charts.append({"id": f"board-{series['code']}", "options": None, **series})
            continue
        options = line_chart(
            categories=history["labels"],
            series=[(series["label"], series["percents"])],
            target=None if target is None else round(target * 100, 1),
            target_label=gettext_lazy("Target"),
            percent=True,
            y_min=0,
        )
        charts.append({"id": f"board-{series['code']}", "options": options, **series})
    return charts


def _render_board(request, project: Project, *, public: bool):
    context = board_context(project=project, period=_period(request))
    context["charts"] = _charts(context["history"])
    context["has_charts"] = any(c["options"] for c in context["charts"])
    context["public"] = public
    response = render(request, "portal/board/board.html", context)
    # The public link must stop working the moment it is rotated or switched off, and its token
    # must not travel to other sites in a Referer.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@owner_required
@never_cache
def project_board(request, pk):
    """The board for people who live in the project, its committee and its staff; 404 for anyone else."""
    return _render_board(request, board_project_for_user(user=request.user, pk=pk), public=False)


@never_cache
def public_board(request, token):
    """The board for anyone holding the project's public link, signed in or not."""
    project = board_project_for_token(token=token)
    with scope(company=[project.company_id]):
        return _render_board(request, project, public=True)


#
# Staff: the public link
#
def _manageable_projects(user):
    projects = Project.objects.filter(is_active=True).select_related("board_link").order_by("name")
    return restrict(projects, user, Perm.NOTICES_MANAGE, project_field="id")


@staff_required(Perm.NOTICES_MANAGE)
def board_links(request):
    rows = []
    for project in _manageable_projects(request.user):
        link = getattr(project, "board_link", None)
        token = link.token if link else None
        url = request.build_absolute_uri(reverse("portal:public_board", args=[token])) if token else ""
        qr = segno.make(url, error="m", micro=False).svg_data_uri(scale=3, border=2) if url else ""
        rows.append({"project": project, "link": link, "url": url, "qr": qr})
    return render(request, "portal/board/links.html", {"rows": rows, "title": _("Owner boards")})


ACTIONS = {
    "enable": (board_services.board_link_enable, gettext_lazy("The public link is on.")),
    "rotate": (board_services.board_link_rotate, gettext_lazy("New link issued; the old link no longer works.")),
    "disable": (board_services.board_link_disable, gettext_lazy("The public link is off.")),
}


@require_POST
@staff_required(Perm.NOTICES_MANAGE)
def board_link_change(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    project = get_object_for_user(
        Project.objects.filter(is_active=True),
        request.user,
        pk,
        perm=Perm.ORG_VIEW,
        write_perm=Perm.NOTICES_MANAGE,
        project_field="id",
    )
    service, done = ACTIONS[action]
    service(project=project, actor=request.user)
    messages.success(request, done)
    return redirect("board_links")
