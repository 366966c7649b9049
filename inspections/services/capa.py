"""CAPA (纠正预防措施, DOMAIN.md §6.7, 8D-lite): filed → containment → cause analysis → corrective
action → verifying effectiveness → closed, one step at a time; any step can be sent back one step
with a reason.

Rules:
- leaving containment needs the containment action; leaving analysis a 5-Why chain of at least
  ``CAPA_MIN_WHYS`` entries (five when a full 8D is required) and a cause class (人/机/料/法/环);
  leaving action the corrective and preventive actions and a horizontal check with its scope
  (other buildings or projects checked). Finishing the action sets the effectiveness check due
  ``CAPA_EFFECTIVENESS_DAYS`` later;
- the effectiveness result "effective" can be recorded once the check is due; "not effective"
  (at any time while verifying) sends the CAPA back to analysis;
- only ``capa.close`` closes, and only after an "effective" result with every linked finding
  closed or cancelled;
- severe and critical findings and repeats get a CAPA automatically (``capa_for_finding``); a
  repeat, a P0 incident, or a second CAPA with the same cause class on the same standard item in
  ``REPEAT_WINDOW_DAYS`` requires the full 8D.

Every status change goes through ``_capa_transition`` (choices.CAPA_TRANSITIONS, a row lock, a
conditional UPDATE and a CapaEvent in the same transaction). Everything but closing needs
``capa.manage`` on the project.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for
from core.choices import Perm, Role
from core.models import Building, Membership, Project
from inspections.choices import (
    CAPA_EFFECTIVENESS_DAYS,
    CAPA_MIN_WHYS,
    CAPA_ORDER,
    CAPA_TRANSITIONS,
    OPEN_CAPA_STATUSES,
    REPEAT_WINDOW_DAYS,
    UNRESOLVED_FINDING_STATUSES,
    CapaEventKind,
    CapaSource,
    CapaStatus,
    CauseClass,
    EffectivenessResult,
    FindingEventKind,
    FindingStatus,
    Severity,
)
from inspections.models import Capa, CapaEvent, Finding, FindingEvent
from inspections.services import common
from inspections.services.common import Conflict, need_reason

CAPA_CONFLICT = _("The CAPA was changed by someone else meanwhile; reload and try again.")
CAPA_BAD_TRANSITION = _("A CAPA cannot go from “{from_status}” to “{to_status}”.")
CAPA_REQUIRED = _("This field is required.")
CAPA_UNKNOWN_SOURCE = _("Pick a source from the list.")
CAPA_DUE_IN_PAST = _("The deadline must be in the future.")
CAPA_OWNER_NOT_MEMBER = _("The owner must work on CAPAs in this project.")
CAPA_FINDING_OTHER_PROJECT = _("The finding {id} belongs to another project.")
CAPA_FINDING_CANCELLED = _("The finding {id} is cancelled.")
CAPA_FINDING_HAS_CAPA = _("The finding {id} already has an open CAPA.")
CAPA_WHYS_TOO_FEW = _("Ask “why” at least {n} times: {given} given.")
CAPA_SCOPE_REQUIRED = _("Name the buildings or projects that were checked.")
CAPA_SCOPE_BAD = _("Each entry is a project or a building of this company, e.g. {example}.")
CAPA_EFFECTIVENESS_NOT_DUE = _("The effectiveness can be confirmed from {due} on.")
CAPA_NOT_VERIFYING = _("The effectiveness is checked after the corrective action.")
CAPA_CLOSE_NOT_EFFECTIVE = _("Close a CAPA only after its effectiveness is confirmed.")
CAPA_CLOSE_FINDINGS_OPEN = _("Close or cancel its findings first: {ids}.")
CAPA_NOT_AN_INCIDENT = _("Only P0 and life-safety orders open an incident CAPA.")
CAPA_BACK_FROM_FILED = _("A filed CAPA has no step before it.")
CAPA_CLOSED = _("The CAPA is closed.")

# A full 8D asks "why" until the root: five times.
CAPA_8D_MIN_WHYS = 5
CAPA_DUE_DAYS = {Severity.CRITICAL: 7, Severity.SEVERE: 14, Severity.MAJOR: 30, Severity.MINOR: 30}
UPDATE_FIELDS = (
    "title",
    "description",
    "containment",
    "why_chain",
    "cause_class",
    "corrective_action",
    "preventive_action",
    "horizontal_check",
    "horizontal_scope",
    "owner",
    "due_at",
    "severity",
)


#
# Permissions and the transition function
#
def capa_can_manage(*, user: User | None, capa: Capa) -> bool:
    return common.can(user, Perm.CAPA_MANAGE, company_id=capa.company_id, project_id=capa.project_id)


def capa_can_close(*, user: User | None, capa: Capa) -> bool:
    return common.can(user, Perm.CAPA_CLOSE, company_id=capa.company_id, project_id=capa.project_id)


def _require_manage(capa: Capa, actor: User | None) -> None:
    if not capa_can_manage(user=actor, capa=capa):
        raise PermissionDenied


def _event(capa: Capa, kind: str, actor: User | None, at: dt.datetime, **fields) -> CapaEvent:
    return CapaEvent(company_id=capa.company_id, capa_id=capa.pk, kind=kind, actor=actor, created=at, **fields)


def _capa_transition(
    *,
    capa: Capa,
    to: str,
    actor: User | None,
    at: dt.datetime | None = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    kind: str = CapaEventKind.STATUS,
) -> Capa:
    """Move ``capa`` to ``to``: check the table, lock the row, update it conditionally, write the event."""
    at = at or common.now()
    fresh = Capa.objects.select_for_update().get(pk=capa.pk)
    if fresh.status != capa.status:
        raise Conflict(CAPA_CONFLICT, code="conflict")
    if to not in CAPA_TRANSITIONS[fresh.status]:
        message = str(CAPA_BAD_TRANSITION).format(
            from_status=CapaStatus(fresh.status).label, to_status=CapaStatus(to).label
        )
        raise ValidationError(message, code="bad_transition")
    changes = changes or {}
    if Capa.objects.filter(pk=fresh.pk, status=fresh.status).update(status=to, **changes) != 1:
        raise Conflict(CAPA_CONFLICT, code="conflict")
    for name, value in {**changes, "status": to}.items():
        setattr(capa, name, value)
    _event(capa, kind, actor, at, from_status=fresh.status, to_status=to, reason=reason, data=data or {}).save(
        force_insert=True
    )
    return capa


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: CAPA_REQUIRED})
    return value


def _require_step(capa: Capa, status: str) -> None:
    """Refuse a verb outside its step with the same message the table gives for a skipped step."""
    if capa.status != status:
        following = CAPA_ORDER[CAPA_ORDER.index(status) + 1]
        message = str(CAPA_BAD_TRANSITION).format(
            from_status=CapaStatus(capa.status).label, to_status=CapaStatus(following).label
        )
        raise ValidationError(message, code="bad_transition")


#
# Opening
#
def default_owner(*, project: Project) -> User | None:
    """Who owns an automatic CAPA: the project manager, else a quality manager, else a company admin."""
    for role, scope in (
        (Role.PROJECT_MANAGER, Q(project=project)),
        (Role.QUALITY_MANAGER, Q(project__isnull=True)),
        (Role.COMPANY_ADMIN, Q(project__isnull=True)),
    ):
        member = (
            Membership.objects.filter(scope, company_id=project.company_id, role=role, is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if member is not None and member.user.is_active:
            return member.user
    return None


@transaction.atomic
def capa_open(
    *,
    project: Project,
    source: str,
    severity: str,
    title: str,
    description: str,
    findings: Iterable[Finding] = (),
    owner: User | None,
    due_at: dt.datetime | None,
    actor: User | None,
    requires_8d: bool = False,
) -> Capa:
    """File a CAPA (立案) in ``project`` for ``findings`` (linked to it); errors name their field."""
    common.require(actor, Perm.CAPA_MANAGE, company_id=project.company_id, project_id=project.pk)
    at = common.now()
    if source not in CapaSource.values:
        raise ValidationError({"source": CAPA_UNKNOWN_SOURCE})
    if due_at is None:
        raise ValidationError({"due_at": CAPA_REQUIRED})
    if due_at <= at:
        raise ValidationError({"due_at": CAPA_DUE_IN_PAST})
    _check_owner(project, owner)
    findings = list(findings)
    _check_findings(project, findings)
    capa = Capa(
        company_id=project.company_id,
        project=project,
        source=source,
        severity=severity,
        title=(title or "").strip(),
        description=_text(description, "description"),
        owner=owner,
        due_at=due_at,
        requires_8d=requires_8d,
        standard_item_id=_standard_item_of(findings),
        created_by=actor,
        created=at,
    )
    return _insert(capa, findings=findings, actor=actor, at=at)


def _check_owner(project: Project, owner: User | None) -> None:
    if owner is None:
        raise ValidationError({"owner": CAPA_REQUIRED})
    if not access_for(owner).allows(Perm.CAPA_MANAGE, company_id=project.company_id, project_id=project.pk):
        raise ValidationError({"owner": CAPA_OWNER_NOT_MEMBER})


def _check_findings(project: Project, findings: Sequence[Finding]) -> None:
    open_capas = set(
        Finding.objects.filter(
            pk__in=[f.pk for f in findings], capa__status__in=sorted(OPEN_CAPA_STATUSES)
        ).values_list("pk", flat=True)
    )
    for finding in findings:
        if finding.project_id != project.pk:
            raise ValidationError({"findings": str(CAPA_FINDING_OTHER_PROJECT).format(id=finding.pk)})
        if finding.status == FindingStatus.CANCELLED:
            raise ValidationError({"findings": str(CAPA_FINDING_CANCELLED).format(id=finding.pk)})
        if finding.pk in open_capas:
            raise ValidationError({"findings": str(CAPA_FINDING_HAS_CAPA).format(id=finding.pk)})


def _standard_item_of(findings: Sequence[Finding]) -> int | None:
    for finding in findings:
        if finding.item_id and finding.item.standard_revision_id:
            return finding.item.standard_revision.item_id
    return None


def _insert(capa: Capa, *, findings: Sequence[Finding], actor: User | None, at: dt.datetime) -> Capa:
    capa.full_clean(exclude=["company", "project", "owner", "created_by", "standard_item", "work_order", "source_key"])
    capa.save(force_insert=True)
    data = {"findings": [f.pk for f in findings], "requires_8d": capa.requires_8d}
    _event(capa, CapaEventKind.STATUS, actor, at, to_status=CapaStatus.FILED, data=data).save(force_insert=True)
    _link(capa, findings, actor=actor, at=at)
    return capa


@transaction.atomic
def capa_link_findings(*, capa: Capa, findings: Sequence[Finding], actor: User | None) -> Capa:
    """Link more findings of the project to an open CAPA (the same problem found again elsewhere)."""
    _require_manage(capa, actor)
    if capa.status == CapaStatus.CLOSED:
        raise ValidationError(CAPA_CLOSED, code="closed")
    findings = list(findings)
    _check_findings(capa.project, findings)
    _link(capa, findings, actor=actor, at=common.now())
    return capa


def _link(capa: Capa, findings: Sequence[Finding], *, actor: User | None, at: dt.datetime) -> None:
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(capa=capa)
    for finding in findings:
        finding.capa = capa
    FindingEvent.objects.bulk_create(
        FindingEvent(
            company_id=f.company_id,
            finding=f,
            kind=FindingEventKind.CAPA,
            actor=actor,
            created=at,
            data={"capa": capa.pk, "requires_8d": capa.requires_8d},
        )
        for f in findings
    )


def capa_for_finding(*, finding: Finding, actor: User | None, repeat_capa: Capa | None = None) -> Capa:
    """The CAPA a severe, critical or repeated finding requires, opened by the system (status filed).

    A repeat joins the open CAPA of the finding it repeats (or ``repeat_capa``, an analysed CAPA
    on the same standard item) when there is one, and that CAPA then requires the full 8D;
    otherwise a new CAPA is filed, owned by the project manager.
    """
    at = common.now()
    repeat = bool(finding.repeat_of_id or repeat_capa)
    earlier = repeat_capa or (finding.repeat_of.capa if finding.repeat_of_id else None)
    if earlier is not None and earlier.status in OPEN_CAPA_STATUSES:
        if not earlier.requires_8d:
            Capa.objects.filter(pk=earlier.pk).update(requires_8d=True)
            earlier.requires_8d = True
            data = {"requires_8d": True, "repeat_finding": finding.pk}
            _event(earlier, CapaEventKind.NOTE, None, at, data=data).save(force_insert=True)
        _link(earlier, [finding], actor=None, at=at)
        return earlier
    project = finding.project
    capa = Capa(
        company_id=finding.company_id,
        project=project,
        source=finding.source,
        source_key=f"finding:{finding.pk}",
        severity=finding.severity,
        title=finding.title,
        description=_finding_5w2h(finding),
        owner=default_owner(project=project),
        due_at=at + dt.timedelta(days=CAPA_DUE_DAYS.get(finding.severity, 30)),
        requires_8d=repeat,
        standard_item_id=_standard_item_of([finding]),
        created_by=actor,
        created=at,
    )
    return _insert(capa, findings=[finding], actor=None, at=at)


def _finding_5w2h(finding: Finding) -> str:
    place = finding.area or finding.building or finding.project
    return str(_("What: {title}. Where: {place}. When: {when}. Severity: {severity}. {description}")).format(
        title=finding.title,
        place=place,
        when=f"{timezone.localtime(finding.created, finding.project.company.zone):%Y-%m-%d %H:%M}",
        severity=Severity(finding.severity).label,
        description=finding.description,
    )


@transaction.atomic
def capa_open_for_incident(*, work_order, actor: User | None) -> Capa:
    """The incident CAPA of a P0 or life-safety work order (full 8D); the same one when asked again."""
    from workorders.choices import Priority

    common.require(actor, Perm.CAPA_MANAGE, company_id=work_order.company_id, project_id=work_order.project_id)
    if work_order.priority != Priority.P0 and not work_order.is_life_safety:
        raise ValidationError(CAPA_NOT_AN_INCIDENT, code="not_an_incident")
    key = f"incident:{work_order.pk}"
    existing = Capa.objects.filter(company_id=work_order.company_id, source_key=key).first()
    if existing is not None:
        return existing
    at = common.now()
    project = work_order.project
    capa = Capa(
        company_id=work_order.company_id,
        project=project,
        source=CapaSource.INCIDENT,
        source_key=key,
        severity=Severity.CRITICAL,
        title=work_order.title[:200],
        description=str(_("Incident {code} at {when}: {description}")).format(
            code=work_order.code,
            when=f"{timezone.localtime(work_order.created, project.company.zone):%Y-%m-%d %H:%M}",
            description=work_order.description,
        ),
        owner=default_owner(project=project) or actor,
        due_at=at + dt.timedelta(days=CAPA_DUE_DAYS[Severity.CRITICAL]),
        requires_8d=True,
        work_order=work_order,
        created_by=actor,
        created=at,
    )
    try:
        with transaction.atomic():
            return _insert(capa, findings=[], actor=actor, at=at)
    except (IntegrityError, ValidationError):
        found = Capa.objects.filter(company_id=work_order.company_id, source_key=key).first()
        if found is None:
            raise
        return found


#
# Working on it
#
@transaction.atomic
def capa_update(*, capa: Capa, data: dict[str, Any], actor: User | None) -> Capa:
    """Save fields as a draft (no step changes); the step verbs check what their step requires."""
    _require_manage(capa, actor)
    unknown = set(data) - set(UPDATE_FIELDS)
    if unknown:
        raise ValueError(f"unknown CAPA fields: {sorted(unknown)}")
    locked = Capa.objects.select_for_update().get(pk=capa.pk)
    if locked.status == CapaStatus.CLOSED:
        raise ValidationError(CAPA_CLOSED, code="closed")
    if "owner" in data:
        _check_owner(capa.project, data["owner"])
    if "horizontal_scope" in data:
        data = {**data, "horizontal_scope": _scope(capa, data["horizontal_scope"], required=False)}
    if "why_chain" in data:
        data = {**data, "why_chain": _whys(data["why_chain"])}
    for name, value in data.items():
        setattr(capa, name, value)
    capa.full_clean(exclude=["company", "project", "owner", "created_by", "standard_item", "work_order", "source_key"])
    capa.save(update_fields=list(data))
    _event(capa, CapaEventKind.NOTE, actor, common.now(), data={"changed": sorted(data)}).save(force_insert=True)
    return capa


@transaction.atomic
def capa_accept(*, capa: Capa, actor: User | None, note: str = "") -> Capa:
    """The owner takes the filed CAPA on: containment starts (临时措施)."""
    _require_manage(capa, actor)
    return _capa_transition(capa=capa, to=CapaStatus.CONTAINMENT, actor=actor, reason=note)


@transaction.atomic
def capa_contain(*, capa: Capa, containment: str, actor: User | None) -> Capa:
    """Record the containment action (correct, suspend, inform the customer, concession) → analysis."""
    _require_manage(capa, actor)
    _require_step(capa, CapaStatus.CONTAINMENT)
    containment = _text(containment, "containment")
    return _capa_transition(capa=capa, to=CapaStatus.ANALYSIS, actor=actor, changes={"containment": containment})


@transaction.atomic
def capa_analyse(*, capa: Capa, why_chain: Sequence[str], cause_class: str, actor: User | None) -> Capa:
    """Record the 5-Why chain and the cause class → corrective action.

    A CAPA of the same project whose analysed cause class and standard item are the same within
    REPEAT_WINDOW_DAYS makes this a repeated cause: the full 8D becomes required (five whys).
    """
    _require_manage(capa, actor)
    _require_step(capa, CapaStatus.ANALYSIS)
    whys = _whys(why_chain)
    if cause_class not in CauseClass.values:
        raise ValidationError({"cause_class": CAPA_REQUIRED})
    same_cause = _same_cause(capa, cause_class)
    requires_8d = capa.requires_8d or same_cause is not None
    needed = CAPA_8D_MIN_WHYS if requires_8d else CAPA_MIN_WHYS
    if len(whys) < needed:
        raise ValidationError({"why_chain": str(CAPA_WHYS_TOO_FEW).format(n=needed, given=len(whys))})
    changes = {"why_chain": whys, "cause_class": cause_class, "requires_8d": requires_8d}
    data = {"cause_class": cause_class, "same_cause_as": same_cause.pk if same_cause else None}
    return _capa_transition(capa=capa, to=CapaStatus.ACTION, actor=actor, changes=changes, data=data)


def _whys(value: Sequence[str] | None) -> list[str]:
    if value is None or isinstance(value, str):
        value = (value or "").splitlines()
    return [str(w).strip() for w in value if str(w).strip()]


def _same_cause(capa: Capa, cause_class: str) -> Capa | None:
    if not capa.standard_item_id:
        return None
    since = common.now() - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    return (
        Capa.objects.filter(
            company_id=capa.company_id,
            project_id=capa.project_id,
            standard_item_id=capa.standard_item_id,
            cause_class=cause_class,
            created__gte=since,
        )
        .exclude(pk=capa.pk)
        .order_by("-created")
        .first()
    )


@transaction.atomic
def capa_act(
    *,
    capa: Capa,
    corrective_action: str,
    preventive_action: str,
    horizontal_check: str,
    horizontal_scope: Sequence[dict[str, int]],
    actor: User | None,
) -> Capa:
    """Record the corrective and preventive actions and the horizontal check (横向排查) of other
    buildings or projects → verifying; the effectiveness check falls due in 30 days."""
    _require_manage(capa, actor)
    _require_step(capa, CapaStatus.ACTION)
    at = common.now()
    changes = {
        "corrective_action": _text(corrective_action, "corrective_action"),
        "preventive_action": _text(preventive_action, "preventive_action"),
        "horizontal_check": _text(horizontal_check, "horizontal_check"),
        "horizontal_scope": _scope(capa, horizontal_scope, required=True),
        "action_done_at": at,
        "effectiveness_due_at": at + dt.timedelta(days=CAPA_EFFECTIVENESS_DAYS),
        "effectiveness_result": "",
        "effectiveness_flagged_at": None,
    }
    data = {"effectiveness_due_at": changes["effectiveness_due_at"].isoformat()}
    return _capa_transition(capa=capa, to=CapaStatus.VERIFYING, actor=actor, at=at, changes=changes, data=data)


def _scope(capa: Capa, scope: Any, *, required: bool) -> list[dict[str, int]]:
    """[{"project": id} | {"building": id}, ...] of this company, de-duplicated in order."""
    example = '[{"project": 3}, {"building": 12}]'
    if not scope:
        if required:
            raise ValidationError({"horizontal_scope": CAPA_SCOPE_REQUIRED})
        return []
    bad = ValidationError({"horizontal_scope": str(CAPA_SCOPE_BAD).format(example=example)})
    if not isinstance(scope, list | tuple):
        raise bad
    wanted: dict[str, set[int]] = {"project": set(), "building": set()}
    rows = []
    for entry in scope:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise bad
        ((key, value),) = entry.items()
        if key not in wanted or isinstance(value, bool) or not isinstance(value, int):
            raise bad
        if value not in wanted[key]:
            wanted[key].add(value)
            rows.append({key: value})
    projects = Project.objects.filter(company_id=capa.company_id, pk__in=wanted["project"]).count()
    buildings = Building.objects.filter(company_id=capa.company_id, pk__in=wanted["building"]).count()
    if projects != len(wanted["project"]) or buildings != len(wanted["building"]):
        raise bad
    return rows


def capa_effectiveness_record(
    *, capa: Capa, result: str, note: str, photo: UploadedFile | None = None, actor: User | None
) -> Capa:
    """Record the effectiveness check with its evidence (验证).

    "effective" once the check is due (30 days after the action); "not effective" at any time
    while verifying, which sends the CAPA back to cause analysis.
    """
    _require_manage(capa, actor)
    if result not in EffectivenessResult.values:
        raise ValidationError({"result": CAPA_REQUIRED})
    note = _text(note, "note")
    processed = common.process(photo)
    with transaction.atomic():
        at = common.now()
        if capa.status != CapaStatus.VERIFYING:
            raise ValidationError(CAPA_NOT_VERIFYING, code="not_verifying")
        if result == EffectivenessResult.EFFECTIVE and capa.effectiveness_due_at and at < capa.effectiveness_due_at:
            due = f"{capa.effectiveness_due_at:%Y-%m-%d}"
            raise ValidationError({"result": str(CAPA_EFFECTIVENESS_NOT_DUE).format(due=due)})
        common.attach(capa, processed, field="effectiveness_photo", thumbnail="effectiveness_thumbnail")
        changes = {
            "effectiveness_result": result,
            "effectiveness_note": note,
            "effectiveness_photo": capa.effectiveness_photo.name,
            "effectiveness_thumbnail": capa.effectiveness_thumbnail.name,
        }
        data = {"result": result}
        if result == EffectivenessResult.NOT_EFFECTIVE:
            changes.update(effectiveness_due_at=None, action_done_at=None)
            return _capa_transition(
                capa=capa,
                to=CapaStatus.ANALYSIS,
                actor=actor,
                at=at,
                reason=note,
                changes=changes,
                data=data,
                kind=CapaEventKind.EFFECTIVENESS,
            )
        locked = Capa.objects.select_for_update().get(pk=capa.pk)
        if locked.status != capa.status:
            raise Conflict(CAPA_CONFLICT, code="conflict")
        Capa.objects.filter(pk=capa.pk).update(**changes)
        for name, value in changes.items():
            setattr(capa, name, value)
        _event(capa, CapaEventKind.EFFECTIVENESS, actor, at, reason=note, data=data).save(force_insert=True)
        return capa


@transaction.atomic
def capa_close(*, capa: Capa, actor: User | None, note: str = "") -> Capa:
    """The closing authority (``capa.close``) closes a CAPA whose effectiveness is confirmed."""
    if not capa_can_close(user=actor, capa=capa):
        raise PermissionDenied
    _require_step(capa, CapaStatus.VERIFYING)
    if capa.effectiveness_result != EffectivenessResult.EFFECTIVE:
        raise ValidationError(CAPA_CLOSE_NOT_EFFECTIVE, code="not_effective")
    unresolved = list(
        capa.findings.filter(status__in=sorted(UNRESOLVED_FINDING_STATUSES)).order_by("id").values_list("id", flat=True)
    )
    if unresolved:
        ids = ", ".join(map(str, unresolved))
        raise ValidationError(str(CAPA_CLOSE_FINDINGS_OPEN).format(ids=ids), code="findings_open")
    at = common.now()
    return _capa_transition(
        capa=capa, to=CapaStatus.CLOSED, actor=actor, at=at, reason=note, changes={"closed_at": at, "closed_by": actor}
    )


@transaction.atomic
def capa_back(*, capa: Capa, reason: str, actor: User | None) -> Capa:
    """Send a CAPA back one step (退回) with a reason: the step's work must be redone."""
    _require_manage(capa, actor)
    reason = need_reason(reason)
    if capa.status == CapaStatus.CLOSED:
        raise ValidationError(CAPA_CLOSED, code="closed")
    if capa.status == CapaStatus.FILED:
        raise ValidationError(CAPA_BACK_FROM_FILED, code="bad_transition")
    previous = CAPA_ORDER[CAPA_ORDER.index(capa.status) - 1]
    changes = {}
    if capa.status == CapaStatus.VERIFYING:
        changes = {"effectiveness_due_at": None, "effectiveness_result": "", "action_done_at": None}
    return _capa_transition(
        capa=capa, to=previous, actor=actor, reason=reason, changes=changes, kind=CapaEventKind.REJECTED
    )


#
# The sweep
#
def capa_effectiveness_sweep(*, now: dt.datetime, batch: int = 500) -> dict[str, int]:
    """Flag each CAPA whose effectiveness check fell due, once (conditional UPDATE on
    ``effectiveness_flagged_at``); the event counts findings that came back since the action, and
    the owner and quality managers get an e-mail after commit."""
    flagged = 0
    while True:
        ids = list(
            Capa.objects.filter(
                status=CapaStatus.VERIFYING,
                effectiveness_result="",
                effectiveness_due_at__lte=now,
                effectiveness_flagged_at__isnull=True,
            )
            .order_by("effectiveness_due_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        for capa_id in ids:
            flagged += _flag(capa_id, now=now)
        if len(ids) < batch:
            break
    return {"effectiveness_due": flagged}


@transaction.atomic
def _flag(capa_id: int, *, now: dt.datetime) -> int:
    from inspections.notify import notify_capa_effectiveness_due

    claimed = Capa.objects.filter(
        pk=capa_id, status=CapaStatus.VERIFYING, effectiveness_result="", effectiveness_flagged_at__isnull=True
    ).update(effectiveness_flagged_at=now)
    if not claimed:
        return 0
    capa = Capa.objects.get(pk=capa_id)
    recurrences = Finding.objects.filter(repeat_of__capa=capa, created__gte=capa.action_done_at or capa.created).count()
    data = {"effectiveness_due_at": capa.effectiveness_due_at.isoformat(), "recurrences": recurrences}
    _event(capa, CapaEventKind.EFFECTIVENESS_DUE, None, now, data=data).save(force_insert=True)
    transaction.on_commit(lambda: notify_capa_effectiveness_due(capa_id=capa_id))
    return 1
