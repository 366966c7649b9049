"""One FilterSet per list: the library (UI list and API) and the profiles' settings (API)."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import SearchFilterSet
from standards.choices import Discipline
from standards.models import StandardItem


class StandardItemFilterSet(SearchFilterSet):
    search_fields = ("title", "code", "current_revision__requirement", "current_revision__judgement")
    discipline = filters.ChoiceFilter(choices=Discipline.choices, label=_("discipline"))
    is_active = filters.BooleanFilter(label=_("active"))
    photo_required = filters.BooleanFilter(field_name="current_revision__photo_required", label=_("photo required"))

    class Meta:
        model = StandardItem
        fields = ["q", "discipline", "is_active", "photo_required"]
