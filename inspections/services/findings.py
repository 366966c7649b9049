"""Findings (不合格项) and the rectification loop: open, rectify, verify, extensions, cancel, escalate.

A finding opens a rectification work order (kind rectification, source key ``finding:<id>``) in
the responsible department. The finding's own ``due_at`` is the deadline that counts: the
work-order API starts its SLA clocks from the company's SLA policy for rectification orders and
takes no deadline from the caller, so the order's ``resolve_due_at`` may differ.

Every status change goes through ``_finding_transition`` (the table in choices.FINDING_TRANSITIONS,
a row lock, a conditional UPDATE and a FindingEvent in the same transaction). The linked work
order follows through its own services and transition table (never by writing its status).

Who may do what:
- open ad hoc findings and verify: ``inspections.manage``, or ``inspections.do`` together with
  either ``inspections.view`` (quality manager, supervisor) or an invitation to the finding's
  round (third-party inspectors see and verify only the rounds they are invited to);
  nobody verifies a rectification he recorded himself;
- start, rectify, ask for an extension: ``findings.rectify`` on the project, and, for people who
  belong to a department there, only findings of their department;
- decide extensions (not one's own request) and cancel: ``inspections.manage`` on the project.
"""

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Department, Membership, Project
from inspections.choices import (
    CAPA_SEVERITIES,
    FINDING_TRANSITIONS,
    OPEN_FINDING_STATUSES,
    REPEAT_WINDOW_DAYS,
    SEVERITY_RECTIFY_HOURS,
    ExtensionStatus,
    FindingEventKind,
    FindingSource,
    FindingStatus,
    Outcome,
    Severity,
)
from inspections.models import (
    Capa,
    ChecklistItem,
    ExtensionRequest,
    Finding,
    FindingEvent,
    InspectionRound,
    ItemResult,
    RoundInspector,
)
from inspections.services import common
from inspections.services.common import Conflict, need_reason

log = logging.getLogger(__name__)

FINDING_CONFLICT = _("The finding was changed by someone else meanwhile; reload and try again.")
FINDING_BAD_TRANSITION = _("A finding cannot go from “{from_status}” to “{to_status}”.")
FINDING_OTHER_PROJECT = _("It belongs to another project.")
FINDING_DUE_IN_PAST = _("The deadline must be in the future.")
FINDING_NEW_DUE_REQUIRED = _("A failed verification needs a new deadline.")
FINDING_AFTER_PHOTO_REQUIRED = _("Add a photo of the rectified place.")
FINDING_NOTE_REQUIRED = _("Say what was done.")
FINDING_NOT_YOUR_DEPARTMENT = _("This finding is for another department.")
FINDING_VERIFY_OWN_WORK = _("Someone other than the person who rectified it must verify it.")
FINDING_ROUND_CANCELLED = _("The round was cancelled.")
FINDING_UNKNOWN_SOURCE = _("Pick a source from the list.")
EXTENSION_NOT_LATER = _("Ask for a deadline later than the current one.")
EXTENSION_PENDING = _("An extension request is already waiting for a decision.")
EXTENSION_DECIDED = _("This request is already decided.")
EXTENSION_OWN_REQUEST = _("Someone other than the person who asked must decide.")
EXTENSION_FINDING_DONE = _("The finding is no longer being rectified.")

# The work order's priority follows the finding's severity (its SLA clocks run by the policy).
PRIORITY_OF_SEVERITY = {Severity.MINOR: "p3", Severity.MAJOR: "p2", Severity.SEVERE: "p1", Severity.CRITICAL: "p1"}
WO_SOURCE_OF = {
    FindingSource.INSPECTION: "inspection",
    FindingSource.AUDIT: "inspection",
    FindingSource.HOTLINE_12345: "hotline_12345",
}
CREATE_FIELDS = (
    "title",
    "description",
    "severity",
    "source",
    "source_key",
    "department",
    "building",
    "area",
    "due_at",
    "round",
    "item_result",
    "item",
    "photo",
)
WO_DESCRIPTION_MAX = 2000


#
# Permissions
#
def _work_departments(user: User, project_id: int) -> set[int]:
    return set(
        Membership.objects.filter(
            user=user, project_id=project_id, is_active=True, department__isnull=False
        ).values_list("department_id", flat=True)
    )


def finding_can_rectify(*, user: User | None, finding: Finding) -> bool:
    """``findings.rectify`` on the project and, for members of a department there, the finding's department."""
    if user is None:
        return True
    if not access_for(user).allows(Perm.FINDINGS_RECTIFY, company_id=finding.company_id, project_id=finding.project_id):
        return False
    departments = _work_departments(user, finding.project_id)
    return not departments or finding.department_id is None or finding.department_id in departments


def _invited(user: User, round_id: int | None) -> bool:
    if round_id is None:
        return False
    rounds = InspectionRound.objects.filter(pk=round_id)
    return rounds.filter(lead=user).exists() or RoundInspector.objects.filter(round_id=round_id, user=user).exists()


def finding_can_inspect(*, user: User | None, company_id: int, project_id: int, round_id: int | None) -> bool:
    """May ``user`` raise or verify findings here (of round ``round_id``, or ad hoc when None)?"""
    if user is None:
        return True
    access = access_for(user)
    if access.allows(Perm.INSP_MANAGE, company_id=company_id, project_id=project_id):
        return True
    if not access.allows(Perm.INSP_DO, company_id=company_id, project_id=project_id):
        return False
    return access.allows(Perm.INSP_VIEW, company_id=company_id, project_id=project_id) or _invited(user, round_id)


def finding_can_manage(*, user: User | None, finding: Finding) -> bool:
    return common.can(user, Perm.INSP_MANAGE, company_id=finding.company_id, project_id=finding.project_id)


def _require_rectifier(finding: Finding, actor: User | None) -> None:
    if finding_can_rectify(user=actor, finding=finding):
        return
    if common.can(actor, Perm.FINDINGS_RECTIFY, company_id=finding.company_id, project_id=finding.project_id):
        raise PermissionDenied(FINDING_NOT_YOUR_DEPARTMENT)
    raise PermissionDenied


def _require_inspector(finding: Finding, actor: User | None) -> None:
    if not finding_can_inspect(
        user=actor, company_id=finding.company_id, project_id=finding.project_id, round_id=finding.round_id
    ):
        raise PermissionDenied


def _require_manager(finding: Finding, actor: User | None) -> None:
    if not finding_can_manage(user=actor, finding=finding):
        raise PermissionDenied


#
# The transition function and events
#
def _event(
    finding: Finding,
    kind: str,
    actor: User | None,
    at: dt.datetime,
    *,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> FindingEvent:
    return FindingEvent(
        company_id=finding.company_id,
        finding_id=finding.pk,
        kind=kind,
        actor=actor,
        created=at,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def _finding_transition(
    *,
    finding: Finding,
    to: str,
    actor: User | None,
    at: dt.datetime | None = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Finding:
    """Move ``finding`` to ``to``: check the table, lock the row, update it conditionally, write the event."""
    at = at or common.now()
    fresh = Finding.objects.select_for_update().get(pk=finding.pk)
    if fresh.status != finding.status:
        raise Conflict(FINDING_CONFLICT, code="conflict")
    if to not in FINDING_TRANSITIONS[fresh.status]:
        message = str(FINDING_BAD_TRANSITION).format(
            from_status=FindingStatus(fresh.status).label, to_status=FindingStatus(to).label
        )
        raise ValidationError(message, code="bad_transition")
    changes = changes or {}
    if Finding.objects.filter(pk=fresh.pk, status=fresh.status).update(status=to, **changes) != 1:
        raise Conflict(FINDING_CONFLICT, code="conflict")
    for name, value in {**changes, "status": to}.items():
        setattr(finding, name, value)
    _event(
        finding, FindingEventKind.STATUS, actor, at, from_status=fresh.status, to_status=to, reason=reason, data=data
    ).save(force_insert=True)
    return finding


def _future(value: dt.datetime | None, *, field: str, at: dt.datetime, required_message=None) -> dt.datetime:
    if value is None:
        raise ValidationError({field: required_message or FINDING_NEW_DUE_REQUIRED})
    if value <= at:
        raise ValidationError({field: FINDING_DUE_IN_PAST})
    return value


#
# Opening findings
#
def findings_open_for_round(*, round: InspectionRound, actor: User | None) -> list[Finding]:
    """One finding for every failed item of a submitted round that has none yet (a rerun opens nothing).

    Called by ``round_submit``, which checks the actor. Severity, responsible department (the
    project's department of the item's kind) and deadline (``rectify_hours``) come from the item;
    the before photo, place and note from the result.
    """
    at = common.now()
    results = (
        ItemResult.objects.filter(round=round, outcome=Outcome.FAIL)
        .exclude(findings__isnull=False)
        .select_related("item", "item__standard_revision")
        .order_by("item__sort_order", "item_id")
    )
    departments = _departments_by_kind(round.project_id)
    opened = []
    for result in results:
        item = result.item
        finding = Finding(
            company_id=round.company_id,
            project_id=round.project_id,
            round=round,
            item_result=result,
            item=item,
            source=FindingSource.INSPECTION,
            title=item.title,
            description=result.note or item.requirement,
            severity=item.severity_if_failed,
            department=departments.get(item.department_kind),
            building_id=result.building_id,
            area_id=result.area_id,
            due_at=at + dt.timedelta(hours=_rectify_hours(item, item.severity_if_failed)),
            photo=result.photo.name,
            thumbnail=result.thumbnail.name,
            created_by=result.inspector or actor,
            created=at,
        )
        opened.append(_open(finding, actor=actor, at=at))
    return opened


def _departments_by_kind(project_id: int) -> dict[str, Department]:
    found: dict[str, Department] = {}
    for department in Department.objects.filter(project_id=project_id).order_by("id"):
        found.setdefault(department.kind, department)
    return found


def _rectify_hours(item: ChecklistItem | None, severity: str) -> int:
    if item is not None and item.rectify_hours:
        return item.rectify_hours
    return SEVERITY_RECTIFY_HOURS.get(severity, SEVERITY_RECTIFY_HOURS[Severity.MINOR])


def finding_create(*, project: Project, data: dict[str, Any], actor: User | None) -> Finding:
    """Raise a finding by hand: on a walk-by, from a complaint, an audit, a KPI or a 12345 referral,
    or an extra place of a failed round item (``item_result``).

    ``data`` takes the keys of ``CREATE_FIELDS``; ``photo`` is an upload (the before photo).
    Without ``due_at`` the deadline follows the item or the severity. Errors name their field.
    """
    unknown = set(data) - set(CREATE_FIELDS)
    if unknown:
        raise ValueError(f"unknown finding fields: {sorted(unknown)}")
    processed = common.process(data.get("photo"))  # slow: before the transaction
    with transaction.atomic():
        finding = _finding_from(project=project, data=data, actor=actor)
        common.attach(finding, processed)
        return _open(finding, actor=actor, at=finding.created, upload=data.get("photo"))


def _finding_from(*, project: Project, data: dict[str, Any], actor: User | None) -> Finding:
    at = common.now()
    fields = {k: v for k, v in data.items() if k != "photo" and v not in (None, "")}
    if fields.get("source", FindingSource.INSPECTION) not in FindingSource.values:
        raise ValidationError({"source": FINDING_UNKNOWN_SOURCE})
    result = fields.get("item_result")
    if result is not None:
        fields.setdefault("round", result.round)
        fields.setdefault("item", result.item)
    finding = Finding(company_id=project.company_id, project=project, created_by=actor, created=at, **fields)
    _check_places(finding)
    if not finding_can_inspect(
        user=actor, company_id=project.company_id, project_id=project.pk, round_id=finding.round_id
    ):
        raise PermissionDenied
    item = finding.item
    if item is not None:
        finding.title = finding.title or item.title
        finding.description = finding.description or item.requirement
        finding.severity = fields.get("severity") or item.severity_if_failed
        if finding.department_id is None and item.department_kind:
            finding.department = _departments_by_kind(project.pk).get(item.department_kind)
    if "due_at" in fields:
        _future(finding.due_at, field="due_at", at=at)
    else:
        finding.due_at = at + dt.timedelta(hours=_rectify_hours(item, finding.severity))
    return finding


def _check_places(finding: Finding) -> None:
    for name in ("department", "building", "area", "round"):
        obj = getattr(finding, name) if getattr(finding, f"{name}_id") else None
        if obj is not None and obj.project_id != finding.project_id:
            raise ValidationError({name: FINDING_OTHER_PROJECT})
    result = finding.item_result if finding.item_result_id else None
    if result is not None and result.round_id != finding.round_id:
        raise ValidationError({"item_result": FINDING_OTHER_PROJECT})
    if finding.item_id and finding.item.company_id != finding.company_id:
        raise ValidationError({"item": FINDING_OTHER_PROJECT})
    if finding.round_id and finding.round.status == "cancelled":
        raise ValidationError({"round": FINDING_ROUND_CANCELLED})


# Foreign keys checked above or set by the service; full_clean() would fetch each again.
CHECKED_RELATIONS = [f.name for f in Finding._meta.concrete_fields if f.is_relation]


def _open(finding: Finding, *, actor: User | None, at: dt.datetime, upload: UploadedFile | None = None) -> Finding:
    """Insert ``finding`` (repeat marked), open its rectification order, and a CAPA when required."""
    from inspections.services.capa import capa_for_finding

    finding.status = FindingStatus.OPEN
    finding.repeat_of = _repeat_of(finding)
    finding.full_clean(exclude=[*CHECKED_RELATIONS, "source_key"])
    finding.save(force_insert=True)
    events = [_event(finding, FindingEventKind.STATUS, actor, at, to_status=FindingStatus.OPEN)]
    repeat_capa = None if finding.repeat_of_id else _repeat_capa(finding)
    if finding.repeat_of_id or repeat_capa is not None:
        data = (
            {"repeat_of": finding.repeat_of_id} if finding.repeat_of_id else {"same_standard_as_capa": repeat_capa.pk}
        )
        events.append(_event(finding, FindingEventKind.REPEAT, None, at, data=data))
    FindingEvent.objects.bulk_create(events)
    finding.work_order = _open_work_order(finding, at=at, upload=upload)
    Finding.objects.filter(pk=finding.pk).update(work_order=finding.work_order)
    if finding.severity in CAPA_SEVERITIES or finding.repeat_of_id or repeat_capa is not None:
        capa_for_finding(finding=finding, actor=actor, repeat_capa=repeat_capa)
    return finding


def _repeat_q(finding: Finding) -> Q:
    """Earlier findings that count as the same problem: the same item (by key, across versions of
    its checklist), the same standard item, or the same title for the same department."""
    same = Q(title__iexact=finding.title.strip(), department_id=finding.department_id)
    item = finding.item
    if item is not None:
        same |= Q(item__key=item.key, item__version__template_id=item.version.template_id)
        if item.standard_revision_id:
            same |= Q(item__standard_revision__item_id=item.standard_revision.item_id)
    return same


def _repeat_of(finding: Finding) -> Finding | None:
    """The latest finding of the same project within REPEAT_WINDOW_DAYS that this one repeats.

    Only a problem that was fixed (closed) and came back is a repeat: while the earlier finding is
    still being rectified, seeing it again on the next daily round is the same problem, not a
    recurrence (else every daily round would force an 8D CAPA). Findings of the same round (one
    failed item seen at several places) are not repeats either.
    """
    since = finding.created - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    earlier = Finding.objects.filter(
        company_id=finding.company_id,
        project_id=finding.project_id,
        created__gte=since,
        created__lte=finding.created,
        status=FindingStatus.CLOSED,
    )
    if finding.pk:
        earlier = earlier.exclude(pk=finding.pk)
    if finding.round_id:
        earlier = earlier.exclude(round_id=finding.round_id)
    return earlier.filter(_repeat_q(finding)).order_by("-created", "-id").first()


def _repeat_capa(finding: Finding) -> Capa | None:
    """A CAPA of the project within the window whose analysed cause sits on this finding's standard item."""
    item = finding.item
    if item is None or not item.standard_revision_id:
        return None
    since = finding.created - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    return (
        Capa.objects.filter(
            company_id=finding.company_id,
            project_id=finding.project_id,
            created__gte=since,
            standard_item_id=item.standard_revision.item_id,
        )
        .exclude(cause_class="")
        .order_by("-created", "-id")
        .first()
    )


def _open_work_order(finding: Finding, *, at: dt.datetime, upload: UploadedFile | None):
    from workorders.choices import Kind, PhotoStage
    from workorders.services import workorder_create_system
    from workorders.services.photos import photos_attach

    description = str(
        _("{description}\n\nRectify by {due}. Finding {id}; an after photo is required, then it is verified.")
    ).format(description=finding.description or finding.title, due=_local(finding), id=finding.pk)
    order = workorder_create_system(
        project_id=finding.project_id,
        source_key=f"finding:{finding.pk}",
        at=at,
        data={
            "kind": Kind.RECTIFICATION,
            "priority": PRIORITY_OF_SEVERITY.get(finding.severity, "p2"),
            "source": WO_SOURCE_OF.get(finding.source, "system"),
            "title": finding.title[:100],
            "description": description[:WO_DESCRIPTION_MAX],
            "department": finding.department,
            "building": finding.building,
            "area": finding.area,
        },
    )
    photo = _before_photo(finding, upload)
    if photo is not None:
        photos_attach(order=order, files=[photo], stage=PhotoStage.BEFORE, actor=None)
    return order


def _before_photo(finding: Finding, upload: UploadedFile | None):
    if upload is not None:
        upload.seek(0)
        return upload
    if finding.photo:
        return finding.photo.open("rb")
    return None


def _local(finding: Finding) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(finding.due_at, finding.project.company.zone):%Y-%m-%d %H:%M}"


#
# The team rectifies
#
@transaction.atomic
def finding_start(*, finding: Finding, actor: User | None, note: str = "") -> Finding:
    """The responsible team takes the finding on (接收整改): open → rectifying."""
    _require_rectifier(finding, actor)
    return _finding_transition(finding=finding, to=FindingStatus.RECTIFYING, actor=actor, reason=note)


def finding_rectify(*, finding: Finding, note: str, photo: UploadedFile | None, actor: User | None) -> Finding:
    """The team reports the rectification with an after photo: → awaiting verification.

    The linked work order is brought to "completed" through its own services as far as its
    lifecycle allows: an order nobody was dispatched to goes to the person who rectified it
    (when he works on orders in the project), then it is started on site and completed with
    the same photo. Where it cannot (an assignee-less order and a rectifier who works on no
    orders), the order is left as it is and the event says so.
    """
    _require_rectifier(finding, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": FINDING_NOTE_REQUIRED})
    if not photo:
        raise ValidationError({"photo": FINDING_AFTER_PHOTO_REQUIRED})
    processed = common.process(photo)
    with transaction.atomic():
        at = common.now()
        common.attach(finding, processed, field="rectify_photo", thumbnail="rectify_thumbnail")
        changes = {
            "rectified_at": at,
            "rectified_by": actor,
            "rectify_note": note,
            "rectify_photo": finding.rectify_photo.name,
            "rectify_thumbnail": finding.rectify_thumbnail.name,
        }
        order_status = _work_order_rectified(finding, actor=actor, note=note, photo=photo)
        data = {"work_order_status": order_status} if order_status else None
        return _finding_transition(
            finding=finding,
            to=FindingStatus.AWAITING_VERIFICATION,
            actor=actor,
            at=at,
            reason=note,
            changes=changes,
            data=data,
        )


#
# Verification
#
@transaction.atomic
def finding_verify(
    *, finding: Finding, passed: bool, note: str = "", new_due_at: dt.datetime | None = None, actor: User | None
) -> Finding:
    """The inspector checks the rectification on site (验证): pass closes the finding (and its
    order: verified, closed); fail sends it back to rectifying with a new deadline (required) and
    the order back to work. Either way ``verify_rounds`` counts one more verification."""
    _require_inspector(finding, actor)
    rectified_by = Finding.objects.filter(pk=finding.pk).values_list("rectified_by_id", flat=True).first()
    if actor is not None and rectified_by == actor.pk:
        raise PermissionDenied(FINDING_VERIFY_OWN_WORK)
    at = common.now()
    changes: dict[str, Any] = {"verified_at": at, "verified_by": actor, "verify_rounds": F("verify_rounds") + 1}
    if passed:
        changes["closed_at"] = at
        finding = _finding_transition(
            finding=finding,
            to=FindingStatus.CLOSED,
            actor=actor,
            at=at,
            reason=note,
            changes=changes,
            data={"passed": True},
        )
        _work_order_verified(finding, actor=actor, note=note)
    else:
        note = need_reason(note)
        due = _future(new_due_at, field="new_due_at", at=at)
        changes.update(due_at=due, escalated_at=None)
        finding = _finding_transition(
            finding=finding,
            to=FindingStatus.RECTIFYING,
            actor=actor,
            at=at,
            reason=note,
            changes=changes,
            data={"passed": False, "due_at": due.isoformat()},
        )
        _work_order_failed(finding, actor=actor, note=note)
    finding.refresh_from_db(fields=["verify_rounds"])
    return finding


@transaction.atomic
def finding_cancel(*, finding: Finding, reason: str, actor: User | None) -> Finding:
    """Withdraw a finding raised in error; its rectification order is cancelled too."""
    _require_manager(finding, actor)
    reason = need_reason(reason)
    finding = _finding_transition(finding=finding, to=FindingStatus.CANCELLED, actor=actor, reason=reason)
    ExtensionRequest.objects.filter(finding=finding, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.REJECTED, decided_at=common.now(), decision_note=reason
    )
    _work_order_cancelled(finding, actor=actor, reason=reason)
    return finding


#
# Extensions
#
@transaction.atomic
def finding_extension_request(
    *, finding: Finding, requested_due_at: dt.datetime | None, reason: str, actor: User | None
) -> ExtensionRequest:
    """The team asks to move the deadline (延期申请); a manager decides."""
    _require_rectifier(finding, actor)
    at = common.now()
    if finding.status not in OPEN_FINDING_STATUSES:
        raise ValidationError(EXTENSION_FINDING_DONE, code="finding_done")
    reason = need_reason(reason)
    _future(requested_due_at, field="requested_due_at", at=at)
    if requested_due_at <= finding.due_at:
        raise ValidationError({"requested_due_at": EXTENSION_NOT_LATER})
    if ExtensionRequest.objects.filter(finding=finding, status=ExtensionStatus.PENDING).exists():
        raise ValidationError(EXTENSION_PENDING, code="extension_pending")
    request = ExtensionRequest(
        company_id=finding.company_id,
        finding=finding,
        requested_due_at=requested_due_at,
        previous_due_at=finding.due_at,
        reason=reason,
        requested_by=actor,
        created=at,
    )
    common.full_save(request, exclude=["company", "finding", "requested_by"])
    data = {"request": request.pk, "requested_due_at": requested_due_at.isoformat()}
    _event(finding, FindingEventKind.EXTENSION_REQUESTED, actor, at, reason=reason, data=data).save(force_insert=True)
    return request


@transaction.atomic
def finding_extension_decide(
    *, request: ExtensionRequest, approve: bool, note: str = "", actor: User | None
) -> ExtensionRequest:
    """A quality or project manager approves (the deadline moves, escalation starts afresh) or rejects (with a note)."""
    finding = request.finding
    _require_manager(finding, actor)
    if actor is not None and request.requested_by_id == actor.pk:
        raise PermissionDenied(EXTENSION_OWN_REQUEST)
    note = (note or "").strip() if approve else need_reason(note)
    at = common.now()
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    if approve:
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        if locked.status not in OPEN_FINDING_STATUSES:
            raise ValidationError(EXTENSION_FINDING_DONE, code="finding_done")
    decided = ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=at, decision_note=note
    )
    if decided != 1:
        raise ValidationError(EXTENSION_DECIDED, code="extension_decided")
    request.status, request.decided_by, request.decided_at, request.decision_note = status, actor, at, note
    data = {"request": request.pk, "approved": approve, "previous_due_at": finding.due_at.isoformat()}
    if approve:
        Finding.objects.filter(pk=finding.pk).update(due_at=request.requested_due_at, escalated_at=None)
        finding.due_at, finding.escalated_at = request.requested_due_at, None
        data["due_at"] = request.requested_due_at.isoformat()
    _event(finding, FindingEventKind.EXTENSION_DECIDED, actor, at, reason=note, data=data).save(force_insert=True)
    return request


#
# The linked work order, through the work-order services
#
def _order_of(finding: Finding):
    from workorders.models import WorkOrder

    if not finding.work_order_id:
        return None
    return WorkOrder.objects.select_related("project", "company").get(pk=finding.work_order_id)


def _wo_actor(actor: User | None, order, perm: str) -> User | None:
    """The person when he may do this on the order himself, else the system on his behalf."""
    if actor is not None and access_for(actor).allows(perm, company_id=order.company_id, project_id=order.project_id):
        return actor
    return None


def _work_order_rectified(finding: Finding, *, actor: User | None, note: str, photo: UploadedFile) -> str:
    """Walk the order to "completed"; return its status when it could not get there ("" when it did)."""
    from workorders import services as wo
    from workorders.choices import Status
    from workorders.services.dispatch import assignee_is_eligible

    order = _order_of(finding)
    if order is None:
        return ""
    for _step in range(5):
        manager = _wo_actor(actor, order, Perm.WO_MANAGE)
        assignee = actor if actor is not None and order.assignee_id == actor.pk else None
        worker = manager or _wo_actor(assignee, order, Perm.WO_WORK)
        if order.status in (Status.SUBMITTED, Status.ACCEPTED, Status.REOPENED):
            if actor is None or not assignee_is_eligible(order=order, user=actor):
                break
            order = wo.workorder_dispatch(order=order, assignee=actor, note=note, actor=manager)
        elif order.status == Status.ON_HOLD:
            order = wo.workorder_resume(order=order, actor=worker, note=note)
        elif order.status == Status.DISPATCHED:
            order = wo.workorder_start(order=order, actor=worker, note=note)
        elif order.status == Status.IN_PROGRESS:
            photo.seek(0)
            wo.workorder_complete(order=order, actor=worker, note=note, photos=[photo])
            return ""
        else:
            break
    return "" if order.status in (Status.COMPLETED, Status.VERIFIED, Status.CLOSED) else order.status


def _work_order_verified(finding: Finding, *, actor: User | None, note: str) -> None:
    from workorders import services as wo
    from workorders.choices import OPEN_STATUSES, Status

    order = _order_of(finding)
    if order is None:
        return
    manager = _wo_actor(actor, order, Perm.WO_MANAGE)
    if order.status == Status.IN_PROGRESS:
        order = wo.workorder_complete(order=order, actor=manager, note=note)
    if order.status == Status.COMPLETED:
        order = wo.workorder_verify(order=order, passed=True, reason=note, actor=manager)
    if order.status == Status.VERIFIED:
        wo.workorder_close(order=order, actor=manager, note=note)
    elif order.status in OPEN_STATUSES:
        reason = str(_("The finding was verified and closed."))
        wo.workorder_cancel(order=order, reason=note or reason, actor=manager)


def _work_order_failed(finding: Finding, *, actor: User | None, note: str) -> None:
    from workorders import services as wo
    from workorders.choices import Status

    order = _order_of(finding)
    if order is None:
        return
    manager = _wo_actor(actor, order, Perm.WO_MANAGE)
    if order.status == Status.COMPLETED:
        wo.workorder_verify(order=order, passed=False, reason=note, actor=manager)
    elif order.status in (Status.VERIFIED, Status.CLOSED):
        wo.workorder_reopen(order=order, reason=note, actor=manager)


def _work_order_cancelled(finding: Finding, *, actor: User | None, reason: str) -> None:
    from workorders import services as wo
    from workorders.choices import OPEN_STATUSES

    order = _order_of(finding)
    if order is not None and order.status in OPEN_STATUSES:
        wo.workorder_cancel(order=order, reason=reason, actor=_wo_actor(actor, order, Perm.WO_MANAGE))


#
# The sweep
#
def findings_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Escalate every overdue open or rectifying finding once per deadline, and flag CAPA
    effectiveness checks that fell due.

    Exactly once by construction: a finding is escalated only by the conditional UPDATE that sets
    ``escalated_at`` where it is still NULL, so two sweeps never escalate it twice. A new deadline
    (approved extension, failed verification) clears ``escalated_at``. The project manager and the
    quality managers get an e-mail after commit.
    """
    from inspections.services.capa import capa_effectiveness_sweep

    now = now or common.now()
    totals = {"escalated": 0}
    while True:
        ids = list(
            Finding.objects.filter(status__in=sorted(OPEN_FINDING_STATUSES), due_at__lt=now, escalated_at__isnull=True)
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        for finding_id in ids:
            totals["escalated"] += _escalate(finding_id, now=now)
        if len(ids) < batch:
            break
    totals.update(capa_effectiveness_sweep(now=now))
    return totals


@transaction.atomic
def _escalate(finding_id: int, *, now: dt.datetime) -> int:
    from inspections.notify import notify_finding_escalated

    claimed = Finding.objects.filter(
        pk=finding_id, status__in=sorted(OPEN_FINDING_STATUSES), due_at__lt=now, escalated_at__isnull=True
    ).update(escalated_at=now, escalation_level=F("escalation_level") + 1)
    if not claimed:
        return 0  # another sweep, or a user's action, got there first
    finding = Finding.objects.get(pk=finding_id)
    overdue = int((now - finding.due_at).total_seconds() // 3600)
    data = {"due_at": finding.due_at.isoformat(), "overdue_hours": overdue, "level": finding.escalation_level}
    _event(finding, FindingEventKind.ESCALATED, None, now, data=data).save(force_insert=True)
    transaction.on_commit(lambda: notify_finding_escalated(finding_id=finding_id))
    return 1
