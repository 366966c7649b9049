"""The project switcher: the staff UI remembers one chosen project per session."""

from django.http import HttpRequest

from core.selectors import project_list

SESSION_KEY = "current_project_id"


def switcher_projects(request: HttpRequest) -> list:
    cached = getattr(request, "_switcher_projects", None)
    if cached is None:
        cached = list(project_list(user=request.user).only("id", "name", "company_id"))
        request._switcher_projects = cached
    return cached


def current_project_id(request: HttpRequest) -> int | None:
    """The chosen project if the user still may see it; None means all his projects."""
    project_id = request.session.get(SESSION_KEY)
    if project_id and any(p.id == project_id for p in switcher_projects(request)):
        return project_id
    return None


def set_current_project(request: HttpRequest, project_id: int | None) -> None:
    if project_id is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = project_id
