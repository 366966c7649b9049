from core.filtersets import SearchFilterSet, project_filter
from portal.models import Notice


class NoticeFilterSet(SearchFilterSet):
    search_fields = ("title", "body")
    project_id = project_filter()

    class Meta:
        model = Notice
        fields = ["q", "project_id"]
