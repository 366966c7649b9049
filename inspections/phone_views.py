"""Inspections on a phone (/inspect/): my rounds, a round item by item (outcome, score, note, photo,
place, position; the time is the server's), submit with the score and the findings it opened;
and the rectification loop: the team's findings to rectify, rectify with an after photo, verify,
ask for and decide extensions.

Views parse, fetch through selectors (404 for rounds and findings that are not yours), call one
service and render; the services' ValidationErrors go back onto the form that was sent. A third
party (``inspections.do`` without ``inspections.view``) reaches only the rounds he is invited to
and their findings, and these pages show no owners' data to anyone.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.decorators import staff_required
from core.selectors import area_list, building_list, default_company_for_user
from inspections import selectors
from inspections import selectors_findings as findings_selectors
from inspections.choices import (
    FINDING_STATUS_COLORS,
    OPEN_FINDING_STATUSES,
    OPEN_ROUND_STATUSES,
    OUTCOME_COLORS,
    ROUND_KIND_COLORS,
    ROUND_STATUS_COLORS,
    SCORED_ROUND_STATUSES,
    SEVERITY_COLORS,
    FindingStatus,
    Outcome,
    RoundStatus,
    Scoring,
)
from inspections.models import ChecklistItem, Finding, InspectionRound, ItemResult, RoundInspector
from inspections.phone_forms import (
    HIDDEN_FIELDS,
    DecideForm,
    ExtensionForm,
    QuickPassForm,
    RectifyForm,
    ResultForm,
    VerifyForm,
)
from inspections.services import findings as finding_services
from inspections.services import rounds as round_services
from workorders.selectors import workorder_list

MY_ROUNDS_LIMIT = 100
DONE_ROUNDS_LIMIT = 20
UPCOMING_DAYS = 30


#
# Helpers
#
def _zone(request: HttpRequest, obj=None):
    if obj is not None:
        return obj.company.zone
    company = default_company_for_user(user=request.user)
    return company.zone if company else timezone.get_current_timezone()


def _render(request: HttpRequest, template: str, context: dict, *, zone, status: int = 200) -> HttpResponse:
    # Times on these pages are the company's local times, whatever the server's zone.
    with timezone.override(zone):
        return render(request, template, context, status=status)


def _attach_errors(form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service error on its field (or the form field it is called here); others on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = (aliases or {}).get(field, field)
        visible = name in form.fields and name not in HIDDEN_FIELDS
        for error in errors:
            form.add_error(name if visible else None, error)


def _errors_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _count(qs: QuerySet, by: str) -> Subquery:
    """A correlated COUNT(*) of ``qs`` (filtered on OuterRef through ``by``) as an integer annotation."""
    counted = qs.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


#
# My rounds
#
def _my_rounds(user: User) -> QuerySet[InspectionRound]:
    """Visible rounds where ``user`` leads or is invited, with their progress (answered of items)."""
    invited = RoundInspector.objects.filter(round_id=OuterRef("pk"), user=user)
    return (
        selectors.round_list(user=user)
        .filter(Q(lead=user) | Q(Exists(invited)))
        .annotate(
            answered=_count(ItemResult.objects.filter(round_id=OuterRef("pk")), "round_id"),
            total=_count(ChecklistItem.objects.filter(version_id=OuterRef("version_id")), "version_id"),
        )
    )


def _round_facts(round: InspectionRound, now: dt.datetime) -> dict[str, Any]:
    """What a card and the round page show about a round beside its fields."""
    answered = getattr(round, "answered", None) or 0
    total = getattr(round, "total", None) or 0
    return {
        "round": round,
        "kind_color": ROUND_KIND_COLORS.get(round.kind, "secondary"),
        "status_color": ROUND_STATUS_COLORS.get(round.status, "secondary"),
        "overdue": round.status in OPEN_ROUND_STATUSES and round.due_at < now,
        "answered": answered,
        "total": total,
        "percent": round_percent(answered, total),
    }


def round_percent(done: int, total: int) -> int:
    return round(done * 100 / total) if total else 0


@staff_required(Perm.INSP_DO)
def round_mine(request: HttpRequest) -> HttpResponse:
    zone = _zone(request)
    now = timezone.now()
    today = timezone.localdate(now, timezone=zone)
    rounds = _my_rounds(request.user)
    open_rounds = rounds.filter(
        status__in=sorted(OPEN_ROUND_STATUSES), scheduled_for__lte=today + dt.timedelta(days=UPCOMING_DAYS)
    ).order_by("scheduled_for", "due_at", "id")[:MY_ROUNDS_LIMIT]
    done = rounds.filter(status__in=sorted(SCORED_ROUND_STATUSES)).order_by("-submitted_at", "-id")[:DONE_ROUNDS_LIMIT]
    cards = [_round_facts(r, now) for r in open_rounds]
    context = {
        "title": _("My inspections"),
        "in_progress": [c for c in cards if c["round"].status == RoundStatus.IN_PROGRESS],
        "today": [c for c in cards if c["round"].status == RoundStatus.SCHEDULED and c["round"].scheduled_for <= today],
        "upcoming": [
            c for c in cards if c["round"].status == RoundStatus.SCHEDULED and c["round"].scheduled_for > today
        ],
        "done": [_round_facts(r, now) for r in done],
        "today_date": today,
        "tab": "rounds",
        **_tabs(request.user),
    }
    return _render(request, "inspections/phone/mine.html", context, zone=zone)


def _group_cards(cards: list[dict[str, Any]], today: dt.date) -> dict[str, list]:
    """Open rounds as the list shows them: in progress, due today (or before), upcoming."""
    groups: dict[str, list] = {"in_progress": [], "today": [], "upcoming": []}
    for card in cards:
        round = card["round"]
        if round.status == RoundStatus.IN_PROGRESS:
            groups["in_progress"].append(card)
        else:
            groups["today" if round.scheduled_for <= today else "upcoming"].append(card)
    return groups


def _tabs(user: User) -> dict[str, bool]:
    access = access_for(user)
    return {
        "can_rounds": access.has(Perm.INSP_DO),
        "can_findings": any(access.has(p) for p in FINDING_PERMS),
    }


#
# A round
#
def _items(round: InspectionRound) -> list[ChecklistItem]:
    return list(round.version.items.select_related("standard_revision__item").order_by("sort_order", "id"))


def _sections(items: list[ChecklistItem], results: dict[int, ItemResult]) -> list[dict[str, Any]]:
    """Items grouped by their section heading, in checklist order, each with its result (or None)."""
    sections: list[dict[str, Any]] = []
    for item in items:
        if not sections or sections[-1]["name"] != item.section:
            sections.append({"name": item.section, "rows": [], "answered": 0})
        result = results.get(item.pk)
        sections[-1]["rows"].append({"item": item, "result": result, "color": _outcome_color(result)})
        sections[-1]["answered"] += result is not None
    return sections


def _outcome_color(result: ItemResult | None) -> str:
    return OUTCOME_COLORS.get(result.outcome, "secondary") if result else "secondary"


@staff_required()
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.get_round_for_user(user=request.user, pk=pk)
    return _round_page(request, round)


def _round_page(
    request: HttpRequest, round: InspectionRound, *, submit_error: str = "", status: int = 200
) -> HttpResponse:
    now = timezone.now()
    items = _items(round)
    results = {r.item_id: r for r in selectors.round_results(round).select_related("inspector")}
    round.answered, round.total = len(results), len(items)
    context = {
        "title": round.title,
        **_round_facts(round, now),
        "sections": _sections(items, results),
        "next_item": next((i for i in items if i.pk not in results), None),
        "actions": selectors.round_actions(round=round, user=request.user),
        "missing": len(items) - len(results),
        "submit_error": submit_error,
        "inspectors": round.inspectors.order_by("name", "pk"),
        "scored": round.status in SCORED_ROUND_STATUSES,
        "quick_form": QuickPassForm(),
        "pass_fail": Scoring.PASS_FAIL,
        **_tabs(request.user),
    }
    if context["scored"]:
        context.update(_outcome(request, round))
    return _render(request, "inspections/phone/round.html", context, zone=round.company.zone, status=status)


def _outcome(request: HttpRequest, round: InspectionRound) -> dict[str, Any]:
    """A handed-in round's score, its departments' scores and the findings it opened."""
    findings = list(
        findings_selectors.finding_visible(user=request.user)
        .filter(round=round)
        .select_related("department", "building", "area", "work_order")
        .order_by("item__sort_order", "id")
    )
    ids = [f.work_order_id for f in findings if f.work_order_id]
    orders = set(workorder_list(user=request.user).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        "departments": selectors.round_department_scores(round),
        "findings": [_finding_facts(f, timezone.now(), order_visible=f.work_order_id in orders) for f in findings],
    }


def _work_round(request: HttpRequest, pk: int) -> InspectionRound:
    """The round behind an action: visible (else 404) and the user's to do (else 403)."""
    round = selectors.get_round_for_user(user=request.user, pk=pk)
    if not selectors.can_do_round(user=request.user, round=round):
        raise PermissionDenied
    return round


def _round_url(round: InspectionRound, anchor: str = "") -> str:
    return reverse("inspect:round_detail", args=[round.pk]) + (f"#{anchor}" if anchor else "")


@require_POST
@staff_required()
def round_start(request: HttpRequest, pk: int) -> HttpResponse:
    round = _work_round(request, pk)
    try:
        round_services.round_start(round=round, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("Inspection started. Answer each item; the time and your position are recorded."))
    return redirect(_round_url(round, "items"))


@require_POST
@staff_required()
def round_submit(request: HttpRequest, pk: int) -> HttpResponse:
    round = _work_round(request, pk)
    try:
        round_services.round_submit(round=round, actor=request.user)
    except ValidationError as exc:
        fresh = selectors.get_round_for_user(user=request.user, pk=round.pk)
        return _round_page(request, fresh, submit_error=_errors_text(exc), status=400)
    text = _("Inspection submitted: score {score}, {n} findings opened.")
    score = "—" if round.score is None else f"{round.score}"
    messages.success(request, text.format(score=score, n=round.findings_count))
    return redirect(_round_url(round, "outcome"))


#
# One item of a round
#
def _places(request: HttpRequest, round: InspectionRound) -> tuple[QuerySet, QuerySet]:
    buildings = building_list(user=request.user).filter(project_id=round.project_id)
    areas = area_list(user=request.user).filter(project_id=round.project_id).order_by("name", "pk")
    return buildings, areas


def _round_item(round: InspectionRound, item_pk: int) -> ChecklistItem:
    item = round.version.items.select_related("standard_revision__item").filter(pk=item_pk).first()
    if item is None:
        raise Http404
    return item


def _result_initial(request: HttpRequest, round: InspectionRound, result: ItemResult | None) -> dict[str, Any]:
    if result is not None:
        return {
            "outcome": result.outcome,
            "score": result.score,
            "note": result.note,
            "building": result.building_id,
            "area": result.area_id,
        }
    # A new answer starts where the inspector's last one was: he walks building by building.
    last = ItemResult.objects.filter(round=round, inspector=request.user).order_by("-at", "-id").first()
    return {"building": last.building_id, "area": last.area_id} if last else {}


@staff_required()
def round_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """GET: the form for one item; POST: record (or change) its answer, then on to the next item."""
    round = _work_round(request, pk)
    item = _round_item(round, item_pk)
    result = ItemResult.objects.filter(round=round, item=item).first()
    buildings, areas = _places(request, round)
    if request.method != "POST":
        form = ResultForm(initial=_result_initial(request, round, result), item=item, buildings=buildings, areas=areas)
        return _item_page(request, round, item, result, form)
    form = ResultForm(request.POST, request.FILES, item=item, buildings=buildings, areas=areas)
    if form.is_valid():
        try:
            _record(request, round, item, form.cleaned_data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            return redirect(_after_answer(round, item))
    fresh = selectors.get_round_for_user(user=request.user, pk=round.pk)
    return _item_page(request, fresh, item, result, form, status=400)


def _record(request: HttpRequest, round: InspectionRound, item: ChecklistItem, data: dict[str, Any]) -> ItemResult:
    return round_services.round_result_record(
        round=round,
        item=item,
        outcome=data["outcome"],
        score=data.get("score"),
        note=data["note"],
        photo=data["photo"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        building=data["building"],
        area=data["area"],
        actor=request.user,
    )


def _after_answer(round: InspectionRound, item: ChecklistItem) -> str:
    """The next unanswered item after ``item`` (then from the top), else the round's page."""
    items = list(round.version.items.order_by("sort_order", "id").values_list("pk", flat=True))
    answered = set(ItemResult.objects.filter(round=round).values_list("item_id", flat=True))
    at = items.index(item.pk)
    for pk in items[at + 1 :] + items[:at]:
        if pk not in answered:
            return reverse("inspect:round_item", args=[round.pk, pk])
    return _round_url(round, "submit")


def _item_page(request, round, item, result, form, *, status: int = 200) -> HttpResponse:
    items = list(round.version.items.order_by("sort_order", "id").values_list("pk", flat=True))
    at = items.index(item.pk)
    round.answered, round.total = ItemResult.objects.filter(round=round).count(), len(items)
    context = {
        "title": item.title,
        **_round_facts(round, timezone.now()),
        "item": item,
        "result": result,
        "form": form,
        "position": at + 1,
        "count": len(items),
        "previous_pk": items[at - 1] if at else None,
        "next_pk": items[at + 1] if at + 1 < len(items) else None,
        "scale": item.scoring == Scoring.SCALE,
    }
    return _render(request, "inspections/phone/item.html", context, zone=round.company.zone, status=status)


@require_POST
@staff_required()
def round_item_pass(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One tap on the round's page: a pass/fail item passes (at the place of the inspector's last answer)."""
    round = _work_round(request, pk)
    item = _round_item(round, item_pk)
    form = QuickPassForm(request.POST)
    if item.scoring != Scoring.PASS_FAIL or not form.is_valid():
        return redirect(reverse("inspect:round_item", args=[round.pk, item.pk]))
    place = _result_initial(request, round, None)
    try:
        round_services.round_result_record(
            round=round,
            item=item,
            outcome=Outcome.PASS,
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
            building=_place(request, round, "building", place.get("building")),
            area=_place(request, round, "area", place.get("area")),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    return redirect(_round_url(round, f"item-{item.pk}"))


def _place(request: HttpRequest, round: InspectionRound, kind: str, pk: int | None):
    if pk is None:
        return None
    buildings, areas = _places(request, round)
    return (buildings if kind == "building" else areas).filter(pk=pk).first()


#
# Findings
#
FINDING_PERMS = (Perm.FINDINGS_RECTIFY, Perm.INSP_DO, Perm.INSP_MANAGE)


def _finding_facts(finding: Finding, now: dt.datetime, *, order_visible: bool = False) -> dict[str, Any]:
    return {
        "finding": finding,
        "status_color": FINDING_STATUS_COLORS.get(finding.status, "secondary"),
        "severity_color": SEVERITY_COLORS.get(finding.severity, "secondary"),
        "overdue": finding.status in OPEN_FINDING_STATUSES and finding.due_at < now,
        "order_visible": order_visible,
        "awaiting": finding.status == FindingStatus.AWAITING_VERIFICATION,
    }


@staff_required()
def finding_list(request: HttpRequest) -> HttpResponse:
    """The findings waiting for me: to rectify (my team's), to verify, extensions to decide."""
    tabs = _finding_tabs(request.user)
    if not tabs:
        raise PermissionDenied
    tab = request.GET.get("tab", "")
    tab = tab if tab in tabs else next(iter(tabs))
    now = timezone.now()
    rows = tabs[tab][:FINDINGS_LIMIT]
    context = {
        "title": _("Findings"),
        "tab": "findings",
        "finding_tab": tab,
        "finding_tabs": [(name, FINDING_TAB_LABELS[name], qs.count()) for name, qs in tabs.items()],
        "cards": [] if tab == "extensions" else [_finding_facts(f, now) for f in rows],
        "extensions": list(rows) if tab == "extensions" else [],
        **_tabs(request.user),
    }
    return _render(request, "inspections/phone/findings.html", context, zone=_zone(request))


FINDINGS_LIMIT = 200
FINDING_TAB_LABELS = {
    "rectify": _("To rectify"),
    "verify": _("To verify"),
    "extensions": _("Extensions"),
}


def _finding_tabs(user: User) -> dict[str, QuerySet]:
    """The lists this user has, in the order of the tabs (a tab only for those who may act on it)."""
    access = access_for(user)
    tabs: dict[str, QuerySet] = {}
    if access.has(Perm.FINDINGS_RECTIFY):
        tabs["rectify"] = findings_selectors.finding_rectify_list(user=user)
    if access.has(Perm.INSP_DO) or access.has(Perm.INSP_MANAGE):
        tabs["verify"] = findings_selectors.finding_verify_list(user=user)
    if access.has(Perm.INSP_MANAGE):
        tabs["extensions"] = findings_selectors.extension_decide_list(user=user)
    return tabs


@staff_required()
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = findings_selectors.get_finding_for_user(user=request.user, pk=pk)
    return _finding_page(request, finding)


def _finding_page(request: HttpRequest, finding: Finding, *, bound: dict | None = None, status: int = 200):
    """The finding page; ``bound`` holds the form that failed (by action name), shown open."""
    bound = bound or {}
    user = request.user
    pending = findings_selectors.extension_pending(finding=finding)
    order_visible = bool(finding.work_order_id) and workorder_list(user=user).filter(pk=finding.work_order_id).exists()
    round_visible = bool(finding.round_id) and selectors.round_visible(user=user).filter(pk=finding.round_id).exists()
    zone = finding.company.zone
    context = {
        "title": finding.title,
        **_finding_facts(finding, timezone.now(), order_visible=order_visible),
        "round_visible": round_visible,
        "actions": findings_selectors.finding_actions(finding=finding, user=user),
        "pending": pending,
        "rectify_form": bound.get("rectify") or RectifyForm(),
        "verify_form": bound.get("verify") or VerifyForm(initial={"new_due_at": _later(finding, zone, days=3)}),
        "extension_form": bound.get("extension")
        or ExtensionForm(initial={"requested_due_at": _later(finding, zone, days=7)}),
        "decide_form": bound.get("decide") or DecideForm(),
        "open_form": next(iter(bound), request.GET.get("open", "")),
        "events": findings_selectors.finding_events(finding=finding),
        "extensions": finding.extensions.select_related("requested_by", "decided_by").order_by("created", "id"),
        **_tabs(user),
    }
    return _render(request, "inspections/phone/finding.html", context, zone=zone, status=status)


def _later(finding: Finding, zone, *, days: int) -> dt.datetime:
    """A suggested new deadline: ``days`` after the later of now and the current one, at 18:00 local."""
    base = max(timezone.now(), finding.due_at)
    day = timezone.localtime(base, zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(18), tzinfo=zone)


def _finding_url(finding: Finding, anchor: str = "") -> str:
    return reverse("inspect:finding_detail", args=[finding.pk]) + (f"#{anchor}" if anchor else "")


def _fresh_finding(request: HttpRequest, finding: Finding) -> Finding:
    # The service rolled back, but the finding in memory may carry its half-made changes.
    return findings_selectors.get_finding_for_user(user=request.user, pk=finding.pk)


def _bound(form_class, request: HttpRequest, zone):
    """The posted form, its dates read in the company's zone."""
    form = form_class(request.POST, request.FILES)
    with timezone.override(zone):
        form.is_valid()
    return form


@require_POST
@staff_required()
def finding_start(request: HttpRequest, pk: int) -> HttpResponse:
    finding = findings_selectors.get_finding_for_user(user=request.user, pk=pk)
    try:
        finding_services.finding_start(finding=finding, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("Taken on: rectify it by the deadline, then report it with an after photo."))
    return redirect(_finding_url(finding))


@require_POST
@staff_required()
def finding_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    finding = findings_selectors.get_finding_for_user(user=request.user, pk=pk)
    form = _bound(RectifyForm, request, finding.company.zone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            finding_services.finding_rectify(
                finding=finding, note=data["note"], photo=data["photo"], actor=request.user
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Rectification reported: it now waits for verification."))
            return redirect(_finding_url(finding))
    return _finding_page(request, _fresh_finding(request, finding), bound={"rectify": form}, status=400)


@require_POST
@staff_required()
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    finding = findings_selectors.get_finding_for_user(user=request.user, pk=pk)
    form = _bound(VerifyForm, request, finding.company.zone)
    if form.is_valid():
        data = form.cleaned_data
        passed = data["result"] == "pass"
        try:
            finding_services.finding_verify(
                finding=finding,
                passed=passed,
                note=data["note"],
                new_due_at=None if passed else data["new_due_at"],
                actor=request.user,
            )
        except ValidationError as exc:
            _attach_errors(form, exc, aliases={"reason": "note"})
        else:
            text = _("Verified: the finding is closed.") if passed else _("Sent back for rectification.")
            messages.success(request, text)
            return redirect(_finding_url(finding))
    return _finding_page(request, _fresh_finding(request, finding), bound={"verify": form}, status=400)


@require_POST
@staff_required()
def finding_extension(request: HttpRequest, pk: int) -> HttpResponse:
    finding = findings_selectors.get_finding_for_user(user=request.user, pk=pk)
    form = _bound(ExtensionForm, request, finding.company.zone)
    if form.is_valid():
        data = form.cleaned_data
        try:
            finding_services.finding_extension_request(
                finding=finding, requested_due_at=data["requested_due_at"], reason=data["reason"], actor=request.user
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, _("Extension requested: a manager decides."))
            return redirect(_finding_url(finding))
    return _finding_page(request, _fresh_finding(request, finding), bound={"extension": form}, status=400)


@require_POST
@staff_required()
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extension = findings_selectors.get_extension_request_for_user(user=request.user, pk=pk)
    finding = findings_selectors.get_finding_for_user(user=request.user, pk=extension.finding_id)
    form = _bound(DecideForm, request, finding.company.zone)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            finding_services.finding_extension_decide(
                request=extension, approve=approve, note=form.cleaned_data["note"], actor=request.user
            )
        except ValidationError as exc:
            _attach_errors(form, exc, aliases={"reason": "note"})
        else:
            text = _("Extension approved: the deadline moved.") if approve else _("Extension rejected.")
            messages.success(request, text)
            return redirect(_finding_url(finding))
    return _finding_page(request, _fresh_finding(request, finding), bound={"decide": form}, status=400)
