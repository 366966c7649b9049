from core.access import access_for


def tenancy(request):
    """Navigation context: the user's access and the project chosen in the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from core.views_helpers import current_project_id, switcher_projects

    access = access_for(user)
    context = {"access": access}
    if access.is_staff_member:
        context["switcher_projects"] = switcher_projects(request)
        context["current_project_id"] = current_project_id(request)
        context["calendar_warning_years"] = _calendar_warning(request, access)
    return context


def _calendar_warning(request, access) -> list[int]:
    from core.choices import Perm
    from core.selectors import calendar_missing_years, default_company_for_user

    if not access.has(Perm.CALENDAR_MANAGE) or not access.company_grants.get(Perm.CALENDAR_MANAGE):
        return []
    company = default_company_for_user(user=request.user)
    return calendar_missing_years(company=company) if company else []
