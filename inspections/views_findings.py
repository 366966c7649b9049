"""Staff pages of findings (/inspections/findings/), CAPA (/inspections/capa/) and the checklist
items proposed from complaints (/inspections/proposals/).

Who sees which finding is ``selectors_findings``' rule: people who see inspections every finding
of their projects, the rectifying team (staff) its department's, invited third parties those of
their rounds. What one may do with a finding or a CAPA comes from ``finding_actions`` /
``capa_actions``; the services check it again and answer 403 otherwise.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from core.models import Building, Project
from inspections import selectors_findings as selectors
from inspections.choices import CAPA_ORDER, OPEN_CAPA_STATUSES, CapaStatus, ExtensionStatus, Severity
from inspections.filtersets import CapaFilterSet, FindingFilterSet
from inspections.forms import NoteForm, ReasonForm, template_companies
from inspections.forms_findings import (
    AcceptProposalsForm,
    ActForm,
    AnalyseForm,
    CapaForm,
    CapaLinkForm,
    ContainForm,
    EffectivenessForm,
    ExtensionDecideForm,
    ExtensionRequestForm,
    FindingForm,
    ProposalsForm,
    RectifyForm,
    VerifyForm,
    capa_projects,
    finding_projects,
)
from inspections.models import Capa, Finding
from inspections.selectors import is_inspector_only, template_list
from inspections.services import capa as capa_services
from inspections.services import findings as finding_services
from inspections.services import learning
from inspections.tables import CapaTable, FindingTable
from inspections.views import choose_project, project_for_new, spread_errors, staff_any
from lib.views import list_page

FINDING_READERS = (Perm.INSP_VIEW, Perm.INSP_DO, Perm.FINDINGS_RECTIFY)
CAPA_READERS = (Perm.INSP_VIEW, Perm.CAPA_MANAGE)


def _attempt(form, call) -> bool:
    """Run a service call for a valid form; its ValidationError lands on the form."""
    try:
        call()
    except ValidationError as exc:
        spread_errors(exc, form)
        return False
    return True


#
# Findings
#
@staff_any(*FINDING_READERS)
def finding_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if finding_projects(request.user).exists():
        actions = [{"label": _("New finding"), "url": reverse("inspections:finding_create"), "icon": "plus-lg"}]
    return list_page(
        request,
        queryset=selectors.finding_list(user=request.user).select_related("company"),
        filterset_class=FindingFilterSet,
        table_class=FindingTable,
        title=_("Findings"),
        export_name="findings",
        actions=actions,
    )


@staff_any(Perm.INSP_MANAGE, Perm.INSP_DO)
def finding_create(request: HttpRequest) -> HttpResponse:
    projects = finding_projects(request.user)
    project = project_for_new(request, projects)
    if project is None:
        return choose_project(request, _("New finding"), projects)
    form = FindingForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        created = []

        def call():
            created.append(
                finding_services.finding_create(project=project, data=form.finding_data(), actor=request.user)
            )

        if _attempt(form, call):
            messages.success(request, _("Finding raised; its rectification order is open."))
            return redirect("inspections:finding_detail", pk=created[0].pk)
    context = {
        "title": _("New finding"),
        "project": project,
        "form": form,
        "crumbs": [{"label": _("Findings"), "url": reverse("inspections:finding_list")}],
        "back_url": reverse("inspections:finding_list"),
        "intro": _("The finding opens a rectification order for the department; severe ones also a CAPA."),
    }
    return render(request, "inspections/form.html", context)


@staff_any(*FINDING_READERS)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _finding_page(request, selectors.get_finding_for_user(user=request.user, pk=pk))


def _finding_page(request: HttpRequest, finding: Finding, **forms) -> HttpResponse:
    user = request.user
    zone = finding.company.zone
    actions = selectors.finding_actions(finding=finding, user=user)
    access = access_for(user)
    can_capa = finding.capa_id is None and access.allows(
        Perm.CAPA_MANAGE, company_id=finding.company_id, project_id=finding.project_id
    )
    if can_capa:
        actions.append("capa")
    extensions = finding.extensions.select_related("requested_by", "decided_by").order_by("-created", "-id")
    context = {
        "title": finding.title,
        "finding": finding,
        "zone": zone,
        "actions": actions,
        "events": selectors.finding_events(finding=finding),
        "extensions": extensions,
        "pending": next((e for e in extensions if e.status == ExtensionStatus.PENDING), None),
        "inspector_only": is_inspector_only(user=user, project=finding.project),
        "can_see_order": access.allows(Perm.WO_VIEW, company_id=finding.company_id, project_id=finding.project_id),
        "can_see_capa": finding.capa_id is not None
        and (
            access.allows(Perm.INSP_VIEW, company_id=finding.company_id, project_id=finding.project_id)
            or access.allows(Perm.CAPA_MANAGE, company_id=finding.company_id, project_id=finding.project_id)
        ),
        "start_form": forms.get("start_form") or NoteForm(),
        "rectify_form": forms.get("rectify_form") or RectifyForm(),
        "extension_form": forms.get("extension_form") or ExtensionRequestForm(zone=zone),
        "verify_form": forms.get("verify_form") or VerifyForm(zone=zone),
        "decide_form": forms.get("decide_form") or ExtensionDecideForm(),
        "cancel_form": forms.get("cancel_form") or ReasonForm(),
        "capa_form": forms.get("capa_form") or (_capa_form_for(finding, user) if can_capa else None),
        "link_form": forms.get("link_form") or (CapaLinkForm(capas=_open_capas(finding, user)) if can_capa else None),
    }
    return render(request, "inspections/finding_detail.html", context)


def _open_capas(finding: Finding, user):
    """Open CAPAs of the finding's project the user works on."""
    return (
        selectors.capa_visible(user=user)
        .filter(project_id=finding.project_id, status__in=sorted(OPEN_CAPA_STATUSES))
        .order_by("-created", "-id")
    )


def _capa_form_for(finding: Finding, user) -> CapaForm:
    initial = CapaForm.initial_for(project=finding.project, user=user, finding=finding)
    return CapaForm(project=finding.project, initial=initial)


def _finding_action(request: HttpRequest, pk: int, *, form_name: str, form, call, done) -> HttpResponse:
    finding = selectors.get_finding_for_user(user=request.user, pk=pk)
    if form.is_valid() and _attempt(form, lambda: call(finding, form.cleaned_data)):
        messages.success(request, done)
        return redirect("inspections:finding_detail", pk=finding.pk)
    finding = selectors.get_finding_for_user(user=request.user, pk=pk)
    return _finding_page(request, finding, **{form_name: form})


def _zone_of_finding(request: HttpRequest, pk: int):
    return selectors.get_finding_for_user(user=request.user, pk=pk).company.zone


@require_POST
@staff_any(*FINDING_READERS)
def finding_start(request: HttpRequest, pk: int) -> HttpResponse:
    def call(finding, data):
        finding_services.finding_start(finding=finding, note=data["note"] or "", actor=request.user)

    form = NoteForm(request.POST)
    return _finding_action(request, pk, form_name="start_form", form=form, call=call, done=_("Rectification started."))


@require_POST
@staff_any(*FINDING_READERS)
def finding_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    def call(finding, data):
        finding_services.finding_rectify(finding=finding, note=data["note"], photo=data["photo"], actor=request.user)

    form = RectifyForm(request.POST, request.FILES)
    done = _("Rectification reported; it waits for verification.")
    return _finding_action(request, pk, form_name="rectify_form", form=form, call=call, done=done)


@require_POST
@staff_any(*FINDING_READERS)
def finding_extension(request: HttpRequest, pk: int) -> HttpResponse:
    def call(finding, data):
        finding_services.finding_extension_request(
            finding=finding, requested_due_at=data["requested_due_at"], reason=data["reason"], actor=request.user
        )

    form = ExtensionRequestForm(request.POST, zone=_zone_of_finding(request, pk))
    done = _("Extension requested; a manager decides.")
    return _finding_action(request, pk, form_name="extension_form", form=form, call=call, done=done)


@require_POST
@staff_any(*FINDING_READERS)
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    def call(finding, data):
        finding_services.finding_verify(
            finding=finding,
            passed=data["passed"],
            note=data["note"] or "",
            new_due_at=data["new_due_at"],
            actor=request.user,
        )

    form = VerifyForm(request.POST, zone=_zone_of_finding(request, pk))
    return _finding_action(request, pk, form_name="verify_form", form=form, call=call, done=_("Verification saved."))


@require_POST
@staff_any(*FINDING_READERS)
def finding_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def call(finding, data):
        finding_services.finding_cancel(finding=finding, reason=data["reason"], actor=request.user)

    form = ReasonForm(request.POST)
    return _finding_action(request, pk, form_name="cancel_form", form=form, call=call, done=_("Finding cancelled."))


@require_POST
@staff_any(*FINDING_READERS)
def finding_capa(request: HttpRequest, pk: int) -> HttpResponse:
    """File a CAPA for this finding (a manager's choice; severe findings and repeats get one anyway)."""
    finding = selectors.get_finding_for_user(user=request.user, pk=pk)
    form = CapaForm(request.POST, project=finding.project)

    def call(finding, data):
        capa_services.capa_open(
            project=finding.project,
            source=data["source"],
            severity=data["severity"],
            title=data["title"],
            description=data["description"],
            findings=[finding],
            owner=data["owner"],
            due_at=data["due_at"],
            actor=request.user,
        )

    return _finding_action(request, pk, form_name="capa_form", form=form, call=call, done=_("CAPA filed."))


@require_POST
@staff_any(*FINDING_READERS)
def finding_capa_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the finding to an open CAPA of its project (the same problem)."""
    finding = selectors.get_finding_for_user(user=request.user, pk=pk)
    form = CapaLinkForm(request.POST, capas=_open_capas(finding, request.user))

    def call(finding, data):
        capa_services.capa_link_findings(capa=data["capa"], findings=[finding], actor=request.user)

    return _finding_action(request, pk, form_name="link_form", form=form, call=call, done=_("Linked to the CAPA."))


@require_POST
@staff_any(*FINDING_READERS)
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extension = selectors.get_extension_request_for_user(user=request.user, pk=pk)
    form = ExtensionDecideForm(request.POST)

    def call(finding, data):
        finding_services.finding_extension_decide(
            request=extension, approve=data["decision"] == "approve", note=data["note"] or "", actor=request.user
        )

    return _finding_action(
        request, extension.finding_id, form_name="decide_form", form=form, call=call, done=_("Decision saved.")
    )


#
# CAPA
#
@staff_any(*CAPA_READERS)
def capa_list(request: HttpRequest) -> HttpResponse:
    actions = []
    if access_for(request.user).has(Perm.CAPA_MANAGE):
        actions = [{"label": _("New CAPA"), "url": reverse("inspections:capa_create"), "icon": "plus-lg"}]
    return list_page(
        request,
        queryset=selectors.capa_list(user=request.user).select_related("company"),
        filterset_class=CapaFilterSet,
        table_class=CapaTable,
        title=_("CAPA"),
        export_name="capa",
        actions=actions,
    )


@staff_required(Perm.CAPA_MANAGE)
def capa_create(request: HttpRequest) -> HttpResponse:
    projects = capa_projects(request.user)
    project = project_for_new(request, projects)
    if project is None:
        return choose_project(request, _("New CAPA"), projects)
    initial = CapaForm.initial_for(project=project, user=request.user)
    form = CapaForm(request.POST or None, project=project, initial=initial)
    created = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            created.append(
                capa_services.capa_open(
                    project=project,
                    source=data["source"],
                    severity=data["severity"],
                    title=data["title"],
                    description=data["description"],
                    owner=data["owner"],
                    due_at=data["due_at"],
                    actor=request.user,
                )
            )

        if _attempt(form, call):
            messages.success(request, _("CAPA filed."))
            return redirect("inspections:capa_detail", pk=created[0].pk)
    context = {
        "title": _("New CAPA"),
        "project": project,
        "form": form,
        "crumbs": [{"label": _("CAPA"), "url": reverse("inspections:capa_list")}],
        "back_url": reverse("inspections:capa_list"),
    }
    return render(request, "inspections/form.html", context)


@staff_any(*CAPA_READERS)
def capa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _capa_page(request, selectors.get_capa_for_user(user=request.user, pk=pk))


def _steps(capa: Capa) -> list[dict]:
    done = CAPA_ORDER.index(capa.status)
    return [
        {"status": s, "label": CapaStatus(s).label, "done": i < done, "current": i == done}
        for i, s in enumerate(CAPA_ORDER)
    ]


def _scope_names(capa: Capa) -> list[str]:
    scope = capa.horizontal_scope or []
    projects = Project.objects.filter(
        company_id=capa.company_id, pk__in=[e["project"] for e in scope if "project" in e]
    ).order_by("name")
    buildings = (
        Building.objects.filter(company_id=capa.company_id, pk__in=[e["building"] for e in scope if "building" in e])
        .select_related("project")
        .order_by("project__name", "name")
    )
    return [p.name for p in projects] + [f"{b.project.name} · {b.name}" for b in buildings]


def _capa_forms(capa: Capa, user) -> dict:
    return {
        "accept": NoteForm(),
        "contain": ContainForm(initial={"containment": capa.containment}),
        "analyse": AnalyseForm(initial={"why_chain": capa.why_chain, "cause_class": capa.cause_class}),
        "act": ActForm(capa=capa, initial=ActForm.initial_for(capa)),
        "effectiveness": EffectivenessForm(),
        "close": NoteForm(),
        "back": ReasonForm(),
        "edit": CapaForm(
            project=capa.project, capa=capa, initial=CapaForm.initial_for(project=capa.project, user=user, capa=capa)
        ),
    }


def _capa_page(request: HttpRequest, capa: Capa, *, step: str | None = None, form=None) -> HttpResponse:
    forms = _capa_forms(capa, request.user)
    if step is not None:
        forms[step] = form
    findings = capa.findings.select_related("project", "department").order_by("id")
    context = {
        "title": capa.title,
        "capa": capa,
        "zone": capa.company.zone,
        "steps": _steps(capa),
        "actions": selectors.capa_actions(capa=capa, user=request.user),
        "forms": forms,
        "failed_step": step,
        "findings": findings,
        "scope": _scope_names(capa),
        "events": selectors.capa_events(capa=capa),
        "step_forms": CAPA_STEP_BUTTONS,
    }
    return render(request, "inspections/capa_detail.html", context)


def _capa_call(step: str, capa: Capa, form, actor):
    data = form.cleaned_data
    s = capa_services
    calls = {
        "accept": lambda: s.capa_accept(capa=capa, note=data["note"] or "", actor=actor),
        "contain": lambda: s.capa_contain(capa=capa, containment=data["containment"], actor=actor),
        "analyse": lambda: s.capa_analyse(
            capa=capa, why_chain=data["why_chain"], cause_class=data["cause_class"], actor=actor
        ),
        "act": lambda: s.capa_act(
            capa=capa,
            corrective_action=data["corrective_action"],
            preventive_action=data["preventive_action"],
            horizontal_check=data["horizontal_check"],
            horizontal_scope=form.scope(),
            actor=actor,
        ),
        "effectiveness": lambda: s.capa_effectiveness_record(
            capa=capa, result=data["result"], note=data["note"], photo=data["photo"], actor=actor
        ),
        "close": lambda: s.capa_close(capa=capa, note=data["note"] or "", actor=actor),
        "back": lambda: s.capa_back(capa=capa, reason=data["reason"], actor=actor),
        "edit": lambda: s.capa_update(
            capa=capa, data={k: v for k, v in data.items() if k in s.UPDATE_FIELDS}, actor=actor
        ),
    }
    return calls[step]


CAPA_STEP_BUTTONS = [
    ("accept", _("Take it on"), "play"),
    ("contain", _("Record the containment"), "shield-check"),
    ("analyse", _("Record the cause analysis"), "search"),
    ("act", _("Record the actions"), "tools"),
    ("effectiveness", _("Record the effectiveness check"), "clipboard-check"),
    ("close", _("Close the CAPA"), "check2-circle"),
    ("back", _("Send back one step"), "arrow-counterclockwise"),
    ("edit", _("Edit the draft fields"), "pencil"),
]
CAPA_STEP_DONE = {
    "accept": _("Taken on: containment next."),
    "contain": _("Containment recorded: cause analysis next."),
    "analyse": _("Cause analysis recorded: corrective action next."),
    "act": _("Actions recorded: the effectiveness is checked in 30 days."),
    "effectiveness": _("Effectiveness recorded."),
    "close": _("CAPA closed."),
    "back": _("Sent back one step."),
    "edit": _("Saved."),
}


def _capa_form(step: str, capa: Capa, request: HttpRequest):
    data, files = request.POST, request.FILES
    if step in ("accept", "close"):
        return NoteForm(data)
    if step == "back":
        return ReasonForm(data)
    if step == "contain":
        return ContainForm(data)
    if step == "analyse":
        return AnalyseForm(data)
    if step == "act":
        return ActForm(data, capa=capa)
    if step == "effectiveness":
        return EffectivenessForm(data, files)
    return CapaForm(data, project=capa.project, capa=capa)


@require_POST
@staff_any(*CAPA_READERS)
def capa_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of §6.7 (or a send-back, or the draft fields); closing needs ``capa.close``."""
    if step not in CAPA_STEP_DONE:
        raise PermissionDenied
    capa = selectors.get_capa_for_user(user=request.user, pk=pk, write=step != "close")
    form = _capa_form(step, capa, request)
    if form.is_valid() and _attempt(form, _capa_call(step, capa, form, request.user)):
        messages.success(request, CAPA_STEP_DONE[step])
        return redirect("inspections:capa_detail", pk=capa.pk)
    return _capa_page(request, selectors.get_capa_for_user(user=request.user, pk=pk), step=step, form=form)


#
# Learning from complaints
#
@staff_required(Perm.INSP_MANAGE)
def proposals(request: HttpRequest) -> HttpResponse:
    """Checklist items proposed from the complaints of the last months, best first; the chosen
    ones go into a checklist as its next version."""
    companies = template_companies(request.user)
    if not companies.exists():
        raise PermissionDenied
    query = request.POST if request.method == "POST" else request.GET
    params_form = ProposalsForm(query or None, companies=companies, initial={"months": 6})
    params = params_form.cleaned_data if params_form.is_bound and params_form.is_valid() else {"months": 6}
    company = params.get("company") or companies.first()
    project = params.get("project")
    if project is not None and project.company_id != company.pk:
        project = None
    found = learning.checklist_proposals(company=company, months=params["months"], project=project)
    templates = template_list(user=request.user).filter(company=company, is_active=True)
    accept_form = AcceptProposalsForm(
        request.POST if request.method == "POST" else None, templates=templates, keys=[p.key for p in found]
    )
    if request.method == "POST" and accept_form.is_valid():
        chosen = [p for p in found if p.key in set(accept_form.cleaned_data["keys"])]
        template = accept_form.cleaned_data["template"]
        version = []
        if _attempt(
            accept_form,
            lambda: version.append(
                learning.checklist_proposals_accept(template=template, proposals=chosen, actor=request.user)
            ),
        ):
            messages.success(
                request,
                _("Version {n} of {name} holds the chosen items.").format(n=version[0].number, name=template.name),
            )
            return redirect("inspections:checklist_detail", pk=template.pk)
    context = {
        "title": _("Learning from complaints"),
        "params_form": params_form,
        "accept_form": accept_form,
        "proposals": found,
        "company": company,
        "months": params["months"],
        "chosen": set(accept_form["keys"].value() or []),
        "severities": Severity.choices,
    }
    return render(request, "inspections/proposals.html", context)
