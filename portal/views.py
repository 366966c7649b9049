"""Owner pages (/m/): mobile-first, only the owner's own units plus what projects publish."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from portal import selectors
from portal.board_selectors import committee_projects


def owner_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="portal:login")
        return view(request, *args, **kwargs)

    return wrapper


@owner_required
def home(request):
    links = selectors.my_unit_links(user=request.user)
    notices = selectors.my_notices(user=request.user)[:5]
    context = {"links": links, "notices": notices, "committee_projects": committee_projects(user=request.user)}
    return render(request, "portal/home.html", context)


@owner_required
def unit_detail(request, pk):
    link = selectors.get_my_unit_link(user=request.user, unit_id=pk)
    household = selectors.household(link=link)
    return render(request, "portal/unit_detail.html", {"link": link, "unit": link.unit, "household": household})


@owner_required
def notice_list(request):
    return render(request, "portal/notice_list.html", {"notices": selectors.my_notices(user=request.user)[:100]})


@owner_required
def notice_detail(request, pk):
    return render(request, "portal/notice_detail.html", {"notice": selectors.get_my_notice(user=request.user, pk=pk)})
