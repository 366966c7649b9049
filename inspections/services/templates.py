"""Checklist templates and their immutable versions.

Templates are company-wide: every write needs ``inspections.manage`` in the company (quality
managers and company admins; a project manager's project grant is not enough). Items live in
versions; revising a checklist creates the next version and makes it current, and rounds keep
the version they were made with.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.choices import Perm
from core.models import Company
from inspections import defaults
from inspections.choices import SEVERITY_RECTIFY_HOURS, Scoring, Severity
from inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from inspections.services.common import full_save, require
from standards.models import StandardItem, StandardRevision

TEMPLATE_CODE_TAKEN = _("Another checklist already has this code.")
VERSION_NEEDS_ITEMS = _("A checklist needs at least one item.")
VERSION_ITEM_ERROR = _("Item {n}: {field}: {error}")
VERSION_DUPLICATE_KEY = _("Item {n}: the key {key} is used twice.")
VERSION_UNKNOWN_FIELD = _("Item {n}: unknown field {field}.")
STANDARD_OTHER_COMPANY = _("The standard belongs to another company.")
FROM_STANDARDS_EMPTY = _("Pick at least one standard item.")

TEMPLATE_FIELDS = ("code", "name", "kinds", "discipline", "description")
TEMPLATE_UPDATE_FIELDS = ("name", "kinds", "discipline", "description")
ITEM_FIELDS = (
    "key",
    "section",
    "title",
    "requirement",
    "standard_revision",
    "scoring",
    "max_score",
    "weight",
    "photo_required",
    "severity_if_failed",
    "department_kind",
    "rectify_hours",
)


def _manage(actor: User | None, company_id: int) -> None:
    require(actor, Perm.INSP_MANAGE, company_id=company_id, project_id=None)


def _pick(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"unexpected fields: {sorted(unknown)}")  # a programming error, not user input
    return data


def _check_code(template: ChecklistTemplate) -> None:
    taken = ChecklistTemplate.objects.filter(company_id=template.company_id, code=template.code)
    if taken.exclude(pk=template.pk).exists():
        raise ValidationError({"code": ValidationError(TEMPLATE_CODE_TAKEN, code="unique")})


#
# Templates
#
@transaction.atomic
def checklist_template_create(
    *,
    company: Company,
    data: dict[str, Any],
    actor: User | None,
    items: list[dict] | None = None,
    note: str = "",
) -> ChecklistTemplate:
    """A new checklist; with ``items`` it gets its first version at once."""
    _manage(actor, company.id)
    template = ChecklistTemplate(company=company, created_by=actor, **_pick(data, TEMPLATE_FIELDS))
    _check_code(template)
    full_save(template, exclude=["current_version"])
    if items is not None:
        checklist_version_create(template=template, items=items, note=note, actor=actor)
    return template


@transaction.atomic
def checklist_template_update(*, template: ChecklistTemplate, data: dict[str, Any], actor: User | None):
    """Name, kinds, discipline and description; the items change only by a new version."""
    _manage(actor, template.company_id)
    for name, value in _pick(data, TEMPLATE_UPDATE_FIELDS).items():
        setattr(template, name, value)
    return full_save(template)


def _set_active(template: ChecklistTemplate, active: bool, actor: User | None) -> ChecklistTemplate:
    _manage(actor, template.company_id)
    template.is_active = active
    template.save(update_fields=["is_active"])
    return template


@transaction.atomic
def checklist_template_deactivate(*, template: ChecklistTemplate, actor: User | None) -> ChecklistTemplate:
    """No new rounds or schedules with it; rounds already made keep their version and score."""
    return _set_active(template, False, actor)


@transaction.atomic
def checklist_template_activate(*, template: ChecklistTemplate, actor: User | None) -> ChecklistTemplate:
    return _set_active(template, True, actor)


#
# Versions
#
def _item_defaults(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    severity = row.get("severity_if_failed") or Severity.MINOR
    row["severity_if_failed"] = severity
    row.setdefault("rectify_hours", SEVERITY_RECTIFY_HOURS.get(severity, SEVERITY_RECTIFY_HOURS[Severity.MINOR]))
    row["scoring"] = row.get("scoring") or Scoring.PASS_FAIL
    if row["scoring"] == Scoring.PASS_FAIL and row.get("max_score") in (None, ""):
        row["max_score"] = 1  # any other maximum is refused by ChecklistItem.clean
    if row.get("weight") in (None, ""):
        row["weight"] = Decimal(1)
    for name in ("section", "requirement", "department_kind"):
        row[name] = row.get(name) or ""
    row["photo_required"] = bool(row.get("photo_required"))
    return row


def _build_item(template: ChecklistTemplate, version: ChecklistVersion, n: int, row: dict[str, Any]):
    """A validated, unsaved item; errors come back as readable lines naming the item."""
    errors = [str(VERSION_UNKNOWN_FIELD).format(n=n, field=name) for name in sorted(set(row) - set(ITEM_FIELDS))]
    if errors:
        return None, errors
    row = _item_defaults(row)
    revision = row.get("standard_revision")
    if isinstance(revision, int):
        revision = StandardRevision.objects.filter(company_id=template.company_id, pk=revision).first()
        row["standard_revision"] = revision
    if revision is not None and revision.company_id != template.company_id:
        return None, [str(VERSION_ITEM_ERROR).format(n=n, field="standard_revision", error=STANDARD_OTHER_COMPANY)]
    try:
        row["weight"] = Decimal(str(row["weight"]))
    except InvalidOperation:
        pass  # full_clean names it
    if not row.get("key"):
        row.pop("key", None)  # the model's default: a new random key
    item = ChecklistItem(company_id=template.company_id, version=version, sort_order=n * 10, **row)
    try:
        item.full_clean(exclude=["version"])
    except ValidationError as e:
        return None, [
            str(VERSION_ITEM_ERROR).format(n=n, field=name, error=" ".join(str(m) for m in messages))
            for name, messages in e.message_dict.items()
        ]
    return item, []


@transaction.atomic
def checklist_version_create(
    *, template: ChecklistTemplate, items: Sequence[dict[str, Any]], note: str = "", actor: User | None
) -> ChecklistVersion:
    """The next version of ``template`` with ``items`` (in order); it becomes the current version.

    Item dicts take the keys of ``ITEM_FIELDS``; missing ones default (pass/fail, weight 1, minor,
    deadline by severity). Give ``key`` to mark an item as the same as one of an earlier version.
    Errors are raised together on ``items``, one line per problem naming the item's position.
    """
    _manage(actor, template.company_id)
    if not items:
        raise ValidationError({"items": VERSION_NEEDS_ITEMS})
    ChecklistTemplate.objects.select_for_update().filter(pk=template.pk).first()  # one numbering at a time
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ChecklistVersion(
        company_id=template.company_id, template=template, number=number, note=note, created_by=actor
    )
    version.full_clean(exclude=["template"])
    version.save()
    built, errors, keys = [], [], set()
    for n, row in enumerate(items, start=1):
        item, problems = _build_item(template, version, n, row)
        errors += problems
        if item is not None:
            if item.key in keys:
                errors.append(str(VERSION_DUPLICATE_KEY).format(n=n, key=item.key))
            keys.add(item.key)
            built.append(item)
    if errors:
        raise ValidationError({"items": [ValidationError(line, code="invalid") for line in errors]})
    ChecklistItem.objects.bulk_create(built)
    ChecklistTemplate.objects.filter(pk=template.pk).update(current_version=version)
    template.current_version = version
    return version


def version_items_as_rows(version: ChecklistVersion) -> list[dict[str, Any]]:
    """The items of ``version`` as dicts for ``checklist_version_create`` (to revise a copy)."""
    return [{name: getattr(item, name) for name in ITEM_FIELDS} for item in version.items.order_by("sort_order", "id")]


#
# From the standards library
#
@transaction.atomic
def checklist_template_from_standards(
    *,
    company: Company,
    name: str,
    code: str,
    revisions: Iterable[StandardRevision],
    kinds: Sequence[str],
    actor: User | None,
    discipline: str = "",
    description: str = "",
) -> ChecklistTemplate:
    """A checklist with one item per standard revision: pass/fail, weight 1, the standard's photo
    rule, severity by discipline (a step up for time limits of 30 minutes or less) and the
    discipline's department as the rectifier. Adjust the items afterwards with a new version."""
    revisions = list(revisions)
    if not revisions:
        raise ValidationError({"revisions": FROM_STANDARDS_EMPTY})
    if any(r.company_id != company.id for r in revisions):
        raise ValidationError({"revisions": STANDARD_OTHER_COMPANY})
    standard_items = StandardItem.objects.in_bulk([r.item_id for r in revisions])
    rows = []
    for revision in revisions:
        item = standard_items[revision.item_id]
        row = defaults.item_defaults(
            discipline=item.discipline,
            time_limit_minutes=revision.time_limit_minutes,
            photo_required=revision.photo_required,
        )
        row.update(
            key=item.code,
            title=item.title,
            requirement=revision.judgement or revision.requirement,
            standard_revision=revision,
        )
        rows.append(row)
    return checklist_template_create(
        company=company,
        data={
            "code": code,
            "name": name,
            "kinds": list(kinds),
            "discipline": discipline,
            "description": description,
        },
        items=rows,
        actor=actor,
    )


#
# Seed
#
@transaction.atomic
def checklist_defaults_seed(*, company: Company) -> int:
    """Give a company the starter checklists (built from its standards library) it lacks."""
    return defaults.seed_company(
        company.id, Template=ChecklistTemplate, Version=ChecklistVersion, Item=ChecklistItem, StandardItem=StandardItem
    )
