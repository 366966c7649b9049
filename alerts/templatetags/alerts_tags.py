"""Badge colours of alerts and deliveries for the templates, from the COLORS maps in alerts.choices."""

from django import template

from alerts.choices import ALERT_STATUS_COLORS, DELIVERY_STATUS_COLORS, SEVERITY_COLORS

register = template.Library()


@register.filter
def severity_color(value: str) -> str:
    return SEVERITY_COLORS.get(value, "secondary")


@register.filter
def alert_status_color(value: str) -> str:
    return ALERT_STATUS_COLORS.get(value, "secondary")


@register.filter
def delivery_color(value: str) -> str:
    return DELIVERY_STATUS_COLORS.get(value, "secondary")


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)
