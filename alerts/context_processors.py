from core.access import access_for
from core.choices import Perm


def alerts(request):
    """The navbar's alert bell: unread inbox items of people who see alerts (one indexed count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = access_for(user)
    if not access.is_staff_member or not (access.is_superuser or access.has(Perm.ALERT_VIEW)):
        return {}
    from alerts.selectors import inbox_unread_count

    return {"alerts_unread": inbox_unread_count(user=user)}
