"""Shared shapes of staff pages: a filtered, paginated, exportable list, and a form page."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from lib.excel import table_xlsx, xlsx_response

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def list_page(
    request,
    *,
    queryset,
    filterset_class,
    table_class,
    title,
    export_name: str,
    project_field: str | None = "project_id",
    actions: list | None = None,
    extra: dict | None = None,
    template: str = "list.html",
):
    """Render a list filtered by its FilterSet and the project switcher; ``?export=xlsx`` downloads it."""
    from core.views_helpers import current_project_id

    project_id = current_project_id(request)
    if project_id and project_field:
        queryset = queryset.filter(**{project_field: project_id})
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_bound else queryset
    if request.GET.get("export") == "xlsx":
        table = table_class(rows[:EXPORT_LIMIT])
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(table_xlsx(table, sheet_title=str(title)), f"{export_name}-{stamp}.xlsx")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": title,
        "filterset": filterset,
        "table": table_class(page.object_list),
        "page": page,
        "querystring": query.urlencode(),
        "actions": actions or [],
    }
    return render(request, template, {**context, **(extra or {})})


def form_page(
    request,
    *,
    form,
    title,
    on_valid: Callable,
    template: str = "form.html",
    success_message=None,
    extra: dict | None = None,
):
    """Run ``on_valid(cleaned_data)`` for a valid POST; service ValidationErrors land on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = on_valid(form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            if success_message:
                messages.success(request, success_message)
            return redirect(result)
    return render(request, template, {"form": form, "title": title, **(extra or {})})


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)
