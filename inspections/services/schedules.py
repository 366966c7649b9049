"""Recurring inspections: schedules of a project and the job that turns them into rounds.

Round generation is idempotent: each round carries the natural key ``schedule:<id>:<date>``
(unique with the company), so a rerun or two generators at once never make a round twice.
It starts at the day after ``generated_until`` and never before today in the company's zone:
a new schedule, or a job that did not run for a while, never makes rounds that are late on arrival.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from core.access import access_for
from core.choices import Perm
from core.models import Project
from inspections.models import ChecklistTemplate, InspectionRound, InspectionSchedule, ScheduleInspector
from inspections.services.common import full_save, require
from inspections.services.rounds import (
    ROUND_KIND_NOT_SUITED,
    ROUND_TEMPLATE_INACTIVE,
    ROUND_VERSION_OTHER_COMPANY,
    _check_inspectors,
    _people,
    day_start,
    round_create,
)
from lib import recurrence

log = logging.getLogger(__name__)
SCHEDULE_FIELDS = ("kind", "title", "rrule", "starts_on", "ends_on", "due_hours", "lead")


def _check_template(project: Project, template: ChecklistTemplate, kind: str) -> None:
    if template.company_id != project.company_id:
        raise ValidationError({"template": ROUND_VERSION_OTHER_COMPANY})
    if not template.is_active or template.current_version_id is None:
        raise ValidationError({"template": ROUND_TEMPLATE_INACTIVE})
    if template.kinds and kind not in template.kinds:
        raise ValidationError({"kind": ROUND_KIND_NOT_SUITED})


@transaction.atomic
def inspection_schedule_create(
    *,
    project: Project,
    template: ChecklistTemplate,
    data: dict[str, Any],
    inspectors: Iterable[User],
    actor: User | None,
) -> InspectionSchedule:
    """A recurring inspection of ``project``; ``data`` takes kind, title, rrule, starts_on, ends_on,
    due_hours and lead. Rounds are made by ``rounds_generate``."""
    require(actor, Perm.INSP_MANAGE, company_id=project.company_id, project_id=project.pk)
    schedule = InspectionSchedule(company_id=project.company_id, project=project, template=template, created_by=actor)
    for name, value in data.items():
        if name not in SCHEDULE_FIELDS:
            raise ValueError(f"unexpected field: {name}")
        setattr(schedule, name, value)
    _check_template(project, template, schedule.kind)
    people = _people(schedule.lead, inspectors)
    _check_inspectors(project, people)
    full_save(schedule)
    ScheduleInspector.objects.bulk_create(
        ScheduleInspector(company_id=project.company_id, schedule=schedule, user=p) for p in people
    )
    return schedule


@transaction.atomic
def inspection_schedule_update(
    *,
    schedule: InspectionSchedule,
    data: dict[str, Any],
    actor: User | None,
    template: ChecklistTemplate | None = None,
    inspectors: Iterable[User] | None = None,
) -> InspectionSchedule:
    """Change a schedule (``data`` as for create; ``template`` and ``inspectors`` when given).
    Rounds already generated keep what they were made with; later ones follow the change."""
    require(actor, Perm.INSP_MANAGE, company_id=schedule.company_id, project_id=schedule.project_id)
    for name, value in data.items():
        if name not in SCHEDULE_FIELDS:
            raise ValueError(f"unexpected field: {name}")
        setattr(schedule, name, value)
    if template is not None:
        schedule.template = template
    _check_template(schedule.project, schedule.template, schedule.kind)
    people = _people(schedule.lead, schedule.inspectors.all() if inspectors is None else inspectors)
    _check_inspectors(schedule.project, people)
    full_save(schedule)
    ScheduleInspector.objects.filter(schedule=schedule).exclude(user__in=people).delete()
    have = set(ScheduleInspector.objects.filter(schedule=schedule).values_list("user_id", flat=True))
    ScheduleInspector.objects.bulk_create(
        ScheduleInspector(company_id=schedule.company_id, schedule=schedule, user=p) for p in people if p.pk not in have
    )
    return schedule


@transaction.atomic
def inspection_schedule_deactivate(*, schedule: InspectionSchedule, actor: User | None) -> InspectionSchedule:
    """No more rounds from it; rounds already made stay."""
    require(actor, Perm.INSP_MANAGE, company_id=schedule.company_id, project_id=schedule.project_id)
    InspectionSchedule.objects.filter(pk=schedule.pk).update(is_active=False)
    schedule.is_active = False
    return schedule


def _due_schedules(*, until: dt.date, company, schedules) -> QuerySet[InspectionSchedule]:
    qs = InspectionSchedule.objects.filter(is_active=True, starts_on__lte=until).filter(
        Q(generated_until__isnull=True) | Q(generated_until__lt=until)
    )
    qs = qs.filter(Q(ends_on__isnull=True) | Q(generated_until__isnull=True) | Q(ends_on__gt=F("generated_until")))
    if company is not None:
        qs = qs.filter(company=company)
    if schedules is not None:
        qs = qs.filter(pk__in=[s if isinstance(s, int) else s.pk for s in schedules])
    return qs.select_related("company", "project", "project__company", "template", "template__current_version", "lead")


def _dates(schedule: InspectionSchedule, until: dt.date, now: dt.datetime) -> list[dt.date]:
    today = timezone.localtime(now, schedule.company.zone).date()
    start = max(schedule.starts_on, today)
    if schedule.generated_until is not None:
        start = max(start, schedule.generated_until + dt.timedelta(days=1))
    end = min(until, schedule.ends_on) if schedule.ends_on else until
    if start > end:
        return []
    return recurrence.rule_dates(rule=schedule.rrule, starts_on=schedule.starts_on, date_from=start, date_to=end)


def _able(schedule: InspectionSchedule, people: list[User]) -> list[User]:
    """Inspectors who still hold inspections.do in the project (roles change after scheduling)."""
    return [
        p
        for p in people
        if access_for(p).allows(Perm.INSP_DO, company_id=schedule.company_id, project_id=schedule.project_id)
    ]


def _generate_one(schedule: InspectionSchedule, until: dt.date, now: dt.datetime) -> int:
    template = schedule.template
    version = template.current_version
    lead = schedule.lead if schedule.lead and _able(schedule, [schedule.lead]) else None
    inspectors = _able(schedule, list(schedule.inspectors.all()))
    days = {f"schedule:{schedule.pk}:{day.isoformat()}": day for day in _dates(schedule, until, now)}
    made = set(
        InspectionRound.objects.filter(company_id=schedule.company_id, source_key__in=list(days)).values_list(
            "source_key", flat=True
        )
    )
    created = 0
    for key, day in days.items():
        if key in made:
            continue
        round_create(
            project=schedule.project,
            version=version,
            kind=schedule.kind,
            title=schedule.title or template.name,
            scheduled_for=day,
            due_at=day_start(schedule.project, day) + dt.timedelta(hours=schedule.due_hours),
            lead=lead,
            inspectors=inspectors,
            actor=None,
            schedule=schedule,
            source_key=key,
        )
        created += 1
    InspectionSchedule.objects.filter(pk=schedule.pk).filter(
        Q(generated_until__isnull=True) | Q(generated_until__lt=until)
    ).update(generated_until=until)
    return created


def rounds_generate(*, until: dt.date, company=None, schedules=None, now: dt.datetime | None = None) -> int:
    """Make the rounds of active schedules up to ``until`` (inclusive); returns how many were new.

    A schedule that cannot make rounds (checklist switched off, nobody left to inspect) is logged
    and skipped without moving its ``generated_until``, so it catches up once fixed."""
    now = now or timezone.now()
    created = 0
    for schedule in _due_schedules(until=until, company=company, schedules=schedules):
        try:
            with transaction.atomic():
                _check_template(schedule.project, schedule.template, schedule.kind)
                created += _generate_one(schedule, until, now)
        except ValidationError as e:
            log.warning("inspections: schedule %s makes no rounds: %s", schedule.pk, e.messages)
    if created:
        log.info("inspections: %s rounds generated up to %s", created, until)
    return created
