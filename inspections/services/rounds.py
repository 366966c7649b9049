"""Inspection rounds: create, start, record item results, submit (score, findings, roll-up), cancel, close.

Every status change goes through ``_round_transition`` (the table in choices.ROUND_TRANSITIONS, a
row lock, a conditional UPDATE and a RoundEvent in the same transaction).

Who may do what:
- create, change inspectors, cancel, close: ``inspections.manage`` on the project;
- start, record, submit: an invited inspector (or the lead) holding ``inspections.do`` there, or
  someone holding both ``inspections.manage`` and ``inspections.do`` (the quality manager).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Area, Building, Project
from inspections import scoring
from inspections.choices import (
    OPEN_ROUND_STATUSES,
    ROUND_TRANSITIONS,
    Outcome,
    RoundEventKind,
    RoundStatus,
    Scoring,
)
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    InspectionRound,
    InspectionSchedule,
    ItemResult,
    RoundEvent,
    RoundInspector,
)
from inspections.selectors import can_do_round
from inspections.services import common
from inspections.services import findings as findings_services
from inspections.services.common import INSPECTION_CONFLICT, Conflict, need_reason

ROUND_BAD_TRANSITION = _("A round cannot go from “{from_status}” to “{to_status}”.")
ROUND_CLOSED = _("This round is already {status}.")
ROUND_NOT_YOURS = _("You are not an inspector of this round.")
ROUND_VERSION_OTHER_COMPANY = _("The checklist belongs to another company.")
ROUND_TEMPLATE_INACTIVE = _("This checklist is switched off.")
ROUND_KIND_NOT_SUITED = _("This checklist is not meant for this kind of inspection.")
ROUND_DUE_BEFORE_DAY = _("The round cannot be due before its day starts.")
ROUND_NEEDS_INSPECTOR = _("Name a lead inspector or at least one inspector.")
ROUND_NOT_INSPECTOR = _("{name} does not carry out inspections in this project.")
ROUND_ITEM_NOT_ON_CHECKLIST = _("This item is not on the round's checklist.")
ROUND_OUTCOME_UNKNOWN = _("Pick pass, fail or not applicable.")
ROUND_SCORE_REQUIRED = _("Give a score from 0 to {max}.")
ROUND_SCORE_RANGE = _("The score must be from 0 to {max}.")
ROUND_SCORE_NOT_FOR_PASS_FAIL = _("A pass/fail item takes no score.")
ROUND_FAIL_SCORE_FULL = _("A failed item cannot have the full score.")
ROUND_PHOTO_REQUIRED = _("A photo is required when this item fails.")
ROUND_POSITION_PAIR = _("Enter both latitude and longitude, or neither.")
ROUND_POSITION_RANGE = _("This is not a position on Earth.")
ROUND_PLACE_OTHER_PROJECT = _("It belongs to another project.")
ROUND_RESULT_AFTER_SUBMIT = _("The round is submitted; results can no longer change.")
ROUND_ITEMS_MISSING = _("Answer every item first: {missing} not answered yet ({titles}).")


#
# The transition function
#
def _round_transition(
    *,
    round: InspectionRound,
    to: str,
    actor: User | None,
    at: dt.datetime | None = None,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> InspectionRound:
    """Move ``round`` to ``to``: check the table, lock the row, update it conditionally, write the event."""
    at = at or common.now()
    fresh = InspectionRound.objects.select_for_update().get(pk=round.pk)
    if fresh.status != round.status:
        raise Conflict(INSPECTION_CONFLICT, code="conflict")
    if to not in ROUND_TRANSITIONS[fresh.status]:
        message = str(ROUND_BAD_TRANSITION).format(
            from_status=RoundStatus(fresh.status).label, to_status=RoundStatus(to).label
        )
        raise ValidationError(message, code="bad_transition")
    changes = changes or {}
    if InspectionRound.objects.filter(pk=fresh.pk, status=fresh.status).update(status=to, **changes) != 1:
        raise Conflict(INSPECTION_CONFLICT, code="conflict")
    for name, value in {**changes, "status": to}.items():
        setattr(round, name, value)
    _event(round, RoundEventKind.STATUS, actor, at, fresh.status, to, reason, data)
    return round


def _event(round, kind, actor, at, from_status="", to_status="", reason="", data=None) -> RoundEvent:
    return RoundEvent.objects.create(
        company_id=round.company_id,
        round=round,
        kind=kind,
        actor=actor,
        created=at,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def _require_manage(round_or_project, actor: User | None) -> None:
    project_id = round_or_project.pk if isinstance(round_or_project, Project) else round_or_project.project_id
    common.require(actor, Perm.INSP_MANAGE, company_id=round_or_project.company_id, project_id=project_id)


def _require_inspector(round: InspectionRound, actor: User | None) -> None:
    if can_do_round(user=actor, round=round):
        return
    if access_for(actor).allows(Perm.INSP_DO, company_id=round.company_id, project_id=round.project_id):
        raise PermissionDenied(ROUND_NOT_YOURS)
    raise PermissionDenied


def _require_open(round: InspectionRound) -> None:
    if round.status not in OPEN_ROUND_STATUSES:
        status = RoundStatus(round.status).label.lower()
        raise ValidationError(str(ROUND_CLOSED).format(status=status), code="closed")


#
# Create and inspectors
#
def _check_inspectors(project: Project, people: Iterable[User]) -> None:
    for person in people:
        if not access_for(person).allows(Perm.INSP_DO, company_id=project.company_id, project_id=project.pk):
            name = person.get_full_name() or person.get_username()
            raise ValidationError({"inspectors": str(ROUND_NOT_INSPECTOR).format(name=name)})


def _people(lead: User | None, inspectors: Iterable[User]) -> list[User]:
    people = {p.pk: p for p in inspectors}
    if lead is not None:
        people.setdefault(lead.pk, lead)
    return list(people.values())


def _check_version(project: Project, version: ChecklistVersion, kind: str) -> None:
    if version.company_id != project.company_id:
        raise ValidationError({"version": ROUND_VERSION_OTHER_COMPANY})
    template = ChecklistTemplate.objects.get(pk=version.template_id)  # fresh: switched off meanwhile?
    if not template.is_active:
        raise ValidationError({"version": ROUND_TEMPLATE_INACTIVE})
    if template.kinds and kind not in template.kinds:
        raise ValidationError({"kind": ROUND_KIND_NOT_SUITED})


def day_start(project: Project, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=project.company.zone)


@transaction.atomic
def round_create(
    *,
    project: Project,
    version: ChecklistVersion,
    kind: str,
    title: str,
    scheduled_for: dt.date,
    due_at: dt.datetime,
    lead: User | None,
    inspectors: Iterable[User],
    actor: User | None,
    note: str = "",
    plan_task=None,
    schedule: InspectionSchedule | None = None,
    source_key: str | None = None,
) -> InspectionRound:
    """A scheduled round of ``project`` with ``version``; the lead is one of the inspectors.

    With a ``source_key`` (a generator's natural key) an existing round with that key is returned
    instead of a second one.
    """
    _require_manage(project, actor)
    _check_version(project, version, kind)
    people = _people(lead, inspectors)
    if not people:
        raise ValidationError({"inspectors": ROUND_NEEDS_INSPECTOR})
    _check_inspectors(project, people)
    if scheduled_for and due_at and due_at <= day_start(project, scheduled_for):
        raise ValidationError({"due_at": ROUND_DUE_BEFORE_DAY})
    round = InspectionRound(
        company_id=project.company_id,
        project=project,
        version=version,
        kind=kind,
        title=(title or "").strip() or version.template.name,
        scheduled_for=scheduled_for,
        due_at=due_at,
        lead=lead,
        note=note,
        plan_task=plan_task,
        schedule=schedule,
        source_key=source_key,
        created_by=actor,
    )
    round.full_clean(exclude=["version", "project", "company"], validate_constraints=False)
    try:
        with transaction.atomic():
            round.save()
    except IntegrityError:
        existing = InspectionRound.objects.filter(company_id=project.company_id, source_key=source_key).first()
        if source_key and existing is not None:
            return existing
        raise
    RoundInspector.objects.bulk_create(
        RoundInspector(company_id=round.company_id, round=round, user=person) for person in people
    )
    _event(round, RoundEventKind.STATUS, actor, round.created, "", RoundStatus.SCHEDULED, data=_people_data(people))
    return round


def _people_data(people: list[User]) -> dict[str, Any]:
    return {"inspectors": sorted(p.pk for p in people)}


@transaction.atomic
def round_inspectors_set(
    *, round: InspectionRound, inspectors: Iterable[User], actor: User | None, lead: User | None = None
) -> InspectionRound:
    """Replace who is invited to an open round (the lead stays, or becomes ``lead`` when given)."""
    _require_manage(round, actor)
    _require_open(round)
    lead = lead or round.lead
    people = _people(lead, inspectors)
    if not people:
        raise ValidationError({"inspectors": ROUND_NEEDS_INSPECTOR})
    _check_inspectors(round.project, people)
    RoundInspector.objects.filter(round=round).exclude(user__in=people).delete()
    have = set(RoundInspector.objects.filter(round=round).values_list("user_id", flat=True))
    RoundInspector.objects.bulk_create(
        RoundInspector(company_id=round.company_id, round=round, user=p) for p in people if p.pk not in have
    )
    if lead is not None and lead.pk != round.lead_id:
        InspectionRound.objects.filter(pk=round.pk).update(lead=lead)
        round.lead = lead
    _event(round, RoundEventKind.INSPECTORS, actor, common.now(), data=_people_data(people))
    return round


#
# Doing a round
#
@transaction.atomic
def round_start(*, round: InspectionRound, actor: User | None, at: dt.datetime | None = None) -> InspectionRound:
    _require_inspector(round, actor)
    _require_open(round)
    at = at or common.now()
    return _round_transition(round=round, to=RoundStatus.IN_PROGRESS, actor=actor, at=at, changes={"started_at": at})


def _check_outcome(item: ChecklistItem, outcome: str, score) -> Decimal | None:
    """The score to store: 1/0 for pass/fail items, the given score for 0–N items, none for N/A."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": ROUND_OUTCOME_UNKNOWN})
    if item.scoring == Scoring.PASS_FAIL:
        if score not in (None, ""):
            raise ValidationError({"score": ROUND_SCORE_NOT_FOR_PASS_FAIL})
        return None if outcome == Outcome.NA else Decimal(int(outcome == Outcome.PASS))
    if outcome == Outcome.NA:
        return None
    if score in (None, ""):
        raise ValidationError({"score": str(ROUND_SCORE_REQUIRED).format(max=item.max_score)})
    try:
        value = Decimal(str(score))
    except InvalidOperation:
        raise ValidationError({"score": str(ROUND_SCORE_RANGE).format(max=item.max_score)}) from None
    if not value.is_finite() or not 0 <= value <= item.max_score or value != value.quantize(Decimal("0.01")):
        raise ValidationError({"score": str(ROUND_SCORE_RANGE).format(max=item.max_score)})
    if outcome == Outcome.FAIL and value >= item.max_score:
        raise ValidationError({"score": ROUND_FAIL_SCORE_FULL})
    return value


def _check_position(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationError({"longitude": ROUND_POSITION_PAIR})
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except InvalidOperation:
        raise ValidationError({"latitude": ROUND_POSITION_RANGE}) from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"latitude": ROUND_POSITION_RANGE})
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))


def _check_place(round: InspectionRound, building: Building | None, area: Area | None) -> None:
    for name, obj in (("building", building), ("area", area)):
        if obj is not None and obj.project_id != round.project_id:
            raise ValidationError({name: ROUND_PLACE_OTHER_PROJECT})


def round_result_record(
    *,
    round: InspectionRound,
    item: ChecklistItem,
    outcome: str,
    score=None,
    note: str = "",
    photo: UploadedFile | None = None,
    latitude=None,
    longitude=None,
    building: Building | None = None,
    area: Area | None = None,
    actor: User | None,
    at: dt.datetime | None = None,
) -> ItemResult:
    """Record (or, before submitting, re-record) the answer to one item of an open round.

    A scheduled round starts with its first answer. Re-recording replaces outcome, score, note,
    time, place and position; a photo stays unless a new one is given. Failing an item that
    requires a photo needs one (given now or already there).
    """
    _require_inspector(round, actor)
    if round.status not in OPEN_ROUND_STATUSES:
        raise ValidationError(ROUND_RESULT_AFTER_SUBMIT, code="closed")
    if item.version_id != round.version_id:
        raise ValidationError({"item": ROUND_ITEM_NOT_ON_CHECKLIST})
    value = _check_outcome(item, outcome, score)
    lat, lon = _check_position(latitude, longitude)
    _check_place(round, building, area)
    processed = common.process(photo)  # slow: before the transaction
    with transaction.atomic():
        return _record(round, item, outcome, value, note, processed, lat, lon, building, area, actor, at)


def _record(round, item, outcome, value, note, processed, lat, lon, building, area, actor, at) -> ItemResult:
    at = at or common.now()
    result = ItemResult.objects.filter(round=round, item=item).first() or ItemResult(
        company_id=round.company_id, round=round, item=item
    )
    if outcome == Outcome.FAIL and item.photo_required and processed is None and not result.photo:
        raise ValidationError({"photo": ROUND_PHOTO_REQUIRED})
    if round.status == RoundStatus.SCHEDULED:
        _round_transition(round=round, to=RoundStatus.IN_PROGRESS, actor=actor, at=at, changes={"started_at": at})
    else:
        fresh = InspectionRound.objects.select_for_update().only("status").get(pk=round.pk)
        if fresh.status != RoundStatus.IN_PROGRESS:
            raise ValidationError(ROUND_RESULT_AFTER_SUBMIT, code="closed")
    result.outcome, result.score, result.note, result.at = outcome, value, (note or "").strip(), at
    result.latitude, result.longitude, result.building, result.area = lat, lon, building, area
    result.inspector = actor
    common.attach(result, processed)
    result.full_clean(exclude=["round", "item", "company"], validate_constraints=False)
    result.save()
    return result


#
# Submit, cancel, close
#
def _result_rows(round: InspectionRound) -> list[scoring.Row]:
    return [
        scoring.Row(
            scoring=r.item.scoring,
            max_score=r.item.max_score,
            weight=r.item.weight,
            outcome=r.outcome,
            score=r.score,
            department_kind=r.item.department_kind,
        )
        for r in round.results.select_related("item")
    ]


def _check_complete(round: InspectionRound) -> None:
    missing = list(
        ChecklistItem.objects.filter(version_id=round.version_id)
        .exclude(pk__in=ItemResult.objects.filter(round=round).values("item_id"))
        .order_by("sort_order", "id")
        .values_list("title", flat=True)
    )
    if missing:
        count = ngettext("%(n)d item", "%(n)d items", len(missing)) % {"n": len(missing)}
        titles = "、".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        raise ValidationError({"results": str(ROUND_ITEMS_MISSING).format(missing=count, titles=titles)})


def _open_findings(round: InspectionRound, actor: User | None) -> list:
    return list(findings_services.findings_open_for_round(round=round, actor=actor))


@transaction.atomic
def round_submit(*, round: InspectionRound, actor: User | None, at: dt.datetime | None = None) -> InspectionRound:
    """Hand in a round whose every item is answered: score it, open a finding for each failure
    (inspections.services.findings), and refresh the roll-up of its project and month."""
    from inspections.services.rollups import inspection_rollup_refresh

    _require_inspector(round, actor)
    if round.status != RoundStatus.IN_PROGRESS:
        _require_open(round)
    _check_complete(round)
    at = at or common.now()
    score = scoring.round_score(_result_rows(round))
    changes = {"submitted_at": at, "score": score.score, "achieved": score.achieved, "possible": score.possible}
    data = {"score": None if score.score is None else str(score.score), "failed": score.failed}
    _round_transition(round=round, to=RoundStatus.SUBMITTED, actor=actor, at=at, changes=changes, data=data)
    findings = _open_findings(round, actor)
    InspectionRound.objects.filter(pk=round.pk).update(findings_count=len(findings))
    round.findings_count = len(findings)
    inspection_rollup_refresh(company_id=round.company_id, project_id=round.project_id, period=round.scheduled_for)
    return round


@transaction.atomic
def round_cancel(*, round: InspectionRound, reason: str, actor: User | None) -> InspectionRound:
    _require_manage(round, actor)
    _require_open(round)
    return _round_transition(round=round, to=RoundStatus.CANCELLED, actor=actor, reason=need_reason(reason))


@transaction.atomic
def round_close(*, round: InspectionRound, actor: User | None, reason: str = "") -> InspectionRound:
    """Close a submitted round (reviewed by the quality department); its score stays in the figures."""
    _require_manage(round, actor)
    at = common.now()
    return _round_transition(
        round=round, to=RoundStatus.CLOSED, actor=actor, at=at, reason=reason, changes={"closed_at": at}
    )
