from django import template

from standards.choices import DISCIPLINE_COLORS

register = template.Library()


@register.filter
def discipline_color(value: str) -> str:
    return DISCIPLINE_COLORS.get(value, "secondary")
