from django import forms, template

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with the Bootstrap class its type needs."""
    widget = field.field.widget
    if isinstance(widget, (forms.Select, forms.SelectMultiple)):
        css = "form-select form-select-sm" if isinstance(widget, forms.NullBooleanSelect) else "form-select"
    elif isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
