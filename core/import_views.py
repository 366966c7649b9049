from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.choices import Perm
from core.decorators import staff_required
from core.forms import ImportForm
from core.imports import IMPORT_KINDS, ImportFailed, import_run
from core.imports import import_template as build_template
from lib.excel import xlsx_response

_TARGETS = {"buildings": "core:building_list", "units": "core:unit_list", "owners": "core:resident_list"}


def _import(request, kind: str):
    spec = IMPORT_KINDS[kind]
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user, perm=spec.perm)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = import_run(
                kind=kind, project=form.cleaned_data["project"], upload=form.cleaned_data["file"], actor=request.user
            )
        except ImportFailed as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Import finished: {created} created, {updated} updated.").format(
                    created=result.created, updated=result.updated
                ),
            )
            return redirect(_TARGETS[kind])
    return render(
        request,
        "core/import.html",
        {
            "form": form,
            "errors": errors,
            "kind": kind,
            "spec": spec,
            "title": _("Import {what}").format(what=spec.title),
        },
    )


@staff_required(Perm.ORG_MANAGE)
def import_buildings(request):
    return _import(request, "buildings")


@staff_required(Perm.ORG_MANAGE)
def import_units(request):
    return _import(request, "units")


@staff_required(Perm.OWNERS_MANAGE)
def import_owners(request):
    return _import(request, "owners")


@staff_required(Perm.ORG_VIEW)
def import_template(request, kind: str):
    if kind not in IMPORT_KINDS:
        raise Http404
    return xlsx_response(build_template(kind), f"{kind}-template.xlsx")
