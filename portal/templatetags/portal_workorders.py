"""Work-order entry points on the owner's home page and tab bar."""

from django import template

from workorders.selectors import owner_follow_ups_pending, owner_workorders

register = template.Library()


@register.simple_tag
def owner_follow_up_count(user) -> int:
    """Follow-ups (回访) waiting for the owner's answer: the badge on the "My orders" tab."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return owner_follow_ups_pending(user=user).count()


@register.simple_tag
def owner_recent_workorders(user, limit: int = 3) -> list:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(owner_workorders(user=user)[:limit])
