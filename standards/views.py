"""Staff pages of the standards library and the service-level profiles.

Everyone with ``standards.view`` reads; quality managers and company admins (``standards.manage``)
write, through the services. Rows of other companies answer 404 like missing ones; a reader who
tries a write gets 403.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from lib.views import form_page, list_page
from standards import selectors, services
from standards.filtersets import StandardItemFilterSet
from standards.forms import (
    ProfileCreateForm,
    ProfileForm,
    ProfileSettingForm,
    StandardItemCreateForm,
    StandardItemEditForm,
    StandardRevisionForm,
)
from standards.models import ServiceLevelProfile, StandardRevision
from standards.services import REVISION_CONTENT, REVISION_FIELDS, SETTING_FIELDS
from standards.tables import StandardItemTable, minutes_text, yes_no


def _can_manage(request: HttpRequest) -> bool:
    access = access_for(request.user)
    return access.is_superuser or bool(access.company_grants.get(Perm.STD_MANAGE))


#
# The library
#
@staff_required(Perm.STD_VIEW)
def standard_item_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if _can_manage(request):
        actions.append(
            {"label": _("New standard item"), "url": reverse("standards:standard_item_create"), "icon": "plus-lg"}
        )
    return list_page(
        request,
        queryset=selectors.standard_item_list(user=request.user),
        filterset_class=StandardItemFilterSet,
        table_class=StandardItemTable,
        title=_("Service standards"),
        export_name="standards",
        project_field=None,
        actions=actions,
    )


def revision_rows(revision: StandardRevision, previous: StandardRevision | None) -> list[tuple]:
    """(label, shown value, changed since the previous revision) for each content field."""
    shown = {
        "time_limit_minutes": minutes_text(revision.time_limit_minutes),
        "photo_required": yes_no(revision.photo_required),
    }
    rows = []
    for name in REVISION_CONTENT:
        value = getattr(revision, name)
        changed = previous is not None and value != getattr(previous, name)
        rows.append((StandardRevision._meta.get_field(name).verbose_name, shown.get(name, value) or "—", changed))
    return rows


@staff_required(Perm.STD_VIEW)
def standard_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_standard_item_for_user(user=request.user, pk=pk)
    revisions = list(selectors.standard_revision_list(item=item))  # newest first
    history = [
        (revision, revision_rows(revision, revisions[i + 1] if i + 1 < len(revisions) else None))
        for i, revision in enumerate(revisions)
    ]
    context = {
        "title": item.title,
        "item": item,
        "history": history,
        "can_manage": selectors.can_manage_standards(user=request.user, company_id=item.company_id),
    }
    return render(request, "standards/item_detail.html", context)


@staff_required(Perm.STD_MANAGE)
def standard_item_create(request: HttpRequest) -> HttpResponse:
    company = selectors.managed_company_for_user(user=request.user)
    form = StandardItemCreateForm(request.POST or None, initial={"discipline": request.GET.get("discipline")})

    def save(data):
        item = services.standard_item_create(company=company, data=data, actor=request.user)
        return item.get_absolute_url()

    return form_page(request, form=form, title=_("New standard item"), on_valid=save, success_message=_("Created."))


@staff_required(Perm.STD_MANAGE)
def standard_item_revise(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_standard_item_for_user(user=request.user, pk=pk, write=True)
    current = item.current_revision
    initial = {f: getattr(current, f) for f in REVISION_FIELDS if f != "note"} if current else {}
    form = StandardRevisionForm(request.POST or None, initial=initial)

    def save(data):
        services.standard_item_revise(item=item, data=data, actor=request.user)
        return item.get_absolute_url()

    title = _("Revise: {title}").format(title=item.title)
    return form_page(request, form=form, title=title, on_valid=save, success_message=_("New revision saved."))


@staff_required(Perm.STD_MANAGE)
def standard_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_standard_item_for_user(user=request.user, pk=pk, write=True)
    initial = {"discipline": item.discipline, "title": item.title, "sort_order": item.sort_order}
    form = StandardItemEditForm(request.POST or None, initial=initial)

    def save(data):
        services.standard_item_update(item=item, data=data, actor=request.user)
        return item.get_absolute_url()

    return form_page(request, form=form, title=_("Edit standard item"), on_valid=save, success_message=_("Saved."))


@require_POST
@staff_required(Perm.STD_MANAGE)
def standard_item_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_standard_item_for_user(user=request.user, pk=pk, write=True)
    services.standard_item_deactivate(item=item, actor=request.user)
    messages.success(request, _("The item is retired from the library; plans keep their revisions."))
    return redirect(item.get_absolute_url())


@require_POST
@staff_required(Perm.STD_MANAGE)
def standard_item_activate(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_standard_item_for_user(user=request.user, pk=pk, write=True)
    services.standard_item_activate(item=item, actor=request.user)
    messages.success(request, _("The item is back in the library."))
    return redirect(item.get_absolute_url())


#
# Service-level profiles
#
@staff_required(Perm.STD_VIEW)
def profile_list(request: HttpRequest) -> HttpResponse:
    """All profiles side by side: the §6.1 table, one column per profile, per company."""
    profiles = list(selectors.profile_list(user=request.user).select_related("company").order_by("company", "rank"))
    companies = []
    for company_id in dict.fromkeys(p.company_id for p in profiles):
        columns = [p for p in profiles if p.company_id == company_id]
        keys: dict[str, str] = {}
        for profile in columns:
            for setting in profile.settings.all():
                keys.setdefault(setting.key, setting.label)
        values = [{s.key: s for s in p.settings.all()} for p in columns]
        rows = [(label, [v.get(key) for v in values]) for key, label in keys.items()]
        companies.append({"company": columns[0].company, "profiles": columns, "rows": rows})
    context = {
        "title": _("Service-level profiles"),
        "companies": companies,
        "can_manage": _can_manage(request),
        "show_company": len(companies) > 1,
    }
    return render(request, "standards/profile_list.html", context)


@staff_required(Perm.STD_VIEW)
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.get_profile_for_user(user=request.user, pk=pk)
    context = {
        "title": profile.name,
        "profile": profile,
        "settings": profile.settings.all(),
        "can_manage": selectors.can_manage_standards(user=request.user, company_id=profile.company_id),
    }
    return render(request, "standards/profile_detail.html", context)


@staff_required(Perm.STD_MANAGE)
def profile_create(request: HttpRequest) -> HttpResponse:
    company = selectors.managed_company_for_user(user=request.user)
    form = ProfileCreateForm(request.POST or None, company_id=company.id)

    def save(data):
        copy_from = data.pop("copy_from")
        profile = services.profile_create(company=company, data=data, actor=request.user, copy_from=copy_from)
        return profile.get_absolute_url()

    return form_page(
        request, form=form, title=_("New service-level profile"), on_valid=save, success_message=_("Created.")
    )


@staff_required(Perm.STD_MANAGE)
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile: ServiceLevelProfile = selectors.get_profile_for_user(user=request.user, pk=pk, write=True)
    fields = ("name", "code", "rank", "rank_direction", "description")
    form = ProfileForm(request.POST or None, profile=profile, initial={f: getattr(profile, f) for f in fields})

    def save(data):
        services.profile_update(profile=profile, data=data, actor=request.user)
        return profile.get_absolute_url()

    return form_page(request, form=form, title=_("Edit profile"), on_valid=save, success_message=_("Saved."))


@staff_required(Perm.STD_MANAGE)
def profile_setting_create(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.get_profile_for_user(user=request.user, pk=pk, write=True)
    form = ProfileSettingForm(request.POST or None)

    def save(data):
        services.profile_setting_create(profile=profile, data=data, actor=request.user)
        return profile.get_absolute_url()

    title = _("New setting of {profile}").format(profile=profile.name)
    return form_page(request, form=form, title=title, on_valid=save, success_message=_("Created."))


@staff_required(Perm.STD_MANAGE)
def profile_setting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    setting = selectors.get_profile_setting_for_user(user=request.user, pk=pk, write=True)
    form = ProfileSettingForm(
        request.POST or None, setting=setting, initial={f: getattr(setting, f) for f in SETTING_FIELDS}
    )

    def save(data):
        services.profile_setting_update(setting=setting, data=data, actor=request.user)
        return setting.profile.get_absolute_url()

    title = _("{profile}: {label}").format(profile=setting.profile.name, label=setting.label)
    return form_page(request, form=form, title=title, on_valid=save, success_message=_("Saved."))
